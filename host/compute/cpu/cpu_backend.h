/*
 * cpu_backend.h -- the CPU compute backend: runs compression jobs
 * (compute_job.h) on the host, and defines the semantics every other
 * backend reproduces bit for bit.  The steps, one per file:
 *
 *   prune_magnitude / prune_block / prune_nm   which elements survive
 *   kept_scan                                  facts about the survivors
 *   quantize / palettize (kmeans1d, kmeans1d_dp, sort_f32)
 *                                              the joint compression
 *   compact (+ packed_writer, error_stats)     mask, payload and statistics
 *
 * Job flow (cpu_backend.c): non-finite check (first) -> pruning ->
 * joint-compression setup (scale / palette) -> one output pass.
 */
#ifndef CAIS_CPU_BACKEND_H
#define CAIS_CPU_BACKEND_H

#include <stddef.h>

#include "common/threadpool.h"
#include "compute/compute_backend.h"

/** Runs one job completely on the CPU, using `pool` (may be NULL) for
 *  parallelism inside the tensor.  Sets job->result (DONE or SKIPPED;
 *  FAILED only on out-of-memory, with a message).  Any buffers left in
 *  job->result are released first. */
void cais_cpu_run_job(cais_job *job, cais_threadpool *pool);

/** Runs jobs: large tensors (at least max(2, threads) chunks,
 *  cpu_parallel.h) one at a time with intra-tensor parallelism, the others
 *  in parallel across the pool (one thread each, largest first).  Results
 *  identical to running each alone. */
void cais_cpu_run_jobs(cais_job *jobs, size_t count, cais_threadpool *pool);

/** The CPU backend object (compute_backend.h); never fails a batch for
 *  device reasons.  `pool` is borrowed (may be NULL) and must outlive the
 *  backend.  Returns NULL with `err` set when out of memory. */
cais_backend *cais_cpu_backend_create(cais_threadpool *pool, cais_error *err);

#endif /* CAIS_CPU_BACKEND_H */

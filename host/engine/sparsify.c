/* sparsify.c -- cais_engine_sparsify: the whole run, in the order of the
 * data flow.
 *
 *   1. resolve the options (fail before touching anything);
 *   2. pick the target module: the program itself (in_place) or a clone;
 *   3. collect every float constant and decide eligibility (select_weights),
 *      and refuse a run that cannot fit in memory (memory_budget.h);
 *   4. cut the eligible weights into batches that fit the backend, compute
 *      each batch (device, then the CPU for whatever the device could not
 *      finish), and rewrite the batch's weights into op chains right away so
 *      compressed buffers do not pile up;
 *   5. fill the report.
 * Any failure before the end destroys the clone, so a non-in-place input is
 * never changed.  With in_place a failure in step 4 (cancellation, memory)
 * can leave the weights of earlier batches compressed: the module stays
 * valid, each rewrite being complete. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "compute/compute_job.h"
#include "engine/engine.h"
#include "engine/memory_budget.h"
#include "engine/options.h"
#include "read_ir/mlir_capi_ext.h"
#include "read_ir/program.h"
#include "report/report_internal.h"
#include "rewrite_ir/op_chains.h"
#include "select_weights/collect_weights.h"

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The options as CLI flags, for the report. */
static void describe_options(const cais_options *o, char *buf, size_t size) {
  size_t n = 0;
#define ADD(...)                                                   \
  do {                                                             \
    int k = snprintf(buf + n, n < size ? size - n : 0, __VA_ARGS__); \
    if (k > 0) n += (size_t)k;                                     \
  } while (0)
  buf[0] = '\0';
  if (o->target_sparsity_set) ADD("--target-sparsity %g", o->target_sparsity);
  if (o->n_m_ratio && o->n_m_ratio_len == 2)
    ADD("--n-m %g:%g", o->n_m_ratio[0], o->n_m_ratio[1]);
  if (o->block_size) ADD(" --block-size %lld", (long long)o->block_size);
  if (o->quantize_dtype != CAIS_QUANTIZE_NONE)
    ADD(" --quantize-dtype %s", cais_quantize_dtype_name(o->quantize_dtype));
  if (o->palettize_nbits) ADD(" --palettize-nbits %d", o->palettize_nbits);
  ADD(" --weight-num-threshold %lld", (long long)o->weight_num_threshold);
#undef ADD
}

/* Runs `count` jobs on the CPU backend and reports a job it could not do. */
static cais_status run_on_cpu(cais_engine *e, cais_job *jobs, size_t count,
                              cais_error *err) {
  cais_status st = e->cpu->ops->run_batch(e->cpu, jobs, count, err);
  if (st != CAIS_OK) return st;
  for (size_t i = 0; i < count; i++)
    if (jobs[i].result.outcome == CAIS_JOB_FAILED ||
        jobs[i].result.outcome == CAIS_JOB_PENDING)
      return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "%s",
                       jobs[i].result.message[0] ? jobs[i].result.message
                                                 : "the CPU backend failed a weight");
  return CAIS_OK;
}

/* Computes one batch: on the device when there is one, then on the CPU for
 * every job the device did not finish (spec section 7: nothing is lost). */
static cais_status compute_batch(cais_engine *e, cais_job *jobs, size_t count,
                                 cais_report_totals *totals, cais_error *err) {
  if (!e->device || e->device_disabled) return run_on_cpu(e, jobs, count, err);

  cais_error device_err;
  cais_error_clear(&device_err);
  cais_status st = e->device->ops->run_batch(e->device, jobs, count, &device_err);
  if (st != CAIS_OK) {
    cais_engine_message(e, CAIS_SEVERITY_WARNING, "device",
                        "%s; the CPU takes over for the rest of the run",
                        device_err.message);
    e->device_disabled = true;
  }
  size_t redo = 0;
  for (size_t i = 0; i < count; i++) {
    cais_job_outcome o = jobs[i].result.outcome;
    if (o != CAIS_JOB_DONE && o != CAIS_JOB_SKIPPED) redo++;
  }
  if (redo == 0) return CAIS_OK;
  if (st == CAIS_OK)
    cais_engine_message(e, CAIS_SEVERITY_WARNING, "device",
                        "%zu of %zu weights in a batch failed on the device; "
                        "redoing them on the CPU",
                        redo, count);
  totals->device_fallbacks++;
  /* Gather the unfinished jobs, rerun them together, put them back. */
  cais_job *again = malloc(redo * sizeof *again);
  size_t *where = malloc(redo * sizeof *where);
  if (!again || !where) {
    free(again);
    free(where);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory");
  }
  size_t k = 0;
  for (size_t i = 0; i < count; i++) {
    cais_job_outcome o = jobs[i].result.outcome;
    if (o == CAIS_JOB_DONE || o == CAIS_JOB_SKIPPED) continue;
    cais_job_result_release(&jobs[i].result);
    again[k] = jobs[i];
    where[k++] = i;
  }
  st = run_on_cpu(e, again, redo, err);
  for (size_t j = 0; j < redo; j++) jobs[where[j]] = again[j];
  free(again);
  free(where);
  return st;
}

static void fill_entry_basics(cais_report_entry *entry, const cais_weight *w) {
  cais_weight_report *pub = &entry->pub;
  snprintf(entry->name, sizeof entry->name, "%s", w->name);
  pub->rank = w->view.rank;
  for (int d = 0; d < w->view.rank; d++) pub->shape[d] = w->view.shape[d];
  pub->dtype = cais_float_type_name(w->view.type);
  pub->elements = w->view.numel;
  pub->bytes_before = (uint64_t)w->view.numel * cais_float_type_size(w->view.type);
  pub->output_axis = w->axes.out_axis;
  pub->input_axis = w->axes.in_axis;
  if (!w->eligible) {
    pub->outcome = CAIS_WEIGHT_NOT_ELIGIBLE;
    snprintf(entry->reason, sizeof entry->reason, "%s", w->reason);
    pub->reason = entry->reason;
  }
}

/* Records a computed job in the report and rewrites its weight. */
static cais_status finish_job(cais_engine *e, const cais_compress_params *params,
                              const cais_weight *w, cais_job *job,
                              cais_report_entry *entry, cais_error *err) {
  cais_weight_report *pub = &entry->pub;
  cais_job_result *r = &job->result;
  const cais_job_timing *t = &r->timing;
  pub->seconds = t->select + t->compact + t->joint + t->stats;
  pub->seconds_select = t->select;
  pub->seconds_compact = t->compact;
  pub->seconds_joint = t->joint;
  pub->seconds_stats = t->stats;
  pub->mode = cais_prune_mode_name(params->prune);
  if (r->outcome == CAIS_JOB_SKIPPED) {
    pub->outcome = CAIS_WEIGHT_SKIPPED;
    snprintf(entry->reason, sizeof entry->reason, "%s", r->message);
    pub->reason = entry->reason;
    cais_engine_message(e, CAIS_SEVERITY_WARNING, w->name, "%s", r->message);
    return CAIS_OK;
  }
  pub->outcome = CAIS_WEIGHT_COMPRESSED;
  cais_joint_mode_describe(r->joint, params->palettize_nbits, entry->joint,
                           sizeof entry->joint);
  pub->nonzeros = r->nnz;
  pub->sparsity = w->view.numel ? 1.0 - (double)r->nnz / (double)w->view.numel : 0.0;
  pub->relative_error = r->sq_norm > 0 ? sqrt(r->sq_error / r->sq_norm) : 0.0;
  if (r->message[0]) {
    snprintf(entry->warning, sizeof entry->warning, "%s", r->message);
    pub->warning = entry->warning;
    cais_engine_message(e, CAIS_SEVERITY_WARNING, w->name, "%s", r->message);
  }
  return cais_rewrite_weight(w, r, params->palettize_nbits, &pub->bytes_after, err);
}

static cais_status run(cais_engine *e, cais_program *target,
                       const cais_options *options,
                       const cais_compress_params *params, cais_report **out,
                       cais_error *err) {
  double t0 = now_seconds();
  cais_weight_set set;
  cais_status st =
      cais_collect_weights_lazy(target->module, options->weight_num_threshold, &set, err);
  if (st != CAIS_OK) {
    /* Name the file, unless the location in the message already does. */
    if (err && strncmp(err->message, target->source_name,
                       strlen(target->source_name)) != 0)
      cais_error_prefix(err, "%s", target->source_name);
    return st;
  }
  /* auto: a program this size may be worth the GPU (engine.h). */
  cais_engine_prepare_device(e, set.eligible_bytes);
  /* Refuse a run that cannot fit before anything is computed or changed
   * (memory_budget.h); only then expand splat weights. */
  uint64_t device_batch = e->device && !e->device_disabled
                              ? e->device->ops->batch_byte_limit(e->device)
                              : 0;
  st = cais_check_run_memory(&set, params,
                             target->source_format == CAIS_FORMAT_TEXT,
                             cais_threadpool_size(e->pool), device_batch,
                             target->source_name, err);
  if (st == CAIS_OK) st = cais_weight_set_expand_splats(&set, err);
  if (st != CAIS_OK) {
    cais_weight_set_free(&set);
    return st;
  }
  double t_selected = now_seconds();

  char option_text[256];
  describe_options(options, option_text, sizeof option_text);
  cais_report *report =
      cais_report_new(set.count, target->source_name, e->device_name, option_text);
  cais_job *jobs = calloc(set.eligible_count ? set.eligible_count : 1, sizeof *jobs);
  size_t *job_weight = calloc(set.eligible_count ? set.eligible_count : 1,
                              sizeof *job_weight);
  if (!report || !jobs || !job_weight) {
    free(jobs);
    free(job_weight);
    cais_report_destroy(report);
    cais_weight_set_free(&set);
    return cais_fail(err, CAIS_ERROR_OUT_OF_MEMORY, "out of memory");
  }

  size_t njobs = 0;
  for (size_t i = 0; i < set.count; i++) {
    const cais_weight *w = &set.items[i];
    fill_entry_basics(cais_report_add(report), w);
    if (!w->eligible) continue;
    if (w->axes_disagree) /* spec section 3: warn, whatever the mode */
      cais_engine_message(e, CAIS_SEVERITY_WARNING, w->name,
                          "users disagree on the channel axes (%s); using output "
                          "axis 0, input axis 1",
                          w->axes_detail);
    cais_job *job = &jobs[njobs];
    job->weight = w->view;
    job->out_axis = w->axes.out_axis;
    job->in_axis = w->axes.in_axis;
    job->params = params;
    job_weight[njobs++] = i;
  }

  cais_progress progress = {0};
  progress.weights_total = njobs;
  progress.bytes_total = set.eligible_bytes;
  uint64_t limit = e->device && !e->device_disabled
                       ? e->device->ops->batch_byte_limit(e->device)
                       : e->cpu->ops->batch_byte_limit(e->cpu);
  size_t device_batches_before = e->device ? e->device->ops->batches_run(e->device) : 0;
  double compute_seconds = 0, rewrite_seconds = 0;

  for (size_t begin = 0; begin < njobs && st == CAIS_OK;) {
    /* A batch: as many consecutive weights as fit the limit (at least one). */
    size_t end = begin;
    uint64_t bytes = 0;
    while (end < njobs) {
      const cais_tensor_view *v = &jobs[end].weight;
      uint64_t b = (uint64_t)v->numel * cais_float_type_size(v->type);
      if (end > begin && bytes + b > limit) break;
      bytes += b;
      end++;
    }
    if (atomic_load(&e->cancelled)) {
      st = cais_fail(err, CAIS_ERROR_CANCELLED, "cancelled");
      break;
    }
    double tc = now_seconds();
    st = compute_batch(e, jobs + begin, end - begin, &report->totals, err);
    double tr = now_seconds();
    compute_seconds += tr - tc;
    for (size_t j = begin; j < end && st == CAIS_OK; j++) {
      const cais_weight *w = &set.items[job_weight[j]];
      st = finish_job(e, params, w, &jobs[j], &report->entries[job_weight[j]], err);
      cais_program_drop_pages(target, w->view.data,
                              (size_t)w->view.numel * cais_float_type_size(w->view.type));
      progress.weights_done++;
      progress.bytes_done += (uint64_t)w->view.numel * cais_float_type_size(w->view.type);
      progress.seconds_elapsed = now_seconds() - t0;
      if (e->config.on_progress) e->config.on_progress(e->config.progress_user, &progress);
    }
    rewrite_seconds += now_seconds() - tr;
    for (size_t j = begin; j < end; j++) cais_job_result_release(&jobs[j].result);
    begin = end;
  }
  for (size_t j = 0; j < njobs; j++) cais_job_result_release(&jobs[j].result);
  free(jobs);
  free(job_weight);
  cais_weight_set_free(&set);
  if (st != CAIS_OK) {
    cais_report_destroy(report);
    return st;
  }

  cais_report_totals *t = &report->totals;
  t->seconds_collect = t_selected - t0;
  t->seconds_compute = compute_seconds;
  t->seconds_rewrite = rewrite_seconds;
  t->seconds_total = now_seconds() - t0;
  t->device_batches =
      e->device ? e->device->ops->batches_run(e->device) - device_batches_before : 0;
  cais_report_finish(report);
  if (out)
    *out = report;
  else
    cais_report_destroy(report);
  return CAIS_OK;
}

cais_status cais_engine_sparsify(cais_engine *engine, cais_program *program,
                                 const cais_options *options,
                                 cais_program **result, cais_report **report,
                                 cais_error *err) {
  if (!program || !options || !result)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_engine_sparsify: program, options and result are required");
  cais_compress_params params;
  cais_status st = cais_options_resolve(options, &params, err);
  if (st != CAIS_OK) return st;

  cais_engine *temporary = NULL;
  if (!engine) {
    st = cais_engine_create(NULL, &temporary, err);
    if (st != CAIS_OK) return st;
    engine = temporary;
  }
  atomic_store(&engine->cancelled, 0);

  cais_program *target = program;
  if (!options->in_place) {
    MlirOperation copy =
        caisMlirOperationCloneWithProperties(mlirModuleGetOperation(program->module));
    st = cais_program_new_in_context(program, mlirModuleFromOperation(copy), &target,
                                     err);
    if (st != CAIS_OK) {
      mlirOperationDestroy(copy);
      cais_engine_destroy(temporary);
      return st;
    }
  }
  st = run(engine, target, options, &params, report, err);
  cais_engine_destroy(temporary);
  if (st != CAIS_OK) {
    if (target != program) cais_program_destroy(target);
    return st;
  }
  *result = target;
  return CAIS_OK;
}

cais_status cais_sparsify_weights(cais_program *program, const cais_options *options,
                                  cais_program **result, cais_report **report,
                                  cais_error *err) {
  return cais_engine_sparsify(NULL, program, options, result, report, err);
}

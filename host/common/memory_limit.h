/*
 * memory_limit.h -- how much more memory this process may take, so a run
 * that cannot fit is refused before it starts (docs/RELIABILITY.md,
 * "Memory") instead of dying half-way in the kernel's OOM killer or in an
 * allocation failure inside MLIR.
 *
 * The headroom is the smallest of:
 *   - $CAIS_MEMORY_LIMIT (bytes; suffixes K, M, G, T), when set: an explicit
 *     budget for one step of a run (read, compress), e.g. on a shared
 *     runner;
 *   - RLIMIT_AS minus the address space in use (ulimit -v);
 *   - RLIMIT_DATA minus the data segment in use (ulimit -d);
 *   - the cgroup's memory limit minus its non-reclaimable use (v1 and v2);
 *   - MemAvailable + SwapFree of /proc/meminfo.
 * Limits that are not set (or cannot be read) do not count.
 */
#ifndef CAIS_COMMON_MEMORY_LIMIT_H
#define CAIS_COMMON_MEMORY_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_memory_headroom {
  uint64_t bytes;  /**< UINT64_MAX when nothing limits */
  /** Which limit gave `bytes`: "CAIS_MEMORY_LIMIT", "RLIMIT_AS",
   *  "RLIMIT_DATA", "cgroup memory limit", "available memory", or "". */
  const char *limited_by;
} cais_memory_headroom;

/** The headroom now.  With `address_space_only`, only the limits on
 *  address space count (RLIMIT_AS and CAIS_MEMORY_LIMIT): what a read-only
 *  file mapping needs, whose pages the kernel can always drop. */
cais_memory_headroom cais_memory_headroom_now(bool address_space_only);

/** Parses "123", "64K", "1.5G", ... into bytes; false when malformed. */
bool cais_parse_byte_size(const char *text, uint64_t *out);

/** Bytes as a short human-readable text ("1.5 GiB", "800 MiB"). */
void cais_format_bytes(uint64_t bytes, char *buf, unsigned size);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_COMMON_MEMORY_LIMIT_H */

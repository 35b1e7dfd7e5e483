/* memory_limit.c -- see memory_limit.h.  Everything here reads small text
 * files under /proc and /sys; a file that is missing or malformed means
 * "no such limit", never an error. */
#include "common/memory_limit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

bool cais_parse_byte_size(const char *text, uint64_t *out) {
  if (!text || !*text) return false;
  char *end;
  double v = strtod(text, &end);
  double scale = 1;
  switch (*end) {
    case 'k': case 'K': scale = 1024.0; end++; break;
    case 'm': case 'M': scale = 1024.0 * 1024; end++; break;
    case 'g': case 'G': scale = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': scale = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
  }
  if (*end == 'i' || *end == 'B') end++; /* "GiB", "GB" */
  if (*end == 'B') end++;
  if (*end || !(v >= 0) || v * scale >= 1.8e19) return false;
  *out = (uint64_t)(v * scale);
  return true;
}

void cais_format_bytes(uint64_t bytes, char *buf, unsigned size) {
  static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)bytes;
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, u++;
  if (u == 0)
    snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
  else
    snprintf(buf, size, "%.*f %s", v < 10 ? 1 : 0, v, units[u]);
}

/* The number after `key` in a "key value" (or "Key: value kB") file. */
static bool read_keyed(const char *path, const char *key, uint64_t *out) {
  FILE *f = fopen(path, "r");
  if (!f) return false;
  char line[256];
  size_t n = strlen(key);
  bool found = false;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, n) != 0 || (line[n] != ' ' && line[n] != ':')) continue;
    unsigned long long v;
    char unit[8] = "";
    if (sscanf(line + n + 1, " %llu %7s", &v, unit) >= 1) {
      *out = (uint64_t)v * (strcmp(unit, "kB") == 0 ? 1024 : 1);
      found = true;
    }
    break;
  }
  fclose(f);
  return found;
}

/* A file holding one number; "max" (cgroup v2's "no limit") is false. */
static bool read_number(const char *path, uint64_t *out) {
  FILE *f = fopen(path, "r");
  if (!f) return false;
  unsigned long long v;
  bool ok = fscanf(f, "%llu", &v) == 1;
  fclose(f);
  if (ok) *out = (uint64_t)v;
  return ok;
}

static bool cgroup_headroom_in(const char *dir, bool v2, uint64_t *out) {
  char path[768];
  uint64_t limit, usage, file = 0, active = 0;
  snprintf(path, sizeof path, "%s/%s", dir, v2 ? "memory.max" : "memory.limit_in_bytes");
  if (!read_number(path, &limit) || limit >= ((uint64_t)1 << 62)) return false;
  snprintf(path, sizeof path, "%s/%s", dir, v2 ? "memory.current" : "memory.usage_in_bytes");
  if (!read_number(path, &usage)) return false;
  /* Page cache (our own mapped input included) is reclaimable. */
  snprintf(path, sizeof path, "%s/memory.stat", dir);
  if (v2) {
    read_keyed(path, "file", &file);
  } else {
    read_keyed(path, "total_inactive_file", &file);
    read_keyed(path, "total_active_file", &active);
    file += active;
  }
  uint64_t used = usage > file ? usage - file : 0;
  *out = limit > used ? limit - used : 0;
  return true;
}

/* The memory cgroup of this process, v2 or v1.  Inside a container the
 * path in /proc/self/cgroup may not exist under /sys/fs/cgroup (the
 * container's own cgroup is mounted there), so the root is tried too. */
static bool cgroup_headroom(uint64_t *out) {
  FILE *f = fopen("/proc/self/cgroup", "r");
  if (!f) return false;
  char line[512], v1[400] = "", v2[400] = "";
  bool has_v1 = false, has_v2 = false;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c2 = '\0';
    const char *controllers = c1 + 1, *cpath = c2 + 1;
    if (strcmp(line, "0") == 0 && !*controllers) {
      snprintf(v2, sizeof v2, "%s", cpath);
      has_v2 = true;
    } else if (strstr(controllers, "memory")) {
      snprintf(v1, sizeof v1, "%s", cpath);
      has_v1 = true;
    }
  }
  fclose(f);
  char dir[512];
  if (has_v1) {
    snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory%s", v1);
    if (cgroup_headroom_in(dir, false, out) ||
        cgroup_headroom_in("/sys/fs/cgroup/memory", false, out))
      return true;
  }
  if (has_v2) {
    snprintf(dir, sizeof dir, "/sys/fs/cgroup%s", v2);
    if (cgroup_headroom_in(dir, true, out) ||
        cgroup_headroom_in("/sys/fs/cgroup", true, out))
      return true;
  }
  return false;
}

static void consider(cais_memory_headroom *h, uint64_t bytes, const char *why) {
  if (bytes < h->bytes) {
    h->bytes = bytes;
    h->limited_by = why;
  }
}

/* rlimit `resource` minus `in_use`, when the limit is set. */
static void consider_rlimit(cais_memory_headroom *h, int resource,
                            uint64_t in_use, const char *why) {
  struct rlimit rl;
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
  consider(h, (uint64_t)rl.rlim_cur > in_use ? (uint64_t)rl.rlim_cur - in_use : 0, why);
}

cais_memory_headroom cais_memory_headroom_now(bool address_space_only) {
  cais_memory_headroom h = {UINT64_MAX, ""};
  uint64_t v;
  const char *env = getenv("CAIS_MEMORY_LIMIT");
  if (env && *env && cais_parse_byte_size(env, &v)) consider(&h, v, "CAIS_MEMORY_LIMIT");

  uint64_t vm_size = 0, vm_data = 0;
  read_keyed("/proc/self/status", "VmSize", &vm_size);
  read_keyed("/proc/self/status", "VmData", &vm_data);
  consider_rlimit(&h, RLIMIT_AS, vm_size, "RLIMIT_AS");
  if (address_space_only) return h;
  consider_rlimit(&h, RLIMIT_DATA, vm_data, "RLIMIT_DATA");
  if (cgroup_headroom(&v)) consider(&h, v, "cgroup memory limit");
  uint64_t avail, swap = 0;
  if (read_keyed("/proc/meminfo", "MemAvailable", &avail)) {
    read_keyed("/proc/meminfo", "SwapFree", &swap);
    consider(&h, avail + swap, "available memory");
  }
  return h;
}

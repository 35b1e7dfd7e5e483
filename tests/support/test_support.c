/* test_support.c -- see test_support.h. */
#include "test_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

char *cais_test_mkdtemp(void) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  char *path = malloc(strlen(base) + 32);
  sprintf(path, "%s/cais-test-XXXXXX", base);
  if (!mkdtemp(path)) {
    free(path);
    return NULL;
  }
  return path;
}

void cais_test_rmtree(const char *dir) {
  if (!dir) return;
  char *cmd = malloc(2 * strlen(dir) + 64);
  sprintf(cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
  if (system(cmd) != 0) { /* best effort */
  }
  free(cmd);
}

char *cais_test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return NULL;
  }
  long n = ftell(f);
  rewind(f);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    if (size) *size = (size_t)n;
  }
  return buf;
}

int cais_test_write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = fwrite(data, 1, size, f);
  int rc = fclose(f);
  return (w == size && rc == 0) ? 0 : -1;
}

int cais_test_run(const char *command, char **output) {
  char *full = malloc(strlen(command) + 16);
  sprintf(full, "(%s) 2>&1", command);
  FILE *p = popen(full, "r");
  free(full);
  if (!p) return -1;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t r;
  while ((r = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += r;
    if (cap - len < 1024) buf = realloc(buf, cap *= 2);
  }
  buf[len] = '\0';
  int status = pclose(p);
  if (output)
    *output = buf;
  else
    free(buf);
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *cais_test_cli_expect(int want, const char *dir, const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  if (dir)
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", dir, cais_test_cli(), args);
  else
    snprintf(cmd, sizeof cmd, "'%s' %s", cais_test_cli(), args);
  char *out = NULL;
  int rc = cais_test_run(cmd, &out);
  if (rc != want) fail_msg("%s: exit %d, expected %d:\n%s", cmd, rc, want, out);
  return out;
}

const char *cais_test_cli(void) {
  const char *p = getenv("CAIS_CLI");
  return p ? p : CAIS_BINARY_DIR "/host/cai-sparsify";
}

const char *cais_test_gen(void) {
  const char *p = getenv("CAIS_GEN");
  return p ? p : CAIS_BINARY_DIR "/examples/cais-gen-program";
}

void cais_test_generate(const char *dir, const char *args, const char *name,
                        char *path, size_t size) {
  snprintf(path, size, "%s/%s", dir, name);
  size_t n = strlen(args) + strlen(path) + strlen(cais_test_gen()) + 32;
  char *cmd = malloc(n);
  snprintf(cmd, n, "'%s' %s -q -o '%s'", cais_test_gen(), args, path);
  char *out = NULL;
  int rc = cais_test_run(cmd, &out);
  free(cmd);
  if (rc != 0) fail_msg("generator failed (%d): %s", rc, out ? out : "");
  free(out);
}

char *cais_test_dir;

int cais_test_dir_setup(void **state) {
  (void)state;
  cais_test_dir = cais_test_mkdtemp();
  return cais_test_dir ? 0 : -1;
}

int cais_test_dir_teardown(void **state) {
  (void)state;
  cais_test_rmtree(cais_test_dir);
  free(cais_test_dir);
  cais_test_dir = NULL;
  return 0;
}

uint64_t cais_test_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double cais_test_uniform(uint64_t *state) {
  return (double)(cais_test_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

double cais_test_normal(uint64_t *state) {
  double u1 = cais_test_uniform(state), u2 = cais_test_uniform(state);
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* progress.c -- see progress.h. */
#include "cli/progress.h"

#include <stdio.h>
#include <unistd.h>

void cli_progress_init(cli_progress *p, int verbosity) {
  p->enabled = verbosity > 0 && isatty(STDERR_FILENO);
  p->last_draw = -1;
  p->drawn = false;
}

static void format_bytes(double b, char *buf, size_t size) {
  const char *unit[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    u++;
  }
  snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
}

void cli_progress_update(void *user, const cais_progress *pr) {
  cli_progress *p = user;
  if (!p->enabled) return;
  bool last = pr->weights_done == pr->weights_total;
  if (!last && p->last_draw >= 0 && pr->seconds_elapsed - p->last_draw < 0.1) return;
  p->last_draw = pr->seconds_elapsed;
  char done[32], total[32];
  format_bytes((double)pr->bytes_done, done, sizeof done);
  format_bytes((double)pr->bytes_total, total, sizeof total);
  double rate = pr->seconds_elapsed > 0 ? (double)pr->bytes_done / pr->seconds_elapsed : 0;
  char eta[32] = "--";
  if (rate > 0 && pr->bytes_total >= pr->bytes_done)
    snprintf(eta, sizeof eta, "%.0fs", (double)(pr->bytes_total - pr->bytes_done) / rate);
  fprintf(stderr, "\r\033[K[%zu/%zu weights] %s / %s  %.0f MB/s  ETA %s",
          pr->weights_done, pr->weights_total, done, total, rate / 1e6, eta);
  fflush(stderr);
  p->drawn = true;
}

void cli_progress_clear(cli_progress *p) {
  if (p->drawn) fputs("\r\033[K", stderr);
  p->drawn = false;
}

/* summary.c -- see summary.h. */
#include "cli/summary.h"

static double mb(uint64_t bytes) { return (double)bytes / 1e6; }

void cli_print_summary(FILE *out, const cais_report *report, const char *output,
                       double seconds_read, double seconds_write, int verbosity) {
  const cais_report_totals *t = cais_report_totals_get(report);
  if (verbosity >= 2) {
    for (size_t i = 0; i < cais_report_weight_count(report); i++) {
      const cais_weight_report *w = cais_report_weight(report, i);
      if (w->outcome == CAIS_WEIGHT_COMPRESSED)
        fprintf(out, "  %-40s %-5s %10lld -> nnz %10lld  %7.3f MB -> %7.3f MB  rel.err %.3e\n",
                w->name, w->dtype, (long long)w->elements, (long long)w->nonzeros,
                mb(w->bytes_before), mb(w->bytes_after), w->relative_error);
      else
        fprintf(out, "  %-40s %-5s %10lld    %s: %s\n", w->name, w->dtype,
                (long long)w->elements,
                w->outcome == CAIS_WEIGHT_SKIPPED ? "skipped" : "not eligible",
                w->reason ? w->reason : "");
    }
  }
  double ratio = t->bytes_after ? (double)t->bytes_before / (double)t->bytes_after : 0;
  fprintf(out, "cai-sparsify: %zu weights compressed, %zu skipped, %zu not eligible\n",
          t->weights_compressed, t->weights_skipped, t->weights_not_eligible);
  if (t->weights_compressed)
    fprintf(out, "  weights: %.3f MB -> %.3f MB (%.2fx), worst relative error %.4g (%s)\n",
            mb(t->bytes_before), mb(t->bytes_after), ratio, t->worst_relative_error,
            t->worst_weight ? t->worst_weight : "-");
  double total = seconds_read + t->seconds_total + seconds_write;
  fprintf(out, "  device: %s; %.2f s (read %.2f, collect %.2f, compute %.2f, rewrite %.2f, write %.2f)",
          t->device, total, seconds_read, t->seconds_collect, t->seconds_compute,
          t->seconds_rewrite, seconds_write);
  if (t->device_batches) fprintf(out, "; %zu device batches", t->device_batches);
  fprintf(out, "\n  output: %s\n", output);
}

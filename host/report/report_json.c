/* report_json.c -- cais_report_write_json (schema in docs/REPORT.md).
 * Written through an atomic file, like program output. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "report/report_internal.h"

typedef struct json_out {
  cais_atomic_file file;
} json_out;

static void put(json_out *o, const char *s) {
  cais_atomic_file_write(&o->file, s, strlen(s));
}

static void putf(json_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(json_out *o, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) cais_atomic_file_write(&o->file, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void put_string(json_out *o, const char *s) {
  if (!s) {
    put(o, "null");
    return;
  }
  put(o, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      char esc[3] = {'\\', (char)*p, 0};
      put(o, esc);
    } else if (*p < 0x20) {
      putf(o, "\\u%04x", *p);
    } else {
      cais_atomic_file_write(&o->file, p, 1);
    }
  }
  put(o, "\"");
}

/* Shortest text that reads back as the same double; null if not finite. */
static void put_number(json_out *o, double x) {
  if (!isfinite(x)) {
    put(o, "null");
    return;
  }
  char buf[64];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, x);
    double back;
    if (sscanf(buf, "%lf", &back) == 1 && back == x) break;
  }
  put(o, buf);
}

static const char *outcome_name(cais_weight_outcome o) {
  switch (o) {
    case CAIS_WEIGHT_COMPRESSED: return "compressed";
    case CAIS_WEIGHT_SKIPPED: return "skipped";
    case CAIS_WEIGHT_NOT_ELIGIBLE: break;
  }
  return "not_eligible";
}

static void put_weight(json_out *o, const cais_weight_report *w) {
  put(o, "    {\"name\": ");
  put_string(o, w->name);
  put(o, ", \"outcome\": ");
  put_string(o, outcome_name(w->outcome));
  put(o, ", \"dtype\": ");
  put_string(o, w->dtype);
  put(o, ", \"shape\": [");
  for (int d = 0; d < w->rank; d++) putf(o, "%s%lld", d ? ", " : "", (long long)w->shape[d]);
  putf(o, "], \"elements\": %lld, \"bytes_before\": %llu", (long long)w->elements,
       (unsigned long long)w->bytes_before);
  if (w->outcome != CAIS_WEIGHT_COMPRESSED) {
    put(o, ", \"reason\": ");
    put_string(o, w->reason);
    put(o, "}");
    return;
  }
  put(o, ", \"mode\": ");
  put_string(o, w->mode);
  put(o, ", \"joint\": ");
  put_string(o, w->joint);
  putf(o, ", \"output_axis\": %d, \"input_axis\": %d, \"nonzeros\": %lld",
       w->output_axis, w->input_axis, (long long)w->nonzeros);
  put(o, ", \"sparsity\": ");
  put_number(o, w->sparsity);
  putf(o, ", \"bytes_after\": %llu, \"relative_error\": ",
       (unsigned long long)w->bytes_after);
  put_number(o, w->relative_error);
  put(o, ", \"seconds\": ");
  put_number(o, w->seconds);
  put(o, ", \"phases\": {\"select\": ");
  put_number(o, w->seconds_select);
  put(o, ", \"compact\": ");
  put_number(o, w->seconds_compact);
  put(o, ", \"joint\": ");
  put_number(o, w->seconds_joint);
  put(o, ", \"stats\": ");
  put_number(o, w->seconds_stats);
  put(o, "}");
  if (w->warning) {
    put(o, ", \"warning\": ");
    put_string(o, w->warning);
  }
  put(o, "}");
}

cais_status cais_report_write_json(const cais_report *r, const char *path,
                                   cais_error *err) {
  if (!r || !path)
    return cais_fail(err, CAIS_ERROR_INVALID_OPTIONS,
                     "cais_report_write_json: report and path are required");
  json_out o;
  cais_status st = cais_atomic_file_open(&o.file, path, err);
  if (st != CAIS_OK) return st;
  const cais_report_totals *t = &r->totals;
  put(&o, "{\n  \"tool\": \"cai-sparsify\",\n  \"version\": ");
  put_string(&o, cais_version_string());
  put(&o, ",\n  \"input\": ");
  put_string(&o, r->source_name);
  put(&o, ",\n  \"options\": ");
  put_string(&o, r->options);
  put(&o, ",\n  \"device\": ");
  put_string(&o, r->device);
  put(&o, ",\n  \"seconds\": {\"read\": ");
  put_number(&o, r->seconds_read);
  put(&o, ", \"collect\": ");
  put_number(&o, t->seconds_collect);
  put(&o, ", \"compute\": ");
  put_number(&o, t->seconds_compute);
  put(&o, ", \"rewrite\": ");
  put_number(&o, t->seconds_rewrite);
  put(&o, ", \"write\": ");
  put_number(&o, r->seconds_write);
  put(&o, ", \"sparsify_total\": ");
  put_number(&o, t->seconds_total);
  put(&o, "},\n  \"compute_phases\": {\"select\": ");
  put_number(&o, t->compute_select);
  put(&o, ", \"compact\": ");
  put_number(&o, t->compute_compact);
  put(&o, ", \"joint\": ");
  put_number(&o, t->compute_joint);
  put(&o, ", \"stats\": ");
  put_number(&o, t->compute_stats);
  putf(&o,
       "},\n  \"totals\": {\"weights_compressed\": %zu, \"weights_skipped\": %zu, "
       "\"weights_not_eligible\": %zu, \"bytes_before\": %llu, \"bytes_after\": %llu, "
       "\"ratio\": ",
       t->weights_compressed, t->weights_skipped, t->weights_not_eligible,
       (unsigned long long)t->bytes_before, (unsigned long long)t->bytes_after);
  put_number(&o, t->bytes_after ? (double)t->bytes_before / (double)t->bytes_after : 0.0);
  put(&o, ", \"worst_relative_error\": ");
  put_number(&o, t->worst_relative_error);
  put(&o, ", \"worst_weight\": ");
  put_string(&o, t->worst_weight);
  putf(&o, ", \"device_batches\": %zu, \"device_fallbacks\": %zu},\n  \"weights\": [\n",
       t->device_batches, t->device_fallbacks);
  for (size_t i = 0; i < r->count; i++) {
    put_weight(&o, &r->entries[i].pub);
    put(&o, i + 1 < r->count ? ",\n" : "\n");
  }
  put(&o, "  ]\n}\n");
  return cais_atomic_file_commit(&o.file, err);
}

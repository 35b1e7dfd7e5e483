/* report.c -- the report object (caisparse.h, report_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_internal.h"

cais_report *cais_report_new(size_t capacity, const char *source_name,
                             const char *device, const char *options) {
  cais_report *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->entries = calloc(capacity ? capacity : 1, sizeof *r->entries);
  if (!r->entries) {
    free(r);
    return NULL;
  }
  snprintf(r->source_name, sizeof r->source_name, "%s", source_name ? source_name : "");
  snprintf(r->device, sizeof r->device, "%s", device ? device : "");
  snprintf(r->options, sizeof r->options, "%s", options ? options : "");
  r->totals.device = r->device;
  return r;
}

cais_report_entry *cais_report_add(cais_report *report) {
  cais_report_entry *e = &report->entries[report->count++];
  memset(e, 0, sizeof *e);
  e->pub.name = e->name;
  e->pub.joint = e->joint;
  return e;
}

void cais_report_finish(cais_report *r) {
  cais_report_totals *t = &r->totals;
  t->weights_compressed = t->weights_skipped = t->weights_not_eligible = 0;
  t->bytes_before = t->bytes_after = 0;
  t->worst_relative_error = 0;
  t->worst_weight = NULL;
  t->compute_select = t->compute_compact = t->compute_joint = t->compute_stats = 0;
  for (size_t i = 0; i < r->count; i++) {
    const cais_weight_report *w = &r->entries[i].pub;
    switch (w->outcome) {
      case CAIS_WEIGHT_COMPRESSED:
        t->weights_compressed++;
        t->bytes_before += w->bytes_before;
        t->bytes_after += w->bytes_after;
        t->compute_select += w->seconds_select;
        t->compute_compact += w->seconds_compact;
        t->compute_joint += w->seconds_joint;
        t->compute_stats += w->seconds_stats;
        if (!t->worst_weight || w->relative_error > t->worst_relative_error) {
          t->worst_relative_error = w->relative_error;
          snprintf(r->worst_weight, sizeof r->worst_weight, "%s", w->name);
          t->worst_weight = r->worst_weight;
        }
        break;
      case CAIS_WEIGHT_SKIPPED: t->weights_skipped++; break;
      case CAIS_WEIGHT_NOT_ELIGIBLE: t->weights_not_eligible++; break;
    }
  }
}

size_t cais_report_weight_count(const cais_report *report) {
  return report ? report->count : 0;
}

const cais_weight_report *cais_report_weight(const cais_report *report,
                                             size_t index) {
  if (!report || index >= report->count) return NULL;
  return &report->entries[index].pub;
}

const cais_report_totals *cais_report_totals_get(const cais_report *report) {
  return report ? &report->totals : NULL;
}

void cais_report_set_io_seconds(cais_report *report, double seconds_read,
                                double seconds_write) {
  if (!report) return;
  report->seconds_read = seconds_read;
  report->seconds_write = seconds_write;
}

void cais_report_set_source_name(cais_report *report, const char *name) {
  if (!report || !name) return;
  snprintf(report->source_name, sizeof report->source_name, "%s", name);
}

void cais_report_destroy(cais_report *report) {
  if (!report) return;
  free(report->entries);
  free(report);
}

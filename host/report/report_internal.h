/*
 * report_internal.h -- building a cais_report during a run.
 *
 * Entries keep their strings inline, so the public cais_weight_report
 * pointers stay valid for the report's life.
 */
#ifndef CAIS_REPORT_REPORT_INTERNAL_H
#define CAIS_REPORT_REPORT_INTERNAL_H

#include "caisparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cais_report_entry {
  cais_weight_report pub;
  char name[256];
  char reason[256];
  char warning[256];
  char joint[32];
} cais_report_entry;

struct cais_report {
  cais_report_entry *entries;
  size_t count;
  cais_report_totals totals;
  char device[200];
  char worst_weight[256];
  char source_name[512];
  char options[256];     /**< the options, as the CLI would spell them */
  double seconds_read, seconds_write;
};

/** Creates a report with room for `capacity` entries. */
cais_report *cais_report_new(size_t capacity, const char *source_name,
                             const char *device, const char *options);

/** Appends an entry (capacity must allow it) and returns it for filling. */
cais_report_entry *cais_report_add(cais_report *report);

/** Sets the totals (counts, bytes, worst error) from the entries. */
void cais_report_finish(cais_report *report);

#ifdef __cplusplus
}
#endif

#endif /* CAIS_REPORT_REPORT_INTERNAL_H */

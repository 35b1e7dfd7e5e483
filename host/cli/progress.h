/*
 * progress.h -- the progress line the CLI keeps on stderr while it works
 * (only when stderr is a terminal): weights done, bytes, rate and ETA.
 */
#ifndef CAIS_CLI_PROGRESS_H
#define CAIS_CLI_PROGRESS_H

#include <stdbool.h>

#include "caisparse.h"

typedef struct cli_progress {
  bool enabled;     /**< stderr is a terminal and not --quiet */
  double last_draw; /**< seconds_elapsed of the last redraw */
  bool drawn;       /**< a line is on screen (to be cleared) */
} cli_progress;

/** Decides whether to draw (stderr a TTY, verbosity > 0). */
void cli_progress_init(cli_progress *p, int verbosity);

/** cais_progress_fn: redraws at most ~10 times a second. */
void cli_progress_update(void *user, const cais_progress *progress);

/** Erases the line so later output starts clean. */
void cli_progress_clear(cli_progress *p);

#endif /* CAIS_CLI_PROGRESS_H */

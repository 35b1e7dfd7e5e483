/* export_anchor.c -- the shared library's own translation unit.  Everything
 * else comes from caisparse_core, linked whole; the version script
 * (exports.map) keeps only the cais_* API visible. */
#include "caisparse.h"

/* A shared library needs one object of its own; this one also pins the
 * core's version entry point. */
__attribute__((used)) static const char *(*const keep_version_)(void) = cais_version_string;

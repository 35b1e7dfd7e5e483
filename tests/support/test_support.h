/*
 * test_support.h -- small helpers shared by the cmocka suites: scratch
 * directories, whole-file reads, running the CLI, and a seeded random
 * generator so every test input is reproducible.
 */
#ifndef CAIS_TEST_SUPPORT_H
#define CAIS_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/** Creates a fresh directory under $TMPDIR (or /tmp) and returns its path
 *  (static storage per call site is not needed: the string is malloc'd). */
char *cais_test_mkdtemp(void);

/** Removes `dir` and everything in it. */
void cais_test_rmtree(const char *dir);

/** Reads a whole file; returns NULL if it cannot.  *size gets the length.
 *  The buffer is NUL-terminated (not counted) and malloc'd. */
char *cais_test_read_file(const char *path, size_t *size);

/** Writes `size` bytes to `path`; returns 0 on success. */
int cais_test_write_file(const char *path, const void *data, size_t size);

/** Runs a shell command line; returns its exit status (or -1).  stdout and
 *  stderr are captured into *output (malloc'd) when output is not NULL. */
int cais_test_run(const char *command, char **output);

/** Path of the built CLI (env CAIS_CLI) and example generator (CAIS_GEN). */
const char *cais_test_cli(void);

/* Runs `cai-sparsify ARGS` (printf-style), in `dir` unless it is NULL, and
 * fails the test unless it exits with `want`; returns its output (stdout
 * and stderr, malloc'd). */
char *cais_test_cli_expect(int want, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *cais_test_gen(void);

/** Runs the example generator with `args` (plus -q) writing `dir/name`,
 *  whose path goes to `path`; fails the test when the generator does. */
void cais_test_generate(const char *dir, const char *args, const char *name,
                        char *path, size_t size);

/** A scratch directory for a whole group: cmocka group setup / teardown
 *  that create and remove `cais_test_dir`. */
extern char *cais_test_dir;
int cais_test_dir_setup(void **state);
int cais_test_dir_teardown(void **state);

/** splitmix64: deterministic pseudo-random numbers for test inputs. */
uint64_t cais_test_rand(uint64_t *state);
/** Uniform double in [0, 1). */
double cais_test_uniform(uint64_t *state);
/** Standard normal (Box-Muller). */
double cais_test_normal(uint64_t *state);

#endif

/* test_faults.c -- the world failing around a run: destinations that
 * cannot be written, a full disk (injected, and a real small tmpfs where
 * this machine lets us mount one), special files, symlinks, and signals at
 * each phase of a run.  After every failure: exit status 1, a message, no
 * partial output, no temporary file, an existing output or an --in-place
 * input byte-for-byte as it was.
 *
 * Tests run as root (here and in CI), for whom a read-only directory is
 * writable: unwritable destinations are paths that cannot be created (a
 * missing directory, a directory in the way), and a full disk is either a
 * tiny tmpfs or the CAIS_FAULT_WRITE_AFTER hook of atomic_file.h. */
#include "reliability_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

static void test_unwritable_destinations(void **s) {
  (void)s;
  expect_cli(1, "nodir/out.mlir: cannot create output file: No such file or directory",
             "'%s' -o nodir/out.mlir", LINEAR);
  assert_int_equal(mkdir(in_dir("sub"), 0755), 0);
  expect_cli(1, "sub: cannot write output: is a directory", "'%s' -o sub", LINEAR);
  /* the report fails after the program was written: exit 1, and the
   * program that was written is complete */
  expect_cli(1, "nodir/r.json", "-q --report nodir/r.json '%s' -o out.mlir", LINEAR);
  expect_cli(0, NULL, "--inspect out.mlir");
  expect_no_temp_files();
}

/* A full disk after N bytes, through the CAIS_FAULT_WRITE_AFTER hook:
 * every format, a new output, an existing output, --in-place. */
static void test_disk_full_injected(void **s) {
  (void)s;
  static const char *const emits[] = {"text", "bytecode"};
  static const char *const after[] = {"CAIS_FAULT_WRITE_AFTER=0",
                                      "CAIS_FAULT_WRITE_AFTER=1500",
                                      "CAIS_FAULT_WRITE_AFTER=100000"};
  for (int e = 0; e < 2; e++) {
    for (int a = 0; a < 3; a++) {
      g_cli_env = after[a];
      expect_cli(1, "new.mlir: cannot write output: No space left on device",
                 "--emit %s '%s' -o new.mlir", emits[e], TINY);
    }
    assert_false(exists("new.mlir"));
  }
  g_cli_env = "CAIS_FAULT_WRITE_AFTER=1000";
  cais_test_write_file(in_dir("old.mlir"), "precious", 8);
  expect_cli(1, "old.mlir: cannot write output: No space left on device",
             "'%s' -o old.mlir", TINY);
  size_t n;
  char *kept = cais_test_read_file(in_dir("old.mlir"), &n);
  assert_int_equal(n, 8);
  assert_memory_equal(kept, "precious", 8);
  free(kept);
  copy_in(TINY, "in.mlir");
  expect_cli(1, "No space left on device", "--in-place in.mlir");
  assert_true(same_bytes(in_dir("in.mlir"), TINY));
  g_cli_env = "";
  expect_no_temp_files();
}

/* The hook must be inert when unset and honour the byte count. */
static void test_fault_hook_counts_bytes(void **s) {
  (void)s;
  char *out = NULL;
  /* the whole tiny program is far more than 64 KiB */
  assert_int_equal(sh(&out, "CAIS_FAULT_WRITE_AFTER=65536 '%s' -q '%s' -o a.mlir",
                      cais_test_cli(), TINY), 1);
  free(out);
  assert_int_equal(sh(&out, "CAIS_FAULT_WRITE_AFTER=100000000 '%s' -q '%s' -o a.mlir",
                      cais_test_cli(), TINY), 0);
  free(out);
  assert_true(exists("a.mlir"));
}

/* A real full file system: a tmpfs of 64 KiB (skipped where mounting is
 * not allowed). */
static void test_disk_full_tmpfs(void **s) {
  (void)s;
  const char *mnt = in_dir("small");
  assert_int_equal(mkdir(mnt, 0755), 0);
  if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
    print_message("skipped: cannot mount a tmpfs here (%s)\n", strerror(errno));
    rmdir(mnt);
    skip();
  }
  /* the input (about 480 KiB) lives outside; the output (as large, with
   * nothing pruned) cannot fit */
  expect_cli(1, "No space left on device",
             "--target-sparsity 0 --emit text '%s' -o small/out.mlir", TINY);
  assert_false(exists("small/out.mlir"));
  expect_no_temp_files_in(mnt);
  /* --in-place where input and output cannot both fit */
  char big[1024];
  memset(big, 'x', sizeof big);
  copy_in(LINEAR, "small/in.mlir");
  expect_cli(0, NULL, "-q --weight-num-threshold 0 small/in.mlir -o small/ok.mlir");
  unlink(in_dir("small/ok.mlir"));
  /* fill the rest, so the new in.mlir cannot be written next to the old */
  int fd = open(in_dir("small/rest"), O_WRONLY | O_CREAT, 0644);
  while (fd >= 0 && write(fd, big, 1024) == 1024) {
  }
  if (fd >= 0) close(fd);
  expect_cli(1, "No space left on device", "--weight-num-threshold 0 --in-place small/in.mlir");
  assert_true(same_bytes(in_dir("small/in.mlir"), LINEAR));
  expect_no_temp_files_in(mnt);
  umount(mnt);
  rmdir(mnt);
}

/* Special destinations are written in place, never replaced: renaming a
 * temporary file over a device (as root) would replace the device node.
 * The devices are made in the scratch directory (mknod, as root), so a
 * regression cannot damage the machine's /dev/null or /dev/full. */
static void test_special_destinations(void **s) {
  (void)s;
  /* a FIFO, read by a background cat */
  assert_int_equal(mkfifo(in_dir("fifo"), 0644), 0);
  expect_cli(0, NULL, "-q --emit text '%s' -o fifo & cat '%s' > '%s'; wait", LINEAR,
             in_dir("fifo"), in_dir("copy.mlir"));
  struct stat st;
  assert_int_equal(lstat(in_dir("fifo"), &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  expect_cli(0, NULL, "--inspect copy.mlir");
  expect_cli(0, "\"coreai.graph\"", "-q --emit text '%s' -o /dev/stdout", LINEAR);

  if (mknod(in_dir("null"), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
      mknod(in_dir("full"), S_IFCHR | 0666, makedev(1, 7)) != 0) {
    print_message("skipped the device cases: mknod: %s\n", strerror(errno));
    return;
  }
  expect_cli(0, NULL, "-q '%s' -o null", LINEAR);
  expect_cli(1, "full: cannot write output: No space left on device",
             "-q --report full '%s' -o out.mlir", LINEAR);
  expect_cli(1, "full: cannot write output: No space left on device",
             "-q '%s' -o full", LINEAR);
  assert_int_equal(lstat(in_dir("null"), &st), 0);
  assert_true(S_ISCHR(st.st_mode));
  assert_int_equal(lstat(in_dir("full"), &st), 0);
  assert_true(S_ISCHR(st.st_mode));
  expect_no_temp_files();
}

/* --in-place through a symlink replaces the target and keeps the link. */
static void test_symlink_in_place(void **s) {
  (void)s;
  copy_in(LINEAR, "target.mlir");
  assert_int_equal(symlink("target.mlir", in_dir("link.mlir")), 0);
  expect_cli(0, NULL, "-q --weight-num-threshold 0 --in-place link.mlir");
  struct stat st;
  assert_int_equal(lstat(in_dir("link.mlir"), &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  char *text = cais_test_read_file(in_dir("target.mlir"), NULL);
  assert_non_null(strstr(text, "sparse_with_bitmask"));
  free(text);
  expect_no_temp_files();
}

/*--- signals ---------------------------------------------------------------*/

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_for(double seconds) {
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* Starts the CLI with argv (NULL-terminated, after the program name) in
 * the scratch directory, output discarded. */
static pid_t spawn_cli(const char *const *args) {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(g_dir) != 0) _exit(126);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    const char *argv[32];
    int n = 0;
    argv[n++] = cais_test_cli();
    for (; *args && n < 31; args++) argv[n++] = *args;
    argv[n] = NULL;
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  return pid;
}

/* Whether the scratch directory holds a temporary file now. */
static bool temp_file_present(void) {
  DIR *d = opendir(g_dir);
  bool found = false;
  for (struct dirent *e; d && !found && (e = readdir(d));)
    found = strstr(e->d_name, ".tmp-") != NULL;
  if (d) closedir(d);
  return found;
}

/* A phase's seconds from the JSON report ("read": 1.23). */
static double report_seconds(const char *json, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\": ", key);
  const char *p = strstr(json, pattern);
  return p ? atof(p + strlen(pattern)) : 0.0;
}

typedef struct kill_case {
  const char *what;
  int sig;
  double delay;       /* seconds after start; < 0: when the temp file appears */
  bool in_place;
  const char *input;  /* in the scratch dir */
} kill_case;

/* Runs one case; returns true when the signal landed (the process died of
 * it), after checking what must hold either way. */
static bool run_kill_case(const kill_case *c, const char *pristine) {
  unlink(in_dir("out.mlir"));
  if (c->in_place) copy_in(pristine, c->input);
  const char *args_out[] = {"-q", "--threads", "1", "--emit", "text", c->input, "-o", "out.mlir", NULL};
  const char *args_in[] = {"-q", "--threads", "1", "--in-place", c->input, NULL};
  double t0 = now();
  pid_t pid = spawn_cli(c->in_place ? args_in : args_out);
  assert_true(pid > 0);
  if (c->delay >= 0) {
    sleep_for(c->delay);
  } else {
    while (!temp_file_present() && now() - t0 < 120) {
      if (waitpid(pid, NULL, WNOHANG) == pid) fail_msg("%s: ended before writing", c->what);
      sleep_for(0.001);
    }
  }
  kill(pid, c->sig);
  int status = 0;
  waitpid(pid, &status, 0);
  bool landed = WIFSIGNALED(status) && WTERMSIG(status) == c->sig;
  print_message("%s: %s after %.2f s\n", c->what,
                landed ? "killed" : "had already finished", now() - t0);
  expect_no_temp_files();
  if (landed) {
    if (c->in_place)
      assert_true(same_bytes(in_dir(c->input), pristine));
    else
      assert_false(exists("out.mlir"));
  } else {
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    expect_cli(0, NULL, "--inspect %s", c->in_place ? c->input : "out.mlir");
  }
  return landed;
}

static void test_signals_mid_run(void **s) {
  (void)s;
  /* Big enough to take a while at each phase: text in (slow to parse) and
   * bytecode in (fast to read, text written out slowly). */
  assert_int_equal(sh(NULL, "'%s' --params 80M --dtype f16 -o big.mlir && '%s' --params 80M "
                            "--dtype f16 --format bytecode -o big.mlirbc",
                      cais_test_gen(), cais_test_gen()),
                   0);
  /* One undisturbed run gives the phase times of this machine and build. */
  double t_start = now();
  expect_cli(0, NULL, "--version");
  double startup = now() - t_start;
  expect_cli(0, NULL, "-q --threads 1 --emit text --report r.json big.mlirbc -o timing.mlir");
  char *json = cais_test_read_file(in_dir("r.json"), NULL);
  assert_non_null(json);
  double compute = report_seconds(json, "compute");
  free(json);
  expect_cli(0, NULL, "-q --threads 1 --report r2.json big.mlir -o timing.mlirbc");
  json = cais_test_read_file(in_dir("r2.json"), NULL);
  double read_text = report_seconds(json, "read");
  free(json);
  unlink(in_dir("timing.mlir"));
  unlink(in_dir("timing.mlirbc"));
  char pristine_bc[1024], pristine_text[1024];
  snprintf(pristine_bc, sizeof pristine_bc, "%s", in_dir("big.mlirbc"));
  snprintf(pristine_text, sizeof pristine_text, "%s", in_dir("big.mlir"));
  copy_in(pristine_bc, "work.mlirbc");
  copy_in(pristine_text, "work.mlir");

  const kill_case cases[] = {
      {"SIGINT while reading text", SIGINT, startup + 0.5 * read_text, false, "work.mlir"},
      {"SIGTERM while computing", SIGTERM, startup + 0.5 * compute, false, "work.mlirbc"},
      {"SIGINT while writing", SIGINT, -1, false, "work.mlirbc"},
      {"SIGTERM while writing", SIGTERM, -1, false, "work.mlirbc"},
      {"SIGHUP while writing", SIGHUP, -1, false, "work.mlirbc"},
      {"SIGABRT while writing", SIGABRT, -1, false, "work.mlirbc"},
      {"SIGTERM while reading, --in-place", SIGTERM, startup + 0.5 * read_text, true,
       "inplace.mlir"},
      {"SIGINT while writing, --in-place", SIGINT, -1, true, "inplace.mlir"},
      {"SIGTERM while writing, --in-place (bytecode)", SIGTERM, -1, true, "inplace.mlirbc"},
  };
  int landed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const kill_case *c = &cases[i];
    const char *pristine = strstr(c->input, ".mlirbc") ? pristine_bc : pristine_text;
    bool hit = run_kill_case(c, pristine);
    landed += hit;
    /* The write phase is found by its temporary file (and lasts far longer
     * than the poll), so those signals must land: a signal that does not
     * end the run is swallowed, as PoCL's SIGINT handler used to do. */
    if (c->delay < 0 && !hit) fail_msg("%s: the signal did not end the run", c->what);
  }
  assert_true(landed >= 7);
}

/* SIGKILL cannot be caught: the temporary file stays (hidden, named
 * .NAME.tmp-XXXXXX), but the output itself is never partial and an
 * --in-place input is intact. */
static void test_sigkill_never_partial(void **s) {
  (void)s;
  assert_int_equal(sh(NULL, "'%s' --params 80M --dtype f16 --format bytecode -o k.mlirbc",
                      cais_test_gen()),
                   0);
  char pristine[1024];
  snprintf(pristine, sizeof pristine, "%s", in_dir("k.mlirbc"));
  copy_in(pristine, "kin.mlirbc");
  const char *args[] = {"-q", "--threads", "1", "--in-place", "kin.mlirbc", NULL};
  pid_t pid = spawn_cli(args);
  double t0 = now();
  while (!temp_file_present() && now() - t0 < 120) {
    if (waitpid(pid, NULL, WNOHANG) == pid) skip(); /* finished first: nothing to see */
    sleep_for(0.0005);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  assert_true(same_bytes(in_dir("kin.mlirbc"), pristine));
  sh(NULL, "rm -f .*.tmp-*");
}

/* Each test starts clean: no injected fault, no mount left by a failure. */
static int reset(void **s) {
  (void)s;
  g_cli_env = "";
  return 0;
}

static int cleanup(void **s) {
  (void)s;
  g_cli_env = "";
  umount2(in_dir("small"), MNT_DETACH);
  return 0;
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, reset, cleanup)

int main(void) {
  const struct CMUnitTest tests[] = {
      TEST(test_unwritable_destinations), TEST(test_disk_full_injected),
      TEST(test_fault_hook_counts_bytes), TEST(test_disk_full_tmpfs),
      TEST(test_special_destinations),    TEST(test_symlink_in_place),
      TEST(test_signals_mid_run),         TEST(test_sigkill_never_partial),
  };
  return cmocka_run_group_tests(tests, rel_setup, rel_teardown);
}

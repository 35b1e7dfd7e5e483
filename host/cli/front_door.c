/* front_door.c -- see front_door.h. */
#include "cli/front_door.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read_ir/mlir_capi_ext.h"

/* The first bytes of MLIR bytecode ("ML\xefR"), then the version as a
 * prefix varint and the producer as a NUL-terminated string. */
static bool bytecode_from_mlir19(const unsigned char *p, size_t n, char *producer,
                                 size_t producer_size, unsigned *version) {
  *version = 0;
  producer[0] = '\0';
  if (n < 6) return true;
  /* A one-byte prefix varint has its low bit set; every version so far
   * fits in one byte. */
  if (p[4] & 1) *version = p[4] >> 1;
  size_t i = 5, k = 0;
  while (i < n && p[i] && k + 1 < producer_size) producer[k++] = (char)p[i++];
  producer[k] = '\0';
  /* MLIR 19 reads its own bytecode, and a newer producer's below version 5
   * (ops' values as attributes: Core AI's write_bytecode(desired_version=4)). */
  return strncmp(producer, "MLIR19", 6) == 0 || *version < 5;
}

bool cli_core_ai_form(const char *path, char *what, size_t what_size,
                      bool *not_a_package) {
  *not_a_package = false;
  struct stat st;
  if (stat(path, &st) != 0) return false;
  if (S_ISDIR(st.st_mode)) {
    char main_path[PATH_MAX];
    snprintf(main_path, sizeof main_path, "%s/main.mlirb", path);
    if (access(main_path, R_OK) != 0) {
      *not_a_package = true;
      return false;
    }
    snprintf(what, what_size, "reading a Core AI package (.aimodel)");
    return true;
  }
  if (!S_ISREG(st.st_mode) || st.st_size == 0) return false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t size = (size_t)st.st_size;
  const unsigned char *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return false;
  bool found = false;
  if (caisMlirIsBytecode(p, size)) {
    char producer[64];
    unsigned version;
    if (!bytecode_from_mlir19(p, size, producer, sizeof producer, &version)) {
      snprintf(what, what_size, "reading MLIR bytecode version %u from %s (Core AI's)",
               version, producer[0] ? producer : "an unknown producer");
      found = true;
    }
  } else if (memmem(p, size, "#debuginfo.", 11)) {
    /* A scan of the whole text: location aliases come at its end. */
    snprintf(what, what_size, "reading text with Core AI debug-info locations (#debuginfo)");
    found = true;
  } else if (!memmem(p, size, "\"coreai.graph\"", 14) &&
             memmem(p, size, "coreai.graph", 12)) {
    snprintf(what, what_size, "reading Core AI custom-syntax text (str(AIProgram))");
    found = true;
  }
  munmap((void *)p, size);
  return found;
}

static const char *find_python(char *buf, size_t size) {
  const char *env = getenv("CAIS_PYTHON");
  if (env && *env) return env;
  const char *venv = getenv("CAIS_VENV");
  if (venv && *venv) {
    snprintf(buf, size, "%s/bin/python", venv);
    return buf;
  }
  const char *home = getenv("HOME");
  if (home && *home) {
    snprintf(buf, size, "%s/.cache/cai-sparsify/venv/bin/python", home);
    if (access(buf, X_OK) == 0) return buf;
  }
  return "python3";
}

#define INSTALL_HINT                                                            \
  "run tools/install-python.sh from the cai-sparsify source tree (it installs " \
  "coreai-core==1.0.0b3 and caisparse into ~/.cache/cai-sparsify/venv), or "    \
  "set CAIS_PYTHON to a Python that has `pip install coreai-core==1.0.0b3` "    \
  "and caisparse (`pip install python/`)"

/* Runs as `python -c BOOTSTRAP ARGS...`: checks for the two packages
 * without importing them (coreai takes a second to import), then runs
 * `python -m caisparse ARGS...`. */
static const char bootstrap[] =
    "import importlib.util as u, runpy, sys\n"
    "missing = [m for m in ('coreai', 'caisparse') if u.find_spec(m) is None]\n"
    "if missing:\n"
    "    sys.stderr.write('cai-sparsify: error: %s: %s needs Core AI\\'s "
    "Python package and caisparse; %s lacks %s: " INSTALL_HINT "\\n' % (\n"
    "        sys.argv[1], sys.argv[2], sys.executable, ' and '.join(missing)))\n"
    "    sys.exit(1)\n"
    "sys.argv = ['caisparse'] + sys.argv[3:]\n"
    "runpy.run_module('caisparse', run_name='__main__', alter_sys=True)\n";

int cli_front_door_maybe_exec(const cli_args *a, int argc, char **argv) {
  const char *off = getenv("CAIS_NO_FRONT_DOOR");
  if (off && *off && strcmp(off, "0") != 0) return -1;
  const char *paths[2] = {a->input, a->compressed};
  char what[160] = "";
  const char *subject = NULL;
  for (int i = 0; i < 2 && !subject; i++) {
    bool not_a_package = false;
    if (!paths[i]) continue;
    if (cli_core_ai_form(paths[i], what, sizeof what, &not_a_package)) subject = paths[i];
    if (not_a_package) {
      fprintf(stderr,
              "cai-sparsify: error: %s: a directory, but not a Core AI package "
              "(.aimodel): it has no main.mlirb\n",
              paths[i]);
      return CLI_EXIT_FAILURE;
    }
  }
  if (!subject && a->emit_aimodel) {
    subject = a->input ? a->input : "INPUT";
    snprintf(what, sizeof what, "writing a Core AI package (--emit aimodel)");
  }
  if (!subject) return -1;

  /* The Python side runs this very binary on the converted program. */
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    setenv("CAIS_CLI", self, 1);
  }
  /* Whatever the Python side runs of this CLI is never handed back. */
  setenv("CAIS_NO_FRONT_DOOR", "1", 1);
  char buf[PATH_MAX];
  const char *python = find_python(buf, sizeof buf);
  char **child = calloc((size_t)argc + 5, sizeof *child);
  if (!child) {
    fprintf(stderr, "cai-sparsify: error: out of memory\n");
    return CLI_EXIT_FAILURE;
  }
  int k = 0;
  child[k++] = (char *)python;
  child[k++] = "-c";
  child[k++] = (char *)bootstrap;
  child[k++] = (char *)subject;
  child[k++] = what;
  for (int i = 1; i < argc; i++) child[k++] = argv[i];
  child[k] = NULL;
  fflush(NULL);
  execvp(python, child);
  int e = errno;
  free(child);
  fprintf(stderr,
          "cai-sparsify: error: %s: %s needs Core AI's Python package "
          "and caisparse, but %s cannot be started (%s): " INSTALL_HINT "\n",
          subject, what, python, strerror(e));
  return CLI_EXIT_FAILURE;
}

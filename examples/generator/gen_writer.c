/*
 * gen_writer.c -- parse the skeleton, attach the weight blobs, write.
 *
 * Memory: the weight buffers are handed to MLIR as unmanaged resource blobs
 * (mlirUnmanagedDenseResourceElementsAttrGet), so MLIR never copies them;
 * the bytecode writer streams the blobs straight to the output callback.
 * The text printer hex-encodes one blob at a time (a transient string of
 * twice that blob's size).  Peak memory is thus about the weight bytes plus
 * the largest blob twice over (text) or plus little (bytecode).
 */
#include "gen_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/IR.h"
#include "mlir-c/Support.h"
#include "read_ir/mlir_capi_ext.h"

#define PROG "cais-gen-program"

/* Output sink for MLIR's string callbacks: a buffered FILE, errors sticky. */
typedef struct {
  FILE *f;
  int failed;
} sink;

static void sink_write(MlirStringRef s, void *user) {
  sink *k = user;
  if (k->failed || !s.length) return;
  if (fwrite(s.data, 1, s.length, k->f) != s.length) k->failed = errno ? errno : EIO;
}

/* Walk state: the weights in skeleton order and their expected locations. */
typedef struct {
  const gen_plan *p;
  MlirLocation *locs;
  size_t next;
  int failed;
} attach_state;

static MlirWalkResult attach_one(MlirOperation op, void *user) {
  attach_state *st = user;
  if (st->next >= st->p->nweights) return MlirWalkResultInterrupt;
  MlirStringRef name = mlirIdentifierStr(mlirOperationGetName(op));
  static const char k_const[] = "coreai.constant";
  if (name.length != sizeof k_const - 1 || memcmp(name.data, k_const, name.length))
    return MlirWalkResultAdvance;
  if (!mlirLocationEqual(mlirOperationGetLocation(op), st->locs[st->next]))
    return MlirWalkResultAdvance; /* an unnamed integer / splat constant */

  const gen_weight *w = &st->p->weights[st->next];
  MlirType type = mlirValueGetType(mlirOperationGetResult(op, 0));
  MlirAttribute attr = mlirUnmanagedDenseResourceElementsAttrGet(
      type, mlirStringRefCreateFromCString(w->resource), w->data, w->nbytes,
      /*dataAlignment=*/4, /*dataIsMutable=*/false, /*deleter=*/NULL, /*userData=*/NULL);
  MlirStringRef value = mlirStringRefCreateFromCString("value");
  mlirOperationSetInherentAttributeByName(op, value, attr);
  if (mlirAttributeIsNull(attr) ||
      !mlirAttributeEqual(mlirOperationGetInherentAttributeByName(op, value), attr)) {
    fprintf(stderr, PROG ": internal error: could not set the value of '%s'\n", w->name);
    st->failed = 1;
    return MlirWalkResultInterrupt;
  }
  st->next++;
  return MlirWalkResultAdvance;
}

/* Temporary file next to `path`; fills tmp (PATH.tmp.XXXXXX). */
static FILE *open_temp(const char *path, char **tmp) {
  size_t n = strlen(path) + 16;
  *tmp = malloc(n);
  if (!*tmp) return NULL;
  snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(*tmp);
  if (fd < 0) {
    free(*tmp);
    *tmp = NULL;
    return NULL;
  }
  /* mkstemp creates 0600; give the file the usual 0666 & ~umask. */
  mode_t um = umask(0);
  umask(um);
  if (fchmod(fd, 0666 & ~um) != 0) { /* not fatal */ }
  FILE *f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    unlink(*tmp);
    free(*tmp);
    *tmp = NULL;
  }
  return f;
}

static void write_op(MlirOperation op, const gen_options *o, sink *k) {
  if (o->format == GEN_FORMAT_BYTECODE) {
    /* Op values as attributes, not properties: Core AI's MLIR 22 misreads MLIR
     * 19's properties encoding (the library's own bytecode writer does the same). */
    caisMlirOperationWriteBytecodeAsAttributes(op, sink_write, k);
    return;
  }
  MlirOpPrintingFlags flags = mlirOpPrintingFlagsCreate();
  mlirOpPrintingFlagsEnableDebugInfo(flags, /*enable=*/true, /*prettyForm=*/false);
  mlirOpPrintingFlagsPrintGenericOpForm(flags);
  mlirOperationPrintWithFlags(op, flags, sink_write, k);
  mlirOpPrintingFlagsDestroy(flags);
  sink_write(mlirStringRefCreateFromCString("\n"), k);
}

int gen_write_program(const gen_plan *p, const gen_options *o, const char *source_name) {
  int to_stdout = !o->output || !strcmp(o->output, "-");
  if (to_stdout && o->format == GEN_FORMAT_BYTECODE && isatty(STDOUT_FILENO)) {
    fprintf(stderr, PROG ": error: --format bytecode: refusing to write binary to a terminal "
                    "(use -o PATH)\n");
    return GEN_EXIT_USAGE;
  }

  int rc = GEN_EXIT_FAILURE;
  MlirContext ctx = mlirContextCreate();
  mlirContextSetAllowUnregisteredDialects(ctx, true);
  MlirOperation op = mlirOperationCreateParse(
      ctx, mlirStringRefCreate(p->text.data, p->text.len),
      mlirStringRefCreateFromCString(source_name));
  MlirLocation *locs = NULL;
  FILE *f = NULL;
  char *tmp = NULL, *target = NULL;
  if (mlirOperationIsNull(op)) {
    fprintf(stderr, PROG ": internal error: the generated skeleton does not parse\n");
    goto done;
  }

  /* Attach the blobs: weights appear in the skeleton in plan order, each a
   * coreai.constant located loc("<name>"). */
  locs = malloc((p->nweights ? p->nweights : 1) * sizeof *locs);
  if (!locs) {
    fprintf(stderr, PROG ": error: out of memory\n");
    goto done;
  }
  MlirLocation unknown = mlirLocationUnknownGet(ctx);
  for (size_t i = 0; i < p->nweights; i++)
    locs[i] = mlirLocationNameGet(ctx, mlirStringRefCreateFromCString(p->weights[i].name),
                                  unknown);
  attach_state st = {p, locs, 0, 0};
  mlirOperationWalk(op, attach_one, &st, MlirWalkPreOrder);
  if (st.failed) goto done;
  if (st.next != p->nweights) {
    fprintf(stderr, PROG ": internal error: found %zu of %zu weight constants\n", st.next,
            p->nweights);
    goto done;
  }

  /* A regular file (new or existing) is written through a temporary file
   * renamed into place, next to the real file when the path is a symlink.
   * Anything else that exists (/dev/null, a FIFO, a terminal) is written
   * directly: renaming over it would replace the device node. */
  struct stat sb;
  int direct = 0;
  if (!to_stdout && stat(o->output, &sb) == 0) {
    if (!S_ISREG(sb.st_mode))
      direct = 1;
    else
      target = realpath(o->output, NULL);
  }
  if (to_stdout) {
    f = stdout;
  } else if (direct) {
    f = fopen(o->output, "wb");
    if (!f) {
      fprintf(stderr, PROG ": error: %s: %s\n", o->output, strerror(errno));
      goto done;
    }
  } else {
    f = open_temp(target ? target : o->output, &tmp);
    if (!f) {
      fprintf(stderr, PROG ": error: %s: cannot create a temporary file next to it: %s\n",
              o->output, strerror(errno));
      goto done;
    }
  }
  setvbuf(f, NULL, _IOFBF, 1 << 20);
  sink k = {f, 0};
  write_op(op, o, &k);
  if (fflush(f) != 0 && !k.failed) k.failed = errno ? errno : EIO;
  if (!to_stdout) {
    if (fclose(f) != 0 && !k.failed) k.failed = errno ? errno : EIO;
    f = NULL;
  }
  if (k.failed) {
    fprintf(stderr, PROG ": error: %s: write failed: %s\n", to_stdout ? "<stdout>" : o->output,
            strerror(k.failed));
    goto done;
  }
  if (tmp && rename(tmp, target ? target : o->output) != 0) {
    fprintf(stderr, PROG ": error: %s: %s\n", o->output, strerror(errno));
    goto done;
  }
  rc = GEN_EXIT_OK;

done:
  if (f && !to_stdout) fclose(f);
  if (tmp) {
    if (rc != GEN_EXIT_OK) unlink(tmp);
    free(tmp);
  }
  free(target);
  free(locs);
  if (!mlirOperationIsNull(op)) mlirOperationDestroy(op);
  mlirContextDestroy(ctx);
  return rc;
}

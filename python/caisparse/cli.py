"""``python -m caisparse``: the cai-sparsify command line for Core AI's own
formats (``.aimodel`` packages, bare aicode bytecode, MLIR 22 bytecode, text
with ``#debuginfo`` locations or in custom syntax).

The C CLI runs it for such inputs (with ``CAIS_CLI`` set to its own path).  It
converts the input to MLIR 19 bytecode (remembering the locations) in an
in-memory file (``caisparse._memfile``; a temporary file where there is no
memfd), runs ``$CAIS_CLI`` on it with the same options (the memfd is passed
down and named ``/dev/fd/N``), parses the result from the C CLI's output file
and converts it back (original locations; ``save_asset`` for packages; atomic
writes).  Inputs the C library reads itself go straight to the C CLI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from caisparse import _clib, _coreai, _memfile, bridge, cli_args, formats, locations, program_files

PROG = "cai-sparsify"
C_FORMATS = (formats.C_BYTECODE, formats.C_TEXT)


def find_c_cli() -> str:
    """Return the C CLI to run: ``$CAIS_CLI``, the copy installed with the
    package, the one next to the loaded library, or ``cai-sparsify`` on PATH.

    Returns
    -------
    str
        The executable's path.

    Raises
    ------
    FileNotFoundError
        If none exists.
    """
    env = os.environ.get("CAIS_CLI")
    if env:
        return env
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib", PROG)
    candidates = [here]
    try:
        candidates.append(str(_clib.library_path().parent / PROG))
    except _clib.LibraryNotFoundError:
        pass
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    found = shutil.which(PROG)
    if found:
        return found
    raise FileNotFoundError(f"cannot find the {PROG} executable; set CAIS_CLI to its path")


def _error(text: str) -> int:
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return cli_args.EXIT_FAILURE


def _run_c(argv: list, rename: dict | None = None, display: dict | None = None,
           fds: tuple = ()) -> int:
    """Run the C CLI; with ``rename``, its output is captured and temporary
    paths in it are replaced by the user's.  ``display`` maps
    ``CAIS_DISPLAY_INPUT`` / ``CAIS_DISPLAY_OUTPUT`` to the user's file names,
    which the C CLI then prints in its summary and report.  ``fds`` are file
    descriptors the C CLI inherits (under the same numbers: the in-memory
    inputs it opens as ``/dev/fd/N``)."""
    env = dict(os.environ, CAIS_NO_FRONT_DOOR="1")  # the C CLI must not come back here
    env.update(display or {})
    cmd = [find_c_cli()] + argv
    if not rename:
        return subprocess.run(cmd, env=env, pass_fds=fds).returncode
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, pass_fds=fds)
    # Longest first: /dev/fd/1 must not eat the start of /dev/fd/12.
    pairs = sorted(rename.items(), key=lambda kv: len(kv[0]), reverse=True)
    for stream, text in ((sys.stdout, proc.stdout), (sys.stderr, proc.stderr)):
        for tmp, real in pairs:
            text = text.replace(tmp, real)
        stream.write(text)
        stream.flush()
    return proc.returncode


class _Converted:
    """One input converted to MLIR 19 bytecode for the C CLI: an in-memory
    file it inherits and opens as ``file`` (``/dev/fd/N``), or where memfd
    does not exist a temporary file in ``workdir``.  ``close()`` frees it."""

    def __init__(self, path: str, kind: str, core: Any, workdir: str, tag: str,
                 reversible: bool = True) -> None:
        self.path, self.kind = path, kind
        self.module = program_files.load(path, kind, core)
        self.memfile: _memfile.MemFile | None = None
        self.fds: tuple = ()
        if _memfile.available():
            self.memfile, self.lmap = bridge.module_to_memfile(self.module, core,
                                                               reversible=reversible)
            self.fds = (self.memfile.fd,)
            self.file = f"/dev/fd/{self.memfile.fd}"
            return
        data, self.lmap = bridge.module_to_bytes(self.module, core, reversible=reversible)
        self.file = os.path.join(workdir, f"{tag}.mlirbc")
        with open(self.file, "wb") as f:
            f.write(data)

    def close(self) -> None:
        """Free the in-memory file (the temporary file goes with ``workdir``)."""
        if self.memfile is not None:
            self.memfile.close()
            self.memfile = None


def _output_kind(args: cli_args.Args, kind: str) -> str:
    if args.emit == "aimodel":
        return formats.PACKAGE
    if args.emit in ("bytecode", "text"):
        return args.emit
    return {formats.PACKAGE: formats.PACKAGE, formats.AICODE_BYTECODE: formats.AICODE_BYTECODE,
            formats.CORE_BYTECODE: "bytecode", formats.C_BYTECODE: "bytecode"}.get(kind, "text")


def _is_custom_syntax(path: str, kind: str) -> bool:
    if kind not in (formats.CORE_TEXT, formats.C_TEXT):
        return False
    with open(path, "rb") as f:
        head = f.read(1 << 16).decode("utf-8", "replace")
    body = [ln.strip() for ln in head.splitlines() if ln.strip() and not ln.startswith("#")]
    return bool(body) and not body[0].startswith('"')


def _install_report(tmp_report: str, report: str) -> None:
    """Move the C CLI's report next to ``report`` and rename it into place, so
    that a run that fails after compressing leaves no report behind."""
    staged = os.path.join(os.path.dirname(os.path.abspath(report)),
                          f".{os.path.basename(report)}.tmp{os.getpid()}")
    try:
        shutil.copyfile(tmp_report, staged)
        os.replace(staged, report)
    finally:
        if os.path.exists(staged):
            os.unlink(staged)


def _compress(args: cli_args.Args, kinds: list, core: Any, workdir: str) -> int:
    src = args.files[0]
    target = src if args.in_place else args.output
    out_kind = _output_kind(args, kinds[0])
    conv = _Converted(src, kinds[0], core, workdir, "input")
    out19 = os.path.join(workdir, "output.mlirbc")
    tmp_report = os.path.join(workdir, "report.json")
    c_argv = list(args.passthrough)
    if args.mode == "decode":  # the same round trip, the chains decoded instead
        c_argv.append("--decode")
    if args.report:
        c_argv += ["--report", tmp_report]
    c_argv += [conv.file, "-o", out19, "--emit", "bytecode"]
    # On a terminal the C CLI draws its progress bar itself; otherwise its
    # messages are captured so that they name the user's files, not ours.
    rename = None if sys.stderr.isatty() else {conv.file: src, out19: target}
    try:
        rc = _run_c(c_argv, rename,
                    display={"CAIS_DISPLAY_INPUT": src, "CAIS_DISPLAY_OUTPUT": target},
                    fds=conv.fds)
    finally:
        conv.close()  # the converted input is not needed any more: its memory goes now
    if rc != 0:
        return rc
    try:
        module = core.ir.Module.parseFile(out19, context=conv.module.context)
    except Exception as exc:  # MLIRError derives from Exception only
        raise formats.FormatError(f"{src}: Core AI cannot read the compressed program: "
                                  f"{' '.join(str(exc).split())}") from exc
    locations.restore(module, conv.lmap, core)
    program_files.save(module, target, out_kind, _is_custom_syntax(src, kinds[0]), core)
    if args.report:
        _install_report(tmp_report, args.report)
    return 0


def main(argv: list | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 done, 1 unreadable or invalid input, I/O failure or
        missing coreai-core, 2 bad options.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = cli_args.parse(argv)
    except cli_args.UsageError as exc:
        print(f"{PROG}: error: {exc}\nTry '{PROG} --help'.", file=sys.stderr)
        return cli_args.EXIT_USAGE
    try:
        if args.mode == "passthrough":
            return _run_c(args.passthrough)
        kinds = [formats.detect(p) for p in args.files]
        if all(k in C_FORMATS for k in kinds) and args.emit != "aimodel":
            return _run_c(argv)
        try:
            core = _coreai.require()
        except _coreai.CoreAIMissingError:
            return _error(f"{args.files[0]} is a Core AI program; {_coreai.INSTALL_HINT}")
        with tempfile.TemporaryDirectory(prefix="caisparse-") as workdir:
            if args.mode in ("compress", "decode"):
                return _compress(args, kinds, core, workdir)
            convs = []
            try:
                for i, (p, k) in enumerate(zip(args.files, kinds)):
                    convs.append(_Converted(p, k, core, workdir, f"file{i}", reversible=False))
                flag = "--inspect" if args.mode == "inspect" else "--verify"
                c_argv = args.passthrough + [flag] + [c.file for c in convs]
                return _run_c(c_argv, rename={c.file: c.path for c in convs},
                              fds=tuple(fd for c in convs for fd in c.fds))
            finally:
                for c in convs:
                    c.close()
    except formats.FormatError as exc:
        return _error(str(exc))
    except (OSError, RuntimeError) as exc:
        return _error(str(exc))

"""Splitting ``cai-sparsify`` command lines (the options of
host/cli/cli_args.c, plus ``--emit aimodel``) into what the Python front door
handles itself and what it passes to the C CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

# Options of the C CLI that take a value (passed through as they are).
VALUE_OPTIONS = ("--target-sparsity", "--block-size", "--n-m", "--quantize-dtype",
                 "--palettize-nbits", "--weight-num-threshold", "--device", "--threads")
FLAG_OPTIONS = ("-q", "--quiet", "-v", "--verbose")
EMITS = ("text", "bytecode", "aimodel")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad command line; ``option`` is the option it is about."""

    def __init__(self, option: str, text: str) -> None:
        super().__init__(f"{option}: {text}")
        self.option = option


@dataclass
class Args:
    """A parsed command line.

    Attributes
    ----------
    mode : str
        ``compress``, ``inspect``, ``verify``, ``decode``, or ``passthrough`` (``--help``,
        ``--version``, ``--list-devices``: the C CLI answers).
    files : list of str
        The positional files.
    output : str or None
        ``-o``.
    in_place : bool
        ``--in-place``.
    emit : str or None
        ``text``, ``bytecode``, ``aimodel``; None: the input's format.
    report : str or None
        ``--report``.
    passthrough : list of str
        The options the C CLI gets as they are.
    quiet : bool
        ``-q``.
    """

    mode: str = "compress"
    files: list = field(default_factory=list)
    output: str | None = None
    in_place: bool = False
    emit: str | None = None
    report: str | None = None
    passthrough: list = field(default_factory=list)
    quiet: bool = False


def parse(argv: list) -> Args:
    """Parse ``argv`` (without the program name).

    Parameters
    ----------
    argv : list of str
        The arguments.

    Returns
    -------
    Args
        The parsed command line.

    Raises
    ------
    UsageError
        For an unknown option, a missing value, a bad ``--emit`` or the wrong
        number of files (the C CLI checks the option values themselves).
    """
    a = Args()
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")

        def value() -> str:
            nonlocal i
            if eq:
                return inline
            if i + 1 >= len(argv):
                raise UsageError(name, "needs a value")
            i += 1
            return argv[i]

        if arg in ("-h", "--help", "--version", "--list-devices"):
            a.mode = "passthrough"
            a.passthrough = [arg]
            return a
        if arg == "--in-place":
            a.in_place = True
        elif arg == "--inspect":
            a.mode = "inspect"
        elif arg == "--verify":
            a.mode = "verify"
        elif arg == "--decode":
            a.mode = "decode"
        elif arg in FLAG_OPTIONS:
            a.passthrough.append(arg)
            a.quiet = a.quiet or arg in ("-q", "--quiet")
        elif arg == "-o" or name == "--output":
            a.output = value()
            if not a.output:
                raise UsageError("-o", "needs a file name")
        elif name == "--emit":
            a.emit = value()
            if a.emit not in EMITS:
                raise UsageError("--emit", f"expected text, bytecode or aimodel, got '{a.emit}'")
        elif name == "--report":
            a.report = value()
            if not a.report:
                raise UsageError("--report", "needs a file name")
        elif name in VALUE_OPTIONS:
            a.passthrough += [name, value()]
        elif arg.startswith("-") and arg != "-":
            raise UsageError(arg, "unknown option")
        else:
            a.files.append(arg)
        i += 1
    want = {"compress": 1, "inspect": 1, "verify": 2, "decode": 1}[a.mode]
    if len(a.files) != want:
        what = {"compress": "exactly one INPUT file", "inspect": "exactly one FILE",
                "verify": "ORIGINAL and COMPRESSED files",
                "decode": "exactly one COMPRESSED file"}[a.mode]
        raise UsageError("INPUT" if a.mode == "compress" else f"--{a.mode}", f"expected {what}")
    if a.mode == "decode":
        if a.in_place:
            raise UsageError("--in-place", "cannot be combined with --decode")
        if not a.output:
            raise UsageError("-o", "--decode needs an output file")
    if a.mode == "compress":
        if a.in_place and a.output:
            raise UsageError("--in-place", "cannot be combined with -o")
        if not a.in_place and not a.output:
            raise UsageError("-o", "an output file is required (or --in-place)")
    return a

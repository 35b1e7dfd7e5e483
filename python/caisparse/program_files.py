"""Reading and writing Core AI program files in MLIR 22: ``.aimodel``
packages, bare aicode bytecode, MLIR 22 bytecode and text; every write is
atomic (a temporary file or directory next to the target, then a rename)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from caisparse import formats


def load(path: str, kind: str, core: Any) -> Any:
    """Read a program into a fresh Core AI context.

    Parameters
    ----------
    path : str
        The file or package; ``formats.detect`` said it is ``kind``.
    kind : str
        A ``formats`` kind.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.

    Returns
    -------
    ir.Module
        The MLIR 22 module.

    Raises
    ------
    formats.FormatError
        If Core AI cannot read it (the message names the file).
    """
    context = core.Context()._mlir_context  # noqa: SLF001
    try:
        if kind == formats.PACKAGE:
            return core.load_module_from_bytecode(context=context, path=Path(path) / "main.mlirb")
        if kind == formats.AICODE_BYTECODE:
            return core.load_module_from_bytecode(context=context, path=Path(path))
        with open(path, "rb") as f:
            data = f.read()
        if kind in (formats.CORE_TEXT, formats.C_TEXT):
            data = data.decode("utf-8")
        return core.ir.Module.parse(data, context=context)
    except Exception as exc:  # MLIRError derives from Exception only
        text = " ".join(str(exc).split())
        raise formats.FormatError(f"{path}: Core AI cannot read it: {text}") from exc


def _temp_next_to(target: str, suffix: str = "") -> str:
    parent = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=suffix, dir=parent)
    os.close(fd)
    return tmp


def _write_file_atomically(target: str, write: Any) -> None:
    tmp = _temp_next_to(target, ".tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _package_safe(loc: Any, ir: Any) -> Any:
    """A location aicode serialization accepts: it refuses name and call-site
    locations, so ``loc("n"(child))`` becomes ``loc(fused<"n">[child])`` and a
    call site the fusion of callee and caller."""
    if loc.is_a_name():
        return ir.Location.fused([_package_safe(loc.child_loc, ir)],
                                 metadata=ir.StringAttr.get(loc.name_str))
    if loc.is_a_callsite():
        return ir.Location.fused([_package_safe(loc.callee, ir), _package_safe(loc.caller, ir)])
    if loc.is_a_fused():
        parts = list(loc.locations)
        safe = [_package_safe(p, ir) for p in parts]
        if any(a != b for a, b in zip(parts, safe)):
            return ir.Location.fused(safe)
    return loc


def make_package_safe(module: Any, core: Any) -> int:
    """Rewrite the locations a package cannot hold (see ``_package_safe``).

    Parameters
    ----------
    module : ir.Module
        Changed in place.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.

    Returns
    -------
    int
        How many ops and block arguments got a new location.
    """
    from caisparse import locations

    ir = core.ir
    changed = 0
    with module.context:
        ops = locations._all_ops(module, ir)  # noqa: SLF001
        for op in ops:
            safe = _package_safe(op.location, ir)
            if safe != op.location:
                core.set_op_location(op, safe)
                changed += 1
        for arg in locations._block_args(ops):  # noqa: SLF001
            safe = _package_safe(arg.location, ir)
            if safe != arg.location:
                core.set_block_arg_location(arg, safe)
                changed += 1
    return changed


def save_package(module: Any, target: str, core: Any) -> None:
    """Write ``module`` as a ``.aimodel`` package at ``target``, atomically.

    Name and call-site locations, which aicode cannot hold, are rewritten
    first (``make_package_safe``).  The package is built in a temporary
    directory next to ``target`` and renamed into place; an existing package is replaced only once the new one
    is complete (so ``--in-place`` leaves it intact on failure).

    Parameters
    ----------
    module : ir.Module
        The program.
    target : str
        The package directory to write.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    """
    make_package_safe(module, core)
    parent = os.path.dirname(os.path.abspath(target))
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", dir=parent)
    try:
        built = Path(work) / "program.aimodel"
        core.AIProgram._from_mlir_module(module).save_asset(built)  # noqa: SLF001
        old = None
        if os.path.lexists(target):
            old = os.path.join(work, "old")
            os.rename(target, old)
        try:
            os.rename(built, target)
        except BaseException:
            if old:
                os.rename(old, target)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save(module: Any, target: str, kind: str, custom_syntax: bool, core: Any) -> None:
    """Write ``module`` in the format ``kind``, atomically.

    Parameters
    ----------
    module : ir.Module
        The program.
    target : str
        Where to write.
    kind : str
        ``formats.PACKAGE``, ``formats.AICODE_BYTECODE``, ``"bytecode"``
        (MLIR 22 bytecode of the raw dialect) or ``"text"``.
    custom_syntax : bool
        For text: the custom syntax (as ``str(AIProgram)``) instead of the
        generic form; both with debug info.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    """
    if kind == formats.PACKAGE:
        save_package(module, target, core)
    elif kind == formats.AICODE_BYTECODE:
        make_package_safe(module, core)
        program = core.AIProgram._from_mlir_module(module)  # noqa: SLF001
        _write_file_atomically(target, lambda p: program._save_bytecode(Path(p)))  # noqa: SLF001
    elif kind == "bytecode":
        def write(p: str) -> None:
            with open(p, "wb") as f:
                module.operation.write_bytecode(f)
        _write_file_atomically(target, write)
    else:
        def write_text(p: str) -> None:
            with open(p, "w") as f:
                module.operation.print(file=f, enable_debug_info=True,
                                       print_generic_op_form=not custom_syntax)
        _write_file_atomically(target, write_text)

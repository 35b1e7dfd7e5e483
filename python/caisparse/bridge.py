"""Moving a program between Core AI's MLIR 22 and libcaisparse's MLIR 19
without hex text.

MLIR 22 -> C: swap the locations (``caisparse.locations``), write MLIR
bytecode version 4 (which carries op properties as attributes and which MLIR 19
reads), put the original locations back on the caller's module, and hand the
bytes to ``cais_program_read_memory``.

C -> MLIR 22: the C library writes MLIR 19 bytecode with op values as
attributes, which ``ir.Module.parse`` reads in the caller's context; then the
original locations are restored from the map.  Timings: docs/PYTHON.md.
"""

from __future__ import annotations

import io
import time
from typing import Any

from caisparse import _clib, locations
from caisparse._program import CProgram

BYTECODE_VERSION = 4


class Timings(dict):
    """Seconds per bridge step (``write_bytecode``, ``c_read``, ``c_write``,
    ``parse``, ``restore``)."""

    def add(self, step: str, since: float) -> float:
        """Record the time since ``since`` under ``step``; return now."""
        now = time.perf_counter()
        self[step] = self.get(step, 0.0) + now - since
        return now


def module_to_bytes(module: Any, core: Any, timings: Timings | None = None,
                    reversible: bool = True) -> tuple[bytes, locations.LocationMap]:
    """Write an MLIR 22 module as bytecode MLIR 19 reads.

    Parameters
    ----------
    module : ir.Module
        The module; its locations are swapped for the write and put back
        before this returns, so it is left as it was.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    timings : Timings, optional
        Receives the seconds spent.
    reversible : bool, optional
        As ``locations.swap``.

    Returns
    -------
    tuple of (bytes, LocationMap)
        The bytecode and the map from its locations to the originals.
    """
    timings = Timings() if timings is None else timings
    t = time.perf_counter()
    lmap = locations.swap(module, core, reversible)
    try:
        t = timings.add("swap", t)
        buf = io.BytesIO()
        module.operation.write_bytecode(buf, desired_version=BYTECODE_VERSION)
        t = timings.add("write_bytecode", t)
    finally:
        locations.restore(module, lmap, core)
        timings.add("restore_input", t)
    return buf.getvalue(), lmap


def module_to_program(module: Any, core: Any, timings: Timings | None = None
                      ) -> tuple[CProgram, locations.LocationMap]:
    """Hand an MLIR 22 module to the C library.

    Parameters
    ----------
    module : ir.Module
        The module (left unchanged).
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    timings : Timings, optional
        Receives the seconds spent.

    Returns
    -------
    tuple of (CProgram, LocationMap)
        The C library's copy and the location map.
    """
    timings = Timings() if timings is None else timings
    data, lmap = module_to_bytes(module, core, timings)
    t = time.perf_counter()
    # The C side reads the bytecode in place: no second copy of the weights.
    program = CProgram.from_bytes(data, borrow=True)
    timings.add("c_read", t)
    return program, lmap


def program_to_module(program: CProgram, lmap: locations.LocationMap, context: Any, core: Any,
                      timings: Timings | None = None) -> Any:
    """Bring the C library's program back into MLIR 22.

    Parameters
    ----------
    program : CProgram
        The program (e.g. the sparsified one).
    lmap : LocationMap
        The map of the module it came from.
    context : ir.Context
        The MLIR 22 context to parse into (the input program's).
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    timings : Timings, optional
        Receives the seconds spent.

    Returns
    -------
    ir.Module
        The module, with the original locations.
    """
    timings = Timings() if timings is None else timings
    t = time.perf_counter()
    data = program.to_bytes(_clib.FORMAT_BYTECODE)
    t = timings.add("c_write", t)
    module = core.ir.Module.parse(data, context=context)
    del data
    t = timings.add("parse", t)
    locations.restore(module, lmap, core)
    timings.add("restore", t)
    return module


def replace_module_body(target: Any, source: Any, core: Any) -> None:
    """Make ``target`` hold ``source``'s ops and attributes (``source`` is
    emptied), so that objects holding ``target`` see the new program.

    Parameters
    ----------
    target : ir.Module
        The module to change in place.
    source : ir.Module
        The module whose contents move; in the same context.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    """
    for op in list(target.body.operations):
        op.operation.erase()
    from_ops = list(source.body.operations)
    for op in from_ops:
        op.operation.detach_from_parent()
    ip = core.ir.InsertionPoint(target.body)
    for op in from_ops:
        ip.insert(op.operation)
    for attr in source.operation.attributes:
        target.operation.attributes[attr.name] = attr.attr
    core.set_op_location(target.operation, source.operation.location)

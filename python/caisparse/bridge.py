"""Moving a program between Core AI's MLIR 22 and libcaisparse's MLIR 19
without hex text and without a ``bytes`` copy of the program.

MLIR 22 -> C: swap the locations (``caisparse.locations``), write MLIR
bytecode version 4 (which carries op properties as attributes and which MLIR 19
reads) into an in-memory file (``caisparse._memfile``), put the original
locations back on the caller's module, map the file and let
``cais_program_read_memory_borrowed`` read the weights where they lie.

C -> MLIR 22: the C library streams MLIR 19 bytecode with op values as
attributes into another in-memory file (``cais_program_write_fd``), which
``ir.Module.parseFile`` reads in the caller's context; then the original
locations are restored from the map.

Without memfd (not Linux) or with an older library, the same steps go
through ``bytes``.  Timings and memory: docs/PYTHON.md, docs/PERFORMANCE.md.
"""

from __future__ import annotations

import io
import time
from typing import Any

from caisparse import _clib, _memfile, locations
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


def _write_module(module: Any, core: Any, sink: Any, timings: Timings,
                  reversible: bool) -> locations.LocationMap:
    """Swap the locations, write bytecode into the file object ``sink`` and
    put the locations back; return the map."""
    t = time.perf_counter()
    lmap = locations.swap(module, core, reversible)
    try:
        t = timings.add("swap", t)
        module.operation.write_bytecode(sink, desired_version=BYTECODE_VERSION)
        t = timings.add("write_bytecode", t)
    finally:
        locations.restore(module, lmap, core)
        timings.add("restore_input", t)
    return lmap


def module_to_bytes(module: Any, core: Any, timings: Timings | None = None,
                    reversible: bool = True) -> tuple[bytes, locations.LocationMap]:
    """Write an MLIR 22 module as bytecode MLIR 19 reads, into ``bytes``.

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
    buf = io.BytesIO()
    lmap = _write_module(module, core, buf, timings, reversible)
    return buf.getvalue(), lmap


def module_to_memfile(module: Any, core: Any, timings: Timings | None = None,
                      reversible: bool = True) -> tuple[_memfile.MemFile, locations.LocationMap]:
    """Write an MLIR 22 module as bytecode MLIR 19 reads, into an in-memory
    file (``_memfile.available()`` must be true).

    Parameters
    ----------
    module, core, timings, reversible
        As ``module_to_bytes``.

    Returns
    -------
    tuple of (caisparse._memfile.MemFile, LocationMap)
        The file (the caller closes it) and the location map.
    """
    timings = Timings() if timings is None else timings
    memfile = _memfile.MemFile("caisparse-in")
    try:
        with memfile.writer() as sink:
            lmap = _write_module(module, core, sink, timings, reversible)
    except BaseException:
        memfile.close()
        raise
    return memfile, lmap


def module_to_program(module: Any, core: Any, timings: Timings | None = None
                      ) -> tuple[CProgram, locations.LocationMap]:
    """Hand an MLIR 22 module to the C library, which reads its bytecode in
    place (borrowed): the program is to be sparsified in place.

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
        The C library's program (it owns the serialized bytes) and the
        location map.
    """
    timings = Timings() if timings is None else timings
    if _memfile.available():
        memfile, lmap = module_to_memfile(module, core, timings)
        t = time.perf_counter()
        try:
            program = CProgram.from_memfile(memfile)
        except BaseException:
            memfile.close()
            raise
        timings.add("c_read", t)
        return program, lmap
    data, lmap = module_to_bytes(module, core, timings)
    t = time.perf_counter()
    # The C side reads the bytecode in place: no second copy of the weights.
    program = CProgram.from_bytes(data, borrow=True)
    timings.add("c_read", t)
    return program, lmap


def program_to_module(program: CProgram, lmap: locations.LocationMap, context: Any, core: Any,
                      timings: Timings | None = None, close_program: bool = False) -> Any:
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
    close_program : bool, optional
        Close ``program`` once it is written, before MLIR 22 parses the
        bytes: its weights (and the input bytecode it borrows) are then gone
        before the new module's are made, which lowers the peak by the size
        of both.

    Returns
    -------
    ir.Module
        The module, with the original locations.
    """
    timings = Timings() if timings is None else timings
    t = time.perf_counter()
    if _memfile.available() and _clib.has_write_fd():
        # C streams into a memfd that MLIR 22 parses by path: no bytes copy.
        with _memfile.MemFile("caisparse-out") as out:
            program.write_fd(out.fd, _clib.FORMAT_BYTECODE)
            if close_program:
                program.close()
            t = timings.add("c_write", t)
            module = core.ir.Module.parseFile(out.path, context=context)
    else:
        data = program.to_bytes(_clib.FORMAT_BYTECODE)
        if close_program:
            program.close()
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

"""Swapping a module's locations for index-carrying builtin ones, and back.

MLIR 19 cannot read coreai-torch's ``#debuginfo.location`` locations, so
before the module crosses to the C library every op's and block argument's
location is replaced by a builtin one that encodes an index into a
``LocationMap``:

* ops: ``loc("cais.loc":INDEX:0)``; constants get a readable name around it,
  ``loc("NAME"("cais.loc":INDEX:0))``, so the C library's weight naming (the
  ``loc("NAME")`` of the constant) gives warnings and reports a name a person
  recognises.  The name depends only on the original location (two constants
  with one location share it), so a program and its compressed form name
  their weights alike (``--verify`` pairs them by name);
* block arguments: ``loc("cais.arg":INDEX:0)``.

The op chains the C library writes carry the replaced constant's location, so
after the round trip each op's index leads back to its original location (the
chain ops to the constant's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

OP_FILE = "cais.loc"
ARG_FILE = "cais.arg"

_CALL_STACK = re.compile(r'"call_stack": \[([^\]]*)\]')
_IDENTIFIERS = re.compile(r"identifiers = \[([^\]]*)\]")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


@dataclass
class LocationMap:
    """The original locations of one module, by the index its swapped
    locations carry.

    Attributes
    ----------
    ops : list
        Original ``ir.Location`` of each op, in walk order.
    args : list
        Original ``ir.Location`` of each block argument.
    names : dict
        Readable name given to each constant, by op index.
    """

    ops: list = field(default_factory=list)
    args: list = field(default_factory=list)
    names: dict = field(default_factory=dict)


def readable_name(location: Any) -> str | None:
    """Return a name a person recognises for a constant's location.

    Parameters
    ----------
    location : ir.Location
        The constant's original location.

    Returns
    -------
    str or None
        ``loc("name")``: the name; ``loc("file":line:col)``: ``file:line:col``;
        a coreai-torch ``#debuginfo`` location: its module call stack,
        outermost first, and the torch source identifiers, as
        ``M$1.Linear$2:permute_1``; otherwise None.
    """
    if location.is_a_name():
        return location.name_str
    if location.is_a_file():
        return f"{location.filename}:{location.start_line}:{location.start_col}"
    text = str(location)
    if "debuginfo" not in text:
        return None
    stack = _CALL_STACK.search(text)
    idents = _IDENTIFIERS.search(text)
    parts = []
    if stack:
        parts.append(".".join(reversed(_QUOTED.findall(stack.group(1)))))
    if idents:
        parts.append("/".join(_QUOTED.findall(idents.group(1))))
    return ":".join(p for p in parts if p) or None


def _all_ops(module: Any, ir: Any) -> list:
    ops = []

    def visit(op: Any) -> Any:
        ops.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return ops


def _block_args(ops: list) -> list:
    args = []
    for op in ops:
        for region in op.regions:
            for block in region.blocks:
                args.extend(block.arguments)
    return args


def swap(module: Any, core: Any, reversible: bool = True) -> LocationMap:
    """Replace every location of ``module`` by an index-carrying builtin one.

    Parameters
    ----------
    module : ir.Module
        The MLIR 22 module; changed in place (``restore`` undoes it).
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.
    reversible : bool, optional
        True (default): the locations carry indices, so a program that comes
        back from the C library can get its locations back.  False (for
        ``--inspect`` / ``--verify``, whose programs never come back): every op
        gets just its readable name, ``loc("NAME")`` (``loc(unknown)`` when it
        has none), so that two programs converted separately carry equal
        locations wherever their originals were equal.

    Returns
    -------
    LocationMap
        What ``restore`` needs to put the original locations back.
    """
    ir = core.ir
    ops = _all_ops(module, ir)
    args = _block_args(ops)
    lmap = LocationMap(ops=[op.location for op in ops], args=[a.location for a in args])
    constant = 0
    with module.context:
        if not reversible:
            unknown = ir.Location.unknown()
            for op, orig in zip(ops, lmap.ops):
                name = readable_name(orig)
                core.set_op_location(op, ir.Location.name(name) if name else unknown)
            for arg in args:
                core.set_block_arg_location(arg, unknown)
            return lmap
        for i, op in enumerate(ops):
            loc = ir.Location.file(OP_FILE, i, 0)
            if op.name == "coreai.constant":
                name = readable_name(lmap.ops[i]) or f"constant#{constant}"
                constant += 1
                lmap.names[i] = name
                loc = ir.Location.name(name, childLoc=loc)
            core.set_op_location(op, loc)
        for i, arg in enumerate(args):
            core.set_block_arg_location(arg, ir.Location.file(ARG_FILE, i, 0))
    return lmap


def _index(location: Any, filename: str) -> int | None:
    if location.is_a_name():
        location = location.child_loc
    if location.is_a_file() and location.filename == filename:
        return location.start_line
    return None


def restore(module: Any, lmap: LocationMap, core: Any) -> int:
    """Put the original locations back on ``module`` (the input after a
    round trip, or the C library's output).

    Parameters
    ----------
    module : ir.Module
        A module whose locations were made by ``swap`` (new ops of an op chain
        carry the location of the constant they replace).
    lmap : LocationMap
        The map ``swap`` returned.
    core : types.SimpleNamespace
        ``caisparse._coreai.require()``.

    Returns
    -------
    int
        The number of ops and block arguments whose location was not one of
        ours (left as they are; 0 for the C library's output).
    """
    ops = _all_ops(module, core.ir)
    unknown = 0
    for op in ops:
        i = _index(op.location, OP_FILE)
        if i is None or i >= len(lmap.ops):
            unknown += 1
        else:
            core.set_op_location(op, lmap.ops[i])
    for arg in _block_args(ops):
        i = _index(arg.location, ARG_FILE)
        if i is None or i >= len(lmap.args):
            unknown += 1
        else:
            core.set_block_arg_location(arg, lmap.args[i])
    return unknown

"""Every cai-sparsify output loads, verifies and runs in the real Core AI stack.

For each cell of matrix.py (program x dtype x mode x joint, all 924 of them, a
quarter written as bytecode) the CLI compresses a program that coreai-torch
converted from a PyTorch model, and the output, exactly as written, must:
  1. parse and verify in the real `coreai` dialect (MLIR 22),
  2. hold the chains the options ask for (the sparse pair, plus
     blockwise_shift_scale or lut_to_dense),
  3. package with save_asset and run on the Core AI CPU runtime,
  4. compute something else than the dense original (the compression happened),
  5. compute what the dense program of `cai-sparsify --decode` computes: the
     weights our decoder says the chains hold, put back as plain constants.  This
     is the check that our decoding (and so --verify and the report) is the
     runtime's semantics.
Also `cai-sparsify --verify ORIGINAL OUTPUT` with the same options accepts every
output (exit 0), and every CLI call exits 0.

Tolerance of 5: none, bit-equality.  Both runs compute the same graph on the
same weight values, and the runtime is deterministic, so any difference is a
difference in the weights: our decoder does not compute what the runtime
computes.  Measured: every cell whose decoder matches the runtime is bit-equal
(a few ulps of slack would have hidden the uint8 mismatch below, which moves
outputs by ~2 ulps).  What the runtime computes, found on it
(every ui8 value 0..254, offset1 127, several scales): blockwise_shift_scale in
f16 and f32 is `data * scale - offset1 * scale (+ offset2)` with each product and
the difference rounded in that type, not `(data - offset1) * scale`; in bf16 it
computes in f32 and rounds once to bf16 (which equals `(data - offset1) * scale`
rounded once).  Only offset1 != 0 (uint8) tells the orders apart.
The message reports the distance in ulps of the output.
"""
import subprocess

import numpy as np
import pytest

import realstack
from matrix import CELLS, JOINT_OP
from models import WEIGHT_THRESHOLD


def run_cli(cli, *args):
    r = subprocess.run([cli, "-q", *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, f"cai-sparsify {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr}"
    return r


def ulps_apart(a, b):
    """Max distance of a and b in units of the output dtype's epsilon at the output's scale."""
    a32, b32 = a.astype(np.float64), b.astype(np.float64)
    eps = float(np.finfo(a.dtype).eps) if a.dtype.kind == "f" else 2.0 ** -7  # bf16: 8-bit mantissa
    scale = max(float(np.max(np.abs(a32))), float(np.max(np.abs(b32))), 1e-30)
    return float(np.max(np.abs(a32 - b32))) / (eps * scale)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, cli, dense, workdir):
    base = dense(cell.program, cell.dtype)
    cdir = workdir / "cells" / cell.id
    cdir.mkdir(parents=True, exist_ok=True)
    ext = "mlirbc" if cell.bytecode else "mlir"
    out = cdir / f"out.{ext}"
    run_cli(cli, "--weight-num-threshold", WEIGHT_THRESHOLD, *cell.options(), base.path, "-o", out)

    run_cli(cli, "--weight-num-threshold", WEIGHT_THRESHOLD, *cell.compression(),
            "--verify", base.path, out)

    data = realstack.read_as_written(out)
    assert isinstance(data, bytes) == cell.bytecode, "--emit did not pick the output format"
    module = realstack.parse(data)
    ops = realstack.op_counts(module)
    assert ops["coreai.build_sparse_with_bitmask"] > 0, f"no chain written: {dict(ops)}"
    assert ops["coreai.sparse_with_bitmask_to_dense"] == ops["coreai.build_sparse_with_bitmask"]
    if JOINT_OP[cell.joint]:
        assert ops[JOINT_OP[cell.joint]] > 0, f"{cell.joint} wrote no {JOINT_OP[cell.joint]}"

    got = realstack.run(realstack.package(module, cdir / "out.aimodel"), base.inputs)
    assert len(got) == len(base.outputs)
    assert any(not np.array_equal(g, b) for g, b in zip(got, base.outputs)), \
        "compressed program computes exactly what the dense original does"

    decoded = cdir / f"decoded.{ext}"
    run_cli(cli, "--decode", out, "-o", decoded)
    dmodule = realstack.parse(realstack.read_as_written(decoded))
    assert realstack.op_counts(dmodule)["coreai.build_sparse_with_bitmask"] == 0
    want = realstack.run(realstack.package(dmodule, cdir / "decoded.aimodel"), base.inputs)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w, equal_nan=True), \
            f"runtime on chains vs on --decode weights: {ulps_apart(g, w):.3g} ulps apart"

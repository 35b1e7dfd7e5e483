"""sparsify_weights on AIPrograms: in_place both ways, every mode verifies
and runs on the Core AI runtime, locations survive, warnings name the weight,
the report, the engine and the progress bar."""

from __future__ import annotations

import io
import json
import logging

import numpy as np
import pytest

import caisparse
from caisparse.progress import ProgressBar
from conftest import asm, mlp_inputs, module_of, ops_and_locations, run_program

CHAIN_OPS = {"coreai.constant", "coreai.build_sparse_with_bitmask",
             "coreai.sparse_with_bitmask_to_dense", "coreai.blockwise_shift_scale",
             "coreai.lut_to_dense"}


def test_not_in_place_leaves_the_input_and_returns_a_new_program(mlp_f32):
    before = asm(mlp_f32)
    out = caisparse.sparsify_weights(mlp_f32)
    assert out is not mlp_f32
    assert asm(mlp_f32) == before
    assert "coreai.sparse_with_bitmask_to_dense" in asm(out)
    assert "coreai.sparse_with_bitmask_to_dense" not in before


def test_in_place_changes_and_returns_the_same_program(mlp_f32):
    module = module_of(mlp_f32)
    out = caisparse.sparsify_weights(mlp_f32, palettize_nbits=2, in_place=True)
    assert out is mlp_f32
    assert module_of(out) is module  # the same module object, changed
    text = asm(mlp_f32)
    assert "coreai.lut_to_dense" in text
    module.operation.verify()


MODES = [
    dict(), dict(target_sparsity=0.8), dict(block_size=4), dict(target_sparsity=None, n_m_ratio=(2, 4)),
    dict(quantize_dtype="int8"), dict(quantize_dtype="uint8"), dict(quantize_dtype="fp8_e4m3fn"),
    dict(quantize_dtype="fp8_e5m2"),
    *[dict(palettize_nbits=k) for k in (1, 2, 3, 4, 6, 8)],
    dict(block_size=2, quantize_dtype="int8"), dict(target_sparsity=None, n_m_ratio=(1, 4), palettize_nbits=4),
]


@pytest.fixture(scope="module")
def reference_outputs(mlp_f32_master, mlp_f16_master):
    return {"f32": run_program(mlp_f32_master, mlp_inputs(np.float32)),
            "f16": run_program(mlp_f16_master, mlp_inputs(np.float16))}


@pytest.mark.parametrize("kw", MODES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
@pytest.mark.parametrize("dtype", ["f32", "f16"])
def test_every_mode_verifies_and_runs(kw, dtype, request, reference_outputs):
    program = request.getfixturevalue(f"mlp_{dtype}")
    reports = []
    out = caisparse.sparsify_weights(program, **kw, report=reports.append)
    module_of(out).operation.verify()
    totals = reports[0].totals
    assert totals.weights_compressed == 2 and totals.bytes_after < totals.bytes_before
    got = run_program(out, mlp_inputs(np.float16 if dtype == "f16" else np.float32))
    ref = reference_outputs[dtype]
    for name, y in got.items():
        x = ref[name]
        assert y.shape == x.shape and np.all(np.isfinite(y))
        rel = np.linalg.norm(x - y) / np.linalg.norm(x)
        # 50-80 % of random weights pruned: far from exact, but the same function.
        assert rel < 1.0, (kw, rel)


def test_locations_survive_a_round_trip_op_by_op(mlp_f32):
    before_ops, before_args = ops_and_locations(mlp_f32)
    assert any("#debuginfo.location" in loc for _, loc in before_ops)
    # Nothing eligible: the program comes back op for op.
    out = caisparse.sparsify_weights(mlp_f32, weight_num_threshold=10**9)
    after_ops, after_args = ops_and_locations(out)
    assert after_ops == before_ops
    assert after_args == before_args


def test_chain_ops_take_the_replaced_constants_location(mlp_f32):
    before_ops, before_args = ops_and_locations(mlp_f32)
    out = caisparse.sparsify_weights(mlp_f32, palettize_nbits=4)
    after_ops, after_args = ops_and_locations(out)
    assert after_args == before_args
    # Every op that is not part of a chain keeps its location, in order.
    kept = [(n, loc) for n, loc in before_ops if n != "coreai.constant"]
    assert [(n, loc) for n, loc in after_ops if n not in CHAIN_OPS] == kept
    # Chain ops (and the constants) carry locations of the input's constants.
    constant_locs = {loc for n, loc in before_ops if n == "coreai.constant"}
    chain = [(n, loc) for n, loc in after_ops if n in CHAIN_OPS]
    assert {n for n, _ in chain} >= {"coreai.lut_to_dense", "coreai.build_sparse_with_bitmask"}
    assert all(loc in constant_locs for _, loc in chain)


def test_report_names_weights_readably_and_matches_the_json(mlp_f32, tmp_path):
    path = tmp_path / "r.json"
    out = caisparse.sparsify_weights(mlp_f32, quantize_dtype="int8", report=path)
    data = json.loads(path.read_text())
    names = [w["name"] for w in data["weights"] if w["outcome"] == "compressed"]
    assert names == ["MLP$1.Linear$1:permute", "MLP$1.Linear$2:permute_1"]
    w = data["weights"][0]
    assert w["shape"] == [128, 64] and w["joint"] == "int8" and w["nonzeros"] == 4096
    assert set(data["totals"]) >= {"weights_compressed", "bytes_before", "bytes_after",
                                   "worst_relative_error", "worst_weight"}
    assert data["seconds"]["write_bytecode"] > 0 and data["seconds"]["parse"] > 0
    module_of(out).operation.verify()


def test_warnings_go_through_logging_and_name_the_weight(mlp_f32, caplog):
    caplog.set_level(logging.WARNING, logger="caisparse")
    # m = 64 is more than half of the 64 input channels of the first weight: skipped.
    caisparse.sparsify_weights(mlp_f32, None, n_m_ratio=(1, 64))
    messages = [r.getMessage() for r in caplog.records if r.name == "caisparse"]
    assert any(m.startswith("MLP$1.Linear$1:permute: ") for m in messages), messages


def test_engine_is_reused_across_programs(mlp_f32, mlp_f16):
    with caisparse.Engine(device="cpu", threads=1) as engine:
        assert engine.device_name.startswith("CPU")
        a = engine.sparsify_weights(mlp_f32, palettize_nbits=4)
        first = engine.last_report
        b = engine.sparsify_weights(mlp_f16, target_sparsity=0.25)
        second = engine.last_report
    assert first.totals.weights_compressed == 2 and second.totals.weights_compressed == 2
    assert {w.joint for w in first.weights if w.outcome == "compressed"} == {"palettize4"}
    assert all(abs(w.sparsity - 0.25) < 1e-9 for w in second.weights if w.outcome == "compressed")
    module_of(a).operation.verify()
    module_of(b).operation.verify()
    with pytest.raises(ValueError, match="closed"):
        engine.sparsify_weights(mlp_f32)


def test_bad_device_is_a_value_error():
    with pytest.raises(ValueError, match="device"):
        caisparse.Engine(device="gpu")


def test_progress_bar_draws_only_when_enabled():
    stream = io.StringIO()
    bar = ProgressBar(stream=stream, enabled=True)
    bar.update(1, 4, 1 << 20, 4 << 20, 0.5)
    bar.finish()
    text = stream.getvalue()
    assert text.startswith("\rcaisparse [") and "1/4 weights" in text and text.endswith("\n")
    assert "#" * 7 in text and "#" * 9 not in text  # a quarter of 30
    quiet = io.StringIO()
    ProgressBar(stream=quiet).update(1, 4, 1, 4, 0.1)  # StringIO is not a terminal
    assert quiet.getvalue() == ""


def test_progress_callback_reaches_the_bar(mlp_f32, capfd):
    with caisparse.Engine(device="cpu", progress=True) as engine:
        engine.sparsify_weights(mlp_f32)
    err = capfd.readouterr().err
    assert "2/2 weights" in err

"""The command line for Core AI's formats: ``python -m caisparse`` and the C
CLI's hand-over to it (``cai-sparsify X.aimodel``)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import EXAMPLE, module_of, ops_and_locations, run_asset, run_cli

IDS = {"ids": np.random.default_rng(0).integers(0, 512, (1, 16)).astype(np.int32)}


def tree_digest(path: Path) -> dict:
    """{relative file: sha256} of a directory."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture
def package(tmp_path):
    """A copy of the bundled example package."""
    dst = tmp_path / "model.aimodel"
    shutil.copytree(EXAMPLE, dst)
    return dst


@pytest.fixture(scope="module")
def example_outputs():
    from coreai.authoring import AIModelAsset

    return run_asset(AIModelAsset.load(EXAMPLE), IDS)


def _load(path):
    from coreai.authoring import AIModelAsset

    asset = AIModelAsset.load(path)
    module_of(asset.program).operation.verify()
    return asset


def test_package_in_package_out_runs(package, tmp_path, example_outputs):
    out = tmp_path / "out.aimodel"
    report = tmp_path / "r.json"
    proc = run_cli(["--palettize-nbits", "4", "--report", report, package, "-o", out])
    assert proc.returncode == 0, proc.stderr
    said = proc.stdout + proc.stderr  # the C CLI's summary names the user's files, not ours
    assert "caisparse-" not in said and "output: " + str(out) in said
    asset = _load(out)
    assert sorted(p.name for p in out.iterdir()) == ["main.hash", "main.mlirb", "metadata.json"]
    got = run_asset(asset, IDS)
    for name, x in example_outputs.items():
        assert got[name].shape == x.shape
        assert np.linalg.norm(got[name] - x) / np.linalg.norm(x) < 1.0
    text = report.read_text()
    assert '"input": "%s"' % package in text and "TinyTransformer$1.Block$1" in text


def test_the_c_cli_hands_packages_to_python(package, tmp_path):
    out = tmp_path / "out.aimodel"
    env = dict(os.environ, CAIS_PYTHON=sys.executable)
    proc = subprocess.run([os.environ["CAIS_CLI"], "--quantize-dtype", "int8", str(package), "-o", str(out)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    _load(out)


def test_locations_survive_the_cli(package, tmp_path):
    from coreai.authoring import AIModelAsset

    plain = tmp_path / "plain.aimodel"
    proc = run_cli(["--weight-num-threshold", "1000000000", package, "-o", plain])
    assert proc.returncode == 0, proc.stderr
    assert ops_and_locations(AIModelAsset.load(package).program) == \
        ops_and_locations(AIModelAsset.load(plain).program)


def test_text_with_debuginfo_and_custom_syntax_and_bytecode(tmp_path, mlp_f32):
    module = module_of(mlp_f32)
    generic = tmp_path / "generic.mlir"
    generic.write_text(module.operation.get_asm(print_generic_op_form=True, enable_debug_info=True))
    custom = tmp_path / "custom.mlir"
    custom.write_text(module.operation.get_asm(enable_debug_info=True))
    bc = tmp_path / "p.mlirbc"
    with open(bc, "wb") as f:
        module.operation.write_bytecode(f)
    for src in (generic, custom, bc):
        out = tmp_path / f"out-{src.name}"
        proc = run_cli([src, "-o", out])
        assert proc.returncode == 0, (src, proc.stderr)
        data = out.read_bytes()
        assert data.startswith(b"ML\xefR") == (src is bc)
        if src is not bc:
            assert b"#debuginfo.location" in data
            assert data.lstrip().startswith(b"#") or data.lstrip().startswith(b'"') != (src is custom)
        pkg = tmp_path / f"pkg-{src.stem}.aimodel"
        proc = run_cli([src, "--emit", "aimodel", "-o", pkg])
        assert proc.returncode == 0, proc.stderr
        _load(pkg)


def test_inspect_and_verify_on_packages(package, tmp_path):
    out = tmp_path / "out.aimodel"
    assert run_cli(["--quantize-dtype", "int8", package, "-o", out]).returncode == 0
    proc = run_cli(["--inspect", out])
    assert proc.returncode == 0, proc.stderr
    assert "TinyTransformer$1.Block$1" in proc.stdout and "int8" in proc.stdout
    proc = run_cli(["--quantize-dtype", "int8", "--verify", package, out])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 violation(s)" in proc.stdout and str(out) in proc.stdout
    proc = run_cli(["--palettize-nbits", "4", "--verify", package, out])
    assert proc.returncode == 1


def test_decode_on_packages_computes_what_the_chains_compute(package, tmp_path):
    out, dense = tmp_path / "out.aimodel", tmp_path / "dense.aimodel"
    assert run_cli(["--quantize-dtype", "int8", package, "-o", out]).returncode == 0
    proc = run_cli(["--decode", out, "-o", dense])
    assert proc.returncode == 0, proc.stderr
    decoded = _load(dense)
    text = str(decoded.program)
    assert "build_sparse_with_bitmask" not in text and "blockwise_shift_scale" not in text
    # the same weights: the runtime gives the same bits either way
    want, got = run_asset(_load(out), IDS), run_asset(decoded, IDS)
    for name, x in want.items():
        assert np.array_equal(got[name], x), name
    # each chain became one constant again, at the original constant's
    # location: the same ops with the same locations as the package we began with
    ops, args = ops_and_locations(decoded.program)
    ops0, args0 = ops_and_locations(_load(package).program)
    assert sorted(ops) == sorted(ops0) and args == args0


def test_in_place_on_a_package(package):
    before = tree_digest(package)
    proc = run_cli(["--in-place", "--palettize-nbits", "2", package])
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(package) != before
    assert "lut_to_dense" in str(_load(package).program)


GARBAGE_CLI = """#!/bin/sh
# Stands in for the C CLI: "succeeds" but writes an output Core AI cannot read
# (and a report, which must not reach the user's folder).
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then printf 'garbage' > "$2"; fi
  if [ "$1" = --report ]; then printf '{}' > "$2"; fi
  shift
done
exit 0
"""


@pytest.mark.parametrize("how", ["bad option value", "C CLI fails", "unreadable C output"])
def test_in_place_on_a_package_leaves_it_intact_on_failure(package, how, tmp_path_factory):
    before = tree_digest(package)
    # the report would land beside the package: a failed run leaves none
    args, env = ["--report", package.parent / "r.json", "--in-place", package], {}
    if how == "bad option value":
        args = ["--palettize-nbits", "5", *args]
    elif how == "C CLI fails":
        env = {"CAIS_CLI": shutil.which("false")}
    else:
        fake = tmp_path_factory.mktemp("fake") / "cai-sparsify"
        fake.write_text(GARBAGE_CLI)
        fake.chmod(0o755)
        env = {"CAIS_CLI": str(fake)}
    proc = run_cli(args, env=env)
    assert proc.returncode == (2 if how == "bad option value" else 1), proc.stderr
    if how == "unreadable C output":
        assert "cannot read the compressed program" in proc.stderr
    assert tree_digest(package) == before
    assert sorted(p.name for p in package.parent.iterdir()) == ["model.aimodel"]


def test_missing_core_ai_says_what_to_install(package, tmp_path):
    out = tmp_path / "out.aimodel"
    bare = "/usr/bin/python3"
    if subprocess.run([bare, "-c", "import coreai"], capture_output=True).returncode == 0:
        pytest.fail(f"{bare} has coreai: this test needs a Python without it")
    root = Path(__file__).resolve().parents[2]
    proc = run_cli([package, "-o", out], python=bare, env={"PYTHONPATH": str(root / "python")})
    assert proc.returncode == 1
    assert 'pip install "coreai-core==1.0.0b3"' in proc.stderr and str(package) in proc.stderr
    assert not out.exists()
    # The C CLI, pointed at that Python, says it too.
    proc = subprocess.run([os.environ["CAIS_CLI"], str(package), "-o", str(out)], capture_output=True,
                          text=True, env=dict(os.environ, CAIS_PYTHON=bare), timeout=120)
    assert proc.returncode == 1 and "coreai-core==1.0.0b3" in proc.stderr
    assert not out.exists()


def _bad_inputs(tmp_path, mlp_f32):
    not_pkg = tmp_path / "empty.aimodel"
    not_pkg.mkdir()
    truncated = tmp_path / "trunc.aimodel"
    shutil.copytree(EXAMPLE, truncated)
    data = (truncated / "main.mlirb").read_bytes()
    (truncated / "main.mlirb").write_bytes(data[: len(data) // 2])
    foreign = tmp_path / "foreign.aimodel"
    shutil.copytree(EXAMPLE, foreign)
    buf = io.BytesIO()
    module_of(mlp_f32).operation.write_bytecode(buf)  # raw coreai, not aicode
    (foreign / "main.mlirb").write_bytes(buf.getvalue())
    junk = tmp_path / "junk.aimodel"
    shutil.copytree(EXAMPLE, junk)
    (junk / "main.mlirb").write_bytes(b"not bytecode at all")
    return [(not_pkg, "not a .aimodel package"), (truncated / "main.mlirb", "truncated"),
            (foreign / "main.mlirb", "not aicode"), (junk / "main.mlirb", "not MLIR bytecode")]


def test_bad_inputs_give_a_clear_error_and_no_output(tmp_path, mlp_f32):
    for path, words in _bad_inputs(tmp_path, mlp_f32):
        target = path if path.is_dir() else path.parent
        out = tmp_path / "out.aimodel"
        proc = run_cli([target, "-o", out])
        assert proc.returncode == 1, (path, proc.returncode, proc.stderr)
        assert str(path) in proc.stderr and words in proc.stderr, proc.stderr
        assert not out.exists()
        proc = run_cli(["--inspect", target])
        assert proc.returncode == 1 and str(path) in proc.stderr


def test_usage_errors_exit_2(package, tmp_path):
    proc = run_cli(["--emit", "pdf", package, "-o", tmp_path / "x"])
    assert proc.returncode == 2 and "--emit" in proc.stderr
    proc = run_cli([package])
    assert proc.returncode == 2 and "-o" in proc.stderr
    proc = run_cli(["--frobnicate", package, "-o", tmp_path / "x"])
    assert proc.returncode == 2 and "--frobnicate" in proc.stderr
    assert not (tmp_path / "x").exists()


def test_emit_aimodel_from_mlir19_text_with_name_locations(tmp_path):
    """The project's own example (generic text, loc("name") locations, which
    aicode cannot hold) becomes a package that loads, verifies and runs."""
    src = Path(__file__).resolve().parents[2] / "examples" / "tiny_transformer.mlir"
    assert 'loc("' in src.read_text()
    out = tmp_path / "t.aimodel"
    proc = run_cli(["--emit", "aimodel", src, "-o", out])
    assert proc.returncode == 0, proc.stderr
    asset = _load(out)
    got = run_asset(asset, {"input_ids": np.zeros((1, 16), dtype=np.int32)})
    assert all(np.all(np.isfinite(v)) for v in got.values())

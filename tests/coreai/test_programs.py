"""The project's own programs are real Core AI programs (issue 9, item 6).

Every program the project ships or generates for its tests must parse and verify
in the real `coreai` dialect before any compression, so that each test of ours
says something about Core AI:
  * the bundled example examples/tiny_transformer.mlir,
  * the generator's outputs (cais-gen-program: both models, every dtype, tied
    embeddings, text and bytecode); the text ones also run on the Core AI runtime
    (see below),
  * the readable fuzz seeds fuzz/seeds (text and bytecode),
  * the spec examples under tests/data/spec_examples.
save_asset refuses name locations (`loc("w")`: "location type not allowed in
translateLocation"), which the generator writes on purpose (cai-sparsify names
weights by them).  So the runtime check of a generator program turns each name
location into a file location first: it checks the generator's graph (operand
order of conv2d, pad amounts, shapes), not that the file as written packages.

Not here: fuzz/corpus (libFuzzer's minimised mutations, mostly binary and invalid
on purpose: they test that bad input is rejected) and tests/data/bad_inputs (same).
"""
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import realstack

SRC = Path(os.environ.get("CAIS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
SHIPPED = ([SRC / "examples/tiny_transformer.mlir"]
           + sorted((SRC / "fuzz/seeds").glob("*.mlir*"))
           + sorted((SRC / "tests/data/spec_examples").glob("*.mlir")))


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(SRC)) for p in SHIPPED])
def test_shipped_program_verifies(path):
    realstack.parse(realstack.read_as_written(path))


# Small but complete: every op kind of each model appears (odd and even layers
# of the transformer use different matmuls; convnet blocks have stride-2, depthwise
# and 1x1 convs).
GEN_CASES = [
    ("transformer", dt, tie, fmt)
    for dt in ("f16", "bf16", "f32") for tie in (False, True) for fmt in ("text", "bytecode")
] + [("convnet", dt, False, fmt) for dt in ("f16", "bf16", "f32") for fmt in ("text", "bytecode")]


def _gen_args(model, tie):
    if model == "transformer":
        return ["--layers", "2", "--hidden", "64", "--ffn", "128", "--heads", "4",
                "--vocab", "128", "--seq", "8"] + (["--tie-embeddings"] if tie else [])
    return ["--layers", "3", "--width", "8", "--image", "16", "--classes", "10"]


def _main(module):
    for op in module.body.operations:
        if op.operation.name == "coreai.graph":
            return op.operation
    raise LookupError("no coreai.graph")


def _zeros_for(module):
    """All-zero inputs (token id 0 is valid) of the main graph's argument types."""
    import ml_dtypes
    ftype = realstack.ir.FunctionType(_main(module).attributes["function_type"].value)
    dtypes = {"f16": np.float16, "f32": np.float32, "bf16": ml_dtypes.bfloat16, "si32": np.int32}
    arrays = [np.zeros(realstack.ir.RankedTensorType(t).shape,
                       dtypes[str(realstack.ir.RankedTensorType(t).element_type)])
              for t in ftype.inputs]
    return dict(zip(realstack.input_names(module), arrays))


@pytest.mark.parametrize("model,dtype,tie,fmt", GEN_CASES,
                         ids=[f"{m}-{d}{'-tied' if t else ''}-{f}" for m, d, t, f in GEN_CASES])
def test_generator_output_verifies_and_runs(model, dtype, tie, fmt, workdir):
    gen = os.environ.get("CAIS_GEN")
    if not gen:
        pytest.fail("CAIS_GEN must name cais-gen-program (ctest sets it)")
    out = workdir / "gen" / f"{model}-{dtype}{'-tied' if tie else ''}.{'mlirbc' if fmt == 'bytecode' else 'mlir'}"
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([gen, "-q", "--model", model, "--dtype", dtype, "--format", fmt, "--seed", "3",
                    *_gen_args(model, tie), "-o", str(out)], check=True)
    module = realstack.parse(realstack.read_as_written(out))   # the file as written verifies
    if fmt == "text":
        runnable = realstack.parse(re.sub(r'loc\(("(?:[^"\\]|\\.)*")\)', r"loc(\1:0:0)", out.read_text()))
        outputs = realstack.run(realstack.package(runnable, out.with_suffix(".aimodel")),
                                _zeros_for(module))
        # The graph computed something sane: finite logits of the declared shape.
        ftype = realstack.ir.FunctionType(_main(module).attributes["function_type"].value)
        assert [list(o.shape) for o in outputs] == \
            [realstack.ir.RankedTensorType(t).shape for t in ftype.results]
        assert all(np.isfinite(o.astype(np.float32)).all() for o in outputs)

"""The real Core AI stack, as a user reaches it: parse, verify, package, run.

Everything here goes through coreai-core's public-ish Python entry points
(see ../../../shared/notes/coreai-stack.md): `ir.Module.parse` in a
`coreai.authoring.Context`, `verify()`, `AIProgram._from_mlir_module(...).save_asset`,
and the asset's async executable on the Linux CPU runtime.  Never import
coreai_opt here: its k-means pool hangs once the runtime's threads exist.
"""
import asyncio
from pathlib import Path

import numpy as np
from coreai.authoring import AIProgram, Context
from coreai._compiler import ir
import coreai.runtime


def parse(data):
    """Parse text (str) or bytecode (bytes) exactly as written, and verify it."""
    module = ir.Module.parse(data, context=Context()._mlir_context)
    module.operation.verify()
    return module


def read_as_written(path):
    """The file's content in the form Module.parse takes: bytes for MLIR bytecode, else str."""
    raw = Path(path).read_bytes()
    return raw if raw[:4] == b"ML\xefR" else raw.decode()


def input_names(module, graph="main"):
    """The `coreai.name`s of the graph's arguments: the runtime's input keys."""
    for op in module.body.operations:
        op = op.operation
        if op.name == "coreai.graph" and ir.StringAttr(op.attributes["sym_name"]).value == graph:
            arg_attrs = ir.ArrayAttr(op.attributes["arg_attrs"])
            return [ir.StringAttr(ir.DictAttr(a)["coreai.name"]).value for a in arg_attrs]
    raise LookupError(f"no coreai.graph @{graph}")


def package(module, path):
    """save_asset: the step that turns a verified module into a runnable .aimodel."""
    return AIProgram._from_mlir_module(module).save_asset(Path(path))


def run(asset, inputs, graph="main"):
    """Execute the packaged program once on the CPU runtime; outputs as numpy, in order."""
    async def go():
        async with asset.executable() as exe:
            return await exe.load_function(graph)(
                {k: coreai.runtime.NDArray(v) for k, v in inputs.items()})
    out = asyncio.run(go())
    return [np.array(v.numpy()) for v in out.values()]


def load_inputs(npz_path, names):
    """Inputs saved by convert.py, restored to their dtypes and keyed by the graph's names."""
    import ml_dtypes  # noqa: F401  (registers bfloat16 with numpy)
    z = np.load(npz_path)
    arrays = []
    i = 0
    while f"in{i}" in z:
        a = z[f"in{i}"]
        want = np.dtype(str(z[f"in{i}_dtype"]))
        arrays.append(a.view(want) if a.dtype != want else a)
        i += 1
    assert len(arrays) == len(names), (names, len(arrays))
    return dict(zip(names, arrays))


def op_counts(module):
    """How many times each op name occurs in the module (all graphs, nested regions)."""
    import re
    from collections import Counter
    text = module.operation.get_asm(print_generic_op_form=True, large_elements_limit=16)
    return Counter(re.findall(r'^\s*(?:%[^=]+= )?"([a-z_]+\.[\w.]+)"', text, flags=re.M))

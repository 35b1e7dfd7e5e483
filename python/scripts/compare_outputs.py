"""Runs two .aimodel packages on the Core AI runtime with the same inputs and
prints how far their outputs are apart.

Inputs are made from the graph signature of ``main``: float tensors from a
seeded normal distribution, integer tensors (token ids) from [0, 64).

    python python/scripts/compare_outputs.py ORIGINAL.aimodel COMPRESSED.aimodel
"""

from __future__ import annotations

import asyncio
import re
import sys

import numpy as np


def make_inputs(asset_path: str) -> dict:
    """Build seeded inputs for the ``main`` graph of a package.

    Parameters
    ----------
    asset_path : str
        The package.

    Returns
    -------
    dict
        Input name -> numpy array.
    """
    from coreai.authoring import AIModelAsset

    text = AIModelAsset.load(asset_path).program._module._mlir_module.operation.get_asm(  # noqa: SLF001
        large_elements_limit=1, large_resource_limit=1)
    graph = re.search(r"coreai\.graph @main\((.*?)\)\s*->", text)
    rng = np.random.default_rng(0)
    inputs = {}
    for m in re.finditer(r"%\w+: tensor<([0-9x]+)x(\w+)>(?: \{coreai\.name = \"([^\"]+)\"\})?",
                         graph.group(1)):
        shape = tuple(int(d) for d in m.group(1).split("x"))
        dtype, name = m.group(2), m.group(3)
        if dtype.startswith(("i", "si", "ui")):
            bits = int(re.sub(r"\D", "", dtype))
            kind = "uint" if dtype.startswith("ui") else "int"
            inputs[name] = rng.integers(0, 64, shape).astype(f"{kind}{bits}")
        else:
            inputs[name] = rng.standard_normal(shape).astype({"f16": np.float16, "f32": np.float32}
                                                           .get(dtype, np.float32))
    return inputs


async def run(asset_path: str, inputs: dict) -> dict:
    """Run ``main`` of a package on the Core AI runtime.

    Parameters
    ----------
    asset_path : str
        The package.
    inputs : dict
        Input name -> numpy array.

    Returns
    -------
    dict
        Output name -> numpy array.
    """
    import coreai.runtime
    from coreai.authoring import AIModelAsset

    async with AIModelAsset.load(asset_path).executable() as model:
        out = await model.load_function("main")(
            {k: coreai.runtime.NDArray(v) for k, v in inputs.items()})
    return {k: np.asarray(v.numpy(), dtype=np.float64) for k, v in out.items()}


def main() -> int:
    """Compare the outputs and print the distances."""
    original, compressed = sys.argv[1], sys.argv[2]
    inputs = make_inputs(original)
    a = asyncio.run(run(original, inputs))
    b = asyncio.run(run(compressed, inputs))
    for name in a:
        x, y = a[name], b[name]
        rel = np.linalg.norm(x - y) / max(np.linalg.norm(x), 1e-30)
        print(f"output {name} {list(x.shape)}: max |original - compressed| = "
              f"{np.max(np.abs(x - y)):.4g}, relative L2 distance = {rel:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

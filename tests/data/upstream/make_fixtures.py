"""Writes upstream (coreai-opt 0.3.0) outputs used as test fixtures.

Run with the real stack's venv (coreai-core, coreai-torch, coreai-opt, torch):
    /root/venv-coreai/bin/python tests/data/upstream/make_fixtures.py [OUT_DIR]

For each dtype, a one-layer torch model (Linear 48 -> 64, 3072 weights, a
fixed seed) is converted with coreai-torch and printed in generic form
without debug info (MLIR 19 reads it) as <dtype>_original.mlir; then for each
case upstream's `sparsify_weights` runs on it and the result is written as
<dtype>_<case>.mlir.  Nothing here starts the Core AI runtime, so upstream's
k-means pool cannot hang (docs/CONFORMANCE.md).
"""
import sys
from pathlib import Path

import torch
import coreai_torch
from coreai_opt.coreai_utils import sparsify_weights
from coreai_opt.coreai_utils.common import DType

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent

# (name, keyword arguments of sparsify_weights, dtypes)
CASES = [
    ("sparse", {}, ("f32", "f16")),
    ("int8", {"quantize_dtype": DType.INT8}, ("f32",)),
    ("uint8", {"quantize_dtype": DType.UINT8}, ("f32",)),
    ("fp8_e5m2", {"quantize_dtype": DType.FP8_E5M2}, ("f16",)),
    ("fp8_e4m3fn", {"quantize_dtype": DType.FP8_E4M3FN}, ("f16",)),
    ("pal2", {"palettize_nbits": 2}, ("f32",)),
]


def convert(dtype):
    torch.manual_seed(0)
    model = torch.nn.Linear(48, 64, bias=False).eval()
    x = torch.randn(2, 48)
    if dtype == "f16":
        model, x = model.half(), x.half()
    conv = coreai_torch.TorchConverter()
    conv.add_pytorch_module(
        model,
        export_fn=lambda m: torch.export.export(m, args=(x,)).run_decompositions(
            coreai_torch.get_decomp_table()
        ),
    )
    return conv.to_coreai()


def text(prog):
    return prog._module._mlir_module.operation.get_asm(print_generic_op_form=True)


def main():
    for dtype in ("f32", "f16"):
        prog = convert(dtype)
        (OUT / f"{dtype}_original.mlir").write_text(text(prog))
        for name, kwargs, dtypes in CASES:
            if dtype in dtypes:
                out = sparsify_weights(prog, target_sparsity=0.5, **kwargs)
                (OUT / f"{dtype}_{name}.mlir").write_text(text(out))
                print("wrote", OUT / f"{dtype}_{name}.mlir")


if __name__ == "__main__":
    main()

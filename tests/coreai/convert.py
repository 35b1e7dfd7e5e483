"""Converts the suite's PyTorch models to Core AI programs (generic MLIR text).

Run as a script in its own process (`python convert.py OUTDIR`): it writes
OUTDIR/<program>.<dtype>.mlir and the matching inputs as .npz for every model of
models.py, and a stamp holding the hash of models.py and this file, so a second
run with unchanged sources does nothing.  Generic form without debug info is the
one text form both MLIR 19 (the C side) and the real stack read.
"""
import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def source_hash():
    h = hashlib.sha256()
    for name in ("models.py", "convert.py"):
        h.update((HERE / name).read_bytes())
    return h.hexdigest()


def convert_one(name, dtype, outdir):
    import numpy as np
    import torch
    import coreai_torch
    import models
    model, inputs = models.build(name, dtype)
    conv = coreai_torch.TorchConverter()
    conv.add_pytorch_module(model, export_fn=lambda m: torch.export.export(m, args=inputs)
                            .run_decompositions(coreai_torch.get_decomp_table()))
    prog = conv.to_coreai()
    text = prog._module._mlir_module.operation.get_asm(print_generic_op_form=True)
    (outdir / f"{name}.{dtype}.mlir").write_text(text)
    # Inputs are stored as raw arrays in the torch dtype's numpy counterpart
    # (bf16 through ml_dtypes), keyed by position; the runtime names come from the graph.
    arrays = {}
    for i, t in enumerate(inputs):
        if t.dtype == torch.bfloat16:
            import ml_dtypes
            arrays[f"in{i}"] = t.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        else:
            arrays[f"in{i}"] = t.numpy()
    np.savez(outdir / f"{name}.{dtype}.npz", **{k: v.view(np.uint8) if v.dtype.kind == "V" else v
                                                 for k, v in arrays.items()},
             **{f"{k}_dtype": np.array(str(v.dtype)) for k, v in arrays.items()})


def main(outdir):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stamp = outdir / "stamp"
    want = source_hash()
    if stamp.exists() and stamp.read_text() == want:
        return
    sys.path.insert(0, str(HERE))
    import models
    for name in models.PROGRAMS:
        for dtype in models.DTYPES:
            convert_one(name, dtype, outdir)
    stamp.write_text(want)


if __name__ == "__main__":
    main(sys.argv[1])

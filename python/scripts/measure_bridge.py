"""Measures each step of the caisparse bridge on a ~100 MB f16 program.

Builds 6 x Linear (2048 -> 4096 -> 2048 ...) in f16 with coreai-torch (50 M
parameters, 100 MB of weights), then times: the location swap, MLIR 22
``write_bytecode(desired_version=4)``, the C library's read, the compute
(``cais_engine_sparsify``), the C library's bytecode write, MLIR 22
``Module.parseFile`` and the location restore; and, for comparison, the generic-text
route.  Prints one JSON object.

    python python/scripts/measure_bridge.py [--palettize-nbits 4]
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import time


def build_program():
    """Return an AIProgram of 6 f16 Linear layers (about 100 MB of weights)."""
    import coreai_torch
    import torch

    torch.manual_seed(0)
    dims = [2048, 4096, 2048, 4096, 2048, 4096, 2048]
    layers = [torch.nn.Linear(a, b, bias=False) for a, b in zip(dims, dims[1:])]
    model = torch.nn.Sequential(*layers).eval().half()
    x = torch.randn(1, 2048, dtype=torch.float16)
    conv = coreai_torch.TorchConverter()
    conv.add_pytorch_module(model, export_fn=lambda m: torch.export.export(m, args=(x,))
                            .run_decompositions(coreai_torch.get_decomp_table()))
    return conv.to_coreai()


def main() -> None:
    """Run the measurement and print the timings as JSON."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--palettize-nbits", type=int, default=None)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    t = time.perf_counter()
    prog = build_program()
    convert = time.perf_counter() - t

    import caisparse
    from caisparse import _clib, _coreai, bridge
    from caisparse._program import CProgram

    core = _coreai.require()
    module = prog._module._mlir_module  # noqa: SLF001
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reports = []
    t = time.perf_counter()
    caisparse.sparsify_weights(prog, palettize_nbits=args.palettize_nbits, device="cpu",
                               threads=args.threads, report=reports.append)
    total = time.perf_counter() - t
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rep = reports[0]

    # The text route, for comparison: generic text out of MLIR 22, into C.
    t = time.perf_counter()
    lmap = bridge.locations.swap(module, core)
    text = module.operation.get_asm(print_generic_op_form=True, enable_debug_info=True,
                                    binary=True)
    text_print = time.perf_counter() - t
    bridge.locations.restore(module, lmap, core)
    t = time.perf_counter()
    CProgram.from_bytes(text).close()
    text_c_read = time.perf_counter() - t

    buf = io.BytesIO()
    module.operation.write_bytecode(buf, desired_version=4)
    print(json.dumps({
        "weights_mb": rep.totals.bytes_before / 2**20,
        "convert_s": round(convert, 3),
        "sparsify_weights_total_s": round(total, 3),
        "steps_s": {k: round(v, 4) for k, v in rep.seconds.items()},
        "bytecode_mb": len(buf.getvalue()) / 2**20,
        "text_route": {"get_asm_s": round(text_print, 3), "c_read_text_s": round(text_c_read, 3),
                       "text_mb": len(text) / 2**20},
        "peak_rss_mb_before": rss0 / 1024, "peak_rss_mb_after": rss1 / 1024,
        "write_memory": _clib.has_write_memory(),
        "device": rep.device,
    }, indent=1))


if __name__ == "__main__":
    main()

"""One in-process measurement: load a .aimodel, sparsify it with one tool, save it.

    python bench/run_one.py --tool upstream|caisparse --mode MODE IN.aimodel [--save OUT.aimodel]

Prints one JSON object on stdout: load_s (AIModelAsset.load), sparsify_s (the
sparsify_weights call alone: AIProgram in -> AIProgram out, the in-memory path),
save_s (save_asset), file_s (load + sparsify + save: the file-to-file path),
peak RSS of this process (ru_maxrss) and of any child it waited for (upstream's
k-means pool), and for caisparse the report's seconds (bridge and C phases).

Each measurement is its own process on purpose: peak RSS then belongs to one
call, and upstream never shares a process with the Core AI runtime (its k-means
pool forks; forking after the runtime's threads exist hangs). This script
never starts the runtime.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

from modes import parse_mode


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", choices=["upstream", "caisparse"], required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--save", type=Path)
    ap.add_argument("input", type=Path)
    a = ap.parse_args()
    kw = parse_mode(a.mode)

    # Imports are not timed: a user pays them once per session, not per call.
    from coreai.authoring import AIModelAsset
    if a.tool == "upstream":
        from coreai_opt.coreai_utils import DType, sparsify_weights
        if kw["quantize_dtype"]:
            kw["quantize_dtype"] = {"int8": DType.INT8, "uint8": DType.UINT8,
                                    "fp8_e4m3fn": DType.FP8_E4M3FN}[kw["quantize_dtype"]]
        extra = {}
    else:
        import caisparse
        sparsify_weights = caisparse.sparsify_weights
        reports = []
        extra = {"device": "cpu", "threads": a.threads, "report": reports.append}
    rss_imports = rss_mb(resource.RUSAGE_SELF)

    t0 = time.perf_counter()
    prog = AIModelAsset.load(a.input).program
    t1 = time.perf_counter()
    out = sparsify_weights(prog, **kw, **extra)
    t2 = time.perf_counter()
    t3 = t2
    if a.save:
        shutil.rmtree(a.save, ignore_errors=True)
        out.save_asset(a.save)
        t3 = time.perf_counter()
    res = {
        "tool": a.tool, "mode": a.mode, "input": str(a.input),
        "load_s": t1 - t0, "sparsify_s": t2 - t1, "save_s": t3 - t2 if a.save else None,
        "file_s": t3 - t0 if a.save else None,
        "rss_imports_mb": rss_imports,
        "rss_self_mb": rss_mb(resource.RUSAGE_SELF),
        "rss_children_mb": rss_mb(resource.RUSAGE_CHILDREN),
    }
    if a.tool == "caisparse" and reports:
        rep = reports[0]
        res["report_seconds"] = dict(rep.seconds)
        res["bytes_before"] = rep.totals.bytes_before
        res["bytes_after"] = rep.totals.bytes_after
        res["weights_compressed"] = rep.totals.weights_compressed
    json.dump(res, sys.stdout)
    print()


if __name__ == "__main__":
    main()

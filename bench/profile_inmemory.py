"""Where caisparse.sparsify_weights spends time and memory, step by step.

    python bench/profile_inmemory.py --mode mag0.5 PROGRAM.aimodel [--cprofile N]

Wraps the bridge's steps (caisparse.bridge and CProgram) to print, after each,
the seconds it took, the process's current RSS and its high-water mark
(ru_maxrss): the memory target is about the high-water mark, and this says
which step raises it. With --cprofile N it also prints the N most expensive
functions (cumulative) of one call under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import resource
import sys
import time

from modes import parse_mode

STEPS = []


def rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def mark(name: str, t0: float) -> None:
    STEPS.append((name, time.perf_counter() - t0, rss_now_mb(), peak_mb()))


def wrap(owner, attr: str, name: str) -> None:
    fn = getattr(owner, attr)
    raw = fn.__func__ if isinstance(fn, classmethod) else fn

    @functools.wraps(raw)
    def inner(*a, **k):
        t = time.perf_counter()
        out = fn(*a, **k)
        mark(name, t)
        return out
    setattr(owner, attr, inner)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="mag0.5")
    ap.add_argument("--cprofile", type=int, default=0)
    ap.add_argument("input")
    a = ap.parse_args()
    import caisparse
    from caisparse import bridge, engine
    from caisparse._program import CProgram
    from coreai.authoring import AIModelAsset

    wrap(bridge, "module_to_bytes", "MLIR 22 -> bytecode (swap, write_bytecode, restore)")
    wrap(CProgram, "from_bytes", "C read (borrowed)")
    wrap(engine.Engine, "sparsify_program", "C sparsify")
    wrap(CProgram, "to_bytes", "C write bytecode")
    wrap(bridge, "program_to_module", "C write + MLIR 22 parse + restore")
    mark("imports", time.perf_counter())
    t = time.perf_counter()
    prog = AIModelAsset.load(a.input).program
    mark("AIModelAsset.load", t)
    kw = parse_mode(a.mode)
    t = time.perf_counter()
    if a.cprofile:
        prof = cProfile.Profile()
        out = prof.runcall(caisparse.sparsify_weights, prog, **kw, device="cpu")
    else:
        out = caisparse.sparsify_weights(prog, **kw, device="cpu")
    mark("sparsify_weights (whole call)", t)
    print(f"{'step':55s} {'s':>7s} {'RSS MB':>8s} {'peak MB':>8s}")
    for name, s, now, peak in STEPS:
        print(f"{name:55s} {s:7.3f} {now:8.0f} {peak:8.0f}")
    del out
    if a.cprofile:
        pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(a.cprofile)


if __name__ == "__main__":
    main()

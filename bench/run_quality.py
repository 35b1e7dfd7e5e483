"""Runs bench/quality.py on the MiniLM outputs bench_real.py kept, one process per
dtype, and collects its lines in OUT/quality.jsonl.

    python bench/run_quality.py --out bench/out/real [--f16-sentences N] [--f16-modes ...]

f32 programs run every mode on every sentence. f16 programs run on the CPU
runtime ~100x slower than f32 here (10-16 s per sentence per program under load: f16
arithmetic looks emulated), so f16 gets a few sentences and a few modes by
default; the table says how many sentences each row used. Programs already in
quality.jsonl are not run again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from modes import ALL_MODES, mode_dir

HERE = Path(__file__).resolve().parent


def _key(path) -> tuple:
    """A quality line's identity: the path from ``runs/`` or ``programs/`` on,
    so that lines stay matched when OUT is named differently (relative or
    absolute, or results carried into another OUT directory)."""
    parts = Path(path).parts
    for anchor in ("runs", "programs"):
        if anchor in parts:
            return parts[len(parts) - 1 - parts[::-1].index(anchor):]
    return parts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--f32-sentences", type=int, default=32)
    ap.add_argument("--f16-sentences", type=int, default=2)
    ap.add_argument("--f16-modes", default="mag0.5,mag0.5+uint8,mag0.5+pal4,nm2:4+pal4")
    ap.add_argument("--dtypes", default="f32,f16")
    a = ap.parse_args()
    qf = a.out / "quality.jsonl"
    done = set()
    if qf.exists():
        done = {_key(json.loads(x)["program"]) for x in qf.read_text().splitlines() if x.strip()}
    sentences = (HERE / "sentences.txt").read_text().splitlines()
    for dtype, n, modes in (("f32", a.f32_sentences, ALL_MODES),
                            ("f16", a.f16_sentences, a.f16_modes.split(","))):
        if dtype not in a.dtypes.split(","):
            continue
        prog = f"minilm-{dtype}"
        dense = a.out / "programs" / f"{prog}.aimodel"
        if not dense.exists():
            continue
        todo = []
        for m in modes:
            d = a.out / "runs" / prog / mode_dir(m)
            todo += [p for p in (d / "upstream.aimodel", d / "caisparse.aimodel")
                     if p.exists() and _key(p) not in done]
        if not todo:
            continue
        sfile = a.out / f"sentences-{n}.txt"
        sfile.write_text("\n".join(sentences[:n]) + "\n")
        p = subprocess.run([sys.executable, "-W", "ignore", str(HERE / "quality.py"),
                            "--dense", str(dense), "--sentences", str(sfile)]
                           + [str(t) for t in todo], stdout=subprocess.PIPE, text=True)
        with qf.open("a") as f:
            for line in p.stdout.splitlines():
                if line.startswith("{") and _key(json.loads(line)["program"]) not in done:
                    f.write(line + "\n")


if __name__ == "__main__":
    main()

"""palette_sse.py -- the palette error of every tensor, both tools, on the MiniLM
outputs bench_real.py kept (its --keep-outputs).

    python bench/palette_sse.py --out bench/out/real [--cli build/host/cai-sparsify]

For each kept program and palettizing mode it decodes caisparse's and upstream's
compressed packages with `cai-sparsify --decode` (which reads either tool's op
chains) into MLIR generic text, reads the dense program the same way, and for
every weight the tool palettized computes

    SSE = sum over the elements the tool kept of (decoded - dense)^2

in float64 over the values as stored (f16 or f32): the error the palette adds on
top of pruning, in the tensor's own units. Tensors are matched in program order
(both decodings keep the dense program's constants in order; a mismatch of count
or shape is an error, not a guess). One JSON line per (program, mode, tensor) goes
to OUT/palette_sse.jsonl, with both tools' SSE and kept counts; bench/report.py
sums them up. Pairs already in the file are not decoded again.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bench_real import snapshot_env
from mlir_text import TextProgram
from modes import ALL_MODES, mode_dir

TOOLS = ("caisparse", "upstream")


def decode_to_text(cli: Path, src: Path, dst: Path) -> None:
    """`cai-sparsify --decode SRC -o DST.mlir`: every chain replaced by its dense weight.
    The CLI hands packages to `python -m caisparse` of the run's snapshot, as in bench_real."""
    subprocess.run([str(cli), "-q", "--decode", str(src), "--emit", "text", "-o", str(dst)],
                   env=snapshot_env(cli.parent.parent), check=True)


def weights(path: Path) -> list[tuple[str, tuple, np.ndarray]]:
    """(name, shape, float64 values) of every float constant with 2+ dimensions, in order."""
    out = []
    with TextProgram(str(path)) as prog:
        for c in prog.constants:
            if c.elem in ("f16", "f32", "bf16") and len(c.shape) >= 2:
                out.append((c.name, tuple(c.shape), prog.array(c).astype(np.float64)))
    return out


def tensor_sse(dense: np.ndarray, dec: np.ndarray) -> tuple[float, int]:
    kept = dec != 0
    return float(np.sum((dec[kept] - dense[kept]) ** 2)), int(kept.sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--cli", type=Path, default=None,
                    help="cai-sparsify (default: OUT/snapshot/bin/cai-sparsify, the run's build)")
    ap.add_argument("--programs", default="minilm-f16,minilm-f32")
    a = ap.parse_args()
    cli = a.cli or a.out / "snapshot" / "bin" / "cai-sparsify"
    sf = a.out / "palette_sse.jsonl"
    done = set()
    if sf.exists():
        done = {(r["program"], r["mode"]) for r in map(json.loads, sf.read_text().splitlines())}
    for prog in a.programs.split(","):
        dense_pkg = a.out / "programs" / f"{prog}.aimodel"
        if not dense_pkg.exists():
            continue
        dense = None
        for mode in (m for m in ALL_MODES if "pal" in m):
            d = a.out / "runs" / prog / mode_dir(mode)
            pkgs = {t: d / f"{t}.aimodel" for t in TOOLS}
            if (prog, mode) in done or not all(p.exists() for p in pkgs.values()):
                continue  # upstream past its time limit leaves no package
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                if dense is None:
                    decode_to_text(cli, dense_pkg, tmp / "dense.mlir")
                    dense = weights(tmp / "dense.mlir")
                dec = {}
                for t, p in pkgs.items():
                    decode_to_text(cli, p, tmp / f"{t}.mlir")
                    dec[t] = weights(tmp / f"{t}.mlir")
            for t in TOOLS:
                if [s for _, s, _ in dec[t]] != [s for _, s, _ in dense]:
                    raise SystemExit(f"palette_sse: {pkgs[t]}: its weights do not match "
                                     f"{dense_pkg} in count or shape")
            lines = []
            for i, (name, shape, w) in enumerate(dense):
                row = {"program": prog, "mode": mode, "tensor": i, "name": name,
                       "elements": int(w.size)}
                for t in TOOLS:
                    x = dec[t][i][2]
                    row[f"{t}_palettized"] = bool(not np.array_equal(x, w))
                    row[f"{t}_sse"], row[f"{t}_kept"] = tensor_sse(w, x)
                lines.append(json.dumps(row))
            with sf.open("a") as f:
                f.write("\n".join(lines) + "\n")
            print(f"[palette_sse] {prog} {mode}: {len(lines)} tensors", flush=True)


if __name__ == "__main__":
    main()

"""The two PNGs of docs/PERFORMANCE.md, from bench_real.py's and quality.py's files.

    python bench/plots.py --out bench/out/real

throughput.png: weight MB/s of the in-memory call (sparsify_weights, AIProgram
in -> out) against program size, both tools, one panel per sparsity, colour =
joint compression, solid = caisparse, dashed = upstream (f16 programs; f32
ones as open markers).
quality.png: MiniLM sentence-embedding cosine similarity per mode, both tools.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from modes import ALL_MODES, JOINTS, SPARSITIES, mode_dir  # noqa: E402

COLOURS = dict(zip(JOINTS, ["black", "tab:blue", "tab:cyan", "tab:green", "tab:orange", "tab:red"]))


def throughput(out: Path) -> None:
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines() if x.strip()]
    secs = defaultdict(list)
    for r in rows:
        if r["path"] in ("upstream", "caisparse") and r.get("sparsify_s") and not r.get("error"):
            secs[(r["program"], r["mode"], r["path"])].append((r["weight_bytes"], r["sparsify_s"]))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), sharey=True)
    for ax, sp in zip(axes, SPARSITIES):
        for joint in JOINTS:
            mode = sp + (f"+{joint}" if joint else "")
            for tool, style in (("caisparse", "-"), ("upstream", "--")):
                for dtype, marker, fill in (("f16", "o", None), ("f32", "s", "none")):
                    pts = sorted((v[0][0] / 1e6, v[0][0] / 1e6 / statistics.median(s for _, s in v))
                                 for (p, m, t), v in secs.items()
                                 if m == mode and t == tool and p.endswith(dtype))
                    if not pts:
                        continue
                    ax.plot([x for x, _ in pts], [y for _, y in pts], style, marker=marker,
                            color=COLOURS[joint], mfc=fill, ms=5, lw=1.2,
                            label=f"{joint or 'none'}" if tool == "caisparse" and dtype == "f16" else None)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(sp)
        ax.set_xlabel("weight MB (program size)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("MB/s of the sparsify_weights call")
    axes[0].legend(title="joint (solid: caisparse, dashed: upstream;\n"
                         "circles f16, squares f32)", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=110)


def quality(out: Path) -> None:
    qf = out / "quality.jsonl"
    if not qf.exists():
        return
    q = {}
    for x in qf.read_text().splitlines():
        if not x.strip():
            continue
        r = json.loads(x)
        parts = Path(r["program"]).parts
        if "runs" in parts and "mean_cos" in r:
            i = parts.index("runs")
            q[(parts[i + 1], parts[i + 2], Path(r["program"]).stem)] = r["mean_cos"]
    progs = sorted({k[0] for k in q})
    fig, axes = plt.subplots(len(progs), 1, figsize=(13, 3.6 * len(progs)), squeeze=False)
    for ax, prog in zip(axes[:, 0], progs):
        modes = [m for m in ALL_MODES if any((prog, mode_dir(m), t) in q
                                             for t in ("upstream", "caisparse"))]
        xs = range(len(modes))
        for off, tool, col in ((-0.2, "upstream", "tab:gray"), (0.2, "caisparse", "tab:blue")):
            ys = [q.get((prog, mode_dir(m), tool), float("nan")) for m in modes]
            ax.bar([x + off for x in xs], ys, width=0.4, color=col, label=tool)
        ax.set_xticks(list(xs), modes, rotation=35, ha="right", fontsize=8)
        ax.set_ylim(min(0.0, *(v for v in q.values() if v == v)), 1.0)
        ax.set_ylabel("mean cosine vs dense")
        ax.set_title(f"{prog}: sentence-embedding similarity on the Core AI runtime")
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(out / "quality.png", dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    throughput(a.out)
    quality(a.out)


if __name__ == "__main__":
    main()

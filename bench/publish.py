"""Publishes a run into docs/: pastes OUT/results.md between the markers
`<!-- bench:begin -->` and `<!-- bench:end -->` of docs/PERFORMANCE.md and copies
the plots to docs/perf-throughput.png and docs/perf-quality.png.

    python bench/publish.py --out bench/out/real
    python bench/publish.py --out bench/out/quiet --marker bench-quiet   # a second run
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "PERFORMANCE.md")
    ap.add_argument("--marker", default="bench",
                    help="paste between <!-- MARKER:begin --> and <!-- MARKER:end -->; the "
                         "plots are copied only for the default marker")
    a = ap.parse_args()
    doc = a.doc.read_text()
    begin, end = f"<!-- {a.marker}:begin -->", f"<!-- {a.marker}:end -->"
    i, j = doc.index(begin) + len(begin), doc.index(end)
    a.doc.write_text(doc[:i] + "\n" + (a.out / "results.md").read_text() + doc[j:])
    plots = (("throughput.png", "perf-throughput.png"), ("quality.png", "perf-quality.png"))
    for src, dst in plots if a.marker == "bench" else ():
        if (a.out / src).exists():
            shutil.copyfile(a.out / src, a.doc.parent / dst)
    print(f"updated {a.doc}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""update_docs.py -- copies bench/out/results.md between the markers
`<!-- bench:begin -->` / `<!-- bench:end -->` of docs/PERFORMANCE.md and
bench/out/throughput.png to docs/perf-throughput.png (bench/run.sh
--update-docs)."""
import argparse
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

ap = argparse.ArgumentParser()
ap.add_argument("--out", default=os.path.join(HERE, "out"))
ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "PERFORMANCE.md"))
a = ap.parse_args()
with open(os.path.join(a.out, "results.md")) as f:
    table = f.read()
with open(a.doc) as f:
    doc = f.read()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
i, j = doc.index(begin) + len(begin), doc.index(end)
doc = doc[:i] + "\n" + table + doc[j:]
with open(a.doc, "w") as f:
    f.write(doc)
png = os.path.join(a.out, "throughput.png")
if os.path.exists(png):
    shutil.copyfile(png, os.path.join(os.path.dirname(a.doc), "perf-throughput.png"))
print(f"updated {a.doc}")

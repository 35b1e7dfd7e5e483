#!/usr/bin/env python3
"""update_docs.py -- publishes benchmark results into docs/PERFORMANCE.md.

    bench/update_docs.py                         # bench/out/results.json
    bench/update_docs.py --results a.json b.json # several runs merged, later rows
                                                 # replacing earlier ones (e.g. the
                                                 # 1B program run on its own)

Writes the merged results.md and throughput.png next to the first results
file, pastes the tables between the markers `<!-- bench:begin -->` and
`<!-- bench:end -->` of docs/PERFORMANCE.md, and copies the plot to
docs/perf-throughput.png.  (bench/run.sh --update-docs runs it.)
"""
import argparse
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import bench  # noqa: E402


def merge(paths):
    runs = [json.load(open(p)) for p in paths]
    res = runs[0]
    if len(runs) == 1:
        return res
    res = dict(res)
    for key in ("programs", "runs", "reference", "quality", "device_identity", "notes"):
        res[key] = []
    seen = set()
    for r in runs:
        for p in r["programs"]:
            if p["id"] not in seen:
                seen.add(p["id"])
                res["programs"].append(p)
        for key in ("runs", "reference", "quality", "device_identity", "notes"):
            res[key] += r.get(key, [])
    # A later file's measurement replaces an earlier one of the same program,
    # mode and device (quality: and weight), so a partial re-run after a change
    # (e.g. --modes nm2:4,... --devices cpu) updates just those rows.
    idents = {"runs": ("program", "mode", "device"),
              "reference": ("program", "mode"),
              "quality": ("program", "mode", "device", "weight")}
    for key, fields in idents.items():
        latest = {}
        for i, row in enumerate(res[key]):
            latest[tuple(row.get(f) for f in fields)] = i
        res[key] = [row for i, row in enumerate(res[key])
                    if latest[tuple(row.get(f) for f in fields)] == i]
    res["notes"] = list(dict.fromkeys(res["notes"]))  # the same note from several runs once
    res["machine"] = dict(runs[0]["machine"])
    res["machine"]["load_at_start"] = max((r["machine"]["load_at_start"] for r in runs),
                                          key=lambda v: v[0])
    res["machine"]["load_at_end"] = max((r["machine"].get("load_at_end", [0, 0, 0])
                                         for r in runs), key=lambda v: v[0])
    bins = {r.get("binaries", {}).get("cai-sparsify", {}).get("sha256") for r in runs}
    if len(bins) > 1:
        res["notes"].append("merged from runs of different cai-sparsify builds: "
                            + ", ".join(sorted(b for b in bins if b)))
    res["merged_from"] = [os.path.abspath(p) for p in paths]
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--results", nargs="*", help="results.json files (default: OUT/results.json)")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "PERFORMANCE.md"))
    a = ap.parse_args()
    paths = a.results or [os.path.join(a.out, "results.json")]
    res = merge(paths)
    out_dir = os.path.dirname(os.path.abspath(paths[0]))
    md = os.path.join(out_dir, "results.md")
    png = os.path.join(out_dir, "throughput.png")
    bench.write_markdown(res, md)
    bench.plot(res, png)
    if len(paths) > 1:
        with open(os.path.join(out_dir, "results-merged.json"), "w") as f:
            json.dump(res, f, indent=1)
    with open(md) as f:
        table = f.read()
    with open(a.doc) as f:
        doc = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    i, j = doc.index(begin) + len(begin), doc.index(end)
    doc = doc[:i] + "\n" + table + doc[j:]
    with open(a.doc, "w") as f:
        f.write(doc)
    shutil.copyfile(png, os.path.join(os.path.dirname(a.doc), "perf-throughput.png"))
    print(f"updated {a.doc} and {os.path.join(os.path.dirname(a.doc), 'perf-throughput.png')}")


if __name__ == "__main__":
    main()

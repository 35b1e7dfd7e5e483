"""Summarises test_upstream.py's report.json into the sizes docs/CONFORMANCE.md gives.

    python upstream_summary.py $CAIS_CONF_WORK/upstream/report.json

One line per (case, dtype): how many weights both tools compressed, how many decode
identically, the elements whose pruning differs and whose kept values differ (totals),
the largest difference of a value both keep (absolute, relative), and the worst ratios of our relative error to upstream's;
then upstream's failures and the weights only one tool compressed.
"""
import json
import sys
from collections import defaultdict


def main(path):
    report = json.load(open(path))
    rows = defaultdict(lambda: defaultdict(float))
    failures = defaultdict(set)
    only = defaultdict(int)
    for key, entry in report.items():
        program, dtype, case = key.split(".", 2)
        if "upstream_error" in entry:
            failures[(case, dtype)].add(entry["upstream_error"][:90])
            continue
        if "upstream_verify_exit" in entry:
            failures[(case, dtype)].add(f"(output: --verify exit {entry['upstream_verify_exit']})")
            continue
        for w in entry["weights"]:
            if not (w["ours"] and w["upstream"]):
                only[(case, dtype, "ours" if w["ours"] else "upstream")] += 1
                continue
            r = rows[(case, dtype)]
            r["weights"] += 1
            r["elements"] += w["elements"]
            r["identical"] += w["identical"]
            r["extra_pruned_up"] += w["pruned_up"] - w["pruned_ours"]
            r["max_extra_pruned_up"] = max(r["max_extra_pruned_up"], w["pruned_up"] - w["pruned_ours"])
            r["mask_differs"] += w["mask_differs"]
            r["values_differ"] += w["values_differ"]
            r["max_abs_diff"] = max(r["max_abs_diff"], w["max_kept_diff"])
            r["max_rel_diff"] = max(r["max_rel_diff"], w["max_kept_rel_diff"])
            ratio = w["rel_err_ours"] / w["rel_err_up"] if w["rel_err_up"] else 1.0
            r["max_err_ratio"] = max(r.get("max_err_ratio", 0.0), ratio)
            r["min_err_ratio"] = min(r.get("min_err_ratio", 9e9), ratio)
    print(f"{'case':12} {'dtype':5} {'wts':>4} {'ident':>5} {'elements':>8} {'+pruned_up':>10} "
          f"{'max+/wt':>7} {'mask_diff':>9} {'val_diff':>8} {'max_abs_diff':>12} {'err_ratio min..max':>20}")
    for (case, dtype), r in sorted(rows.items()):
        print(f"{case:12} {dtype:5} {int(r['weights']):4} {int(r['identical']):5} {int(r['elements']):8} "
              f"{int(r['extra_pruned_up']):10} {int(r['max_extra_pruned_up']):7} {int(r['mask_differs']):9} "
              f"{int(r['values_differ']):8} {r['max_abs_diff']:13.4g} {r['max_rel_diff']:9.3g} "
              f"{r['min_err_ratio']:9.4f}..{r['max_err_ratio']:.4f}")
    for (case, dtype), errs in sorted(failures.items()):
        print(f"upstream fails {case} {dtype}: {'; '.join(sorted(errs))}")
    for (case, dtype, who), n in sorted(only.items()):
        print(f"only {who} compresses: {case} {dtype}: {n} weight(s)")


if __name__ == "__main__":
    main(sys.argv[1])

"""Tables (markdown) from bench_real.py's results.jsonl and quality.py's output.

    python bench/report.py --out bench/out/real > bench/out/real/results.md

Ours: the median of the repeats; upstream: its one run. Speed-ups are upstream
seconds / ours. "x weights" = peak RSS / the program's weight bytes. Nothing
here is typed in: every number is read from the run's files.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path

from modes import ALL_MODES, mode_dir

PALETTE = ("pal4", "pal8")


def load_rows(out: Path):
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines() if x.strip()]
    by = defaultdict(list)
    for r in rows:
        by[(r["program"], r["mode"], r["path"])].append(r)
    return rows, by


def med(rs, key):
    vals = [r[key] for r in rs if r.get(key) is not None and not r.get("error")]
    return statistics.median(vals) if vals else None


def programs_in(rows):
    seen = []
    for r in rows:
        if r["program"] not in seen:
            seen.append(r["program"])
    return seen


def fmt(x, spec=".2f", none="n/a"):
    return none if x is None else format(x, spec)


def _cost_class(mode: str) -> str:
    """The part of a mode whose cost grows differently with program size: the
    joint, with the three 8-bit quantizations counted as one (upstream runs
    the same per-tensor scale search for each)."""
    joint = mode.partition("+")[2]
    return "quantize" if joint in ("int8", "uint8", "fp8") else joint


class Cell:
    """The numbers of one (program, mode): every path, reduced."""

    def __init__(self, by, prog, mode):
        self.prog, self.mode = prog, mode
        g = lambda p: by.get((prog, mode, p), [])
        up, cs, ca, cm = g("upstream"), g("caisparse"), g("cli-aimodel"), g("cli-mlirbc")
        self.weight_bytes = (up or cs or ca or cm or [{}])[0].get("weight_bytes")
        u = up[0] if up else {}
        self.up_skipped = u.get("skipped")
        self.up_error = u.get("error")
        self.up_timeout = u.get("timeout")
        self.up_mem = u.get("sparsify_s")
        self.up_file = u.get("file_s")
        self.up_rss = u.get("rss_self_mb")
        self.up_rss_children = u.get("rss_children_mb")
        self.up_rss_imports = u.get("rss_imports_mb")
        self.cs_mem = med(cs, "sparsify_s")
        self.cs_file = med(cs, "file_s")
        self.cs_rss = med(cs, "rss_self_mb")
        self.cs_rss_imports = med(cs, "rss_imports_mb")
        self.ca = med(ca, "wall_s")
        self.ca_rss = med(ca, "rss_mb")
        self.cm = med(cm, "wall_s")
        self.cm_rss = med(cm, "rss_mb")
        self.cs_rows, self.ca_rows, self.cm_rows = cs, ca, cm
        self.up_extrap = None
        if self.up_skipped == "extrapolated":
            self._extrapolate(by)
        loads = [r["load_before"] for r in up + cs + ca + cm if "load_before" in r]
        self.load = (min(loads), max(loads)) if loads else None

    def _extrapolate(self, by):
        """Upstream's seconds estimated from the same family's 100M program:
        its time in this mode times the 1B / 100M ratio measured in the modes
        upstream ran at both sizes with the same joint (int8, pal4, ...: the
        part whose cost grows differently with size)."""
        ref = self.prog.replace("1B", "100M")
        joint = _cost_class(self.mode)

        def up(prog, mode, key):
            rows = by.get((prog, mode, "upstream"), [])
            return rows[0].get(key) if rows else None

        for key, attr in (("sparsify_s", "up_mem"), ("file_s", "up_file")):
            base = up(ref, self.mode, key)
            ratios = [(up(self.prog, m, key) / up(ref, m, key), m)
                      for (p, m, path) in by if p == self.prog and path == "upstream"
                      and _cost_class(m) == joint and up(self.prog, m, key)
                      and up(ref, m, key)]
            if base is None or not ratios:
                continue
            ratio = statistics.median(r for r, _ in ratios)
            setattr(self, attr, base * ratio)
            self.up_extrap = sorted(m for _, m in ratios)
        if self.up_extrap is not None:
            self.up_skipped = None

    def up_text(self, value):
        if self.up_extrap is not None and value is not None:
            return f"~{value:.1f}\\*"
        if self.up_skipped == "extrapolated":
            return "not run"
        if self.up_skipped:
            return "not run"
        if self.up_timeout:
            return f"> {self.up_timeout}"
        if self.up_error:
            return "error"
        return fmt(value)

    def ratio(self, up, ours):
        if self.up_extrap is not None and up is not None and ours:
            return f"~{up / ours:.1f}\\*"
        if self.up_timeout and ours:
            return f"> {self.up_timeout / ours:.0f}"
        if up is None or not ours:
            return "n/a"
        return f"{up / ours:.1f}"

    def mb(self):
        return self.weight_bytes / 1e6 if self.weight_bytes else None


def phases_in_memory(rows):
    """caisparse.sparsify_weights' seconds, grouped: bridge in, C, bridge out, rest."""
    def one(r):
        s = r.get("report_seconds") or {}
        bridge_in = sum(s.get(k, 0) for k in ("swap", "write_bytecode", "restore_input", "c_read"))
        bridge_out = sum(s.get(k, 0) for k in ("c_write", "parse", "restore", "replace"))
        c = s.get("c_sparsify", 0)
        return {"bridge_in": bridge_in, "compute": c, "bridge_out": bridge_out,
                "outside": r["sparsify_s"] - s.get("total", r["sparsify_s"])}
    parts = [one(r) for r in rows if r.get("sparsify_s") is not None]
    if not parts:
        return None
    return {k: statistics.median(p[k] for p in parts) for k in parts[0]}


def phases_cli(rows):
    parts = []
    for r in rows:
        s = r.get("report_seconds")
        if not s:
            continue
        inside = sum(s.get(k, 0) for k in ("read", "collect", "compute", "rewrite", "write"))
        parts.append({"read": s.get("read", 0), "compute": s.get("collect", 0) + s.get("compute", 0)
                      + s.get("rewrite", 0), "write": s.get("write", 0),
                      "outside": r["wall_s"] - inside})
    if not parts:
        return None
    return {k: statistics.median(p[k] for p in parts) for k in parts[0]}


def speed_table(p, by, progs, modes):
    p("| program | mode | upstream in memory | ours in memory | speed-up | upstream file | "
      "ours file (CLI .aimodel) | speed-up | CLI MLIR 19 | upstream RSS | ours RSS (in memory) "
      "| CLI .aimodel RSS | CLI MLIR 19 RSS | load |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for prog in progs:
        for mode in modes:
            c = Cell(by, prog, mode)
            if c.load is None:
                continue
            w = c.weight_bytes or 1
            rss = lambda v: "n/a" if v is None else f"{v:.0f} ({v * 2**20 / w:.1f}x)"
            up_rss = "n/a" if c.up_skipped or c.up_timeout or c.up_extrap else rss(c.up_rss)
            p(f"| {prog} | {mode} | {c.up_text(c.up_mem)} | {fmt(c.cs_mem, '.3f')} | "
              f"{c.ratio(c.up_mem, c.cs_mem)} | {c.up_text(c.up_file)} | {fmt(c.ca, '.3f')} | "
              f"{c.ratio(c.up_file, c.ca)} | {fmt(c.cm, '.3f')} | {up_rss} | {rss(c.cs_rss)} | "
              f"{rss(c.ca_rss)} | {rss(c.cm_rss)} | {c.load[0]:.1f}-{c.load[1]:.1f} |")
    p()


def headline(prog: str) -> bool:
    """The programs the targets are about (100M+ f16) and the trained model."""
    return prog.startswith("minilm") or (prog.endswith("f16") and ("100M" in prog or "1B" in prog))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    rows, by = load_rows(a.out)
    progs = programs_in(rows)
    modes = [m for m in ALL_MODES if any(r["mode"] == m for r in rows)]
    loads = [r["load_before"] for r in rows if "load_before" in r]
    p = print
    # A results file can hold runs of several commits (a later run adds
    # programs or replaces some): say which rows each commit made.
    groups = defaultdict(list)
    for r in rows:
        groups[r.get("commit", "?")].append(r)
    for commit, rs in groups.items():
        loads = [r["load_before"] for r in rs if "load_before" in r]
        progs_c = ", ".join(dict.fromkeys(r["program"] for r in rs))
        p(f"Runs of commit {commit}: {len(rs)} processes, {rs[0]['time']}-{rs[-1]['time']} "
          f"UTC, programs {progs_c}; load average (1 min) before each run: min "
          f"{min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f} "
          f"(2 cores).")
        p()
    p("### Programs\n")
    p("| program | parameters | weight bytes | .aimodel | converted in |")
    p("|---|---:|---:|---:|---:|")
    for prog in progs:
        f = a.out / "programs" / f"{prog}.json"
        if f.exists():
            i = json.loads(f.read_text())
            p(f"| {prog} | {i['params'] / 1e6:.1f} M | {i['weight_bytes'] / 1e6:.1f} MB | "
              f"{i['aimodel_bytes'] / 1e6:.1f} MB | {i['convert_s']:.1f} s |")
    p()

    p("### Targets (issue 11), from this run\n")
    p("Per 100M+ f16 program, over every mode upstream ran: the smallest speed-up of "
      "`caisparse.sparsify_weights` over upstream's (in memory), the smallest among "
      "palettizing modes, the largest peak RSS of our in-memory process / weight bytes "
      "(whole process, Python and coreai-core included; in brackets: above what the process "
      "held after its imports), and the largest ratio of the CLI on .aimodel (whole "
      "process) to the in-memory call.\n")
    p("| program | min speed-up (target >= 10) | min palettizing (>= 20) | max RSS / weights "
      "(<= 2) | max CLI .aimodel / in memory (<= 1.5) |")
    p("|---|---|---|---|---|")
    for prog in progs:
        if not prog.endswith("f16") or ("100M" not in prog and "1B" not in prog):
            continue
        cells = [c for c in (Cell(by, prog, m) for m in modes) if c.load is not None]
        sp = [(c.up_mem / c.cs_mem, c.mode) for c in cells if c.up_mem and c.cs_mem]
        pal = [x for x in sp if x[1].endswith(PALETTE)]
        w = cells[0].weight_bytes
        rss = [(c.cs_rss * 2**20 / w, (c.cs_rss - c.cs_rss_imports) * 2**20 / w, c.mode)
               for c in cells if c.cs_rss]
        cli = [(c.ca / c.cs_mem, c.mode) for c in cells if c.ca and c.cs_mem]
        extrap = {c.mode for c in cells if c.up_extrap is not None}

        def mn(xs, goal):
            if not xs:
                return "n/a"
            ok = sum(1 for v, _ in xs if v >= goal)
            est = sum(1 for _, m in xs if m in extrap)
            note = f" (upstream extrapolated in {est}\\*)" if est else ""
            low = min(xs)
            star = "\\*" if low[1] in extrap else ""
            return f"{low[0]:.1f}x{star} ({low[1]}); {ok} of {len(xs)} modes met{note}"
        r = max(rss) if rss else None
        rtxt = (f"{r[0]:.2f}x [{r[1]:.2f}x] ({r[2]}); {sum(1 for x in rss if x[0] <= 2)} of "
                f"{len(rss)} modes met") if r else "n/a"
        ctxt = (f"{max(cli)[0]:.2f}x ({max(cli)[1]}); {sum(1 for v, _ in cli if v <= 1.5)} of "
                f"{len(cli)} modes met") if cli else "n/a"
        p(f"| {prog} | {mn(sp, 10)} | {mn(pal, 20)} | {rtxt} | {ctxt} |")
    p()

    p("### Speed and memory\n")
    p("Seconds. *in memory*: the `sparsify_weights` call alone (AIProgram in, AIProgram "
      "out). *file*: upstream = `AIModelAsset.load` + call + `save_asset` in its process; "
      "ours = the whole `cai-sparsify in.aimodel -o out.aimodel` process (Python start-up "
      "included). *MLIR 19*: the whole `cai-sparsify` process on MLIR 19 bytecode. "
      "*RSS*: peak of the whole process in MB and / weight bytes (upstream's: its own "
      "process; the ~630 MB child that `import torch` forks is not added). *load*: the "
      "1-minute load average before the runs of the row (2 cores). Ours: median of the "
      "repeats; upstream: one run. \\*: upstream not run in that mode at that size "
      "(`bench_real.py --upstream-modes`) but estimated: its time on the same family's 100M "
      "program in the same mode, times the 1B / 100M ratio of its times in the modes it ran "
      "at both sizes with the same joint (none; int8 / uint8 / fp8 as one; pal4; pal8).\n")
    p("#### The 100M and 1B f16 programs and MiniLM\n")
    speed_table(p, by, [x for x in progs if headline(x)], modes)
    rest = [x for x in progs if not headline(x)]
    if rest:
        p("#### The other programs\n")
        speed_table(p, by, rest, modes)

    p("### Where our time goes\n")
    p("Medians, seconds. In memory (`caisparse.sparsify_weights`): *bridge in* = location "
      "swap + MLIR 22 `write_bytecode` + the C read; *C* = libcaisparse's sparsify (select, "
      "compute, rewrite); *bridge out* = the C bytecode write + MLIR 22 `Module.parse` + "
      "location restore; *outside* = the call minus those (parameter checks, engine "
      "start-up, `AIProgram` wrap). CLI: the report's read / compute / write and the rest of "
      "the process (*outside*: interpreter start-up and imports for .aimodel, which the "
      "front door hands to Python, plus package I/O).\n")
    p("| program | mode | in memory: bridge in | C | bridge out | outside | CLI .aimodel: "
      "read | compute | write | outside | CLI MLIR 19: read | compute | write | outside |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for prog in progs:
        for mode in modes:
            c = Cell(by, prog, mode)
            if c.load is None:
                continue
            im, ca, cm = phases_in_memory(c.cs_rows), phases_cli(c.ca_rows), phases_cli(c.cm_rows)
            f3 = lambda d, k: fmt(d[k] if d else None, ".3f")
            p(f"| {prog} | {mode} | {f3(im, 'bridge_in')} | {f3(im, 'compute')} | "
              f"{f3(im, 'bridge_out')} | {f3(im, 'outside')} | {f3(ca, 'read')} | "
              f"{f3(ca, 'compute')} | {f3(ca, 'write')} | {f3(ca, 'outside')} | "
              f"{f3(cm, 'read')} | {f3(cm, 'compute')} | {f3(cm, 'write')} | {f3(cm, 'outside')} |")
    p()

    sized = []
    for prog in progs:
        for mode in modes:
            d = a.out / "runs" / prog / mode_dir(mode)
            u, o = d / "upstream.aimodel" / "main.mlirb", d / "caisparse.aimodel" / "main.mlirb"
            if u.exists() and o.exists():
                sized.append((prog, mode, u.stat().st_size, o.stat().st_size))
    same = [x for x in sized if abs(x[2] / x[3] - 1) <= 0.01]
    if sized and len(same) == len(sized):
        p("### Output size\n")
        p(f"The packages both tools wrote have the same `main.mlirb` size (within 1 %) in all "
          f"{len(sized)} kept MiniLM outputs: whatever dead constants upstream leaves in its "
          f"in-memory program do not reach the package.\n")
    elif sized:
        p("### Output size (the kept MiniLM outputs)\n")
        p("`main.mlirb` of the compressed package, MB; upstream leaves the replaced dense "
          "constants in the program.\n")
        p("| program | mode | upstream | ours | upstream / ours |")
        p("|---|---|---:|---:|---:|")
        for prog, mode, us, os_ in sized:
            p(f"| {prog} | {mode} | {us / 1e6:.1f} | {os_ / 1e6:.1f} | {us / os_:.2f} |")
        p()

    qf = a.out / "quality.jsonl"
    if qf.exists():
        q = [json.loads(x) for x in qf.read_text().splitlines() if x.strip()]
        p("### MiniLM on the Core AI runtime\n")
        p("Cosine similarity of mean-pooled sentence embeddings, compressed vs dense, over "
          "the sentences of bench/sentences.txt (mean / worst sentence).\n")
        p("| program | mode | upstream mean | upstream min | ours mean | ours min | sentences |")
        p("|---|---|---:|---:|---:|---:|---:|")
        qual = {}
        for r in q:
            parts = Path(r["program"]).parts
            if "runs" not in parts:
                continue
            i = parts.index("runs")
            prog, mdir, tool = parts[i + 1], parts[i + 2], Path(r["program"]).stem
            qual[(prog, mdir, tool)] = r
        for prog in progs:
            for mode in modes:
                mdir = mode_dir(mode)
                u, o = qual.get((prog, mdir, "upstream")), qual.get((prog, mdir, "caisparse"))
                if not u and not o:
                    continue
                g = lambda r, k: ("error" if r and "error" in r else fmt(r.get(k) if r else None, ".4f"))
                n = (o or u).get("sentences", "")
                p(f"| {prog} | {mode} | {g(u, 'mean_cos')} | {g(u, 'min_cos')} | "
                  f"{g(o, 'mean_cos')} | {g(o, 'min_cos')} | {n} |")
        p()

    palette_sse_table(p, a.out / "palette_sse.jsonl", progs, modes)


def palette_sse_table(p, path: Path, progs, modes) -> None:
    """Sums bench/palette_sse.py's per-tensor lines into one row per (program, mode)."""
    if not path.exists():
        return
    rows = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    p("### Palette error per tensor (the kept MiniLM outputs)\n")
    p("`bench/palette_sse.py`: both tools' packages decoded by `cai-sparsify --decode`; per "
      "tensor that both palettized, SSE = the sum over the elements the tool kept of (decoded "
      "- dense)^2, in the weights' units. *ours / upstream*: of the sums, and per tensor (min, "
      "median, max); *ours <= upstream*: tensors where ours is not larger (within 1e-9 "
      "relative); *kept*: elements ours keeps minus upstream's, all tensors (upstream prunes a "
      "few more: docs/CONFORMANCE.md).\n")
    p("| program | mode | tensors | upstream SSE | ours SSE | ours / upstream | per tensor: min / median / max | ours <= upstream | kept: ours - upstream |")
    p("|---|---|---:|---:|---:|---:|---|---:|---:|")
    for prog in progs:
        for mode in modes:
            rs = [r for r in rows if r["program"] == prog and r["mode"] == mode
                  and r["caisparse_palettized"] and r["upstream_palettized"]]
            if not rs:
                continue
            su, so = sum(r["upstream_sse"] for r in rs), sum(r["caisparse_sse"] for r in rs)
            ratios = sorted(r["caisparse_sse"] / r["upstream_sse"] for r in rs if r["upstream_sse"] > 0)
            not_worse = sum(r["caisparse_sse"] <= r["upstream_sse"] * (1 + 1e-9) for r in rs)
            kept = sum(r["caisparse_kept"] - r["upstream_kept"] for r in rs)
            per = (f"{ratios[0]:.4f} / {ratios[len(ratios) // 2]:.4f} / {ratios[-1]:.4f}"
                   if ratios else "n/a")
            p(f"| {prog} | {mode} | {len(rs)} | {su:.4g} | {so:.4g} | "
              f"{fmt(so / su if su else None, '.4f')} | {per} | {not_worse} of {len(rs)} | {kept:+d} |")
    p()


if __name__ == "__main__":
    main()

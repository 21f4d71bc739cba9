#!/usr/bin/env python3
"""Batches (issue 6): throughput, scaling, the Dask backend, start-up, memory, bad inputs at
scale, side by side with the tools a user would otherwise chain.

  small files      `ocrmend clean TREE -o OUT -q -j W` over --files small text files (OCR pages
                   of benchdata's chapters, ~2.7 KB each, in folders of 100), 1 % of them bad
                   (empty, blank, binary, over max_bytes): wall time, files/s, MB/s, speedup
                   against -j 1 (goal: >= 1.8x with 2 workers on 10,000 files); every run is
                   checked: failures.jsonl names exactly the bad files, every good file has its
                   four outputs, no temporary file is left.
                   Beside the wall times, what explains them (Linux; from /proc): the CPU
                   seconds of the `ocrmend` process itself ("parent": start-up, the plan, one
                   result, one manifest line and one bar step per document; with -j 1 all the
                   work) and of its workers, and "busy": all that CPU time over wall time x
                   min(W, CPUs). On an idle machine busy < 100 % is time the workers spent
                   waiting (for the disk, or for the parent); the parent's CPU is the part
                   that does not parallelise (Amdahl). On a shared machine wall times move,
                   these CPU figures much less.
  re-run           the same command again over a finished output folder (everything skipped)
  Dask             the same batch on a dask.distributed cluster started here (a scheduler and
                   W single-threaded worker processes): wall time against the local pool of W
                   workers, and its outputs compared with -j 1 byte for byte
  text stages      MB/s per core: `pipeline.clean(text)` in this process over the whole corpus
                   (no files, no fsync), and the CLI with -j 1 (files, atomic writes, fsync)
  baselines        ftfy.fix_text alone, and ftfy + textacy.preprocessing (hyphenated words,
                   unicode, whitespace), per file in one process, plain writes: MB/s
  OCR              pages/min of `ocrmend clean` over --pages rendered page images with -j W,
                   and of plain Tesseract (`tesseract IMG - `, one thread, W at a time)
  start-up         `ocrmend --help` and `ocrmend clean ONE_SMALL_FILE` wall time
  peak memory      max RSS of the largest process (the command or one of its workers) with
                   -j 2 for --files/10 and --files documents: flat means the same

Medians of --repeats runs (1 by default: the 10,000-file runs take minutes). The machine this
runs on may be shared: wall times then move; say so when quoting them (each run records the
load average before it). MB = 10^6 bytes of input; memory in MiB. Report:
bench/out/batch.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

MB = 1_000_000
MIB = 1 << 20
MAX_BYTES = 100_000  # the bench's config: larger inputs are refused ("huge")

#: runs a command, prints its wall time, exit code, the max RSS of its largest process (the
#: command or a worker it waited for), and the CPU seconds of the command itself and of its
#: workers, as JSON; a fresh small parent, so our own RSS does not count. The CPU split is
#: read from /proc/PID/stat while the finished command is a zombie (waitid WNOWAIT), before
#: it is reaped: utime+stime are its own, cutime+cstime its reaped workers'.
LAUNCHER = r"""
import json, os, resource, subprocess, sys, tempfile, time
cmd = sys.argv[1:]
err = tempfile.TemporaryFile()
t0 = time.perf_counter()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
own = workers = wall = None
try:
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
    wall = time.perf_counter() - t0
    with open(f"/proc/{p.pid}/stat") as fh:
        f = fh.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    own = (int(f[11]) + int(f[12])) / tick
    workers = (int(f[13]) + int(f[14])) / tick
except (AttributeError, OSError, ValueError, IndexError):  # not Linux: wall time only
    pass
code = p.wait()
if wall is None:
    wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
err.seek(0)
print(json.dumps({"wall": wall, "code": code, "rss_kib": rss, "parent_cpu": own, "workers_cpu": workers,
                  "stderr": err.read().decode(errors="replace")[-4000:]}))
"""


def launch(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout)


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- the corpus ---------------------------------------------------------------------------------

def pages_of(bd: Path | None) -> list[str]:
    """OCR pages to make small files of: benchdata's chapters, else the repository's raw/."""
    texts = []
    if bd is not None and (bd / "chapters").is_dir():
        texts = [p.read_text(encoding="utf-8") for p in sorted((bd / "chapters").glob("*.ocr.txt"))]
    if not texts:
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((C.REPO / "raw").glob("*.txt"))]
    pages = [pg.strip("\n") + "\n" for t in texts for pg in t.split("\f") if pg.strip()]
    return pages


BAD_KINDS = ("empty", "blank", "binary", "huge")


def build_tree(root: Path, n: int, pages: list[str], bad_share: float = 0.01, seed: int = 0) -> dict[str, Any]:
    """``n`` small text files under ``root/in`` (100 a folder), ``bad_share`` of them bad."""
    rng = random.Random(seed)
    src = root / "in"
    bad: dict[str, str] = {}
    n_bad = max(len(BAD_KINDS), int(n * bad_share))
    bad_at = set(rng.sample(range(n), n_bad))
    good_bytes = 0
    for i in range(n):
        d = src / f"box{i // 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        f = d / f"page{i:05d}.txt"
        if i in bad_at:
            kind = BAD_KINDS[len(bad) % len(BAD_KINDS)]
            data = {"empty": b"", "blank": b" \n\n\t \n", "binary": b"\x89PNG\r\n\x1a\n" + rng.randbytes(3000),
                    "huge": (pages[i % len(pages)].encode() * (MAX_BYTES // 1000 + 1))}[kind]
            f.write_bytes(data)
            bad[str(f.relative_to(root))] = kind
        else:
            data = (pages[i % len(pages)] + f"\n{i}\n").encode()
            f.write_bytes(data)
            good_bytes += len(data)
    (root / "ocrmend.toml").write_text(f"max_bytes = {MAX_BYTES}\n", encoding="utf-8")
    return {"files": n, "bad": bad, "good_bytes": good_bytes}


def check_outputs(root: Path, out: Path, corpus: dict[str, Any]) -> dict[str, Any]:
    """What a user would check after a batch: every failure named, every good file whole."""
    listed = {}
    fails = out / "failures.jsonl"
    if fails.is_file():
        for line in fails.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            listed[rec["input"]] = rec["error"]
    missing = 0
    for f in (root / "in").rglob("*.txt"):
        rel = str(f.relative_to(root))
        if rel in corpus["bad"]:
            continue
        base = out / f.parent.relative_to(root / "in") / f.stem
        for sfx in (".txt", ".json", ".changes.jsonl", ".diff"):
            if not Path(str(base) + sfx).is_file():
                missing += 1
    parts = [p for p in out.rglob("*.part")]
    return {"failures_named": set(listed) == set(corpus["bad"]), "failures_listed": len(listed),
            "outputs_missing": missing, "partial_files": len(parts)}


def sources_digest() -> str:
    """The pipeline's sources now: other people edit them while the bench runs, and two runs
    over different sources cannot be compared byte for byte."""
    h = hashlib.sha256()
    for f in sorted((C.REPO / "pipeline").rglob("*.py")):
        h.update(f.read_bytes())
    return h.hexdigest()


def tree_digest(out: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(out.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(out)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


# -- measures ---------------------------------------------------------------------------------------

def _median_or_none(xs: list[float | None]) -> float | None:
    known = [x for x in xs if x is not None]
    return round(C.median(known), 2) if known else None


def run_clean(root: Path, out: Path, extra: list[str], repeats: int, fresh: bool = True) -> dict[str, Any]:
    walls, rss, own, workers, loads, code, err = [], [], [], [], [], None, ""
    for _ in range(repeats):
        if fresh and out.exists():
            shutil.rmtree(out)
        sources = sources_digest()
        loads.append(round(os.getloadavg()[0], 2))
        r = launch([*C.console_script(), "clean", "in", "-o", str(out), "-q", *extra], cwd=root)
        walls.append(r["wall"])
        rss.append(r["rss_kib"] / 1024)
        own.append(r.get("parent_cpu"))
        workers.append(r.get("workers_cpu"))
        code, err = r["code"], r["stderr"]
    stable = sources == sources_digest()
    return {"wall_s": round(C.median(walls), 3), "walls": [round(w, 3) for w in walls],
            "parent_cpu_s": _median_or_none(own), "workers_cpu_s": _median_or_none(workers),
            "load_avg_before": loads,
            "max_rss_mib": round(max(rss), 1), "exit": code, "stderr": err.strip()[-300:],
            "sources": sources if stable else "changed during the run"}


def cpu_busy(run: dict[str, Any], workers: int) -> float | None:
    """The run's CPU seconds over the CPU seconds its wall time offered its workers."""
    if run.get("parent_cpu_s") is None:
        return None
    lanes = min(workers, os.cpu_count() or 1)
    return round((run["parent_cpu_s"] + run["workers_cpu_s"]) / (run["wall_s"] * lanes), 3)


def small_files(root: Path, corpus: dict[str, Any], workers: list[int], repeats: int) -> dict[str, Any]:
    res: dict[str, Any] = {}
    for w in workers:
        say(f"small files: -j {w} ...")
        out = root / f"out-j{w}"
        r = run_clean(root, out, ["-j", str(w)], repeats)
        r.update(check_outputs(root, out, corpus))
        r["files_s"] = round(corpus["files"] / r["wall_s"], 1)
        r["mb_s"] = round(corpus["good_bytes"] / MB / r["wall_s"], 3)
        r["cpu_busy"] = cpu_busy(r, w)
        if r["parent_cpu_s"] is not None:
            r["parent_cpu_ms_per_file"] = round(r["parent_cpu_s"] / corpus["files"] * 1000, 3)
        r["digest"] = tree_digest(out)
        res[str(w)] = r
    base = res[str(workers[0])]["wall_s"]
    for w in workers:
        res[str(w)]["speedup"] = round(base / res[str(w)]["wall_s"], 2)
    say("re-run over a finished folder ...")
    res["rerun"] = run_clean(root, root / f"out-j{workers[-1]}", ["-j", str(workers[-1])], 1, fresh=False)
    return res


def start_dask(root: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    info = root / "scheduler.json"
    py = sys.executable
    procs = [subprocess.Popen([py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)], cwd=root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    deadline = time.monotonic() + 60
    while not info.is_file() or not info.read_text().strip():
        if time.monotonic() > deadline:
            raise RuntimeError("the Dask scheduler did not start")
        time.sleep(0.1)
    time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    procs.append(subprocess.Popen([py, "-m", "distributed.cli.dask_worker", address, "--nworkers", str(workers),
                                   "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"], cwd=root,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=120)
    return address, procs


def stop(procs: list[subprocess.Popen]) -> None:
    import signal

    for p in reversed(procs):
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def dask_run(root: Path, corpus: dict[str, Any], workers: int, repeats: int, reference: dict[str, Any]) -> dict[str, Any]:
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        return {"error": "dask.distributed is not installed: pip install 'dask[distributed]'"}
    say(f"Dask: a scheduler and {workers} worker processes ...")
    t0 = time.perf_counter()
    address, procs = start_dask(root, workers)
    cluster_start = time.perf_counter() - t0
    try:
        out = root / "out-dask"
        r = run_clean(root, out, ["--scheduler", address], repeats)
        r.update(check_outputs(root, out, corpus))
        r["cluster_start_s"] = round(cluster_start, 2)
        if r["sources"] != reference["sources"]:
            r["same_as_j1"] = "not comparable: the pipeline's sources changed between the two runs"
        else:
            r["same_as_j1"] = tree_digest(out) == reference["digest"]
        pool = reference.get("pool_wall_s")
        r["overhead_vs_pool"] = round(r["wall_s"] / pool, 2) if pool else None
        return r
    finally:
        stop(procs)


def text_stages(pages: list[str], files: list[Path], repeats: int) -> dict[str, Any]:
    """MB/s of the text stages in this process, and of ftfy and ftfy + textacy, per file."""
    from pipeline import clean

    texts = [f.read_bytes().decode("utf-8") for f in files]
    n = sum(len(t.encode()) for t in texts)
    res: dict[str, Any] = {"bytes": n, "files": len(texts)}

    def timed(fn) -> float:
        walls = []
        for _ in range(repeats):
            t0 = time.process_time()
            for t in texts:
                fn(t)
            walls.append(time.process_time() - t0)
        return C.median(walls)

    clean("Warm-\nup.\n")
    cpu = timed(lambda t: clean(t))
    res["ocrmend_api_mb_s_cpu"] = round(n / MB / cpu, 3)
    import ftfy  # a dependency of ocrmend itself

    cpu = timed(lambda t: ftfy.fix_text(t, uncurl_quotes=False))
    res["ftfy_mb_s_cpu"] = round(n / MB / cpu, 3)
    try:
        from textacy import preprocessing as tp

        prep = tp.make_pipeline(tp.normalize.hyphenated_words, tp.normalize.unicode, tp.normalize.whitespace)
        cpu = timed(lambda t: prep(ftfy.fix_text(t, uncurl_quotes=False)))
        res["ftfy_textacy_mb_s_cpu"] = round(n / MB / cpu, 3)
    except ImportError:
        res["ftfy_textacy_mb_s_cpu"] = "textacy not installed (pip install textacy)"
    return res


def baseline_files(root: Path, files: list[Path]) -> dict[str, Any]:
    """ftfy over the same files as a user would script it: read, fix, write (no fsync)."""
    try:
        import ftfy
    except ImportError:
        return {"error": "ftfy not installed"}
    out = root / "out-ftfy"
    t0 = time.perf_counter()
    for f in files:
        dest = out / f.parent.name / f.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(ftfy.fix_text(f.read_text(encoding="utf-8"), uncurl_quotes=False), encoding="utf-8")
    wall = time.perf_counter() - t0
    n = sum(f.stat().st_size for f in files)
    return {"wall_s": round(wall, 3), "files_s": round(len(files) / wall, 1), "mb_s": round(n / MB / wall, 3)}


def ocr_pages(root: Path, n: int, workers: list[int]) -> dict[str, Any]:
    sys.path.insert(0, str(C.REPO / "tests"))
    try:
        from ocr_pages import render_page, save
    except ImportError as exc:
        return {"error": f"cannot render pages ({exc})"}
    if not shutil.which("tesseract"):
        return {"error": "tesseract not installed (apt-get install tesseract-ocr)"}
    src = root / "in"
    src.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img, _ = render_page(dpi=300, words=180, page_number=str(i + 1))
        save(img, src / f"page{i:03d}.png", 300)
    res: dict[str, Any] = {"pages": n}
    for w in workers:
        say(f"OCR: -j {w} ...")
        r = run_clean(root, root / f"out-j{w}", ["-j", str(w)], 1)
        r["pages_min"] = round(n / r["wall_s"] * 60, 1)
        res[f"ocrmend_j{w}"] = r
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    images = sorted(src.glob("*.png"))
    for w in workers:
        say(f"plain Tesseract, {w} at a time ...")
        t0 = time.perf_counter()
        with ThreadPoolExecutor(w) as pool:
            list(pool.map(lambda p: subprocess.run(["tesseract", str(p), "-", "--dpi", "300"], capture_output=True,
                                                   env=env, check=True), images))
        wall = time.perf_counter() - t0
        res[f"tesseract_{w}"] = {"wall_s": round(wall, 3), "pages_min": round(n / wall * 60, 1)}
    one = res.get(f"ocrmend_j{workers[0]}", {}).get("pages_min")
    for w in workers:
        if one:
            res[f"ocrmend_j{w}"]["scaling_vs_j1"] = round(res[f"ocrmend_j{w}"]["pages_min"] / one, 2)
    return res


def start_up(root: Path, repeats: int = 5) -> dict[str, Any]:
    one = root / "one.txt"
    one.write_text("The illu-\nsions of youth\nend here.\n", encoding="utf-8")
    helps, cleans = [], []
    for _ in range(repeats):
        helps.append(launch([*C.console_script(), "--help"], cwd=root)["wall"])
        cleans.append(launch([*C.console_script(), "clean", "one.txt", "-o", "o-one", "--force", "-q"], cwd=root)["wall"])
    return {"help_s": round(C.median(helps), 3), "clean_one_file_s": round(C.median(cleans), 3)}


def memory(root: Path, pages: list[str], n: int) -> dict[str, Any]:
    res = {}
    for k in (max(10, n // 10), n):
        sub = root / f"mem{k}"
        build_tree(sub, k, pages, bad_share=0.0)
        say(f"memory: {k} documents ...")
        r = run_clean(sub, sub / "out", ["-j", "2"], 1)
        res[str(k)] = r["max_rss_mib"]
        shutil.rmtree(sub)
    return res


# -- main -------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000, help="small files in the batch (default 10,000)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts to compare (default 1,2,4)")
    ap.add_argument("--pages", type=int, default=8, help="rendered pages for the OCR measure (0: skip)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per measure; the median is reported")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask measure")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory measure")
    ap.add_argument("--benchdata", default=None, help="benchdata folder (default ../shared/benchdata)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = ap.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    bd = C.DEFAULT_BENCHDATA if args.benchdata is None else Path(args.benchdata)
    pages = pages_of(bd if bd.is_dir() else None)
    report: dict[str, Any] = {"state": C.pipeline_state(), "cpus": os.cpu_count(),
                              "load_avg_at_start": os.getloadavg(), "files": args.files, "workers": workers}
    tmp = Path(tempfile.mkdtemp(prefix="ocrmend-batch-"))
    try:
        say(f"building {args.files} small files in {tmp} ...")
        corpus = build_tree(tmp / "small", args.files, pages)
        report["corpus"] = {"files": corpus["files"], "bad": len(corpus["bad"]), "good_mb": round(corpus["good_bytes"] / MB, 2)}
        report["small_files"] = sf = small_files(tmp / "small", corpus, workers, args.repeats)
        if not args.no_dask:
            w = 2 if 2 in workers else workers[-1]
            ref = {"digest": sf[str(workers[0])]["digest"], "pool_wall_s": sf[str(w)]["wall_s"],
                   "sources": sf[str(workers[0])]["sources"]}
            report["dask"] = dask_run(tmp / "small", corpus, w, args.repeats, ref)
        good = [f for f in sorted((tmp / "small" / "in").rglob("*.txt"))
                if str(f.relative_to(tmp / "small")) not in corpus["bad"]][:2000]
        say("text stages and baselines in this process ...")
        report["text_stages"] = text_stages(pages, good, args.repeats)
        report["ftfy_files"] = baseline_files(tmp / "small", good)
        if args.pages:
            (tmp / "ocr").mkdir()
            report["ocr"] = ocr_pages(tmp / "ocr", args.pages, workers)
        report["start_up"] = start_up(tmp)
        if not args.no_memory:
            report["peak_rss_mib_by_documents"] = memory(tmp, pages, min(args.files, 5000))
        report["load_avg_at_end"] = os.getloadavg()
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    C.write_json(C.OUT / "batch.json", report)
    print_report(report)


def print_report(r: dict[str, Any]) -> None:
    print(C.rules_line(r["state"]))
    print(f"{r['cpus']} CPU(s); load average at start {r['load_avg_at_start'][0]:.2f}, at end "
          f"{r.get('load_avg_at_end', [float('nan')])[0]:.2f} (a shared machine moves wall times)")
    c = r["corpus"]
    print(f"\nsmall files: {c['files']} ({c['bad']} bad), {c['good_mb']} MB of text")
    rows = []
    for w in r["workers"]:
        s = r["small_files"][str(w)]
        busy = s.get("cpu_busy")
        rows.append([f"-j {w}", s["wall_s"], s["files_s"], s["mb_s"], s["speedup"], s.get("parent_cpu_s"),
                     s.get("workers_cpu_s"), f"{busy:.0%}" if busy is not None else None,
                     s.get("load_avg_before", [None])[-1], s["max_rss_mib"], s["exit"], s["failures_named"],
                     s["outputs_missing"], s["partial_files"]])
    d = r.get("dask")
    if d and "wall_s" in d:
        rows.append([f"dask {d.get('overhead_vs_pool')}x pool", d["wall_s"], round(c["files"] / d["wall_s"], 1),
                     None, None, d.get("parent_cpu_s"), None, None, d.get("load_avg_before", [None])[-1],
                     d["max_rss_mib"], d["exit"], d["failures_named"], d["outputs_missing"], d["partial_files"]])
    print(C.table(["run", "wall s", "files/s", "MB/s", "speedup", "parent CPU s", "workers CPU s", "busy",
                   "load before", "max RSS MiB", "exit", "failures named", "outputs missing", ".part left"], rows))
    print("parent CPU: the ocrmend process itself (with -j 1 all the work); workers CPU: its worker processes "
          "(Dask workers are not its children); busy: all of it over wall x min(workers, CPUs)")
    print(f"re-run over a finished folder: {r['small_files']['rerun']['wall_s']} s")
    if d:
        print(f"Dask: {d.get('error') or ''}outputs same as -j 1: {d.get('same_as_j1')}; cluster start "
              f"{d.get('cluster_start_s')} s (not in its wall time)")
    t = r["text_stages"]
    f = r["ftfy_files"]
    print(f"\ntext, one process, CPU time, {t['files']} files: ocrmend API {t['ocrmend_api_mb_s_cpu']} MB/s; "
          f"ftfy {t['ftfy_mb_s_cpu']} MB/s; ftfy + textacy {t['ftfy_textacy_mb_s_cpu']} MB/s; "
          f"ftfy read-fix-write script {f.get('mb_s')} MB/s wall")
    o = r.get("ocr")
    if o and "error" not in o:
        rows = [[f"ocrmend -j {w}", o[f"ocrmend_j{w}"]["pages_min"], o[f"ocrmend_j{w}"].get("scaling_vs_j1"),
                 o[f"tesseract_{w}"]["pages_min"]] for w in r["workers"]]
        print(f"\nOCR, {o['pages']} pages at 300 dpi")
        print(C.table(["run", "pages/min", "vs -j 1", "plain tesseract pages/min (same parallelism)"], rows))
    elif o:
        print(f"\nOCR: {o['error']}")
    s = r["start_up"]
    print(f"\nstart-up: ocrmend --help {s['help_s']} s; clean one small file {s['clean_one_file_s']} s")
    m = r.get("peak_rss_mib_by_documents")
    if m:
        print("peak memory (largest process, -j 2): " + ", ".join(f"{k} docs {v} MiB" for k, v in m.items()))


if __name__ == "__main__":
    main()

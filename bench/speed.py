#!/usr/bin/env python3
"""Speed and memory of ocrmend against the goals of issue 2:

  text stages      >= 1 MB/s of text per core: `pipeline.clean(str)` on one multi-MB document
                   built from the benchdata OCR texts, in this (single) process, after a warm-up;
                   median of repeated runs; also at 1 MB to show whether time grows linearly, and a
                   per-stage split (rules of each stage, the runner, building the result, writing
                   the outputs) from one more run
  ocrmend --help   < 0.3 s wall, a fresh process each time (median of 10)
  one small file   < 1 s wall for `ocrmend clean FILE -o DIR`, start-up included (median of 5):
                   the client's sample raw/000_158432e1425d889a.txt and one benchdata chapter
  peak memory      < 300 MB max RSS (getrusage of the child process) for `ocrmend clean` on a
                   10 MB input; also `pipeline.clean()` alone in a child, without writing outputs
  ftfy             ftfy.fix_text alone on the same multi-MB input, for comparison (a ratio)

MB = 10^6 bytes of UTF-8 input; memory in MiB (2^20 bytes). The test input: every distinct
OCR text of benchdata (pairs/*.ocr.txt and chapters/*.ocr.txt, ~0.9 MB), each a page (form
feeds between them), repeated in a new shuffled order until the size is reached. Results go to
bench/out/speed.json. `--ignore spelling` times the other text stages alone (issue 6's measure).
"""
from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

MB = 1_000_000
MIB = 1 << 20
GOALS = {"throughput_mb_s": 1.0, "help_s": 0.3, "small_file_s": 1.0, "peak_rss_mib": 300.0}


def build_corpus(bd: Path, size_bytes: int, seed: int = 0) -> str:
    files = sorted((bd / "pairs").glob("*.ocr.txt")) + sorted((bd / "chapters").glob("*.ocr.txt"))
    if not files:
        sys.exit(f"no OCR texts under {bd}")
    texts = [f.read_text(encoding="utf-8").strip("\f\n") + "\n" for f in files]
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size_bytes:
        order = list(range(len(texts)))
        rng.shuffle(order)
        for i in order:
            parts.append(texts[i])
            total += len(texts[i].encode("utf-8")) + 1
            if total >= size_bytes:
                break
    return "\f".join(parts)


def timed_clean(text: str, config, repeats: int, budget: float, limit: float) -> dict[str, Any]:
    """Median wall and CPU seconds of clean(text) over up to ``repeats`` runs (fewer when one run
    takes more than ``budget`` seconds)."""
    from pipeline import clean

    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        with C.time_limit(limit):
            res = clean(text, config)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        if walls[-1] > budget:
            break
    n = len(text.encode("utf-8"))
    wall, cpu = C.median(walls), C.median(cpus)
    return {"bytes": n, "runs": len(walls), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "mb_s_wall": round(n / MB / wall, 3), "mb_s_cpu": round(n / MB / cpu, 3) if cpu else None,
            "walls": [round(x, 3) for x in walls], "changes": len(res.changes), "flags": len(res.flags),
            "blocks": len(res.blocks)}


def stage_split(text: str, config, limit: float) -> dict[str, float]:
    """CPU seconds spent in each stage's rules, in the runner, in building the Result and in
    rendering the output files, from one run with every rule wrapped in a timer (CPU time, so
    other work on the machine does not move the split)."""
    from pipeline import api, runner, stages

    acc: dict[str, float] = defaultdict(float)

    def wrap(func):
        rid = func.rule_id

        @functools.wraps(func)          # keeps rule_id and rule_safety (they live in __dict__)
        def timed(t, ctx):
            t0 = time.process_time()
            out = list(func(t, ctx))    # rules may be generators: the work happens here
            acc[rid] += time.process_time() - t0
            return out

        return timed

    rules = [wrap(f) for f in stages.all_rules()]
    with C.time_limit(limit):
        t0 = time.process_time()
        doc = runner.run_rules(text, rules, config, name="speed")
        t1 = time.process_time()
        res = api.result_of(doc, config)
        t2 = time.process_time()
        res.to_json(), res.changes_jsonl()
        t3 = time.process_time()
        res.diff()
        t4 = time.process_time()
    split: dict[str, float] = defaultdict(float)
    for rid, s in acc.items():
        split["stage " + rid.split(".", 1)[0]] += s
    split["runner (apply, offsets)"] = (t1 - t0) - sum(acc.values())
    split["result (blocks, records)"] = t2 - t1
    split["outputs: json + jsonl"] = t3 - t2
    split["outputs: diff"] = t4 - t3
    slowest = sorted(acc.items(), key=lambda kv: -kv[1])[:5]
    out = {k: round(v, 3) for k, v in split.items()}
    out["_slowest_rules"] = {k: round(v, 3) for k, v in slowest}
    return out


#: Runs a command and reports its wall time, exit code and max RSS as JSON. Linux carries a
#: parent's high-water RSS into a child it forks (through exec), so a child of this big bench
#: process would report at least our own peak; this small launcher is the parent instead.
LAUNCHER = r"""
import json, os, subprocess, sys, time
timeout, cmd = float(sys.argv[1]), sys.argv[2:]
t0 = time.perf_counter()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
deadline = time.monotonic() + timeout
while True:
    pid, status, ru = os.wait4(p.pid, os.WNOHANG)
    if pid:
        break
    if time.monotonic() > deadline:
        p.kill()
        os.wait4(p.pid, 0)
        print(json.dumps({"rc": None, "timeout": True}))
        sys.exit(0)
    time.sleep(0.002)
wall = time.perf_counter() - t0
err = p.stderr.read().decode("utf-8", "replace")
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
                  "max_rss_kib": ru.ru_maxrss, "stderr": err[-2000:]}))
"""


def launch(cmd: list[str], timeout: float, cwd: Path) -> dict[str, Any]:
    """One run of ``cmd`` through the launcher: {rc, wall_s, max_rss_kib, stderr} or {rc: None}."""
    import json

    p = subprocess.run([sys.executable, "-c", LAUNCHER, str(timeout), *cmd], cwd=cwd, capture_output=True,
                       text=True, timeout=timeout + 60)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"rc": None, "error": (p.stderr or p.stdout)[-500:]}


def wall_runs(cmd: list[str], runs: int, timeout: float, cwd: Path) -> dict[str, Any]:
    """Median wall time of a command run ``runs`` times, and the largest max RSS of the runs."""
    walls, cpus, rss, rcs, errs = [], [], [], [], []
    for _ in range(runs):
        r = launch(cmd, timeout, cwd)
        rcs.append(r.get("rc"))
        if r.get("rc") is None:
            errs.append(r.get("error") or "timed out")
            break
        walls.append(r["wall_s"])
        cpus.append(r["cpu_s"])
        rss.append(r["max_rss_kib"] / 1024)
        if r["rc"] != 0 and r.get("stderr") and r["stderr"].strip()[-300:] not in errs:
            errs.append(r["stderr"].strip()[-300:])
    return {"median_s": round(C.median(walls), 4) if walls else None, "min_s": round(min(walls), 4) if walls else None,
            "median_cpu_s": round(C.median(cpus), 4) if cpus else None,
            "runs": len(walls), "exit_codes": sorted(set(rcs), key=str),
            "max_rss_mib": round(max(rss), 1) if rss else None, "errors": errs[:3]}


def peak_rss(cmd: list[str], timeout: float, cwd: Path) -> dict[str, Any]:
    r = launch(cmd, timeout, cwd)
    if r.get("rc") is None:
        return {"error": r.get("error") or f"timed out after {timeout:g} s"}
    out = {"exit_code": r["rc"], "wall_s": round(r["wall_s"], 2), "cpu_s": round(r["cpu_s"], 2),
           "max_rss_mib": round(r["max_rss_kib"] / 1024, 1)}
    if r["rc"] != 0:
        out["stderr"] = r.get("stderr", "").strip()[-300:]
    return out


def met(run: dict[str, Any], limit: float) -> str:
    """ok when every run exited 0 and the median is under ``limit`` seconds."""
    v = run.get("median_s")
    return "ok" if v is not None and v < limit and run.get("exit_codes") == [0] else "MISS"


def ratio(v, goal):
    return None if v is None or not goal else round(v / goal, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--benchdata", help="the benchdata folder (default: ../shared/benchdata beside the repo)")
    ap.add_argument("--size-mb", type=float, default=4.0, help="size of the throughput input (default 4 MB)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per throughput measure (median; default 3)")
    ap.add_argument("--help-runs", type=int, default=10, help="runs of `ocrmend --help` (default 10)")
    ap.add_argument("--cli-runs", type=int, default=5, help="runs of the one-file CLI clean (default 5)")
    ap.add_argument("--mem-mb", type=float, default=10.0, help="input size for the peak-memory run (default 10 MB)")
    ap.add_argument("--skip-mem", action="store_true", help="skip the peak-memory runs")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for any one run (default 300)")
    ap.add_argument("--out", default=str(C.OUT / "speed.json"), help="JSON report (default: bench/out/speed.json)")
    ap.add_argument("--ignore", default="", metavar="PREFIXES",
                    help="rule-id prefixes not to run, comma-separated (e.g. 'spelling' to time the other "
                         "text stages alone); passed to clean() and to every `ocrmend clean` run")
    args = ap.parse_args()
    ignore = [p.strip() for p in args.ignore.split(",") if p.strip()]
    cli_ignore = ["--ignore", ",".join(ignore)] if ignore else []

    bd = C.benchdata(args.benchdata)
    out_path = Path(args.out).resolve()
    C.in_repo()
    state = C.pipeline_state()
    state["cpus"] = os.cpu_count()
    state["loadavg_start"] = [round(x, 2) for x in os.getloadavg()]
    state["command"] = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    state["ignored_rules"] = ignore
    R: dict[str, Any] = {"state": state, "goals": GOALS}
    script = C.console_script()
    R["console_script"] = script
    log = lambda m: print("... " + m, file=sys.stderr, flush=True)

    try:
        from pipeline import clean, load_config
        from pipeline.config import from_mapping

        config = load_config()
        if ignore:
            config = from_mapping({"ignore": [*config.ignore, *ignore]}, config)
    except Exception as exc:
        sys.exit(f"cannot load the pipeline: {type(exc).__name__}: {exc}")

    # ------------------------------------------------------------------ text-stage throughput
    big = build_corpus(bd, int(args.size_mb * MB))
    try:
        log("warm-up")
        t0 = time.perf_counter()
        clean("warm-up: the illu-\nsions of youth\n", config)
        clean(big[:100_000], config)
        R["warmup_s"] = round(time.perf_counter() - t0, 3)
        ladder = sorted({min(1.0, args.size_mb), args.size_mb})
        R["throughput"] = {}
        for size in ladder:
            text = big if size == args.size_mb else build_corpus(bd, int(size * MB))
            log(f"clean() on {size:g} MB x{args.repeats}")
            R["throughput"][f"{size:g}MB"] = timed_clean(text, config, args.repeats, budget=20, limit=args.timeout)
        log("per-stage split")
        R["split"] = stage_split(big, config, args.timeout)
    except Exception as exc:
        R["throughput_error"] = f"{type(exc).__name__}: {exc}"

    # ------------------------------------------------------------------ ftfy for comparison
    try:
        import ftfy

        log(f"ftfy.fix_text on {args.size_mb:g} MB")
        walls, cpus = [], []
        for _ in range(max(1, min(args.repeats, 3))):
            t0, c0 = time.perf_counter(), time.process_time()
            ftfy.fix_text(big)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            if walls[-1] > 60:
                break
        w, c = C.median(walls), C.median(cpus)
        R["ftfy"] = {"wall_s": round(w, 3), "cpu_s": round(c, 3), "mb_s_cpu": round(len(big.encode()) / MB / c, 3),
                     "runs": len(walls), "version": ftfy.__version__}
        if "throughput" in R:
            R["ftfy"]["pipeline_over_ftfy"] = round(R["throughput"][f"{args.size_mb:g}MB"]["cpu_s"] / c, 2)
    except Exception as exc:
        R["ftfy"] = {"error": f"{type(exc).__name__}: {exc}"}

    # ------------------------------------------------------------------ start-up and one file
    with tempfile.TemporaryDirectory(prefix="ocrmend-speed-") as td:
        tmp = Path(td)
        log(f"ocrmend --help x{args.help_runs}")
        R["help"] = wall_runs([*script, "--help"], args.help_runs, args.timeout, C.REPO)
        R["help_python_m"] = wall_runs([sys.executable, "-m", "pipeline", "--help"], max(3, args.help_runs // 2),
                                       args.timeout, C.REPO)
        R["small_files"] = {}
        smalls = []
        seed = C.REPO / "raw" / "000_158432e1425d889a.txt"
        if seed.exists():
            smalls.append(seed)
        chapter = next(iter(sorted((bd / "chapters").glob("*.ocr.txt"))), None)
        if chapter:
            smalls.append(chapter)
        for f in smalls:
            name = f.name.replace(".ocr.txt", ".txt")
            src = tmp / "in" / name
            src.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, src)
            log(f"ocrmend clean {name} x{args.cli_runs}")
            r = wall_runs([*script, "clean", str(src), "-o", str(tmp / "out"), "-q", *cli_ignore], args.cli_runs,
                          args.timeout, C.REPO)
            r["bytes"] = src.stat().st_size
            R["small_files"][name] = r

        # -------------------------------------------------------------- peak memory, 10 MB
        if not args.skip_mem:
            mem_in = tmp / "mem" / "big10.txt"
            mem_in.parent.mkdir(parents=True)
            mem_in.write_text(build_corpus(bd, int(args.mem_mb * MB), seed=1), encoding="utf-8")
            R["memory"] = {"bytes": mem_in.stat().st_size}
            log(f"peak RSS: ocrmend clean on {args.mem_mb:g} MB")
            R["memory"]["cli"] = peak_rss([*script, "clean", str(mem_in), "-o", str(tmp / "memout"), "-q", *cli_ignore],
                                          args.timeout, C.REPO)
            # the API-only run is a comparison, not a goal: skip it when the CLI run was slow, to
            # keep the whole bench within minutes
            if R["memory"]["cli"].get("wall_s", float("inf")) <= 90:
                log(f"peak RSS: pipeline.clean() on {args.mem_mb:g} MB")
                code = ("import sys; from pathlib import Path; from pipeline import clean; "
                        "clean(Path(sys.argv[1]), ignore=tuple(filter(None, sys.argv[2].split(','))))")
                R["memory"]["api"] = peak_rss([sys.executable, "-c", code, str(mem_in), ",".join(ignore)], args.timeout,
                                              C.REPO)
            else:
                R["memory"]["api_skipped"] = "the CLI run took over 90 s"
    state["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]

    # ------------------------------------------------------------------ report
    rows = []
    tp = R.get("throughput", {})
    for key, t in tp.items():
        rows.append([f"clean() {key}: MB/s per core (CPU time)", t["mb_s_cpu"], ">= 1", ratio(t["mb_s_cpu"], 1.0),
                     "ok" if (t["mb_s_cpu"] or 0) >= 1 else "MISS",
                     f"{t['cpu_s']} s CPU, median of {t['runs']}; wall {t['mb_s_wall']} MB/s ({t['wall_s']} s)"])
    if "ftfy" in R and "mb_s_cpu" in R["ftfy"]:
        f = R["ftfy"]
        rows.append([f"ftfy.fix_text {args.size_mb:g}MB: MB/s (CPU time)", f["mb_s_cpu"], "", None, "",
                     f"clean() takes {f.get('pipeline_over_ftfy', '–')}x ftfy's CPU time"])
    h = R["help"]
    rows.append(["ocrmend --help: s", h["median_s"], "< 0.3", ratio(h["median_s"], 0.3),
                 met(h, 0.3), f"median of {h['runs']}, CPU {h['median_cpu_s']} s; python -m pipeline {R['help_python_m']['median_s']} s; "
                 f"RSS {h['max_rss_mib']} MiB"])
    for name, r in R["small_files"].items():
        rows.append([f"ocrmend clean {name} ({r['bytes'] // 1000} kB): s", r["median_s"], "< 1",
                     ratio(r["median_s"], 1.0), met(r, 1.0) if r["exit_codes"] == [0] else "FAILED",
                     f"median of {r['runs']}, CPU {r['median_cpu_s']} s; exit {r['exit_codes']}; RSS {r['max_rss_mib']} MiB"])
    mem = R.get("memory", {})
    for key, label in (("cli", "ocrmend clean"), ("api", "pipeline.clean() only")):
        m = mem.get(key)
        if not m:
            continue
        if "error" in m:
            rows.append([f"{label} {args.mem_mb:g} MB: peak RSS MiB", None, "< 300", None, "MISS", m["error"]])
            continue
        if m["exit_code"] != 0:
            mark = "FAILED"
        elif key == "cli":
            mark = "ok" if m["max_rss_mib"] < 300 else "MISS"
        else:
            mark = ""
        rows.append([f"{label} {args.mem_mb:g} MB: peak RSS MiB", m["max_rss_mib"], "< 300" if key == "cli" else "",
                     ratio(m["max_rss_mib"], 300), mark, f"{m['wall_s']} s wall, {m['cpu_s']} s CPU, exit {m['exit_code']}"])
    print(C.rules_line(state))
    print(f"{os.cpu_count()} CPUs; load average {state['loadavg_start']} -> {state['loadavg_end']} "
          f"(other work on the machine slows these figures)")
    print()
    print(C.table(["measure", "value", "goal", "x goal", "met", "note"], rows))
    if "split" in R:
        sp = {k: v for k, v in R["split"].items() if not k.startswith("_")}
        tot = sum(sp.values()) or 1
        print()
        print(C.table([f"one run on {args.size_mb:g} MB", "CPU s", "%"],
                      [[k, round(v, 3), round(100 * v / tot, 1)] for k, v in sp.items()]))
        print("slowest rules: " + ", ".join(f"{k} {v:.2f} s" for k, v in R["split"]["_slowest_rules"].items()))
    for label, run in [("ocrmend --help", R["help"]), *R["small_files"].items()]:
        for e in run.get("errors", []):
            print(f"NOTE {label}: {e}")
    if "api_skipped" in mem:
        print(f"NOTE pipeline.clean()-only memory run skipped: {mem['api_skipped']}")
    for key, m in mem.items():
        if isinstance(m, dict) and (m.get("stderr") or m.get("error")):
            print(f"NOTE peak-memory run ({key}): {m.get('stderr') or m.get('error')}")
    if "throughput_error" in R:
        print(f"NOTE clean() failed: {R['throughput_error']}")
    if "ftfy" in R and "error" in R["ftfy"]:
        print(f"NOTE ftfy failed: {R['ftfy']['error']}")
    if len(tp) == 2:
        (k1, a), (k2, b) = tp.items()
        print(f"scaling: {k2} takes {b['cpu_s'] / max(a['cpu_s'], 1e-9):.2f}x the CPU time of {k1} "
              f"for {b['bytes'] / a['bytes']:.2f}x the text")
    C.write_json(out_path, R)
    print(f"\nwritten: {out_path}")


if __name__ == "__main__":
    main()

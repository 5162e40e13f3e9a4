"""Exact arithmetic before (sympy, the base commit) and after (python-flint), side by side.

    python benchmarks/numbers.py [--base 5873184] [--sections check,fit,train,corpus]
                                 [--old-timeout 900] [--fit-sizes 10,100,1000] [--old-fit-up-to 10]
                                 [--fit-degrees 2,3,6]

The old code is the base commit's src/ (``git archive BASE src``, unpacked into a
temporary directory); every measurement runs in a child process with PYTHONPATH set
to the old or the new src, one at a time, in this one run.  Sections:

* check:  ``nnsolve check instances/tier3/degree6.smt2``: training-side seconds
  (certificate: forward map + exact_fit) and wall seconds, old and new;
* fit:    forward map and exact_fit of the planted solution of
  ``planted_irrational_formula(C, D, seed 1)`` for D in --fit-degrees and C in --fit-sizes
  (the old code only up to --old-fit-up-to constraints: it is quadratic and slow); wall
  seconds of each step and the child's CPU seconds (forward + fit: the machine is shared,
  CPU time is the steadier figure), and the load average when the row was measured;
* train:  the training side decided from the instance alone (``nnsolve train
  training.json``, structured method: decoding the residual models' algebraic values
  and exact_fit) for tier2/cubic and tier2/two_components_irrational;
* breakdown: where the new code's time goes (CPU seconds per step, one child process) for
  ``planted_irrational_formula(C, D, seed 1)``, C and D the largest --fit-sizes and the
  first --fit-degrees: reduction, forward map, common_field, decompose_field, the rest of
  the grouped evaluation, the label comparison;
* corpus: ``nnsolve check --json`` of the corpus' irrational instances, old and new:
  verdicts and every printed number (the JSON without timings) must be identical.

Prints Markdown tables (docs/performance.md, "Exact arithmetic on FLINT").
"""

from __future__ import annotations

import os
import sys

# This file is named numbers.py: keep its folder off sys.path, or it shadows the standard
# library's numbers module (imported by fractions and decimal).
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse
import json
import resource
import subprocess
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEW_SRC = ROOT / "src"
IRRATIONAL = ["tier1/golden_ratio.smt2", "tier1/sqrt2.smt2", "tier2/cubic.smt2",
              "tier2/two_components_irrational.smt2", "tier3/degree6.smt2",
              "tier3/irrational_d2_12_s1.smt2", "tier3/irrational_d3_16_s1.smt2",
              "tier3/irrational_d6_16_s1.smt2"]


def old_src(base: str, into: Path, repo: Path = ROOT) -> Path:
    data = subprocess.run(["git", "archive", base, "src"], cwd=repo, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into)
    return into / "src"


def run(src: Path, args: list[str], timeout: float) -> tuple[float, subprocess.CompletedProcess | None]:
    env = dict(os.environ, PYTHONPATH=str(src))
    start = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc.cpu = (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)  # process tree CPU s
    return time.perf_counter() - start, proc


def strip_times(obj):
    if isinstance(obj, dict):
        return {k: strip_times(v) for k, v in obj.items() if k not in ("seconds",)}
    if isinstance(obj, list):
        return [strip_times(v) for v in obj]
    return obj


def check(src: Path, path: str, timeout: float) -> dict:
    wall, proc = run(src, ["-m", "nnsolve", "check", f"instances/{path}", "--json"], timeout)
    if proc is None:
        return {"wall": wall, "timeout": True}
    out = json.loads(proc.stdout)
    return {"wall": wall, "cpu": proc.cpu, "training": out["training"]["seconds"], "etr": out["etr"]["seconds"],
            "verdict": out["verdict"], "json": strip_times(out)}


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def section_check(old: Path, timeout: float) -> None:
    print("\n### degree6: `nnsolve check instances/tier3/degree6.smt2`, old and new code in one run\n")
    print("| code | training side s (forward map + exact_fit) | ETR side s | wall s | CPU s (process tree) | verdict |")
    print("|---|---|---|---|---|---|")
    res = {}
    for name, src in (("old (sympy, base)", old), ("new (FLINT)", NEW_SRC)):
        r = res[name] = check(src, "tier3/degree6.smt2", timeout)
        if r.get("timeout"):
            print(f"| {name} | timeout after {r['wall']:.0f} s | | | |", flush=True)
        else:
            print(f"| {name} | {r['training']:.2f} | {r['etr']:.2f} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                  f"{r['verdict']} |", flush=True)
    o, n = res["old (sympy, base)"], res["new (FLINT)"]
    if not o.get("timeout") and not n.get("timeout"):
        print(f"\nspeed-up of the training side (certificate check): {o['training'] / n['training']:.1f}x "
              f"(whole check, CPU: {o['cpu'] / n['cpu']:.1f}x); "
              f"identical JSON apart from timings: {o['json'] == n['json']}")


def worker_fit(formula: str, solution: str) -> None:
    """Child process: forward map and exact_fit with whichever nnsolve is on PYTHONPATH."""
    from nnsolve.formula import read_smtlib
    from nnsolve.numbers import from_json
    from nnsolve.reduction import forward_map, reduce_formula
    from nnsolve.training import exact_fit

    f = read_smtlib(formula)
    sol = {k: from_json(v) for k, v in json.loads(Path(solution).read_text()).items()}
    red = reduce_formula(f)
    t0, c0 = time.perf_counter(), time.process_time()
    net = forward_map(red, sol)
    t1 = time.perf_counter()
    ok = exact_fit(red.instance, net).ok
    t2, c2 = time.perf_counter(), time.process_time()
    print(json.dumps({"forward": t1 - t0, "fit": t2 - t1, "cpu": c2 - c0, "ok": ok, "hidden": red.instance.hidden,
                      "points": len(red.instance.points)}))


def section_fit(old: Path, sizes: list[int], old_up_to: int, timeout: float, tmp: Path,
                degrees: tuple[int, ...] = (2, 3, 6)) -> None:
    sys.path.insert(0, str(NEW_SRC))
    from nnsolve.formula.generate import planted_irrational_formula
    from nnsolve.formula.smtlib import to_smtlib
    from nnsolve.numbers import to_json

    print("\n### exact_fit of forward witnesses, planted irrational formulas (seed 1)\n")
    print("| degree | constraints | neurons x points | old forward s | old exact_fit s | new forward s | "
          "new exact_fit s | speed-up (forward + fit) | CPU s old / new (forward + fit) | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for degree in degrees:
        for c in sizes:
            f, sol = planted_irrational_formula(c, degree, 1)
            fp, sp = tmp / f"f_{degree}_{c}.smt2", tmp / f"s_{degree}_{c}.json"
            fp.write_text(to_smtlib(f))
            sp.write_text(json.dumps({k: to_json(v) for k, v in sol.items()}))
            rows = {}
            for name, src in (("old", old), ("new", NEW_SRC)):
                if name == "old" and c > old_up_to:
                    rows[name] = None
                    continue
                wall, proc = run(src, [__file__, "--worker-fit", str(fp), str(sp)], timeout)
                if proc is None or proc.returncode != 0:
                    rows[name] = {"timeout": proc is None, "wall": wall,
                                  "error": None if proc is None else proc.stderr[-300:]}
                else:
                    rows[name] = json.loads(proc.stdout.strip().splitlines()[-1])
            n, o = rows["new"], rows["old"]
            size = f"{n.get('hidden', '?')} x {n.get('points', '?')}" if n else "?"

            def cells(r):
                if r is None:
                    return "not run", "not run"
                if r.get("timeout"):
                    return "timeout", f"> {r['wall']:.0f}"
                if "error" in r:
                    return "error", "error"
                return fmt(r["forward"]), fmt(r["fit"]) + ("" if r["ok"] else " (FAILS)")

            speed = "-"
            if o and n and "fit" in o and "fit" in n:
                speed = f"{(o['forward'] + o['fit']) / (n['forward'] + n['fit']):.1f}x"
            elif o and o.get("timeout") and n and "fit" in n:
                speed = f"> {o['wall'] / (n['forward'] + n['fit']):.1f}x"
            cpu = " / ".join(fmt(r.get("cpu")) if r else "-" for r in (o, n))
            load = f"{os.getloadavg()[0]:.1f}"
            print(f"| {degree} | {len(f.constraints)} | {size} | {' | '.join(cells(o))} | "
                  f"{' | '.join(cells(n))} | {speed} | {cpu} | {load} |", flush=True)


def worker_breakdown(constraints: int, degree: int) -> None:
    """Child process: CPU seconds of each step of forward map + grouped exact check."""
    from nnsolve.fields import common_field
    from nnsolve.formula.generate import planted_irrational_formula
    from nnsolve.reduction import forward_map, reduce_formula
    from nnsolve.training import sweep

    f, sol = planted_irrational_formula(constraints, degree, 1)
    steps = {}

    def timed(name, fn):
        t = time.process_time()
        out = fn()
        steps[name] = time.process_time() - t
        return out

    red = timed("reduce_formula", lambda: reduce_formula(f))
    net = timed("forward_map", lambda: forward_map(red, sol))
    xs, ys = [p.x for p in red.instance.points], [p.y for p in red.instance.points]
    field = timed("common_field", lambda: common_field(sweep._weights(net)))
    _, _, groups = timed("decompose_field", lambda: sweep.decompose_field(net, field))
    _, rows = timed("decompose + grouped rows", lambda: sweep._field_rows(net, xs, sweep.DENSE_LINE, field))
    bad = timed("mismatches (all of exact_fit's check)", lambda: sweep.mismatches(net, xs, ys))
    print(json.dumps({"steps": steps, "groups": len(groups), "rows": len(rows), "bad": len(bad),
                      "neurons": red.instance.hidden, "points": len(xs)}))


def section_breakdown(constraints: int, degree: int, timeout: float) -> None:
    print(f"\n### where the time goes: forward map + grouped exact check, {constraints} constraints, "
          f"degree {degree} (CPU s, new code)\n")
    wall, proc = run(NEW_SRC, [__file__, "--worker-breakdown", str(constraints), str(degree)], timeout)
    if proc is None or proc.returncode != 0:
        print(f"failed after {wall:.0f} s: {'timeout' if proc is None else proc.stderr[-300:]}")
        return
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"{r['neurons']} neurons, {r['points']} points, {r['groups']} direction groups, {r['rows']} points "
          f"reached by a group, {r['bad']} misfits; load average {os.getloadavg()[0]:.1f}\n")
    print("| step | CPU s |")
    print("|---|---|")
    for name, secs in r["steps"].items():
        print(f"| {name} | {secs:.2f} |")


def section_train(old: Path, timeout: float, tmp: Path) -> None:
    print("\n### training sides decided from the instance alone (structured: residual models decoded, "
          "then exact_fit)\n")
    print("| instance | old s | new s | old status | new status | same network JSON |")
    print("|---|---|---|---|---|---|")
    for path in ("tier2/cubic.smt2", "tier2/two_components_irrational.smt2"):
        inst = tmp / (Path(path).stem + ".json")
        _, proc = run(NEW_SRC, ["-m", "nnsolve", "reduce", f"instances/{path}", "-o", str(inst)], timeout)
        res = {}
        for name, src in (("old", old), ("new", NEW_SRC)):
            net = tmp / f"{Path(path).stem}_{name}_net.json"
            wall, proc = run(src, ["-m", "nnsolve", "train", str(inst), "--json", "-o", str(net),
                                    "--timeout", str(int(timeout))], timeout)
            status = "timeout" if proc is None else json.loads(proc.stdout).get("status", "?")
            res[name] = (wall, status, net.read_text() if net.exists() else None)
        same = res["old"][2] is not None and res["old"][2] == res["new"][2]
        print(f"| {path} | {res['old'][0]:.2f} | {res['new'][0]:.2f} | {res['old'][1]} | {res['new'][1]} | "
              f"{same} |", flush=True)


def section_corpus(old: Path, timeout: float) -> None:
    print("\n### the corpus' irrational instances: `nnsolve check --json`, old and new\n")
    print("| instance | old training s | new training s | old wall s | new wall s | verdict old / new | "
          "identical JSON (no timings) |")
    print("|---|---|---|---|---|---|---|")
    for path in IRRATIONAL:
        if path == "tier3/degree6.smt2":
            continue  # the check section
        o, n = check(old, path, timeout), check(NEW_SRC, path, timeout)
        if o.get("timeout"):
            print(f"| {path} | timeout | {fmt(n.get('training'))} | > {o['wall']:.0f} | {fmt(n.get('wall'))} | "
                  f"- / {n.get('verdict')} | - |", flush=True)
            continue
        print(f"| {path} | {o['training']:.2f} | {n['training']:.2f} | {o['wall']:.2f} | {n['wall']:.2f} | "
              f"{o['verdict']} / {n['verdict']} | {o['json'] == n['json']} |", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="5873184")
    ap.add_argument("--sections", default="check,fit,train,corpus")
    ap.add_argument("--old-timeout", type=float, default=900)
    ap.add_argument("--fit-sizes", default="10,100,1000")
    ap.add_argument("--old-fit-up-to", type=int, default=10)
    ap.add_argument("--fit-degrees", default="2,3,6")
    ap.add_argument("--repo", default=str(ROOT), help="git repository holding --base (default: this checkout)")
    ap.add_argument("--worker-fit", nargs=2, metavar=("FORMULA", "SOLUTION"), help=argparse.SUPPRESS)
    ap.add_argument("--worker-breakdown", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker_fit:
        worker_fit(*args.worker_fit)
        return 0
    if args.worker_breakdown:
        worker_breakdown(*args.worker_breakdown)
        return 0
    sections = args.sections.split(",")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        old = old_src(args.base, tmp / "base", Path(args.repo))
        print(f"old: {args.base} (git archive), new: working tree; python {sys.version.split()[0]}, "
              f"{os.cpu_count()} cpus; {time.strftime('%Y-%m-%d %H:%M')}")
        if "check" in sections:
            section_check(old, args.old_timeout)
        if "fit" in sections:
            section_fit(old, [int(s) for s in args.fit_sizes.split(",")], args.old_fit_up_to, args.old_timeout,
                        tmp, tuple(int(d) for d in args.fit_degrees.split(",")))
        if "breakdown" in sections:
            section_breakdown(max(int(c) for c in args.fit_sizes.split(",")), int(args.fit_degrees.split(",")[0]),
                              args.old_timeout)
        if "train" in sections:
            section_train(old, args.old_timeout, tmp)
        if "corpus" in sections:
            section_corpus(old, args.old_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

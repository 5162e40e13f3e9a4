"""The structured training decider against the baseline encodings.

Part "planted": planted random instances (sat by construction, the grid of
training_baseline.py), the structured method with z3 on several seeds; the
baselines (every encoding x z3, cvc5, yices) are read from
benchmarks/results/training_baseline.json (seed 1, same timeout) or rerun with
--rerun-baselines.

Part "corpus": the training instance the reduction makes of each corpus
formula (tiers given by --tier), decided WITHOUT the forward certificate:
the structured method and each baseline encoding x solver, same timeout;
plus the ETR side's time (z3) and the ratio training / ETR.

    python benchmarks/training_methods.py planted --timeout 20 --seeds 1,2,3
    python benchmarks/training_methods.py corpus --tier 1 --tier 2 --timeout 60 \\
        --baselines symmetry:z3,symmetry:cvc5,symmetry:yices

Prints Markdown tables (docs/performance.md keeps them) and writes JSON with --json.
Any unsat on a sat instance is flagged "UNSAT!" (a soundness bug).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from nnsolve.decision.corpus import corpus_files, tier_of
from nnsolve.decision.etr import decide_etr
from nnsolve.decider.structured import decide_with
from nnsolve.encodings import ENCODINGS
from nnsolve.files import write_atomic
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import Limits, get_solver
from nnsolve.training.generate import planted_instance

ROOT = Path(__file__).resolve().parent.parent
GRID = "1x5,1x20,2x8,2x20,3x8,4x8,6x40"
ALL_BASELINES = ",".join(f"{e}:{s}" for e in ENCODINGS for s in ("z3", "cvc5", "yices"))


def cell(status: str, seconds: float, expected: str | None = None) -> str:
    if status in ("sat", "unsat"):
        flag = "!" if expected in ("sat", "unsat") and status != expected else ""
        return f"{status.upper() if flag else status}{flag} {seconds:.1f} s"
    return "unknown"


def _planted(task):
    m, n, seed, method, solver, timeout = task
    inst, _ = planted_instance(m, n, seed)
    r = decide_with(method, inst, get_solver(solver), Limits(timeout))
    return {"hidden": m, "points": n, "seed": seed, "method": r.method, "requested": method, "solver": solver,
            "status": r.status, "seconds": round(r.seconds, 2), "reason": r.reason}


def _corpus(task):
    path, method, solver, timeout = task
    formula = read_smtlib(path)
    red = reduce_formula(formula)
    r = decide_with(method, red.instance, get_solver(solver), Limits(timeout))
    return {"instance": str(Path(path).relative_to(ROOT)) if Path(path).is_absolute() else str(path),
            "requested": method, "method": r.method, "solver": solver, "status": r.status,
            "seconds": round(r.seconds, 2), "reason": r.reason, "hidden": red.instance.hidden,
            "points": len(red.instance.points)}


def _etr(task):
    path, timeout = task
    r = decide_etr(read_smtlib(path), get_solver("z3"), Limits(timeout))
    return {"instance": str(path), "etr_status": r.status, "etr_seconds": round(r.seconds, 2)}


def planted(args) -> dict:
    grid = [tuple(int(v) for v in g.split("x")) for g in args.grid.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = [(m, n, s, "structured", "z3", args.timeout) for m, n in grid for s in seeds]
    if args.rerun_baselines:
        for spec in args.baselines.split(","):
            e, s = spec.split(":")
            tasks += [(m, n, 1, e, s, args.timeout) for m, n in grid]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(_progress(pool.map(_planted, tasks), len(tasks)))
    base = [r for r in rows if r["requested"] != "structured"]
    if not base:
        stored = json.loads((ROOT / "benchmarks/results/training_baseline.json").read_text())
        base = [dict(r, requested=r["encoding"]) for r in stored["results"]]
    print(f"\nplanted instances, timeout {args.timeout:g} s, structured with z3 (seeds {args.seeds}); "
          "baselines: every encoding x solver, seed 1\n")
    print("| hidden x points | structured, seed 1 | structured, all seeds | best baseline (seed 1) | baselines solving |")
    print("|---|---|---|---|---|")
    for m, n in grid:
        ours = [r for r in rows if r["requested"] == "structured" and (r["hidden"], r["points"]) == (m, n)]
        first = next(r for r in ours if r["seed"] == seeds[0])
        solved = [r for r in ours if r["status"] == "sat"]
        theirs = [r for r in base if (r["hidden"], r["points"]) == (m, n)]
        good = sorted((r for r in theirs if r["status"] == "sat"), key=lambda r: r["seconds"])
        best = f"{good[0]['requested']}/{good[0]['solver']} {good[0]['seconds']:.1f} s" if good else "none"
        med = f", median {statistics.median(r['seconds'] for r in solved):.1f} s" if solved else ""
        print(f"| {m} x {n} | {cell(first['status'], first['seconds'], 'sat')} | {len(solved)}/{len(ours)}{med} | "
              f"{best} | {len(good)}/{len(theirs)} |")
        for r in ours + theirs:
            if r["status"] == "unsat":
                print(f"UNSAT! on a planted instance: {r}", file=sys.stderr)
    return {"part": "planted", "rows": rows, "baselines": base}


def corpus(args) -> dict:
    files = [f for f in corpus_files(ROOT / "instances") if tier_of(f) in args.tier]
    specs = ["structured:z3"] + [b for b in args.baselines.split(",") if b]
    tasks = [(str(f), spec.split(":")[0], spec.split(":")[1], args.timeout) for f in files for spec in specs]
    with ProcessPoolExecutor(args.jobs) as pool:
        etr = {r["instance"]: r for r in pool.map(_etr, [(str(f), args.timeout) for f in files])}
        rows = list(_progress(pool.map(_corpus, tasks), len(tasks)))
    print(f"\ncorpus training sides (no forward certificate), timeout {args.timeout:g} s, ETR side by z3\n")
    print("| instance | status | neurons x points | ETR z3 | " + " | ".join(specs) + " | ratio |")
    print("|---|---|---|---|" + "---|" * len(specs) + "---|")
    ratios = []
    for f in files:
        mine = [r for r in rows if r["instance"].endswith(str(f.relative_to(ROOT)))]
        e = etr[str(f)]
        status = read_smtlib(f).status
        cells = []
        for spec in specs:
            r = next(r for r in mine if f"{r['requested']}:{r['solver']}" == spec)
            expected = "sat" if status == "sat" else ("unsat" if status in ("unsat", "promise-violated") else None)
            cells.append(cell(r["status"], r["seconds"], expected) + (f" ({r['method'].split(':')[-1]})"
                                                                       if r["requested"] == "structured"
                                                                       and r["status"] != "unknown" else ""))
        ours = next(r for r in mine if r["requested"] == "structured")
        ratio = ""
        if ours["status"] != "unknown":
            value = ours["seconds"] / max(e["etr_seconds"], 0.01)
            ratios.append(value)
            ratio = f"{value:.1f}"
        print(f"| {f.relative_to(ROOT / 'instances')} | {status} | {ours['hidden']} x {ours['points']} | "
              f"{e['etr_status']} {e['etr_seconds']:.1f} s | " + " | ".join(cells) + f" | {ratio} |")
    decided = sum(1 for r in rows if r["requested"] == "structured" and r["status"] != "unknown")
    print(f"\nstructured decided {decided}/{len(files)}; median ratio training/ETR over decided: "
          f"{statistics.median(ratios):.1f}" if ratios else f"\nstructured decided {decided}/{len(files)}")
    return {"part": "corpus", "rows": rows, "etr": list(etr.values())}


def _progress(results, total):
    for k, r in enumerate(results, start=1):
        print(f"\r{k}/{total} runs", end="", file=sys.stderr, flush=True)
        yield r
    print(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=("planted", "corpus"))
    ap.add_argument("--grid", default=GRID, help="planted: HIDDENxPOINTS list (default: %(default)s)")
    ap.add_argument("--seeds", default="1,2,3", help="planted: seeds for the structured method")
    ap.add_argument("--tier", type=int, action="append", help="corpus: tiers (default: 1 and 2)")
    ap.add_argument("--baselines", default=ALL_BASELINES, help="ENCODING:SOLVER list (default: all)")
    ap.add_argument("--rerun-baselines", action="store_true", help="planted: rerun instead of reading the stored JSON")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args(argv)
    args.tier = args.tier or [1, 2]
    start = time.monotonic()
    data = planted(args) if args.part == "planted" else corpus(args)
    data.update({"timeout": args.timeout, "machine": platform.platform(), "wall_seconds": round(time.monotonic() - start)})
    if args.json:
        write_atomic(args.json, json.dumps(data, indent=1) + "\n")
    print(f"\nwall time {time.monotonic() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

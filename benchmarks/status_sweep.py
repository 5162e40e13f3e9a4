"""Formulas and training instances of known status, through the command line: does every
answer match the status known by construction?

Three sweeps, each a table of (family, size, seed) rows and a count of mismatches:

* ``etr``: ``nnsolve gen`` formulas of every family (sat, unsat, unsat-unique,
  unsat-random, promise-violated) and ``--irrational`` degrees, decided by
  ``nnsolve solve --json``; the answer must be the generator's status.
* ``check``: the same families at small sizes through ``nnsolve check --blind --json``;
  the verdict must be agree (promise-violated for that family), with both sides
  equal to the known status.
* ``affine``: reduction outputs of formulas of known status moved by invertible rational
  affine maps of the input plane and of the labels, points shuffled, decided by
  ``nnsolve train --json`` (the status does not change under such maps:
  tests/test_affine_invariance.py has the argument).
* ``variants``: reduction outputs of the same formulas changed in ways whose effect on the
  status is known: ``dup`` repeats a fifth of the points (status kept), ``wider`` adds a
  neuron to a sat instance (a zero neuron: sat kept), ``drop-k`` removes k random points
  from a sat instance (the forward witness still fits: sat kept), ``conflict`` adds a
  point at an existing input with another label (unsat for every network), ``narrow``
  removes a neuron (unsat: a data line of the layout needs m kinks), ``witness-mid-k`` and
  ``witness-off-k`` add k points that the forward witness labels (sat kept).

In the table, "sizes" are constraints (etr, check) or hidden neurons (affine).
Every command runs as a user would run it (a child process, its exit code and JSON
read back); a mismatch, an internal error or a non-JSON answer is printed and counted.
Timings are wall-clock seconds of each command on whatever the machine is doing.

    PYTHONPATH=src python -P benchmarks/status_sweep.py [--sweeps etr,check,affine]
        [--sizes 3,7,15,40,120,400] [--check-sizes 8,20] [--seeds 21-26] [--drops 1,3,10] [--timeout 300]
    PYTHONPATH=src python -P benchmarks/status_sweep.py --sweeps variants --variants drop \
        --drops 20,30 --drop-seeds 1-8 --timeout 120      # reduction outputs with points dropped
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction as F
from pathlib import Path

FAMILIES = ("sat", "unsat", "unsat-unique", "unsat-random", "promise-violated")
DEGREES = (2, 3)


def _status(family: str) -> str:
    """The status the generator's argument gives the family (irrational: a planted solution)."""
    if family.startswith("irrational"):
        return "sat"
    return {"sat": "sat", "promise-violated": "promise-violated"}.get(family, "unsat")


def _cli(*args: str, timeout: float) -> tuple[int, dict | None, str]:
    r = subprocess.run([sys.executable, "-m", "nnsolve", *args], capture_output=True, text=True,
                       timeout=4 * timeout + 120)
    try:
        return r.returncode, json.loads(r.stdout), r.stderr.strip()
    except ValueError:
        return r.returncode, None, r.stderr.strip()[-300:]


def _generate(folder: Path, family: str, size: int, seed: int) -> Path | None:
    """The formula's file, or None when the generator declines (an irrational core of
    that degree is not found for every seed: ``nnsolve gen`` says so, exit 2)."""
    path = folder / f"{family}_{size}_s{seed}.smt2"
    how = ["--irrational", family[len("irrational-d"):]] if family.startswith("irrational") else ["--family", family]
    r = subprocess.run([sys.executable, "-m", "nnsolve", "gen", "--constraints", str(size), "--seed", str(seed),
                        *how, "-o", str(path)], capture_output=True, text=True)
    if r.returncode == 2 and family.startswith("irrational"):
        print(f"gen    {family} {size} s{seed}: {r.stderr.strip()}", file=sys.stderr)
        return None
    r.check_returncode()
    return path


def sweep_etr(folder: Path, sizes, seeds, timeout) -> list[dict]:
    families = list(FAMILIES) + [f"irrational-d{d}" for d in DEGREES]
    rows = []
    for size in sizes:
        for family in families:
            for seed in seeds:
                path = _generate(folder, family, size, seed)
                if path is None:
                    continue
                start = time.monotonic()
                code, out, err = _cli("solve", str(path), "--json", "--timeout", str(timeout), timeout=timeout)
                got = out["status"] if out else f"error (exit {code}): {err}"
                rows.append({"sweep": "etr", "family": family, "size": size, "seed": seed,
                             "expected": _status(family), "got": got, "s": time.monotonic() - start})
                _show(rows[-1])
    return rows


def sweep_check(folder: Path, sizes, seeds, timeout) -> list[dict]:
    rows = []
    for size in sizes:
        for family in list(FAMILIES) + [f"irrational-d{d}" for d in DEGREES]:
            for seed in seeds:
                path = _generate(folder, family, size, seed)
                if path is None:
                    continue
                start = time.monotonic()
                code, out, err = _cli("check", str(path), "--blind", "--json", "--timeout", str(timeout),
                                      timeout=timeout)
                expected = _status(family)
                if out is None:
                    got = f"error (exit {code}): {err}"
                elif out["verdict"] == "promise-violated":
                    got = "promise-violated"
                else:
                    sides = {out["etr"]["status"], (out.get("training") or {}).get("status")}
                    got = out["etr"]["status"] if out["verdict"] == "agree" and len(sides) == 1 else \
                        f"{out['verdict']} (etr {out['etr']['status']}, training {sorted(sides)})"
                rows.append({"sweep": "check", "family": family, "size": size, "seed": seed,
                             "expected": expected, "got": got, "s": time.monotonic() - start})
                _show(rows[-1])
    return rows


AFFINE_FORMULAS = {"instances/tier1/golden_ratio.smt2": "sat", "instances/tier1/half.smt2": "sat",
                   "instances/tier2/planted_4_s1.smt2": "sat", "instances/tier1/contradiction.smt2": "unsat",
                   "instances/tier2/golden_unsat.smt2": "unsat", "instances/tier2/doubling_chain_unsat.smt2": "unsat"}


def _invertible(rnd: random.Random):
    while True:
        a, b, c, d = (F(rnd.randint(-9, 9), rnd.randint(1, 7)) for _ in range(4))
        if a * d != b * c:
            return ((a, b), (c, d)), (F(rnd.randint(-9, 9), rnd.randint(1, 5)), F(rnd.randint(-9, 9), rnd.randint(1, 5)))


def _train_row(instance, path: Path, timeout: float, **row) -> dict:
    """Write ``instance`` to ``path``, decide it with ``nnsolve train --json``, and return
    ``row`` with what came back and how long it took (shown as it comes)."""
    from nnsolve.shortcuts import write_training

    write_training(instance, path)
    start = time.monotonic()
    code, out, err = _cli("train", str(path), "--json", "--timeout", str(timeout), timeout=timeout)
    row.update(got=out["status"] if out else f"error (exit {code}): {err}", s=time.monotonic() - start)
    _show(row)
    return row


def sweep_affine(folder: Path, seeds, timeout) -> list[dict]:
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.reduction import reduce_formula
    from nnsolve.training.instance import DataPoint, TrainingInstance

    def apply(m, v):
        (M, t) = m
        return (M[0][0] * v[0] + M[0][1] * v[1] + t[0], M[1][0] * v[0] + M[1][1] * v[1] + t[1])

    rows = []
    for path, status in AFFINE_FORMULAS.items():
        instance = reduce_formula(read_smtlib(path)).instance
        for seed in seeds:
            rnd = random.Random(seed)
            inputs, outputs = _invertible(rnd), _invertible(rnd)
            points = [DataPoint(apply(inputs, p.x), apply(outputs, p.y)) for p in instance.points]
            rnd.shuffle(points)
            rows.append(_train_row(TrainingInstance(tuple(points), instance.hidden),
                                   folder / f"{Path(path).stem}_affine_s{seed}.json", timeout, sweep="affine",
                                   family=Path(path).stem, size=instance.hidden, seed=seed, expected=status))
    return rows


def sweep_variants(folder: Path, drops, timeout, drop_seeds=(0,), only=()) -> list[dict]:
    """The variants of each formula's reduction output; ``drop_seeds``: the random draws
    of each drop size (0: the points ``random.Random(k)`` keeps, as before; s > 0:
    ``random.Random(s * 7919 + k)``, named drop-k-sS); ``only``: the variants whose names
    start with one of these (all when empty)."""
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.reduction import reduce_formula
    from nnsolve.training.instance import DataPoint, TrainingInstance

    rows = []
    for path, status in {**AFFINE_FORMULAS, "instances/tier1/self_inverse.smt2": "sat"}.items():
        formula = read_smtlib(path)
        reduction = reduce_formula(formula)
        points, m = list(reduction.instance.points), reduction.instance.hidden
        rnd = random.Random(7)
        p = rnd.choice(points)
        variants = [("dup", points + rnd.sample(points, len(points) // 5), m, status),
                    ("conflict", points + [DataPoint(p.x, (p.y[0] + 1, p.y[1]))], m, "unsat")]
        # every data line of the layout holds m kinks (one per neuron), so m - 1 neurons fit
        # no reduction output: the line count says so, whatever the formula
        variants.append(("narrow", points, m - 1, "unsat"))
        if status == "sat":
            variants.append(("wider", points, m + 1, "sat"))
            variants += [(f"drop-{k}" + (f"-s{s}" if s else ""),
                          random.Random(s * 7919 + k if s else k).sample(points, len(points) - k), m, "sat")
                         for k in drops if k < len(points) for s in drop_seeds]
            if not only or any("witness".startswith(o) or o.startswith("witness") for o in only):
                variants += _witness_variants(formula, reduction, points)
        for name, pts, width, expected in variants:
            if only and not any(name.startswith(o) for o in only):
                continue
            rows.append(_train_row(TrainingInstance(tuple(pts), width), folder / f"{Path(path).stem}_{name}.json",
                                   timeout, sweep="variants", family=f"{Path(path).stem} {name}", size=width,
                                   seed=7, expected=expected))
    return rows


def _witness_variants(formula, red, points: list, extra=(3, 10, 30)) -> list:
    """Sat by construction: the points of the reduction output plus k points labelled by
    the forward witness (the reduction's network for the ETR side's model), which fits
    them all: ``witness-mid-k`` adds midpoints of a point and its nearest neighbour (most
    on a data line, inside a gadget), ``witness-off-k`` points anywhere in the bounding
    box.  None where the witness's labels there are not rational (an irrational model)."""
    from nnsolve.decision.etr import decide_etr
    from nnsolve.reduction.witness import forward_map
    from nnsolve.solvers import Limits, get_solver
    from nnsolve.training.instance import DataPoint
    from nnsolve.training.network import evaluate

    etr = decide_etr(formula, get_solver("z3"), Limits(60))
    if etr.status != "sat":
        return []
    net = forward_map(red, etr.model)
    xs = [p.x for p in points]
    box = [(min(x[i] for x in xs), max(x[i] for x in xs)) for i in (0, 1)]
    out = []
    for k in extra:
        rnd = random.Random(100 + k)
        mid, off = [], []
        for _ in range(k):
            a = rnd.choice(points)
            b = min((q for q in points if q is not a), key=lambda q: (q.x[0] - a.x[0]) ** 2 + (q.x[1] - a.x[1]) ** 2)
            mid.append(((a.x[0] + b.x[0]) / 2, (a.x[1] + b.x[1]) / 2))
            off.append(tuple(lo + (hi - lo) * F(rnd.randrange(1000), 1000) for lo, hi in box))
        for name, where in (("mid", mid), ("off", off)):
            labels = [tuple(evaluate(net, x)) for x in where]
            if all(isinstance(v, (int, F)) for y in labels for v in y):
                out.append((f"witness-{name}-{k}", points + [DataPoint(x, tuple(map(F, y))) for x, y in zip(where, labels)],
                            red.instance.hidden, "sat"))
    return out


def _show(row: dict) -> None:
    mark = "" if row["got"] == row["expected"] else "  <<< MISMATCH"
    print(f"{row['sweep']:6s} {row['family']:28s} {row['size']:5d} s{row['seed']:<3d} expected {row['expected']:16s} "
          f"got {row['got']:16s} {row['s']:7.1f} s{mark}", file=sys.stderr, flush=True)


def table(rows: list[dict]) -> str:
    """Markdown: one line per (sweep, family): runs, matches, mismatches, seconds."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["sweep"], r["family"]), []).append(r)
    lines = ["| sweep | family | sizes | runs | as known | other answers | median s | max s |",
             "|---|---|---|---:|---:|---|---:|---:|"]
    for (sweep, family), rs in groups.items():
        times = sorted(r["s"] for r in rs)
        other = [f"{r['size']}/s{r['seed']}: {r['got']}" for r in rs if r["got"] != r["expected"]]
        sizes = sorted({r["size"] for r in rs})
        lines.append(f"| {sweep} | {family} | {sizes[0]}-{sizes[-1]} | {len(rs)} | "
                     f"{len(rs) - len(other)} | {'; '.join(other) or '-'} | {times[len(times) // 2]:.1f} | {times[-1]:.1f} |")
    return "\n".join(lines)


def _ints(text: str) -> list[int]:
    try:
        if "-" in text:
            lo, hi = map(int, text.split("-"))
            return list(range(lo, hi + 1))
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected lo-hi or a comma list") from None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sweeps", default="etr,check,affine,variants")
    p.add_argument("--sizes", type=_ints, default=[3, 7, 15, 40, 120, 400], help="etr sweep sizes")
    p.add_argument("--check-sizes", type=_ints, default=[8, 20], help="check sweep sizes")
    p.add_argument("--seeds", type=_ints, default=list(range(21, 27)))
    p.add_argument("--check-seeds", type=_ints, default=[31, 32])
    p.add_argument("--affine-seeds", type=_ints, default=[1, 2, 3])
    p.add_argument("--drops", type=_ints, default=[1, 3, 10], help="points removed in the drop variants")
    p.add_argument("--drop-seeds", type=_ints, default=[0],
                   help="draws per drop size (0: the one draw of earlier runs)")
    p.add_argument("--variants", default="", help="only the variants whose names start with one of these "
                                                   "(comma list: dup, conflict, narrow, wider, drop, witness)")
    p.add_argument("--timeout", type=float, default=300.0)
    p.add_argument("--json", metavar="FILE", help="also write the rows as JSON lines")
    args = p.parse_args(argv)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="nnsolve-sweep-") as tmp:
        folder = Path(tmp)
        sweeps = args.sweeps.split(",")
        if "etr" in sweeps:
            rows += sweep_etr(folder, args.sizes, args.seeds, args.timeout)
        if "check" in sweeps:
            rows += sweep_check(folder, args.check_sizes, args.check_seeds, args.timeout)
        if "affine" in sweeps:
            rows += sweep_affine(folder, args.affine_seeds, args.timeout)
        if "variants" in sweeps:
            rows += sweep_variants(folder, args.drops, args.timeout, args.drop_seeds,
                                   tuple(v for v in args.variants.split(",") if v))
    print(table(rows))
    bad = sum(r["got"] != r["expected"] for r in rows)
    print(f"\n{len(rows)} runs, {bad} not as known by construction")
    if args.json:
        Path(args.json).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

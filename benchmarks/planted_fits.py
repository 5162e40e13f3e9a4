"""Sat with slack: reduction outputs relabelled by networks that are not forward witnesses.

For each formula (sat, rational solution) the forward witness is built and perturbed:
neurons left unused (output weights 0), flipped (relu(-z): same breakline, a different
affine part), breaklines moved (bias shifted) and output weights scaled.  The points are
relabelled by the perturbed network, so every instance has a fit by construction; the
structured decider runs blind on it.  Any unsat is flagged "UNSAT!" (a soundness bug).

    python benchmarks/planted_fits.py --timeout 120
    python benchmarks/planted_fits.py --formulas instances/tier1/half.smt2 --json out.json

Prints a Markdown table (docs/performance.md keeps it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from fractions import Fraction as F
from pathlib import Path

from nnsolve.decider.structured import decide_structured
from nnsolve.decision.etr import decide_etr
from nnsolve.files import write_atomic
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.reduction.witness import forward_map
from nnsolve.solvers import Limits, get_solver
from nnsolve.training.instance import DataPoint
from nnsolve.training.network import Network, Neuron, evaluate, exact_fit

ROOT = Path(__file__).resolve().parent.parent
FORMULAS = ["instances/tier1/self_inverse.smt2", "instances/tier1/half.smt2",
            "instances/tier1/golden_ratio.smt2", "instances/tier2/planted_4_s1.smt2"]
# (name, unused, flipped, moved (neuron, shift), scaled (neuron, factor)); neuron indices
# are taken modulo the width
CASES = [
    ("witness", (), (), (), ()),
    ("1 unused", (3,), (), (), ()),
    ("2 unused, one gadget", (4, 5), (), (), ()),
    ("2 flipped", (), (0, 5), (), ()),
    ("1/3 flipped", (), "third", (), ()),
    ("1 unused + 1 flipped", (2,), (7,), (), ()),
    ("1 moved", (), (), ((6, F(1, 2)),), ()),
    ("1 scaled", (), (), (), ((6, F(3)),)),
]


def perturbed(network: Network, zero, flip, move, scale) -> Network:
    neurons = list(network.neurons)
    m = len(neurons)
    if flip == "third":
        flip = tuple(range(0, m, 3))
    for j, delta in move:
        n = neurons[j % m]
        neurons[j % m] = Neuron(n.w, n.b + delta * (abs(n.w[0]) + abs(n.w[1])), n.a)
    for j, factor in scale:
        n = neurons[j % m]
        neurons[j % m] = Neuron(n.w, n.b, tuple(factor * a for a in n.a))
    for j in flip:
        n = neurons[j % m]
        neurons[j % m] = Neuron(tuple(-w for w in n.w), -n.b, n.a)
    for j in zero:
        n = neurons[j % m]
        neurons[j % m] = Neuron(n.w, n.b, tuple(F(0) for _ in n.a))
    return Network(tuple(neurons), network.bias)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--formulas", default=",".join(FORMULAS))
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--json", help="write the rows as JSON here")
    args = ap.parse_args(argv)
    z3 = get_solver("z3")
    rows = []
    print(f"load average {os.getloadavg()[0]:.1f}; timeout {args.timeout:g} s\n", file=sys.stderr)
    print("| formula | neurons | perturbation | status | method | s | stages |")
    print("|---|---:|---|---|---|---:|---|")
    for path in args.formulas.split(","):
        formula = read_smtlib(ROOT / path)
        red = reduce_formula(formula)
        etr = decide_etr(formula, z3, Limits(60))
        witness = forward_map(red, etr.model)
        for name, zero, flip, move, scale in CASES:
            network = perturbed(witness, zero, flip, move, scale)
            points = tuple(DataPoint(p.x, tuple(evaluate(network, p.x))) for p in red.instance.points)
            instance = replace(red.instance, points=points)
            assert exact_fit(instance, network).ok
            start = time.monotonic()
            r = decide_structured(instance, z3, Limits(args.timeout))
            seconds = time.monotonic() - start
            if r.status == "sat":
                assert exact_fit(instance, r.network).ok
            status = "UNSAT!" if r.status == "unsat" else r.status
            stages = ", ".join(f"{n} {t:.1f}" for n, t in r.stages)
            row = {"formula": Path(path).stem, "neurons": red.instance.hidden, "case": name, "status": r.status,
                   "method": r.method, "seconds": round(seconds, 1), "stages": dict(r.stages), "reason": r.reason}
            rows.append(row)
            print(f"| {row['formula']} | {row['neurons']} | {name} | {status} | {r.method} | {seconds:.1f} | {stages} |",
                  flush=True)
    if args.json:
        write_atomic(args.json, json.dumps(rows, indent=1) + "\n")
    return 1 if any(r["status"] == "unsat" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

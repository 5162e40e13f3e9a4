"""Search small random ETR-INV formulas for box solutions of high algebraic degree.

    python benchmarks/degree_search.py --tries 300 --min-degree 3 --out /tmp/found

Every hit is a formula whose z3 model (checked exactly, in the box) has a value of
degree >= --min-degree; it is written as SMT-LIB with :status sat for the corpus.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from nnsolve.decision.etr import decide_etr
from nnsolve.files import write_atomic
from nnsolve.formula.model import Add, Formula, Inv
from nnsolve.formula.smtlib import to_smtlib
from nnsolve.numbers import AlgebraicNumber
from nnsolve.solvers import Limits, get_solver


def random_formula(rng: random.Random, n: int, m: int) -> Formula:
    vs = tuple(f"x{i}" for i in range(n))
    cons = [Inv("x0", "x0")]  # x0 = 1 in the box: a constant to build with
    while len(cons) < m:
        if rng.random() < 0.5:
            cons.append(Inv(rng.choice(vs), rng.choice(vs)))
        else:
            cons.append(Add(rng.choice(vs), rng.choice(vs), rng.choice(vs)))
    return Formula(vs, tuple(cons))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tries", type=int, default=200)
    ap.add_argument("--min-degree", type=int, default=3)
    ap.add_argument("--vars", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="found")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    z3 = get_solver("z3")
    hits = 0
    for k in range(args.tries):
        n = rng.randint(3, args.vars)
        f = random_formula(rng, n, rng.randint(n, n + 2))
        r = decide_etr(f, z3, Limits(timeout=20))
        if r.status != "sat":
            continue
        deg = max((len(v.poly) - 1 for v in r.model.values() if isinstance(v, AlgebraicNumber)), default=1)
        if deg >= args.min_degree:
            hits += 1
            name = Path(args.out) / f"degree{deg}_{k}.smt2"
            write_atomic(name, to_smtlib(Formula(f.variables, f.constraints, status="sat",
                                                 source=f"degree search seed {args.seed} try {k}: "
                                                        f"box solution of algebraic degree {deg}")))
            print(f"{name}: degree {deg}", flush=True)
    print(f"{hits} hits in {args.tries} tries", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

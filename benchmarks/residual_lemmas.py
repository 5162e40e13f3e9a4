"""The local-lemma stage on the chain residual of tier-4-sized formulas.

For each family and size: the reduction's instance, its structure stages as the
decider runs them (``residual_guides._structure``), the residual settled as branch
and eliminate settles it, then ``nnsolve.decider.local_lemmas.local_lemmas``.  Prints
one table row per run: pieces before and after, lemmas, queries, rounds, seconds and
what is left (unsat, no ite left and the leaf decided by the probe, or pieces left);
with ``--then``, what the decider's next step (``chains.after_lemmas``: a relaxed guide,
then branch and eliminate) makes of it, and its seconds.
With ``--check-witness`` (sat family) the forward witness, written in the residual's
variables, is checked against the stage's output exactly: a lemma that cut it off
would show here.

    PYTHONPATH=src python -P benchmarks/residual_lemmas.py --families sat,unsat-unique --sizes 100,300
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import importlib.util

from nnsolve.decider import chains
from nnsolve.decider.branching import Case, probe_model, root_case
from nnsolve.decider.local_lemmas import RADII, local_lemmas
from nnsolve.formula.generate import family_formula
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import Limits, get_solver

# the structure stages and the witness as residual_guides.py builds them (loaded by path:
# this directory's numbers.py would shadow the standard library's on sys.path)
_spec = importlib.util.spec_from_file_location("residual_guides", Path(__file__).resolve().parent / "residual_guides.py")
residual_guides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(residual_guides)
_structure, _witness_guide = residual_guides._structure, residual_guides._witness_guide


def settled_case(system, bounds, equations, keys):
    """The residual as branch_and_eliminate's root case."""
    return root_case(system, bounds, equations, list(keys.values()))


def witness_holds(case: Case, witness: dict) -> bool:
    """The witness satisfies the case's linear system and every assertion, exactly."""
    from nnsolve import numbers
    from nnsolve.decider.branching import satisfies

    for pivot, expr in case.system.pivots.items():
        if pivot not in witness:
            continue
        total = sum((numbers.mul(c, 1 if k is None else witness[k]) for k, c in expr.items()), 0)
        if numbers.sign(numbers.add(total, numbers.neg(witness[pivot]))) != 0:
            return False
    return satisfies(case, witness)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default="sat,unsat-unique")
    parser.add_argument("--sizes", default="100,300")
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--query-seconds", type=float, default=None, help="each neighbourhood query's limit")
    parser.add_argument("--passes", type=int, default=None, help="stop the lemmas after this many passes")
    parser.add_argument("--radii", default=",".join(map(str, RADII)))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check-witness", action="store_true")
    parser.add_argument("--then", nargs="?", const="guided", choices=("guided", "exact"), default=None,
                        help="decide what the lemmas leave: 'guided' as the decider does "
                             "(chains.after_lemmas), 'exact' by the solver on its components")
    parser.add_argument("--verbose", action="store_true", help="the stages' log on stderr")
    args = parser.parse_args(argv)
    if args.verbose:
        import logging
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
    solver = get_solver("z3")
    radii = tuple(int(r) for r in args.radii.split(","))
    print("| family | constraints | pieces | left | lemmas | queries | rounds | seconds | outcome | then | then s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for family in args.families.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            formula = family_formula(family, size, args.seed)
            reduction = reduce_formula(formula)
            analysis, (system, bounds, equations, keys) = _structure(reduction.instance, solver)
            witness = None
            if args.check_witness:
                witness = _witness_guide(formula, reduction, analysis, system.copy(), solver)
            case = settled_case(system, bounds, equations, keys)
            extra = {} if args.query_seconds is None else {"query_seconds": args.query_seconds}
            extra["passes"] = args.passes
            out = local_lemmas(case, solver, Limits(args.timeout), radii=radii, batch=args.batch,
                               workers=args.workers, **extra)
            if out.case is None:
                result = f"unsat ({out.reason})"
            elif not out.case.equations:
                probe = probe_model(out.case)
                result = "no ite left, " + ("probe sat" if probe is not None else "probe failed")
            else:
                result = "pieces left" + ("" if out.finished else " (stopped)")
            if witness is not None:
                result += "; witness " + ("kept" if out.case is not None and witness_holds(out.case, witness)
                                          else "CUT OFF")
            then, then_s = "-", 0.0
            if out.case is not None and args.then:
                if args.then == "exact":  # as after_lemmas asks it first
                    answer = chains._solve_case(out.case, list(keys.values()), solver, Limits(args.timeout))
                else:
                    answer = chains.after_lemmas(out.case, list(keys.values()), solver, Limits(args.timeout))
                then, then_s = answer.status, answer.seconds
            print(f"| {family} | {size:,} | {out.pieces_before:,} | {out.pieces_after:,} | {out.lemmas:,} "
                  f"| {out.queries:,} | {out.rounds} | {out.seconds:.0f} | {result} | {then} | {then_s:.0f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where the chain residual's time goes at scale: guided dives and their guides.

Usage:
  PYTHONPATH=src python -P benchmarks/residual_guides.py [--family sat] [--sizes 100,300,1000]
      [--guides witness,relaxed] [--timeout 600] [--seed 1]

For each size it builds the training instance of ``family_formula(family, size, seed)``,
runs the chain stage's structure steps (line counting, windows, ``_global_system``) and
then, per guide, branch and eliminate on the residual with that guide, printing one row:
the residual's free variables and ite pieces, how long the guide took, and the dive's
answer and time.

Guides:
  witness  the reduction's forward witness (from the ETR side's model) written in the
           residual's variables by the test helper ``tests/test_decompose._witness_values``:
           a *perfect* guide, not available to a blind decider; it measures what the dive
           costs once the ite sides are known (sat families only);
  relaxed  what the decider's guided route uses: a model of the relaxation
           |U - K k| <= SLACK from the solver (``Query.strategy = "orderings"``), within
           ``--timeout``.

A diagnostic, not the decider: the cross-check by size is ``benchmarks/scaling.py``.  Every
sat answer here is a model of the residual found by the exact search (floats only order
the cases); the table is kept in docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

from nnsolve import numbers
from nnsolve.decider import chains as chain_stage
from nnsolve.decider.branching import branch_and_eliminate
from nnsolve.decider.line_count import analyse_lines, chains
from nnsolve.decider.residual_query import residual_components
from nnsolve.decision.etr import decide_etr
from nnsolve.formula.generate import family_formula
from nnsolve.reduction import forward_map, reduce_formula
from nnsolve.solvers import Limits, get_solver


def _structure(instance, solver):
    analysis = analyse_lines(instance, solver, Limits(300))
    family, found = chains(analysis)
    cache, blocks = {}, {}
    for chain in found:
        for li, bi in chain.blocks:
            # with the solver: the windows refined as the decider refines them
            blocks[li, bi] = chain_stage._block_data(family[li], bi, instance, cache, solver)
    return analysis, chain_stage._global_system(instance, family, found, blocks)


def _witness_guide(formula, reduction, analysis, system, solver):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from test_decompose import _witness_values  # the forward witness, built apart from the stage
    etr = decide_etr(formula, solver, Limits(120))
    if etr.status != "sat":
        return None
    values = _witness_values(reduction.instance, analysis, forward_map(reduction, etr.model))
    for v, expr in list(system.pivots.items()):  # recentred positions: ("c", v) = v - offset
        if ("c", v) in expr:
            values[("c", v)] = numbers.add(values[v], Fraction(-expr[None]))
    return values


def _relaxed_guide(system, bounds, equations, keys, solver, timeout):
    relaxed = residual_components(system, bounds, equations, "relaxed residual", slack=chain_stage.SLACK)
    answer = chain_stage._solve_components(relaxed, solver, Limits(timeout))
    if answer.status != "sat":
        return None, answer.status
    return {keys[n]: v for n, v in (answer.model or {}).items() if n in keys}, "sat"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--family", default="sat")
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--guides", default="witness,relaxed")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    solver = get_solver("z3")
    print("| family | constraints | free variables | ite pieces | guide | guide s | guide found | dive | dive s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        formula = family_formula(args.family, size, args.seed)
        reduction = reduce_formula(formula)
        analysis, (system, bounds, equations, keys) = _structure(reduction.instance, solver)
        pieces = sum(len(eq.pieces) for eq in equations)
        free = {k for q in residual_components(system, bounds, equations) for k in chain_stage._free_variables(q)}
        for guide_name in args.guides.split(","):
            start = time.monotonic()
            if guide_name == "witness":
                guide = _witness_guide(formula, reduction, analysis, system, solver)
                status = "perfect" if guide is not None else "none (not sat)"
            else:
                guide, status = _relaxed_guide(system, bounds, equations, keys, solver, args.timeout)
            guide_s = time.monotonic() - start
            dive, dive_s = "-", 0.0
            if guide is not None:
                start = time.monotonic()

                def leaf(case):
                    return chain_stage._solve_components(
                        residual_components(case.system, case.bounds, list(case.equations), "leaf"), solver,
                        Limits(120))

                answer = branch_and_eliminate(system, bounds, equations, leaf, list(keys.values()),
                                              deadline=start + args.timeout, guide=guide)
                dive, dive_s = answer.status, time.monotonic() - start
            print(f"| {args.family} | {size:,} | {len(free):,} | {pieces:,} | {guide_name} | {guide_s:.1f} | {status} "
                  f"| {dive} | {dive_s:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

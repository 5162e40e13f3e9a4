"""Deciding training instances through the solver layer (baseline encodings).

A ``sat`` is reported only after the decoded network passes
:func:`nnsolve.training.exact_fit`; ``unsat`` comes only from a solver's unsat
on an encoding whose equisatisfiability argument is in docs/encodings.md.
"""

from __future__ import annotations

import time

from nnsolve.decider.result import TrainingResult
from nnsolve.encodings import decode_network, encoding_variables, to_smtlib
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits, Query, Solver
from nnsolve.training import TrainingInstance, exact_fit


def decide_training(instance: TrainingInstance, solver: Solver, encoding: str = "symmetry",
                    limits: Limits = Limits()) -> TrainingResult:
    """Does some network with ``instance.hidden`` neurons meet the target error?"""
    start = time.monotonic()
    method = f"smt:{encoding}"
    query = Query(to_smtlib(instance, encoding), encoding_variables(instance))
    answer = solver.solve(query, limits)
    seconds = time.monotonic() - start
    if answer.status == UNSAT:
        return TrainingResult(UNSAT, method, solver.name, seconds)
    if answer.status != SAT:
        return TrainingResult(UNKNOWN, method, solver.name, seconds, reason=answer.reason)
    if answer.inexact:
        return TrainingResult(UNKNOWN, method, solver.name, seconds,
                              reason=f"{solver.name} said sat but {answer.reason}")
    network = decode_network(instance, answer.model or {})
    report = exact_fit(instance, network)
    seconds = time.monotonic() - start
    if not report.ok:
        where = report.misfits[0].index if report.misfits else "the loss bound"
        return TrainingResult(UNKNOWN, method, solver.name, seconds,
                              reason=f"{solver.name} said sat but the decoded network fails at point {where} "
                                     "(exact check)")
    return TrainingResult(SAT, method, solver.name, seconds, network=network)

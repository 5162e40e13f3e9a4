"""Deciding ETR-INV formulas under the promise semantics.

Statuses:

* ``sat``: a solution in [1/2, 2]^n exists (exact model, checked);
* ``unsat``: no real solution at all;
* ``promise-violated``: a real solution exists (exact model, checked) but none
  in the box, so the formula breaks the ETR-INV promise;
* ``unknown``: with the reason.

Two queries: the formula with the box bounds, then (unless the first is sat)
the formula alone.  "sat" and "promise-violated" are reported only after the
model satisfies the formula exactly (and, for sat, lies in the box).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from nnsolve.formula.model import BOX_HIGH, BOX_LOW, Formula, check_assignment, in_box
from nnsolve.formula.smtlib import quote_symbol, to_smtlib
from nnsolve.numbers import Number
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits, Query, Solver, SolverResult

PROMISE_VIOLATED = "promise-violated"


@dataclass(frozen=True)
class EtrResult:
    status: str
    solver: str
    seconds: float
    model: Mapping[str, Number] | None = None
    reason: str | None = None


def etr_query(formula: Formula, box: bool) -> Query:
    """The SMT-LIB query for ``formula``, with the [1/2, 2] bounds if ``box``."""
    text = to_smtlib(Formula(formula.variables, formula.constraints))
    lines = [ln for ln in text.splitlines() if ln not in ("(check-sat)", "(exit)")]
    if box:
        for v in formula.variables:
            lines.append(f"(assert (<= (/ {BOX_LOW.numerator} {BOX_LOW.denominator}) {quote_symbol(v)}))")
            lines.append(f"(assert (<= {quote_symbol(v)} {BOX_HIGH.numerator}))")
    lines.append("(check-sat)")
    return Query("\n".join(lines) + "\n", formula.variables)


def _complete(formula: Formula, model: Mapping[str, Number] | None) -> dict[str, Number]:
    # Solvers may omit variables the query leaves unconstrained; any value does,
    # and 1 lies in the box.  The exact check below covers this choice too.
    model = dict(model or {})
    for v in formula.variables:
        model.setdefault(v, Fraction(1))
    return model


def _verified(formula: Formula, result: SolverResult, need_box: bool) -> tuple[dict | None, str | None]:
    if result.inexact:
        return None, f"{result.solver} said sat but {result.reason}"
    model = _complete(formula, result.model)
    broken = check_assignment(formula, model)
    if broken:
        return None, f"{result.solver} said sat but its model violates {broken[0]} (exact check)"
    if need_box and not in_box(model):
        return None, f"{result.solver} said sat but its model leaves the box [1/2, 2] (exact check)"
    return model, None


def decide_etr(formula: Formula, solver: Solver, limits: Limits = Limits()) -> EtrResult:
    """Decide ``formula`` (see module docstring for the statuses)."""
    start = time.monotonic()

    def done(status, model=None, reason=None) -> EtrResult:
        return EtrResult(status, solver.name, time.monotonic() - start, model, reason)

    boxed = solver.solve(etr_query(formula, box=True), limits)
    if boxed.status == SAT:
        model, problem = _verified(formula, boxed, need_box=True)
        return done(SAT, model) if model is not None else done(UNKNOWN, reason=problem)
    free = solver.solve(etr_query(formula, box=False), limits)
    if free.status == UNSAT:
        return done(UNSAT)
    if free.status == SAT:
        model, problem = _verified(formula, free, need_box=False)
        if model is None:
            return done(UNKNOWN, reason=problem)
        if in_box(model):
            # The solver's own box answer was wrong: the exact model settles it.
            return done(SAT, model, reason=f"box query said {boxed.status}, exact model is in the box")
        if boxed.status == UNSAT:
            return done(PROMISE_VIOLATED, model)
        return done(UNKNOWN, reason=f"a real solution exists; box query: {boxed.reason}")
    reasons = "; ".join(r for r in (boxed.reason, free.reason) if r)
    return done(UNKNOWN, reason=reasons or "solver gave no answer")

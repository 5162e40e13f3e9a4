"""Deciding ETR-INV formulas under the promise semantics.

Statuses:

* ``sat``: a solution in [1/2, 2]^n exists (exact model, checked);
* ``unsat``: no real solution at all;
* ``promise-violated``: a real solution exists (exact model, checked) but none
  in the box, so the formula breaks the ETR-INV promise;
* ``unknown``: with the reason.

Two questions: the formula with the box bounds, then (unless the first is sat)
the formula alone.  "sat" and "promise-violated" are reported only after the
model satisfies the formula exactly (and, for sat, lies in the box).

By default each question is first simplified exactly
(:mod:`nnsolve.formula.simplify`: linear elimination of the additions,
propagation through the inversions, docs/etr-simplification.md).  In the box
question, small groups of products over at most :data:`SUPPORT_LIMIT` free
variables are then solved on their own and their values fixed when a second
query proves them unique in the box (a box fact: every solution in the box has
them).  What is left is split into variable-disjoint parts, one solver query
each; the values are assembled through the linear system and checked exactly on
the original formula.  ``simplify=False`` sends the plain formula (the
reference the property tests compare against).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Mapping

from nnsolve.formula.model import BOX_HIGH, BOX_LOW, Formula, check_assignment, in_box
from nnsolve.formula.simplify import Contradiction, Form, Propagation, ResidualPart
from nnsolve.formula.substitute import extend_part, form_variables, solve_part
from nnsolve.formula.smtlib import to_smtlib
from nnsolve.terms import quote_symbol
from nnsolve.numbers import Number
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits, Query, Solver, SolverResult

PROMISE_VIOLATED = "promise-violated"

log = logging.getLogger(__name__)


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


def decide_etr(formula: Formula, solver: Solver, limits: Limits = Limits(),
               simplify: bool = True) -> EtrResult:
    """Decide ``formula`` (see module docstring for the statuses)."""
    if simplify:
        return _decide_simplified(formula, solver, limits)
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


#: products over at most this many free variables are tried as small forced subsystems
SUPPORT_LIMIT = 3


def _number(q: Fraction) -> str:
    q = Fraction(q)
    body = str(q.numerator if q.numerator >= 0 else -q.numerator)
    if q.denominator != 1:
        body = f"(/ {body} {q.denominator})"
    return body if q >= 0 else f"(- {body})"


def render_form(form: Form) -> str:
    """SMT-LIB term of a linear form ((variable | None, coefficient), ...).

    >>> render_form(((None, Fraction(1, 2)), ("x", Fraction(-3))))
    '(+ (/ 1 2) (* (- 3) x))'
    """
    terms = []
    for k, c in form:
        if k is None:
            terms.append(_number(c))
        elif c == 1:
            terms.append(quote_symbol(k))
        else:
            terms.append(f"(* {_number(c)} {quote_symbol(k)})")
    if not terms:
        return "0"
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def part_query(part: ResidualPart, extra: tuple[str, ...] = ()) -> Query:
    """The solver query of one residual part (plus ``extra`` assertions)."""
    lines = ["(set-logic QF_NRA)"] + [f"(declare-fun {quote_symbol(v)} () Real)" for v in part.variables]
    lines += [f"(assert (= (* {render_form(a)} {render_form(b)}) 1))" for a, b in part.products]
    low, high = _number(BOX_LOW), _number(BOX_HIGH)
    lines += [f"(assert (<= {low} {render_form(b)} {high}))" for b in part.bounds]
    lines += [f"(assert {e})" for e in extra]
    lines.append("(check-sat)")
    return Query("\n".join(lines) + "\n", part.variables)


def _rational_model(result: SolverResult, variables) -> dict[str, Fraction] | None:
    if result.status != SAT or result.inexact or result.model is None:
        return None
    if any(not isinstance(result.model.get(v), Fraction) for v in variables):
        return None
    return {v: result.model[v] for v in variables}


def _force_small(prop: Propagation, solver: Solver, limits: Limits, budget: float) -> int:
    """Box mode: fix the free variables of small groups of products whose values are
    unique in the box (two queries each).  Returns the number of groups fixed; raises
    :class:`Contradiction` (not real) when a group has no solution in the box."""
    start, tried, fixed = time.monotonic(), set(), 0
    while time.monotonic() - start < budget:
        groups = [g for g in prop.support_groups(SUPPORT_LIMIT) if g[0] not in tried]
        if not groups:
            break
        support, products = groups[0]
        tried.add(support)
        variables = tuple(sorted(support, key=prop.formula.variables.index))
        sides = {f for pair in products for f in pair} | {((v, Fraction(1)),) for v in variables}
        part = ResidualPart(variables, tuple(products), tuple(sorted(sides, key=repr)))
        first = solver.solve(part_query(part), limits)
        if first.status == UNSAT:
            raise Contradiction(f"{len(products)} products over {', '.join(variables)} have no solution "
                                f"in the box ({first.solver})", real=False)
        values = _rational_model(first, variables)
        if values is None:
            continue
        other = "(or " + " ".join(f"(not (= {quote_symbol(v)} {_number(q)}))" for v, q in values.items()) + ")"
        second = solver.solve(part_query(part, (other,)), limits)
        if second.status != UNSAT:
            continue
        prop.fix(values, box_fact=True)
        prop.propagate()
        fixed += 1
        log.info("fixed %s (unique in the box for %d products)", values, len(products))
    return fixed


#: box values tried for a guessed variable, small denominators first
GUESS_VALUES = tuple(sorted({Fraction(a, b) for b in range(1, 7) for a in range(b // 2, 2 * b + 1)
                             if BOX_LOW <= Fraction(a, b) <= BOX_HIGH}, key=lambda q: (q.denominator, q)))
#: residuals with more products than this are searched by guessing before the solver sees them
GUESS_THRESHOLD = 200
#: the guessing search's share of the time limit: it is incomplete, and on a formula
#: with no solution in the box it finds nothing however long it runs (promise-violated,
#: 3,000 constraints, seed 123: 20-47 s of guesses before the parts decided it in 0.5 s)
GUESS_SHARE = 0.25


def _search(prop: Propagation, deadline: float, depth: int = 0) -> Propagation | None:
    """Box mode: depth-first search over guessed values (:data:`GUESS_VALUES`) of a few
    free variables (most pending products first, then the earliest), with exact
    propagation after each guess; the
    first state without pending products, or None.  Incomplete by design, sound because
    its model is checked exactly like any other (a contradiction only prunes a guess)."""
    if not prop.pending:
        return prop
    if depth >= 4 or time.monotonic() > deadline:
        return None
    counts: dict = {}
    for c in prop.pending:
        for side in (c.x, c.y):
            for k in prop.form(side):
                if k is not None:
                    counts[k] = counts.get(k, 0) + 1
    order = {v: i for i, v in enumerate(prop.formula.variables)}
    # the variables in most products, then the earliest (roots of definitions)
    ranked = sorted(counts, key=lambda v: (-counts[v], order[v]))[:2]
    ranked += [v for v in sorted(counts, key=order.__getitem__)[:2] if v not in ranked]
    for t in ranked:
        for q in GUESS_VALUES:
            if time.monotonic() > deadline:
                return None
            child = prop.copy()
            try:
                child.guess({t: q})
                child.propagate()
            except Contradiction:
                continue
            log.info("guessed %s = %s: %d products pending", t, q, len(child.pending))
            found = _search(child, deadline, depth + 1)
            if found is not None:
                return found
    return None


#: parts with at least this many variables try seeds before the solver's whole-part query;
#: the seeds come from SEED_CENTRES variables, their pieces within SEED_RADII hops, each
#: asked for at most SEED_SECONDS
SEED_MIN_VARIABLES, SEED_CENTRES, SEED_RADII, SEED_SECONDS = 20, 4, (2, 3, 4), 10.0
#: such a part is first asked of the solver for at most this long, then seeded
FIRST_TRY_SECONDS = 20.0


def _spans(part: ResidualPart) -> list[frozenset]:
    """The variables of each product of ``part``."""
    return [form_variables(a) | form_variables(b) for a, b in part.products]


def _restricted(part: ResidualPart, spans: list[frozenset], keep: set) -> ResidualPart:
    """The products and bounds of ``part`` whose variables all lie in ``keep``."""
    return ResidualPart(tuple(v for v in part.variables if v in keep),
                        tuple(p for p, vs in zip(part.products, spans) if vs <= keep),
                        tuple(b for b in part.bounds if form_variables(b) <= keep))


def _piece(part: ResidualPart, spans: list[frozenset], centre: str, radius: int) -> ResidualPart:
    """The products and bounds of ``part`` whose variables all lie within ``radius`` hops
    of ``centre`` (two variables adjacent when a product uses both)."""
    uses: dict[str, list[int]] = {}
    for i, vs in enumerate(spans):
        for v in vs:
            uses.setdefault(v, []).append(i)
    ball, frontier = {centre}, {centre}
    for _ in range(radius):
        frontier = {w for v in frontier for i in uses.get(v, ()) for w in spans[i]} - ball
        ball |= frontier
    return _restricted(part, spans, ball)


def _seeded_solution(part: ResidualPart, solver: Solver, limits: Limits) -> dict | None:
    """A solution of ``part`` grown from a seed, or None.

    The seed is the solver's model of a small piece of the part: a determined group (at
    most three variables, at least as many products), or the products around one of the
    variables in most products (the centre's value alone first); then
    :func:`nnsolve.formula.substitute.extend_part`
    fixes the rest by forced and quadratic steps, checking every product and bound of the
    part exactly.  If the centre alone opens nothing, the piece's whole model is the seed.
    A wrong seed (a piece's solution that is not part of a solution of the part) only
    leads nowhere: nothing here says unsat, and what is returned is a solution of the
    part, which the caller checks once more on the original formula.  This is for the
    parts whose core no single step opens (degree 3 and up), where the solver on the
    whole part may not answer (a 400-constraint degree-3 formula: no answer in 300 s).
    """
    spans = _spans(part)
    counts: dict[str, int] = {}
    for vs in spans:
        for k in vs:
            counts[k] = counts.get(k, 0) + 1
    order = {v: i for i, v in enumerate(part.variables)}
    centres = sorted(counts, key=lambda v: (-counts[v], order[v]))[:SEED_CENTRES]
    pieces = [(f"group {'/'.join(sorted(g.variables))}", None, g) for g in _closed_groups(part, spans)]
    pieces += [(f"radius {radius} around {c}", c, _piece(part, spans, c, radius))
               for radius in SEED_RADII for c in centres]
    deadline = time.monotonic() + limits.timeout / 4
    for name, centre, piece in pieces:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if len(piece.variables) >= len(part.variables):
            continue
        r = solver.solve(part_query(piece), replace(limits, timeout=min(SEED_SECONDS, left)))
        if r.status != SAT or r.inexact or r.model is None:
            continue
        whole = {v: r.model[v] for v in piece.variables if v in r.model}
        for seeds in ([{centre: r.model[centre]}] if centre in r.model else []) + [whole]:
            found = extend_part(part, seeds, deadline=deadline)
            if found.status == SAT:
                log.info("part of %d variables: solved from the seed %s (%s, %d variables)",
                         len(part.variables), sorted(seeds), name, len(piece.variables))
                return dict(found.values)
    return None


def _closed_groups(part: ResidualPart, spans: list[frozenset] | None = None, limit: int = 3) -> list[ResidualPart]:
    """Pieces over at most ``limit`` variables with at least as many products as
    variables (every product whose variables lie in the set), fewest variables first:
    the determined cores a seed can come from (docs/etr-simplification.md, step 6)."""
    spans = _spans(part) if spans is None else spans
    sets = sorted({s for s in spans if 0 < len(s) <= limit}, key=lambda s: (len(s), sorted(s)))
    groups = (_restricted(part, spans, s) for s in sets)
    return [g for g in groups if len(set(g.products)) >= len(g.variables)]


def _solve_parts(prop: Propagation, solver: Solver, limits: Limits) -> tuple[str, dict | None, str | None]:
    """Each residual part on its own: (unsat, None, reason) if one has no solution,
    (sat, assembled values, None) if all have one, else (unknown, None, reason)."""
    values: dict = {}
    reasons = []
    for part in prop.residual():
        # exact substitution first (formula/substitute.py): a unique solution of the part is
        # the solver's model too, so nothing printed changes where the solver decides; its
        # "no solution" is used only when the solver does not decide (same reasons printed)
        exact = solve_part(part)
        if exact.status == "sat":
            values.update(exact.values)
            continue
        r = None
        if len(part.variables) >= SEED_MIN_VARIABLES:
            # the solver first, briefly (it decides most parts, unsat ones included, in
            # seconds); then seeds; then the solver with the whole limit
            r = solver.solve(part_query(part), replace(limits, timeout=min(limits.timeout, FIRST_TRY_SECONDS)))
            if r.status not in (SAT, UNSAT):
                seeded = _seeded_solution(part, solver, limits)
                if seeded is not None:
                    values.update(seeded)
                    continue
                r = None
        if r is None:
            r = solver.solve(part_query(part), limits)
        if r.status == UNSAT:
            return UNSAT, None, f"a part over {len(part.variables)} variables has no solution ({r.solver})"
        if r.status != SAT and exact.status == "unsat":
            return UNSAT, None, (f"a part over {len(part.variables)} variables has no solution "
                                 f"(exact substitution: {exact.reason})")
        if r.status != SAT:
            reasons.append(r.reason or "no answer")
            continue
        if r.inexact:
            reasons.append(f"{r.solver} said sat but {r.reason}")
            continue
        values.update({v: r.model[v] for v in part.variables if r.model and v in r.model})
    if reasons:
        return UNKNOWN, None, "; ".join(reasons)
    return SAT, prop.assemble(values), None


def _decide_simplified(formula: Formula, solver: Solver, limits: Limits) -> EtrResult:
    start = time.monotonic()

    def done(status, model=None, reason=None) -> EtrResult:
        return EtrResult(status, solver.name, time.monotonic() - start, model, reason)

    def checked(model: dict, need_box: bool) -> str | None:
        broken = check_assignment(formula, model)
        if broken:
            return f"assembled model violates {broken[0]} (exact check)"
        if need_box and not in_box(model):
            return "assembled model leaves the box [1/2, 2] (exact check)"
        return None

    # the box question
    box_status, box_reason = UNKNOWN, None
    try:
        prop = Propagation(formula, box=True)
        prop.propagate()
        _force_small(prop, solver, limits, budget=limits.timeout)
        if len(prop.pending) > GUESS_THRESHOLD:
            found = _search(prop, time.monotonic() + GUESS_SHARE * limits.timeout)
            if found is not None:
                box_status, model, box_reason = _solve_parts(found, solver, limits)
                if box_status == SAT and checked(model, need_box=True) is None:
                    return done(SAT, model, reason="found by exact propagation from guessed values")
        box_status, model, box_reason = _solve_parts(prop, solver, limits)
    except Contradiction as c:
        if c.real:
            return done(UNSAT, reason=f"exact simplification: {c.reason}")
        box_status, model, box_reason = UNSAT, None, c.reason
    if box_status == SAT:
        problem = checked(model, need_box=True)
        if problem is None:
            return done(SAT, model)
        box_status, box_reason = UNKNOWN, problem
    # the question without the box
    try:
        prop = Propagation(formula, box=False)
        prop.propagate()
        free_status, model, free_reason = _solve_parts(prop, solver, limits)
    except Contradiction as c:
        return done(UNSAT, reason=f"exact simplification: {c.reason}")
    if free_status == UNSAT:
        return done(UNSAT, reason=free_reason)
    if free_status == SAT:
        problem = checked(model, need_box=False)
        if problem is not None:
            return done(UNKNOWN, reason=problem)
        if in_box(model):
            return done(SAT, model, reason=f"box question: {box_status}, exact model is in the box")
        if box_status == UNSAT:
            return done(PROMISE_VIOLATED, model)
        return done(UNKNOWN, reason=f"a real solution exists; box question: {box_reason}")
    reasons = "; ".join(r for r in (box_reason, free_reason) if r)
    return done(UNKNOWN, reason=reasons or "solver gave no answer")

"""z3 through its Python API.

Strategy "orderings" (``Query.strategy``): nlsat, z3's cylindrical-algebraic search, under
the TRIANGULAR and then the ONLYPOLY variable ordering, without factoring the polynomials
of its conflict explanations, a quarter of the time each, then z3's own strategy with the
time that is left.  z3's own QF_NRA strategy is a portfolio of
the same searches, but each under a wall-clock limit of 5 to 50 s, so on a loaded machine
the ordering that would decide a query in 8 s of CPU may be cut off before it does
(docs/solving.md, "Variable orderings").
"""

from __future__ import annotations

import time
from fractions import Fraction

from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Backend, Query
from nnsolve.solvers.script import algebraic_json, script_body
from nnsolve.numbers import to_json


class Z3Backend(Backend):
    name = "z3"

    def solve(self, query: Query, timeout: float) -> dict:
        import z3

        deadline = time.monotonic() + timeout
        body = script_body(query.smtlib)
        if query.strategy == "orderings":
            for ordering in ORDERINGS:
                ctx = z3.Context()
                tactic = z3.Then("simplify", "propagate-values",
                                 z3.With("qfnra-nlsat", variable_ordering_strategy=ordering, factor=False, ctx=ctx),
                                 ctx=ctx)
                result = _check(z3, tactic.solver(), body, query, timeout / 4)
                if result["status"] != UNKNOWN:
                    return result
        ctx = z3.Context()
        return _check(z3, z3.Solver(ctx=ctx), body, query, max(0.001, deadline - time.monotonic()))

    def solve_pinned(self, query: Query, timeout: float) -> dict | None:
        """The pinned query in one context: the value check asks the assertions already
        read (``Solver.assertions``) with ``pin != m`` added, in a fresh solver of the same
        kind, instead of reading the script again in a new context (the same question as
        the worker's ``_pinned``: the script's assertions and that one; its time limit is
        ``timeout`` again, as there).  An algebraic m is z3's own exact value (its
        ``root-obj``), so ``pin != m`` is exact there too.  Only for the default strategy."""
        import z3

        if query.strategy != "default":
            return None
        ctx = z3.Context()
        solver = z3.Solver(ctx=ctx)
        result = _check(z3, solver, script_body(query.smtlib), query, timeout)
        result["pinned"] = False
        if result["status"] != SAT:
            return result
        try:
            model = solver.model()
            decl = next((d for d in model.decls() if d.arity() == 0 and d.name() == query.pin), None)
            value = model[decl] if decl is not None else None
            if not isinstance(value, (z3.RatNumRef, z3.IntNumRef, z3.AlgebraicNumRef)) or \
                    (result.get("model") or {}).get(query.pin) != _value(z3, value):
                return result  # no value, or not the one reported
            if isinstance(value, z3.AlgebraicNumRef) and not _within(z3, value, result["model"][query.pin]):
                return result  # the reported number (decoded from an approximation) is not z3's root
            again = z3.Solver(ctx=ctx)
            again.set("timeout", max(1, int(timeout * 1000)))
            again.add(solver.assertions())
            again.add(decl() != value)
            result["pinned"] = again.check() == z3.unsat
        except Exception:  # the first answer stands; only the value check is lost
            result["pinned"] = False
        return result


#: nlsat's variable orderings tried by strategy "orderings", in this order (z3: 2 TRIANGULAR,
#: 3 ONLYPOLY; on the chain residuals each decides in seconds what the others do not in
#: minutes; without factoring, the 500-constraint residual in two minutes instead of more
#: than five: docs/performance.md)
ORDERINGS = (2, 3)


def _check(z3, solver, body: str, query: Query, seconds: float) -> dict:
    solver.set("timeout", max(1, int(seconds * 1000)))
    solver.from_string(body)
    answer = solver.check()
    if answer == z3.unsat:
        return {"status": UNSAT}
    if answer != z3.sat:
        return {"status": UNKNOWN, "reason": f"z3: {solver.reason_unknown()}"}
    model = solver.model()
    values = {d.name(): model[d] for d in model.decls() if d.arity() == 0}
    out = {}
    for name in query.variables:
        if name in values:
            out[name] = _value(z3, values[name])
    return {"status": SAT, "model": out}


def _within(z3, value, reported) -> bool:
    """Whether z3's algebraic ``value`` is the number ``reported`` (its JSON): a root of
    its polynomial in its isolating interval, the only one there (decided by z3 exactly).
    Then pinning z3's value pins the one reported."""
    from nnsolve.numbers import from_json

    m = from_json(reported)
    low, high = z3.RealVal(str(m.low), value.ctx), z3.RealVal(str(m.high), value.ctx)
    poly = z3.RealVal(0, value.ctx)
    for c in m.poly:
        poly = poly * value + z3.RealVal(c, value.ctx)
    return z3.is_true(z3.simplify(z3.And(low <= value, value <= high, poly == 0)))


def _value(z3, v) -> object:
    if isinstance(v, z3.RatNumRef):
        return to_json(Fraction(v.numerator_as_long(), v.denominator_as_long()))
    if isinstance(v, z3.IntNumRef):
        return to_json(Fraction(v.as_long()))
    if isinstance(v, z3.AlgebraicNumRef):
        poly = [int(str(c)) for c in v.poly()][::-1]  # z3 lists lowest degree first
        approx = v.approx(120)
        return algebraic_json(poly, Fraction(approx.numerator_as_long(), approx.denominator_as_long()))
    raise ValueError(f"z3 model value of unexpected kind: {v}")

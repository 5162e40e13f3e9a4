"""z3 through its Python API."""

from __future__ import annotations

from fractions import Fraction

from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Backend, Query
from nnsolve.solvers.script import algebraic_json, script_body
from nnsolve.numbers import to_json


class Z3Backend(Backend):
    name = "z3"

    def solve(self, query: Query, timeout: float) -> dict:
        import z3

        ctx = z3.Context()
        solver = z3.Solver(ctx=ctx)
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.from_string(script_body(query.smtlib))
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

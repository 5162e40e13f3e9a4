"""cvc5 through its Python API (parser, solver and exact algebraic values)."""

from __future__ import annotations

from fractions import Fraction

from nnsolve.numbers import to_json
from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Backend, Query
from nnsolve.solvers.script import script_body


class Cvc5Backend(Backend):
    name = "cvc5"

    def solve(self, query: Query, timeout: float) -> dict:
        import cvc5

        tm = cvc5.TermManager()
        solver = cvc5.Solver(tm)
        solver.setOption("produce-models", "true")
        solver.setOption("tlimit-per", str(max(1, int(timeout * 1000))))
        symbols = cvc5.SymbolManager(tm)
        parser = cvc5.InputParser(solver, symbols)
        text = script_body(query.smtlib)
        if "(set-logic" not in text:
            text = f"(set-logic {query.logic})\n" + text
        parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "query")
        while True:
            cmd = parser.nextCommand()
            if cmd.isNull():
                break
            cmd.invoke(solver, symbols)
        result = solver.checkSat()
        if result.isUnsat():
            return {"status": UNSAT}
        if not result.isSat():
            return {"status": UNKNOWN, "reason": f"cvc5: {result.getUnknownExplanation()}"}
        terms = {str(t): t for t in symbols.getDeclaredTerms()}
        model = {}
        for name in query.variables:
            term = terms.get(name) or terms.get(f"|{name}|")
            if term is not None:
                model[name] = _value(cvc5, tm, solver.getValue(term))
        return {"status": SAT, "model": model}


def _value(cvc5, tm, v) -> object:
    if v.isRealValue():
        return to_json(Fraction(v.getRealValue()))
    if v.isRealAlgebraicNumber():
        var = tm.mkVar(tm.getRealSort(), "z")
        poly = _poly(cvc5, v.getRealAlgebraicNumberDefiningPolynomial(var), var)
        lo = Fraction(v.getRealAlgebraicNumberLowerBound().getRealValue())
        hi = Fraction(v.getRealAlgebraicNumberUpperBound().getRealValue())
        return {"poly": [int(c) for c in poly], "interval": [to_json(lo), to_json(hi)]}
    raise ValueError(f"cvc5 model value of unexpected kind: {v}")


def _poly(cvc5, term, var) -> list[Fraction]:
    """Coefficients (highest first, made integral) of a cvc5 polynomial term."""
    import sympy

    x = sympy.Symbol("x")

    def walk(t):
        k = t.getKind()
        if t == var:
            return x
        if t.isRealValue():
            return sympy.Rational(str(Fraction(t.getRealValue())))
        kids = [walk(t[i]) for i in range(t.getNumChildren())]
        if k == cvc5.Kind.ADD:
            return sympy.Add(*kids)
        if k == cvc5.Kind.MULT:
            return sympy.Mul(*kids)
        if k == cvc5.Kind.NEG:
            return -kids[0]
        if k == cvc5.Kind.SUB:
            return kids[0] - sympy.Add(*kids[1:])
        raise ValueError(f"unexpected term in cvc5 polynomial: {t}")

    poly = sympy.Poly(walk(term), x, domain="QQ")
    _, integral = poly.clear_denoms(convert=True)
    return [int(c) for c in integral.all_coeffs()]

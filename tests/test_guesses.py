"""Tests for the guessed values (nnsolve.decider.guesses).

The stage may report only sat, and only with a model of the case it was given: a
guessed case has a subset of the case's solutions.  Oracles: a brute-force search for
the simplest rational, an exact check of the model against the case it was handed
(``witness_holds``, code the stage does not use), z3 in-process on the drawn problem
(its unsat must never meet the stage's sat), and on a reduction output the decider's
own ``exact_fit`` of the network decoded from the stage's model.
"""

import math
from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import event, given, settings, strategies as st

from test_branching import residual_problems, tiers
from test_branching import _all_vars, _check, _original_terms, _zvars
from test_local_lemmas import SOLVER, _bench
from nnsolve.decider.branching import Case, _settle, _used
from nnsolve.decider.guesses import guess_and_carry, local_interval, simplest_between, simplest_in, spread
from nnsolve.solvers import Limits

import z3

rationals = st.builds(Fraction, st.integers(-10**6, 10**6), st.integers(1, 10**4))


@settings(max_examples=300, deadline=None)
@given(rationals, rationals)
def test_simplest_between_is_the_first_rational_inside(a, b):
    if a == b:
        return
    low, high = min(a, b), max(a, b)
    q = simplest_between(low, high)
    assert low < q < high
    # no smaller denominator has a rational inside: the least multiple of 1/d above low is not below high
    for d in range(1, min(q.denominator, 2000)):
        assert Fraction(math.floor(low * d) + 1, d) >= high
    # with q's denominator, no numerator of smaller absolute value is inside
    d = q.denominator
    inside = [Fraction(n, d) for n in range(math.floor(low * d) + 1, math.ceil(high * d))]
    assert min(abs(x.numerator) for x in inside if x.denominator == d) == abs(q.numerator)


@settings(max_examples=200, deadline=None)
@given(rationals, rationals, st.integers(1, 40))
def test_spread_and_ends_stay_inside(a, b, count):
    low, high = min(a, b), max(a, b)
    ends = simplest_in(a, b)
    assert low <= ends <= high
    if low == high:
        return
    found = spread(low, high, count)
    assert len(found) == count  # every piece splits: the pieces never run out
    assert len(set(found)) == len(found)
    assert all(low < q < high for q in found)


def test_local_interval_brackets_both_ends():
    """x in [1, 3] and y = x * x <= 4 (so x <= 2): the ends found are values with a
    solution, within 2^-10 of the true ends, and the bounds past them have none."""
    hood = [("(assert (>= x 1.0))", {"x"}), ("(assert (<= x 3.0))", {"x"}), ("(assert (<= (* x x) 4.0))", {"x"})]
    session = SOLVER.session()
    try:
        m, ((high, above), (low, below)) = local_interval("x", hood, session, Limits(10))
    finally:
        session.close()
    assert 1 <= low <= m <= high <= 2
    assert below is not None and below < 1 <= low and 1 - below <= Fraction(1, 2)
    assert above is not None and 2 < above and high > 2 - Fraction(1, 2**10)
    assert simplest_in(high, above) == 2 and simplest_in(low, below) == 1


def _guessed(drawn):
    system, bounds, equations, _ = drawn
    original = system.copy()
    case = _settle(Case(system.copy(), tuple(bounds), tuple(equations)), Counter())
    if case is None:
        return original, None, None
    from nnsolve.decider import chains

    wanted = sorted(_used(case) | set(case.system.pivots), key=repr)
    out = guess_and_carry(case, SOLVER, Limits(60),
                          lambda c, lim: chains._solve_case(c, wanted, SOLVER, lim))
    return original, case, (out, wanted)


def _test_a_guess_reports_only_models_of_the_case(drawn):
    """Sat only with a model that satisfies the case it was handed, exactly; never unsat;
    and never sat where z3 says the drawn problem is unsat."""
    if drawn is None:
        return
    original, case, result = _guessed(drawn)
    if case is None:
        return
    out, wanted = result
    assert out.status in ("sat", "unknown"), out.reason
    event(f"guesses {out.status}")
    if out.status != "sat":
        return
    from nnsolve.decider.residual_query import name

    by_name = {name(k): k for k in wanted}
    model = {by_name[n]: v for n, v in out.model.items()}
    assert _bench().witness_holds(case, model), "the guesses' model fails the case it was handed"
    system, bounds, equations, _ = drawn
    zvars = _zvars(_all_vars(original, system.given, bounds, equations))
    _, want = _check(_original_terms(system, original, bounds, equations, zvars))
    assert want != z3.unsat


test_a_guess_reports_only_models_of_the_case, test_a_guess_reports_only_models_of_the_case_slow = tiers(
    12, 120, st.one_of(residual_problems(planted=True), residual_problems(planted=False)))(
    _test_a_guess_reports_only_models_of_the_case)


def test_guesses_decide_a_floating_reduction_output(monkeypatch):
    """planted 30 (seed 1) with every other way to sat switched off (the exact route, the
    looks' exact queries and the value stage): the lemma route's guesses find the model,
    and the decider's exact_fit accepts the network decoded from it."""
    from test_local_lemmas import _exact_route_off
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    calls = _exact_route_off(monkeypatch)
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "after_lemmas", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))
    real_values = chains.value_lemmas

    def values_fix_nothing(case, *args, **kwargs):  # the value stage finds nothing forced
        return real_values(case, *args, **{**kwargs, "radii": (1,)})

    monkeypatch.setattr(chains, "value_lemmas", values_fix_nothing)
    seen = []
    real_guesses = chains._guesses
    monkeypatch.setattr(chains, "_guesses", lambda *a, **k: seen.append(1) or real_guesses(*a, **k))
    instance = reduce_formula(family_formula("sat", 30, 1)).instance
    result = decide_structured(instance, SOLVER, Limits(300))
    assert calls and seen, "the guesses were not reached: nothing was tested"
    assert result.status == "sat", result.reason
    assert "guesses" in (result.reason or ""), result.reason

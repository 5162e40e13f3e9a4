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
from test_local_lemmas import SOLVER, _bench, _unchanged
from nnsolve.decider.branching import Case, _settle, _used
from nnsolve.decider import guesses
from nnsolve.decider.guesses import guess_and_carry, local_interval, simplest_between, simplest_in, spread
from nnsolve.solvers import Limits

import z3

rationals = st.builds(Fraction, st.integers(-10**6, 10**6), st.integers(1, 10**4))
# narrow intervals, so that the answer is rarely an integer: the continued-fraction steps
intervals = st.one_of(
    st.tuples(rationals, rationals).filter(lambda ab: ab[0] != ab[1]).map(lambda ab: (min(ab), max(ab))),
    st.tuples(rationals, st.integers(1, 10**6)).map(lambda lk: (lk[0], lk[0] + Fraction(1, lk[1]))),
    st.tuples(st.builds(Fraction, st.integers(-10**4, 10**4), st.integers(1, 10**4)), st.integers(2, 10**9))
    .map(lambda lk: (lk[0] - Fraction(1, lk[1]), lk[0] + Fraction(1, lk[1]))))


def _simplest_by_search(low: Fraction, high: Fraction, closed: bool) -> Fraction:
    """The least denominator with a rational inside, then the least |numerator|: a search."""
    a, b, c, e = low.numerator, low.denominator, high.numerator, high.denominator
    for d in range(1, 10**6):  # integers only: floor(a d / b), ceil(c d / e)
        first, last = (a * d) // b + 1, -((-c * d) // e) - 1
        if closed:
            first, last = first - ((a * d) % b == 0), last + ((c * d) % e == 0)
        if first <= last:
            inside = [Fraction(n, d) for n in (first, last, 0) if first <= n <= last]
            return min(inside, key=lambda q: (q.denominator, abs(q.numerator)))
    raise AssertionError("no rational found")  # pragma: no cover


@settings(max_examples=300, deadline=None)
@given(intervals)
def test_simplest_between_is_the_first_rational_inside(interval):
    low, high = interval
    q = simplest_between(low, high)
    assert low < q < high
    if q.denominator <= 5000:  # the search costs the denominator
        assert q == _simplest_by_search(low, high, closed=False)
    else:  # no smaller denominator has a rational inside
        a, b, c, e = low.numerator, low.denominator, high.numerator, high.denominator
        assert all(((a * d) // b + 1) * e >= c * d for d in range(1, 5000))  # (floor(low d) + 1) / d >= high
    event("integer" if q.denominator == 1 else "fraction")


def test_simplest_between_on_edges_and_long_expansions():
    F = Fraction
    assert simplest_between(F(0), F(1, 2)) == F(1, 3)
    assert simplest_between(F(-1, 2), F(0)) == F(-1, 3)
    assert simplest_between(F(-3, 2), F(0)) == F(-1)
    assert simplest_between(F(3, 2), F(2)) == F(5, 3)
    assert simplest_between(F(1), F(2)) == F(3, 2)
    fib = [1, 1]
    while len(fib) < 3000:
        fib.append(fib[-1] + fib[-2])
    low, high = sorted([F(fib[-1], fib[-2]), F(fib[-2], fib[-3])])  # 3,000 shared terms: no recursion
    q = simplest_between(low, high)
    assert low < q < high
    with pytest.raises(ValueError):
        simplest_between(F(1), F(1))


@settings(max_examples=200, deadline=None)
@given(intervals, st.integers(1, 40), st.booleans())
def test_the_ends_and_the_spread_stay_inside(interval, count, flip):
    low, high = interval
    q = simplest_in(*((high, low) if flip else (low, high)))
    assert low <= q <= high
    if q.denominator <= 5000:
        assert q == _simplest_by_search(low, high, closed=True)
    assert simplest_in(low, low) == low
    found = spread(low, high, count)
    assert len(found) == count  # every piece splits: the pieces never run out
    assert len(set(found)) == len(found)
    assert all(low < x < high for x in found)
    width = high - low
    assert low + width / 4 < found[0] < high - width / 4  # the first from the middle half


small_rationals = st.builds(Fraction, st.integers(-60, 60).filter(bool), st.integers(1, 12))


@st.composite
def tied_systems(draw):
    """(system, point, ties): definitions U_i = K_i k_i with k_i = g v_i + e and
    U_i = r K_i + q v_i + h (a position v and its jump K, as on a chain residual), some with a
    square or a third variable instead (no map), and random extra equations, all true at
    a planted rational point; ``ties``: (v, K, (a, b, c, d)) for the pairs built with
    K (c v + d) = a v + b."""
    from nnsolve.elimination import LinearSystem

    count = draw(st.integers(1, 60))
    system, point, ties = LinearSystem(priority=lambda k: 0 if k[0] in "Uks" else 1), {}, []
    for i in range(count):
        v, K, k, U = ("v", i), ("K", i), ("k", i), ("U", i)
        point[v], point[K] = draw(small_rationals), draw(small_rationals)
        g, e, r = draw(small_rationals), draw(small_rationals), draw(small_rationals)
        point[k] = g * point[v] + e
        point[U] = point[K] * point[k]
        kind = draw(st.sampled_from(["map", "map", "square", "jump squared", "third"]))
        system.equate({k: 1, v: -g, None: -e})
        if kind == "square":  # U = k s with s = v + K: the product has v squared
            t = ("s", i)
            point[t] = point[v] + point[K]
            system.equate({t: 1, v: -1, K: -1})
            system.define(U, k, t)
            point[U] = point[k] * point[t]
            system.equate({U: 1, K: -r, None: -(point[U] - r * point[K])})
            continue
        if kind == "jump squared":  # U = K s with s = K + g v: the product has K squared
            t = ("s", i)
            point[t] = point[K] + g * point[v]
            system.equate({t: 1, K: -1, v: -g})
            system.define(U, K, t)
            point[U] = point[K] * point[t]
            system.equate({U: 1, K: -r, None: -(point[U] - r * point[K])})
            continue
        system.define(U, K, k)
        if kind == "third":  # U tied to a third variable as well
            w = ("w", i)
            point[w] = draw(small_rationals)
            system.equate({U: 1, K: -r, w: -1, None: -(point[U] - r * point[K] - point[w])})
            continue
        q = draw(small_rationals)  # U = r K + q v + h: the product's form uses v too
        system.equate({U: 1, K: -r, v: -q, None: -(point[U] - r * point[K] - q * point[v])})
        ties.append((v, K, (q, point[U] - r * point[K] - q * point[v], g, e - r)))  # K (g v + e - r) = q v + h
    return system, point, ties


@settings(max_examples=60, deadline=None)
@given(tied_systems())
def test_partner_maps_hold_at_every_solution(drawn):
    """Every map ``partner_maps`` reads, w (c v + d) = a v + b, holds at a planted point
    of the system (a solution of its equations and definitions) and at a second solution
    of the pair (v moved by one, K from the construction), and every pair built to be
    tied is found where the map is not constant, from v to K and from K to v.  A sign
    slip in a coefficient fails the first check; a constant term off by the point's
    value the second; leaving out a kind of definition the third."""
    system, point, ties = drawn
    # a second solution of each tied pair, from the construction (K (g v + e - r) = q v + h
    # with v moved by one), where it exists: a map must hold along the curve, not at one point
    other = {}
    for v, K, (a, b, c, d) in ties:
        v2 = point[v] + 1
        if c * v2 + d != 0:
            other[v] = other[K] = {v: v2, K: (a * v2 + b) / (c * v2 + d)}
    found = set()
    for u in [k for k in point if k[0] in "vK"]:
        for w, (a, b, c, d) in guesses.partner_maps(system, u):
            assert w in point and w != u
            assert {u[0], w[0]} == {"v", "K"} and w[1] == u[1]  # a square or a third variable gives no map
            assert point[w] * (c * point[u] + d) == a * point[u] + b
            assert a * d != b * c
            if u in other:
                second = other[u]
                assert second[w] * (c * second[u] + d) == a * second[u] + b, (u, w)
            found.add((u, w))
    for v, K, (a, b, c, d) in ties:
        if a * d != b * c:  # K moves with v: found both ways
            assert (v, K) in found and (K, v) in found, (v, K)
    event(f"maps found: {min(len(found), 10)}")


@settings(max_examples=200, deadline=None)
@given(intervals, small_rationals.filter(lambda q: q != 0), small_rationals, st.integers(0, 3))
def test_candidates_stay_inside_and_take_a_partners_simplest(interval, scale, shift, missing):
    """With a partner w = scale / (v - shift) (a jump and its position), the inside
    candidates stay strictly inside (low, high), none repeats an end, at most CANDIDATES;
    the ends stay between the last value with a solution and the bound; and the first
    inside value is as simple, in v or in w, as the first spread value of either (so
    the partner's values are not dropped)."""
    low, high = interval
    width = high - low
    below = None if missing & 1 else low - width / 7
    above = None if missing & 2 else high + width / 7
    m = low + width / 3
    f = (Fraction(0), scale, Fraction(1), -shift)
    ends, inside = guesses._candidates(m, low, below, high, above, [("w", f)])
    assert len(inside) <= guesses.CANDIDATES and not set(ends) & set(inside)
    assert len(set(inside)) == len(inside)
    assert all(low < q < high for q in inside)
    for q in ends:
        assert q == m or (above is not None and high <= q < above) or (below is not None and below < q <= low)
    span = [q for q in (low, below, high, above) if q is not None]
    if inside and not min(span) <= shift <= max(span):
        # the first value is as simple (in v, or in w) as the first of each space's spread
        def best(q):
            return min(guesses._simplicity(q), guesses._simplicity(scale / (q - shift)))

        images = sorted((scale / (low - shift), scale / (high - shift)))
        firsts = [spread(low, high, 1)[0], shift + scale / spread(*images, 1)[0]]
        for q in firsts:
            if q not in ends:
                assert best(inside[0]) <= best(q), (inside[:3], firsts)


def test_a_jump_simple_position_is_tried_early():
    """The planted 10,000 case (docs/performance.md, thirteenth session): the position
    c_q.2.1 in [9/5, 2), tied to its jump by K = -3 / c.  The forward witness has
    c = 21/11 (K = -11/7); ranked by c's simplicity alone it is the 7th inside value,
    ranked by the simpler of c and K the 3rd (21/11 is among c's own spread values too:
    here the partner changes the order, not the list)."""
    F = Fraction
    low, high, below, above, m = F(524288, 291271), F(786432, 393217), F(9, 5) - F(1, 10**6), F(2) + F(1, 10**5), \
        F(24, 13)
    _, alone = guesses._candidates(m, low, below, high, above, [])
    ends, tied = guesses._candidates(m, low, below, high, above, [("K", (F(0), F(3), F(-1), F(0)))])
    assert ends == [2, F(9, 5), F(24, 13)]
    assert tied.index(F(21, 11)) == 2 and alone.index(F(21, 11)) == 6, (tied[:8], alone[:8])


class _Counting:
    """A solver session that counts its queries."""

    def __init__(self):
        self.session, self.asked = SOLVER.session(), 0

    def solve_many(self, queries, limits, cancel=None):
        self.asked += len(queries)
        return self.session.solve_many(queries, limits, cancel)


@pytest.mark.parametrize("hood, want", [
    # x in [1, 3] and x * x <= 4: ends 1 and 2, each with its bound
    ([("(assert (>= x 1.0))", {"x"}), ("(assert (<= x 3.0))", {"x"}), ("(assert (<= (* x x) 4.0))", {"x"})],
     (Fraction(1), Fraction(2), True, True)),
    # x >= 1 alone: no bound above after the doubling steps
    ([("(assert (>= x 1.0))", {"x"})], (Fraction(1), None, True, False)),
    # x in [1, 3] and x * x <= 2: the upper end is irrational, bracketed from both sides
    ([("(assert (>= x 1.0))", {"x"}), ("(assert (<= x 3.0))", {"x"}), ("(assert (<= (* x x) 2.0))", {"x"})],
     (Fraction(1), "sqrt2", True, True)),
])
def test_local_interval_brackets_the_ends(hood, want):
    counting = _Counting()
    try:
        m, ((high, above), (low, below)) = local_interval("x", hood, counting, Limits(10))
    finally:
        counting.session.close()
    want_low, want_high, has_below, has_above = want
    assert (below is not None) == has_below and (above is not None) == has_above
    assert low <= m <= high
    assert simplest_in(low, below) == want_low
    if want_high == "sqrt2":
        assert high * high <= 2 < above * above and above - high < Fraction(1, 100)
    elif want_high is not None:
        assert simplest_in(high, above) == want_high and high <= want_high < above
    else:
        assert high > 1000  # the doubling steps went far up
    assert counting.asked <= 1 + 2 * (guesses.WIDEN + guesses.BISECT)


def test_local_interval_of_an_unsat_neighbourhood_and_on_stop():
    counting = _Counting()
    try:
        hood = [("(assert (>= x 1.0))", {"x"}), ("(assert (<= (* x x) 0.5))", {"x"})]
        assert local_interval("x", hood, counting, Limits(10)) is None
        asked = counting.asked
        # stopped: no query at all after the caller's deadline
        assert local_interval("x", [("(assert (>= x 1.0))", {"x"})], counting, Limits(10), stop=lambda: True) is None
        assert counting.asked == asked
    finally:
        counting.session.close()


def _guessed(drawn):
    system, bounds, equations, _ = drawn
    original = system.copy()
    case = _settle(Case(system.copy(), tuple(bounds), tuple(equations)), Counter())
    if case is None:
        return original, None, None
    from nnsolve.decider import chains

    # every variable of the system: the check reads each pivot's form (a free variable
    # that no assertion uses is 0 in the model, as _solve_case gives it)
    wanted = sorted(_used(case) | set(case.system.pivots)
                    | {k for form in case.system.pivots.values() for k in form if k is not None}, key=repr)
    out = guess_and_carry(case, SOLVER, Limits(20),  # 20 s a draw, as tests/test_local_lemmas.py's _stage
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
    5, 120, st.one_of(residual_problems(planted=True), residual_problems(planted=False)))(
    _test_a_guess_reports_only_models_of_the_case)


@pytest.mark.slow  # 16 s: the suite's budget; the guesses' own properties stay in the default run
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
    assert result.method == "structured:chains" and "guesses: c_" in result.reason and " = " in result.reason, \
        result.reason


def _floating_case():
    from test_local_lemmas import _reduction_case

    case, witness, _ = _reduction_case("sat", 10, 1)
    return case


def test_a_guess_is_a_case_with_the_value_and_its_unsat_is_not_reported():
    """``finish`` sees only guessed cases (each with the guessed variable fixed at a value
    of its list), and its unsat, every time, makes the stage answer unknown, not unsat."""
    case = _floating_case()
    seen, stats = [], Counter()

    def unsat_finish(c, limits):
        seen.append(c)
        from nnsolve.solvers import UNSAT, SolverResult
        return SolverResult(UNSAT, "test", 0.0, reason="a guessed case")

    out = guess_and_carry(case, SOLVER, Limits(10), unsat_finish, stats=stats)
    assert out.status == "unknown", out.reason
    assert seen and stats["guesses"] >= len(seen)
    free = _used(case)
    for c in seen:  # each guessed case fixes at least one of the case's free variables
        assert any(c.system.value(v) is not None for v in free)


@pytest.mark.parametrize("status", ["sat", "unsat"])
def test_the_decider_checks_what_the_guesses_say(status, monkeypatch):
    """A sat of the guesses with a model that is not a network's fails the decider's
    exact_fit (the verdict is not sat); an unsat from them is never taken (the route
    runs on and no verdict is unsat).  The other ways to a verdict are off."""
    from test_local_lemmas import _exact_route_off
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    _exact_route_off(monkeypatch)
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "after_lemmas", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))
    def nothing(case, *args, **kwargs):  # looks and values that fix nothing, at once
        return _unchanged(case)

    monkeypatch.setattr(chains, "value_lemmas", nothing)
    monkeypatch.setattr(chains, "local_lemmas", nothing)
    said = []

    def guesses_say(case, wanted, solver, limits, workers, cancel):
        said.append(status)
        return SolverResult(status, "test", 0.0, model={}, reason="a stub")  # every value 0: no network

    monkeypatch.setattr(chains, "_guesses", guesses_say)
    # max_work=1: after the chains no dense method runs on to the limit
    result = decide_structured(reduce_formula(family_formula("sat", 10, 1)).instance, SOLVER, Limits(30),
                      max_work=1)
    assert said, "the guesses were not reached: nothing was tested"
    assert result.status == "unknown", result.reason


def test_a_front_alone_asks_no_pass():
    """``value_lemmas(front=...)`` asks only the cascade from the front: with an empty
    front nothing is asked and the case comes back as it was, where the stage with its
    pass closes the same unsat-unique residual."""
    from test_value_lemmas import _reduction_case
    from nnsolve.decider.value_lemmas import value_lemmas
    from nnsolve.formula.generate import family_formula

    case, _, _ = _reduction_case(family_formula("unsat-unique", 10, 1))
    alone = value_lemmas(case, SOLVER, Limits(60), front=())
    assert alone.queries == 0 and alone.case is case and alone.finished
    assert value_lemmas(case, SOLVER, Limits(60)).case is None


@pytest.mark.parametrize("values_fixed", [0, 1])
def test_the_guesses_run_when_the_value_pass_found_nothing(values_fixed, monkeypatch):
    """The lemma route's schedule: the guesses run once, in the value look's thread, when
    its pass fixed no value (with one child while the radius-2 look still runs), and not
    at all when it fixed one."""
    import threading

    from test_local_lemmas import _exact_route_off
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    guessed, first_ended, seen = threading.Event(), threading.Event(), []

    def values(case, solver, limits, radii, **kw):
        return _unchanged(case, values_fixed)

    def lemmas(case, solver, limits, radii=None, passes=None, memory=None, **kw):
        if passes == 1 and not first_ended.is_set():
            guessed.wait(2 if values_fixed else 60)  # still running while the guesses run
            first_ended.set()
        return _unchanged(case)

    def stub(case, wanted, solver, limits, workers, cancel):
        seen.append((threading.current_thread().name, first_ended.is_set(), workers()))
        guessed.set()
        return SolverResult(UNKNOWN, "test", 0.0, reason="stub")

    _exact_route_off(monkeypatch)
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "after_lemmas", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))
    monkeypatch.setattr(chains, "value_lemmas", values)
    monkeypatch.setattr(chains, "local_lemmas", lemmas)
    monkeypatch.setattr(chains, "_guesses", stub)
    decide_structured(reduce_formula(family_formula("sat", 10, 1)).instance, SOLVER, Limits(30),
                      max_work=1)
    if values_fixed:
        assert seen == []
    else:
        assert len(seen) == 1, seen  # once in the route
        _, look_ended, children = seen[0]
        assert not look_ended and children == 1


@pytest.mark.parametrize("barren", [False, True])
def test_a_cut_pass_lets_the_guesses_go_first_and_then_resumes(barren, monkeypatch):
    """The lemma route's schedule when the value look's pass fixed nothing in its first
    PASS_BARREN neighbourhoods (``LemmaOutcome.barren``): the guesses go first, with
    GUESS_FIRST_SHARE of the time left, and then the whole value stage runs again (here
    it closes the case, as a value forced late in the pass would).  When the pass was
    not cut (it fixed nothing anywhere) the guesses have VALUE_MAX_SHARE and the stage is
    not asked again.  A cut pass also stops the radius-2 look beside it (the guesses take
    its core).  Dropping the second call, asking it when the pass was whole, or not
    stopping the look fails this."""
    from test_local_lemmas import _exact_route_off
    from nnsolve.decider import chains
    from nnsolve.decider.local_lemmas import LemmaOutcome
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    import threading

    import time

    calls, started = [], threading.Event()

    def values(case, solver, limits, radii, **kw):
        calls.append(("values", kw.get("barren")))
        pieces = chains.ite_pieces(case)
        if len(calls) == 1:  # the first pass: cut (or, unbarren, whole) with nothing fixed
            started.wait(10)  # once the radius-2 look beside it runs
            return LemmaOutcome(case, None, 10, 1, 0, pieces, pieces, 0.0, not barren, barren=barren)
        return LemmaOutcome(None, "stub: a late neighbourhood has no solution", 10, 1, 0, pieces, 0, 0.0, True)

    first_look, stopped_first = [], []

    def stub(case, wanted, solver, limits, workers, cancel):
        calls.append(("guesses", limits.timeout))
        deadline = time.monotonic() + 3
        while not first_look and time.monotonic() < deadline:
            time.sleep(0.05)
        stopped_first.append(first_look == [True])  # the radius-2 look was stopped before the guesses
        return SolverResult(UNKNOWN, "test", 0.0, reason="stub")

    _exact_route_off(monkeypatch)
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "after_lemmas", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))
    monkeypatch.setattr(chains, "value_lemmas", values)

    def lemmas(case, solver, limits, radii=None, passes=None, memory=None, cancel=None, **kw):
        if passes == 1 and not first_look:  # the radius-2 look, beside the values: stopped?
            started.set()
            first_look.append(cancel.wait(5))
        return _unchanged(case)

    monkeypatch.setattr(chains, "local_lemmas", lemmas)
    monkeypatch.setattr(chains, "_guesses", stub)
    monkeypatch.setattr(chains, "_lemma_route", _with_left(chains._lemma_route))
    result = decide_structured(reduce_formula(family_formula("sat", 10, 1)).instance, SOLVER, Limits(100),
                               max_work=1)
    kinds = [kind for kind, _ in calls]
    assert calls[0] == ("values", chains.PASS_BARREN)
    if barren:
        assert kinds == ["values", "guesses", "values"] and calls[2][1] is None, calls
        assert result.status == "unsat" and "late neighbourhood" in result.reason, result.reason
    else:
        assert kinds == ["values", "guesses"], calls
    share = chains.GUESS_FIRST_SHARE if barren else chains.VALUE_MAX_SHARE
    assert calls[1][1] == pytest.approx(share * _with_left.left[-1], rel=0.1), (calls[1], _with_left.left)
    assert stopped_first == [barren]  # a cut pass stops the radius-2 look; a whole one does not
    assert _with_left.release is not None and _with_left.release.is_set() == barren  # and frees the exact route


def _with_left(route):
    """``route`` (the lemma route) recording its time limit in ``_with_left.left``."""
    _with_left.left = []

    def recording(system, bounds, equations, free, keys, solver, limits, *args, **kwargs):
        _with_left.left.append(limits.timeout)
        _with_left.release = kwargs.get("release_exact")
        return route(system, bounds, equations, free, keys, solver, limits, *args, **kwargs)
    return recording


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 60), st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)), max_size=120),
       st.integers(0, 59))
def test_hops_from_are_the_shortest_distances(n, pairs, start):
    """``_hops_from`` over assertions (each a set of variables) against networkx's
    shortest paths on the graph where two variables are adjacent when an assertion uses
    both."""
    import networkx as nx

    used = [{a % n, b % n} for a, b in pairs] + [{i} for i in range(n)]
    index: dict = {}
    for i, u in enumerate(used):
        for v in u:
            index.setdefault(v, []).append(i)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from((a, b) for u in used for a in u for b in u if a != b)
    assert guesses._hops_from(start % n, index, used) == nx.single_source_shortest_path_length(graph, start % n)


def test_a_later_guess_is_made_nearest_the_last_one():
    """``_ranked`` with distances puts the nearest condition variables first, whatever
    their degree; the variables with no distance keep the degree order, after them."""
    case = _floating_case()
    from nnsolve.decider.local_lemmas import item_index

    _, used, index = item_index(case)
    plain = guesses._ranked(case, used)
    last = plain[-1]  # the least-used condition variable
    hops = guesses._hops_from(last, index, used)
    near = guesses._ranked(case, used, hops)
    assert near[0] == last and near != plain
    assert [hops.get(v, math.inf) for v in near] == sorted(hops.get(v, math.inf) for v in near)
    assert [v for v in near if v not in hops] == [v for v in plain if v not in hops]


def test_variables_at_one_distance_are_ranked_by_degree():
    """Among variables at the same distance from the guess before (and among all of them
    with no distances) the one more assertions use comes first, then the conditions'
    order.  The degrees here are counted apart from ``_ranked``; the draw must hold a
    class whose conditions' order is not its degree order, or the check could not fail."""
    from nnsolve.decider.branching import conditions
    from nnsolve.decider.local_lemmas import item_index

    case = _floating_case()
    _, used, index = item_index(case)
    first_seen: dict = {}
    for form, _, _ in conditions(case).values():
        for v in form:
            first_seen.setdefault(v, len(first_seen))
    degree = {v: sum(v in u for u in used) for v in first_seen}
    informative = 0
    for near in (None, guesses._hops_from(guesses._ranked(case, used)[-1], index, used)):
        ranked = guesses._ranked(case, used, near)
        assert sorted(ranked, key=repr) == sorted(first_seen, key=repr)
        classes: dict = {}
        for v in ranked:
            classes.setdefault((near or {}).get(v, math.inf), []).append(v)
        for members in classes.values():
            assert members == sorted(members, key=lambda v: (-degree[v], first_seen[v]))
            informative += members != sorted(members, key=first_seen.__getitem__)
    assert informative, "every class is already in the conditions' order: the tie-break is untested"


@pytest.mark.parametrize("finished", ["sat", "unsat", "unknown"])
def test_a_small_case_goes_to_finish_before_a_deeper_guess(finished, monkeypatch):
    """After a guess whose cascade left at most FINISH_PIECES ite pieces, ``finish`` is
    asked first: its sat is the answer (planted 10,000: two right guesses left 426
    pieces whose solution no simple value reaches), its unsat refutes the guess with no
    deeper guess, its unknown lets the guesses go deeper.  Without the early finish the
    sat case never reaches ``finish`` before MAX_DEPTH."""
    from nnsolve.decider.local_lemmas import LemmaOutcome, pieces
    from nnsolve.solvers import SolverResult

    case = _floating_case()
    asked = []  # (depth of the case finish got, status it gave)

    def stalls(c, solver, limits, **k):
        return LemmaOutcome(c, None, 0, 0, 0, pieces(c), pieces(c), 0.0, False)

    depth_of, real_with_values = {id(case): 0}, guesses.with_values

    def with_values(c, values, stats=None):  # each guessed case one deeper than its parent
        out = real_with_values(c, values, stats)
        if out is not None:
            depth_of[id(out)] = depth_of[id(c)] + 1
        return out

    def finish(c, limits):
        depth = depth_of[id(c)]
        status = finished if depth == 1 else "unsat"
        asked.append((depth, status))
        return SolverResult(status, "test", 0.0, {} if status == "sat" else None, reason="finish")

    monkeypatch.setattr(guesses, "with_values", with_values)
    monkeypatch.setattr(guesses, "value_lemmas", stalls)
    monkeypatch.setattr(guesses, "CANDIDATES", 1)
    monkeypatch.setattr(guesses, "VARIABLES", 1)
    monkeypatch.setattr(guesses, "FINISH_PIECES", pieces(case))
    out = guess_and_carry(case, SOLVER, Limits(60), finish)
    assert asked and asked[0] == (1, finished), asked  # right after the first guess
    if finished == "sat":
        assert out.status == "sat" and len(asked) == 1
    elif finished == "unsat":
        assert out.status == "unknown" and all(d == 1 for d, _ in asked), asked  # nothing deeper
    else:
        assert out.status == "unknown" and any(d > 1 for d, _ in asked), asked  # deeper guesses


def test_a_stalled_cascade_leads_to_the_next_guess(monkeypatch):
    """A cascade stopped by a stall (not finished, time left) counts as ended: the next
    guess is made on the case it left, down to MAX_DEPTH, and ``finish`` is asked there.
    Stopping the whole search at a stall would never reach ``finish``."""
    from nnsolve.decider.local_lemmas import LemmaOutcome, pieces
    from nnsolve.solvers import UNSAT, SolverResult

    case = _floating_case()
    depths, calls, ranked = [], [], []

    def stalls(c, solver, limits, **k):
        calls.append((limits.timeout, k.get("overtime", 0.0)))
        assert k.get("radii") == guesses.CASCADE_RADII  # a guessed cascade asks no radius-4 retries
        return LemmaOutcome(c, None, 0, 0, 0, pieces(c), pieces(c), 0.0, False)

    real_ranked = guesses._ranked

    def recording(c, used, near=None):
        ranked.append(near)
        return real_ranked(c, used, near)

    def finish(c, limits):
        depths.append(sum(c.system.value(v) is not None for v in _used(case)))
        return SolverResult(UNSAT, "test", 0.0, reason="a guessed case")

    monkeypatch.setattr(guesses, "value_lemmas", stalls)
    monkeypatch.setattr(guesses, "_ranked", recording)
    monkeypatch.setattr(guesses, "CANDIDATES", 2)
    monkeypatch.setattr(guesses, "VARIABLES", 1)
    monkeypatch.setattr(guesses, "FINISH_PIECES", -1)  # no early finish: the guesses go down to MAX_DEPTH
    out = guess_and_carry(case, SOLVER, Limits(60), finish)
    assert out.status == "unknown"
    assert depths and max(depths) >= guesses.MAX_DEPTH, depths  # each level fixed one more variable
    # each cascade may stall after VALUE_STALL seconds and may go on to the deadline after
    assert calls and all(t <= guesses.VALUE_STALL for t, _ in calls) and calls[0][1] > 0, calls
    # the first plan ranks by degree; a later one by distance from the guess before it
    assert ranked[0] is None and any(near and 0 in near.values() for near in ranked[1:]), ranked


def test_each_variable_gets_its_first_values_before_the_next(monkeypatch):
    """The plan: the first variable's ends and first FIRST_INSIDE inside values, then
    the next variable's, and only then the rest of each one's inside values.  With every
    guess refuted (a stubbed cascade), the guesses come in exactly that order."""
    from nnsolve.decider.local_lemmas import LemmaOutcome

    case = _floating_case()
    F = Fraction
    shown: dict = {}
    tried: list = []

    def interval(v, hood, session, limits, cancel=None, stop=lambda: False):
        return F(3, 2), ((F(2) - F(1, 10**4), F(2) + F(1, 10**4)), (F(1) + F(1, 10**4), F(1) - F(1, 10**4)))

    real_candidates = guesses._candidates

    def candidates(m, low, below, high, above, maps):
        out = real_candidates(m, low, below, high, above, maps)
        shown[len(shown)] = out
        return out

    real_with_values = guesses.with_values

    def recording(c, values, stats=None):
        tried.extend(values.items())
        return real_with_values(c, values, stats)

    def refutes(c, solver, limits, **k):
        return LemmaOutcome(None, "refuted (stub)", 0, 0, 0, 0, 0, 0.0, True)

    monkeypatch.setattr(guesses, "local_interval", interval)
    monkeypatch.setattr(guesses, "_candidates", candidates)
    monkeypatch.setattr(guesses, "value_lemmas", refutes)
    monkeypatch.setattr(guesses, "with_values", recording)
    monkeypatch.setattr(guesses, "VARIABLES", 3)
    out = guess_and_carry(case, SOLVER, Limits(120), lambda c, limits: None)
    assert out.status == "unknown"
    first = guesses.FIRST_INSIDE
    variables = list(dict.fromkeys(v for v, _ in tried))
    assert len(variables) == 3 and len(shown) == 3
    want = []
    for i, v in enumerate(variables):
        ends, inside = shown[i]
        want += [(v, q) for q in ends + inside[:first]]
    for i, v in enumerate(variables):
        want += [(v, q) for q in shown[i][1][first:]]
    assert tried == want

"""Recentring (nnsolve.decider.recentre): v = c + o with a fresh free variable c.

The argument is that the new equation only names v - o; what could break it in code is
a wrong sign or offset, a moved variable that stays in some form, or a variable moved
twice.  The exact test evaluates every form of the residual (bounds, both sides of
each definition, every piece of every equation) before and after at the same point, on
residual-like systems of the sizes the reduction gives (hundreds to a few thousand
neurons, windows around 10^9); the solver test compares verdicts on small ones."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsolve.decider.recentre import THRESHOLD, intervals, recentre
from nnsolve.decider.residual_query import Bound, PiecewiseEquation, residual_query
from nnsolve.elimination import LinearSystem
from nnsolve.solvers import SAT, UNSAT, Limits, Query, get_solver

PRIORITY = {"U": 0, "K": 2, "p": 3, "q": 3, "c": 6}


def residual_like(n: int, seed: int, far: bool = True, unsat: bool = False):
    """Neurons j = 0..n-1 as the chain decomposition leaves them: a position q_j in a
    window two units wide (around 10^9 when ``far``), a second position p_j = q_j - d_j
    (a fixed shift), a jump K_j with K_j (q_j - a_j) = 3 (U_j = K_j q_j), window bounds on
    (1 - l) p_j + l q_j, and equations -3 - K_j + ite(q_{j-1} >= mid, K_{j-1} + 3, 0) +
    ite(q_j <= mid, K_j + 3, 0) = 0 linking neighbours.  Returns the system, bounds,
    equations and a planted point of the free variables (the positions q_j) where every
    bound and definition holds (``unsat``: one window made empty)."""
    rng = random.Random(seed)
    s = LinearSystem(lambda v: PRIORITY[v[0]])
    bounds, equations, point = [], [], {}
    for j in range(n):
        o = rng.randint(10**8, 4 * 10**9) * rng.choice([1, -1]) if far else rng.randint(-50, 50)
        q, p, K, U = ("q", j), ("p", j), ("K", j), ("U", j)
        s.define(U, K, q)
        s.equate({U: 1, K: -(o - 1), None: -3})  # K (q - o + 1) = 3
        d = Fraction(rng.randint(1, 900), rng.randint(1, 9))
        s.equate({p: 1, q: -1, None: d})
        lam = Fraction(rng.randint(0, 8), 8)
        bounds.append(Bound({p: 1 - lam, q: lam}, o - (1 - lam) * d, o + 2 - (1 - lam) * d))
        if unsat and j == n // 2:
            bounds.append(Bound({q: 1}, Fraction(o + 3), None))
        bounds.append(Bound({q: 1, None: -o}, Fraction(0), Fraction(2), strict=rng.random() < 0.3))
        point[q] = o + Fraction(rng.randint(1, 15), 8)
        if j:
            pieces = (({("q", j - 1): -1}, -(prev + 1), {("K", j - 1): 1, None: 3}),
                      ({q: 1}, Fraction(o + 1), {K: 1, None: 3}))
            equations.append(PiecewiseEquation({None: -3, K: -1}, pieces))
        prev = o
    s.propagate()
    return s, bounds, equations, point


def forms(system, bounds, equations):
    out = [b.expr for b in bounds]
    for product, left, right in system.bilinear:
        out += [{product: 1}, {left: 1}, {right: 1}]
    for eq in equations:
        out.append(eq.base)
        for cond, _, piece in eq.pieces:
            out += [cond, piece]
    return out


def evaluate(expr, point):
    return sum((c * (1 if k is None else point[k]) for k, c in expr.items()), Fraction(0))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(100, 2500), st.integers(0, 10**6), st.booleans())
def test_every_form_keeps_its_value(n, seed, far):
    system, bounds, equations, point = residual_like(n, seed, far)
    before = [system.reduce(f) for f in forms(system, bounds, equations)]
    old_free = {k for e in before for k in e if k is not None}
    rng = random.Random(seed)
    point.update({k: Fraction(rng.randint(-99, 99), 7) for k in old_free if k not in point})  # the jumps
    moved = recentre(system, bounds)
    after = [system.reduce(f) for f in forms(system, bounds, equations)]
    # each moved variable is its fresh variable plus an integer offset of at least THRESHOLD
    new_point = dict(point)
    for c in moved:
        form = system.reduce({c[1]: 1})
        assert set(form) == {c, None} and form[c] == 1
        offset = form[None]
        assert offset.denominator == 1 and abs(offset) >= THRESHOLD
        new_point[c] = point[c[1]] - offset
        assert 0 <= new_point[c] < 3  # next to 0: the window's lower end rounded down
    assert bool(moved) == far
    new_free = {k for e in after for k in e if k is not None}
    assert new_free == (old_free - {c[1] for c in moved}) | set(moved)
    for b, a in zip(before, after):
        assert evaluate(b, point) == evaluate(a, new_point)


def test_intervals_take_the_tightest_ends():
    s = LinearSystem()
    s.equate({"y": 1, "x": -2, None: -1})  # x = (y - 1) / 2, y stays free
    got = intervals(s, [Bound({"y": 1}, Fraction(5), Fraction(9)), Bound({"x": -1}, Fraction(-3), None),
                        Bound({"x": 1, "z": 1}, Fraction(0), Fraction(1))])
    assert got == {"y": [Fraction(5), Fraction(7)]}  # x <= 3 is y <= 7


def test_a_fixed_or_unbounded_variable_stays():
    s = LinearSystem(lambda v: PRIORITY[v[0]])
    s.equate({("q", 0): 1, ("q", 1): -1})
    assert recentre(s, [Bound({("q", 2): 1}, None, None), Bound({("q", 3): 1}, Fraction(5), Fraction(7))]) == []
    moved = recentre(s, [Bound({("q", 0): 1}, Fraction(10**9), None), Bound({("q", 1): 1}, None, Fraction(10**9))])
    assert len(moved) == 1  # q0 and q1 are one free variable: moved once
    assert s.reduce({("q", 0): 1}) == {moved[0]: Fraction(1), None: Fraction(10**9)}


SOLVER = get_solver("z3")


@pytest.mark.parametrize("seed", range(6))
def test_the_solver_gives_the_same_verdict(seed):
    for unsat in (False, True):
        system, bounds, equations, _ = residual_like(6, seed, far=True, unsat=unsat)
        old = SOLVER.solve(Query(residual_query(system, bounds, equations)), Limits(60, 2000))
        recentre(system, bounds)
        text = residual_query(system, bounds, equations)
        new = SOLVER.solve(Query(text), Limits(60, 2000))
        assert old.status in (SAT, UNSAT)
        assert new.status == old.status
        assert (old.status == UNSAT) == unsat


def test_an_upper_end_alone_sets_the_offset_and_an_empty_window_is_left_to_the_solver():
    s = LinearSystem(lambda v: PRIORITY[v[0]])
    moved = recentre(s, [Bound({("q", 0): 1}, None, Fraction(-7 * 10**9, 2)),          # q0 <= -3.5e9
                         Bound({("q", 1): 1}, Fraction(10**9 + 5), Fraction(10**9))])  # empty
    assert moved == [("c", ("q", 0))]
    assert s.reduce({("q", 0): 1}) == {("c", ("q", 0)): Fraction(1), None: Fraction(-35 * 10**8)}
    assert s.reduce({("q", 1): 1}) == {("q", 1): Fraction(1)}

"""Status groups of the chain stage's off-line points (decider.chains._status_groups,
_StatusGroup.at) against the per-neuron definition (_window_at / _status_at), and the
off-line equations built on a real LinearSystem (reduced accumulation, prefix variables,
_resolve_pieces) against a planted solution.

Windows, shifts, t and lam sit on small grids, so points at a window's end, empty
windows (lo > hi), negative and shared shifts and lam outside [0, 1] are frequent."""

from fractions import Fraction as F

import pytest
from gmpy2 import mpq
from hypothesis import given, settings, strategies as st

from nnsolve.decider import chains
from nnsolve.decider.residual_query import PiecewiseEquation
from nnsolve.elimination import LinearSystem
from nnsolve.training.instance import DataPoint, TrainingInstance

half = st.integers(-8, 16).map(lambda k: F(k, 2))
width = st.sampled_from([F(-2), F(-1, 2), F(0), F(1, 2), F(1), F(3)])  # negative: an empty window
shift = st.one_of(st.none(), st.sampled_from([F(-3), F(-1), F(-1, 2), F(0), F(1, 2), F(2)]))
lams = st.integers(-12, 12).map(lambda k: F(k, 4))


def _expected(key, wins, lam, shifts, t):
    lo, hi = chains._window_at(key, wins, lam, shifts)
    return ("linear" if t >= hi else "piece" if t > lo else None), lo, hi


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(half, width, half, width, shift), min_size=1, max_size=9),
       st.lists(st.tuples(half, lams), min_size=1, max_size=6), st.sampled_from([F, mpq]))
def test_status_groups_decide_like_the_window(spec, points, rational):
    neurons, shifts = [], {}
    for j, (lo1, w1, loL, wL, c) in enumerate(spec):
        key = (0, j)
        if c is None:  # kink_windows' windows are nonempty; with a shift their meet may be empty
            w1, wL = abs(w1), abs(wL)
        neurons.append((key, [(lo1, lo1 + w1), (loL, loL + wL)]))
        if c is not None:
            shifts[key] = c
    groups = chains._status_groups(neurons, shifts, [lam for _, lam in points], rational)
    members = sorted(j for g in groups for j in g.order)
    assert members == list(range(len(neurons)))  # every neuron in exactly one group
    for g in groups:
        assert g.keys == sorted(g.keys) and g.lows == sorted(g.lows)
        assert all((neurons[j][0] in shifts) == (g.shift is not None) for j in g.order)
        assert g.shift is None or all(shifts[neurons[j][0]] == g.shift for j in g.order)
    for t, lam in points:
        got = {}
        for g in groups:
            r, near = g.at(t, lam, rational(t), rational(lam), float(t), float(lam))
            for j in g.order[:r]:
                got[j] = "linear"
            for j, status in near:
                assert j not in got and status in ("linear", "piece")
                got[j] = status
        for j, (key, wins) in enumerate(neurons):
            want, lo, hi = _expected(key, wins, lam, shifts, t)
            if key in shifts:
                assert got.get(j) == want, (j, t, lam, lo, hi)
            elif got.get(j) != want:
                # the hmax/lmin group calls a window [t, t] 0, _status_at linear: both are
                # K relu(t - k) = 0 there (the old code did the same)
                assert (got.get(j), want) == (None, "linear") and lo == hi == t, (j, t, lam, lo, hi)


slack = st.sampled_from([F(0), F(1, 2), F(1), F(3, 2)])
small = st.integers(-3, 3).map(F)


@st.composite
def planted(draw):
    """Neurons with windows on lines u = 0 and u = 1 around their crossings, a planted
    assignment, off-line points whose labels that assignment fits exactly, and facts a
    LinearSystem already knows (q = p + c, some p fixed, some neurons with K = U = V = 0)."""
    outputs = draw(st.integers(1, 2))
    values: dict = {}
    for o in range(outputs):
        for k in "ctu":
            values[("A", o, k)] = draw(small)
    neurons, shifts, facts = [], {}, []
    for j in range(draw(st.integers(1, 8))):
        key = (0, j)
        p = draw(half)
        c = draw(st.one_of(st.none(), st.sampled_from([F(-2), F(-1, 2), F(0), F(1)])))
        q = draw(half) if c is None else p + c
        values[("p",) + key], values[("q",) + key] = p, q
        if c is not None:
            shifts[key] = c
            facts.append({("q",) + key: 1, ("p",) + key: -1, None: -c})
        if draw(st.integers(0, 4)) == 0:
            facts.append({("p",) + key: 1, None: -p})
        dead = draw(st.integers(0, 4)) == 0
        neurons.append((key, [(p - draw(slack), p + draw(slack)), (q - draw(slack), q + draw(slack))]))
        for o in range(outputs):
            K = F(0) if dead else draw(small.filter(bool))
            values[("K",) + key + (o,)], values[("U",) + key + (o,)], values[("V",) + key + (o,)] = K, K * p, K * q
            if dead:
                facts += [{(X,) + key + (o,): 1} for X in "KUV"]
    if draw(st.booleans()):
        # a bump: three neurons with one shift of their own, jumps (k, -2k, k) at p, p + d,
        # p + 2d, so sum K = sum U = sum V = 0 (facts the system knows): the group adds 0
        # wherever all of it is linear (the bump path of _off_line_equations)
        c, start, d = F(3), draw(half), draw(st.sampled_from([F(1, 4), F(1, 2), F(1)]))
        ks = [draw(small.filter(bool)) for _ in range(outputs)]
        members = []
        for i, w in enumerate((1, -2, 1)):
            key = (1, i)
            p = start + i * d
            values[("p",) + key], values[("q",) + key] = p, p + c
            shifts[key] = c
            facts.append({("q",) + key: 1, ("p",) + key: -1, None: -c})
            neurons.append((key, [(p - draw(slack), p + draw(slack)), (p + c - draw(slack), p + c + draw(slack))]))
            members.append(key)
            for o in range(outputs):
                K = w * ks[o]
                values[("K",) + key + (o,)], values[("U",) + key + (o,)] = K, K * p
                values[("V",) + key + (o,)] = K * (p + c)
                # V - U = c K: what _parallel_shifts leaves in the system
                facts.append({("V",) + key + (o,): 1, ("U",) + key + (o,): -1, ("K",) + key + (o,): -c})
        for o in range(outputs):
            facts.append({("K",) + key + (o,): 1 for key in members})
            facts.append({("U",) + key + (o,): 1 for key in members})
    off = draw(st.lists(st.tuples(st.integers(-8, 12).map(lambda k: F(k, 4)), half), min_size=1, max_size=8))
    points = []
    for u, t in off:
        y = []
        for o in range(outputs):
            total = values[("A", o, "c")] + values[("A", o, "t")] * t + values[("A", o, "u")] * u
            for key, _ in neurons:
                k = (1 - u) * values[("p",) + key] + u * values[("q",) + key]
                total += values[("K",) + key + (o,)] * max(F(0), t - k)
            y.append(total)
        points.append(DataPoint((u, t), tuple(y)))
    instance = TrainingInstance(tuple(points), len(neurons), outputs=outputs)
    return instance, neurons, shifts, facts, values


def _ev(values: dict, expr) -> F:
    return sum((F(c) * (F(1) if k is None else values[k]) for k, c in expr.items()), F(0))


@settings(max_examples=150, deadline=None)
@given(planted(), st.sampled_from([1, 2, 256]))
def test_a_planted_solution_survives_the_off_line_equations(setup, prefix_min):
    """With a real LinearSystem (pivots, so accumulate and reduce substitute): the planted
    solution, extended by its prefix sums, satisfies every pivot, definition and kept
    equation after _off_line_equations and _resolve_pieces; kept bases are Fractions.
    (Soundness only: a kept piece whose term has become 0 is allowed here, see
    test_resolve_pieces_reaches_its_fixpoint.)"""
    instance, neurons, shifts, facts, values = setup
    system = LinearSystem(lambda v: {"U": 0, "V": 0, "A": 1, "K": 2, "p": 3, "q": 3, "P": 5}[v[0]])
    for key, _ in neurons:
        for o in range(instance.outputs):
            system.define(("U",) + key + (o,), ("K",) + key + (o,), ("p",) + key)
            system.define(("V",) + key + (o,), ("K",) + key + (o,), ("q",) + key)
    for fact in facts:
        system.equate(fact)
    system.propagate()
    equations: list = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(chains, "PREFIX_MIN", prefix_min)
        prefixes = chains._off_line_equations(instance, list(range(len(instance.points))), neurons, 1, 0,
                                              F(0), F(1), system, equations, shifts)
    running: dict = {}
    for v in prefixes:  # in definition order: ("P", X, n, o, key, group)
        _, X, n, o, key, g = v
        running[X, o, g] = running.get((X, o, g), F(0)) + values[(X,) + key + (o,)]
        values[v] = running[X, o, g]
    system.propagate()
    equations = chains._resolve_pieces(system, equations)
    for pivot, expr in system.pivots.items():
        assert values[pivot] == _ev(values, expr), pivot
    for product, left, right in system.bilinear:
        assert values[product] == values[left] * values[right]
    for eq in equations:
        assert isinstance(eq, PiecewiseEquation) and eq.pieces
        assert all(type(c) is F for c in eq.base.values())
        total = _ev(values, eq.base)
        for cond, at, piece in eq.pieces:
            if _ev(values, cond) <= at:
                total += _ev(values, piece)
        assert total == 0


def test_resolve_pieces_reaches_its_fixpoint():
    """The second equation loses its only ite (term y = 0), so z = 0 joins the system;
    the first equation's ite then has the term z = 0 and must go as well (x = 0)."""
    system = LinearSystem()
    system.equate({"y": 1})
    equations = [PiecewiseEquation({"x": 1}, (({"c": 1}, F(0), {"z": 1}),)),
                 PiecewiseEquation({"z": 1}, (({"d": 1}, F(0), {"y": 1}),))]
    left = chains._resolve_pieces(system, equations)
    assert system.value("z") == 0
    assert left == [] and system.value("x") == 0


class _Group:
    def __init__(self, shift, lowest, highest):
        self.shift, self.lowest, self.highest = shift, lowest, highest


big = st.integers(-10 ** 9, 10 ** 9).map(lambda k: F(k, 7))
tiny = st.integers(8, 40).map(lambda k: F(1, 10 ** k))


@settings(max_examples=300, deadline=None)
@given(ranges=st.lists(st.tuples(big, st.integers(0, 10 ** 6).map(F), big), min_size=1, max_size=6),
       lam=st.integers(-400, 40).map(lambda k: F(k, 13)), pick=st.integers(0, 5),
       end=st.sampled_from(["lo", "hi"]), sign=st.sampled_from([-1, 0, 1]), delta=tiny)
def test_the_bump_index_keeps_every_group_whose_range_holds_the_point(ranges, lam, pick, end, sign, delta):
    """_BumpIndex selects in doubles; every group with lowest < t - lam c < highest
    (exactly) must be a candidate, also for points 1e-8 .. 1e-40 from a range's end,
    where a selection without a correct margin would drop it."""
    groups = [_Group(c, lo, lo + w) for c, w, lo in ranges]
    g = groups[pick % len(groups)]
    s = (g.lowest if end == "lo" else g.highest) + sign * delta
    t = s + lam * g.shift
    index = chains._BumpIndex(groups)
    got = index.candidates(float(t), float(lam))
    for h in groups:
        if h.lowest < t - lam * h.shift < h.highest:
            assert any(x is h for x in got)


def test_the_bump_index_keeps_groups_when_a_product_overflows():
    """lam * c beyond the doubles (second reader's case): s = 1.5e308 - 2e308 lies inside
    the group's range exactly, but s in doubles is -inf; the group must stay a candidate."""
    big = F(10) ** 308
    g = _Group(big, -big, big)
    assert chains._BumpIndex([g]).candidates(float(F(3, 2) * big), 2.0) == [g]


def test_a_point_beyond_the_doubles_is_classified_exactly():
    """t = 10^400 does not fit a double (float() raised OverflowError in the off-line
    step); as an infinity it must not pass the float filter: the status comes from the
    exact window."""
    big = F(10) ** 400
    wins = [(F(0), F(1)), (F(0), F(1))]
    fwin = chains._float_windows(("n",), wins, {})
    t_f = chains._double(big)
    assert t_f == float("inf") and chains._double(-big) == float("-inf")
    assert chains._status_at(("n",), wins, F(1, 2), {}, big, fwin, 0.5, t_f) == "linear"
    assert chains._status_at(("n",), wins, F(1, 2), {}, -big, fwin, 0.5, chains._double(-big)) is None
    # a window reaching past the doubles too: the exact answer is "piece", which a filter
    # comparing infinities would get wrong
    huge = [(F(0), 2 * big), (F(0), 2 * big)]
    assert chains._status_at(("n",), huge, F(1, 2), {}, big, chains._float_windows(("n",), huge, {}), 0.5,
                             t_f) == "piece"

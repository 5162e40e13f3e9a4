"""The sparse label equations of the chain stage (decider.chains._line_equations and
_off_line_equations) against the label equations they replace, on random assignments.

For any assignment that meets the query's constraints (each neuron's crossing of every
family line in its closed window, U = K p, V = K q, q - p = c for a fixed shift c), with
arbitrary labels, the derived equations must evaluate to exactly:

* on a family line (points sorted by t): e_0, e_1, then for each interior point the change
  of slope d_i = e_{i-1}/(t_i - t_{i-1}) - (1/(t_i - t_{i-1}) + 1/(t_{i+1} - t_i)) e_i
  + e_{i+1}/(t_{i+1} - t_i), a triangular and invertible map of (e_0, ..., e_{n-1});
* off the lines: e_i itself, with the prefix variables at their definitions;

where e_i = A(x_i) + sum_j K_j relu(t_i - k_j(u_i)) - y_i is the original residual.  Equal
values for every feasible assignment means the same solutions (no lost and no spurious
one).  Samples, windows and kinks sit on a half-integer grid, so kinks at samples, windows
ending at samples and points at a window's end are frequent.
"""

from fractions import Fraction as F

import pytest
from hypothesis import given, settings, strategies as st

from nnsolve.decider import chains
from nnsolve.decider.lines import DataLine
from nnsolve.decider.residual_query import PiecewiseEquation
from nnsolve.training.instance import DataPoint, TrainingInstance

half = st.integers(-8, 24).map(lambda k: F(k, 2))
small = st.integers(-3, 3).map(F)
slack = st.sampled_from([F(0), F(1, 2), F(1), F(3, 2), F(3)])


class _Recorder:
    """A stand-in for the LinearSystem: keeps every equated expression, in order, in the
    same list as the piecewise equations."""

    def __init__(self, out: list) -> None:
        self.out = out

    def equate(self, expr) -> None:
        self.out.append(PiecewiseEquation(dict(expr), ()))

    # no pivots: reducing is the identity
    def rational(self, value) -> F:
        return F(value)

    def accumulate(self, out: dict, expr, factor=1) -> dict:
        for k, v in expr.items():
            out[k] = out.get(k, 0) + factor * v
        return out

    def reduce(self, expr) -> dict:
        return dict(expr)


def _ev(values: dict, expr) -> F:
    return sum((F(c) * (F(1) if k is None else values[k]) for k, c in expr.items()), F(0))


def _value(values: dict, eq: PiecewiseEquation) -> F:
    total = _ev(values, eq.base)
    for cond, at, piece in eq.pieces:
        if _ev(values, cond) <= at:
            total += _ev(values, piece)
    return total


@st.composite
def setups(draw):
    """A family of lines u = 0, u = mid, u = 1 (t = x[1], u = x[0]), neurons with windows
    around their crossings, an assignment, arbitrary labels."""
    outputs = draw(st.integers(1, 2))
    mid = draw(st.sampled_from([F(1, 3), F(1, 2), F(3, 4)]))
    lines_u = [F(0), mid, F(1)]
    values: dict = {}
    for o in range(outputs):
        for k in "ctu":
            values[("A", o, k)] = draw(small)
    neurons, shifts = [], {}
    for j in range(draw(st.integers(1, 7))):
        key = (0, j)
        p = draw(half)
        q = draw(half) if draw(st.booleans()) else p + draw(st.sampled_from([F(-1), F(0), F(1, 2), F(2)]))
        values[("p",) + key], values[("q",) + key] = p, q
        if draw(st.booleans()):
            shifts[key] = q - p  # the stage found q - p = c and made it an equation
        wins = []
        for u in lines_u:
            k = (1 - u) * p + u * q
            wins.append((k - draw(slack), k + draw(slack)))
        neurons.append((key, wins))
        for o in range(outputs):
            K = draw(small.filter(bool))
            values[("K",) + key + (o,)], values[("U",) + key + (o,)], values[("V",) + key + (o,)] = K, K * p, K * q
    line_ts = [draw(st.lists(half, min_size=2, max_size=9, unique=True)) for _ in lines_u]
    off = draw(st.lists(st.tuples(st.integers(-4, 8).map(lambda k: F(k, 4)), half), max_size=8))
    points, lines = [], []
    for u, ts in zip(lines_u, line_ts):
        ids = []
        for t in ts:
            ids.append(len(points))
            points.append(DataPoint((u, t), tuple(draw(small) for _ in range(outputs))))
        order = sorted(range(len(ts)), key=ts.__getitem__)
        lines.append(DataLine(1, 0, u, tuple(ids[i] for i in order), tuple(sorted(ts))))
    pending = []
    for u, t in off:
        pending.append(len(points))
        points.append(DataPoint((u, t), tuple(draw(small) for _ in range(outputs))))
    instance = TrainingInstance(tuple(points), len(neurons), outputs=outputs)
    return instance, lines, neurons, shifts, values, pending


def _residual(instance, values, neurons, idx: int, o: int) -> F:
    """e_idx for output o: the original label equation at the assignment."""
    (u, t), y = instance.points[idx].x, instance.points[idx].y
    total = values[("A", o, "c")] + values[("A", o, "t")] * t + values[("A", o, "u")] * u - y[o]
    for key, _ in neurons:
        k = (1 - u) * values[("p",) + key] + u * values[("q",) + key]
        total += values[("K",) + key + (o,)] * max(F(0), t - k)
    return total


@settings(max_examples=100, deadline=None)
@given(setups())
def test_line_equations_are_a_triangular_map_of_the_label_equations(setup):
    instance, lines, neurons, _, values, _ = setup
    for li, line in enumerate(lines):
        out: list = []
        chains._line_equations(instance, li, line, neurons, 1, 0, F(0), F(1), _Recorder(out), out)
        ts = list(line.t)
        n = len(ts)
        assert len(out) == n * instance.outputs
        e = [[_residual(instance, values, neurons, i, o) for o in range(instance.outputs)] for i in line.points]
        expected = e[0] + e[1]
        for r in range(1, n - 1):
            left, right = 1 / (ts[r] - ts[r - 1]), 1 / (ts[r + 1] - ts[r])
            expected += [left * e[r - 1][o] - (left + right) * e[r][o] + right * e[r + 1][o]
                         for o in range(instance.outputs)]
        assert [_value(values, eq) for eq in out] == expected


@settings(max_examples=100, deadline=None)
@given(setups(), st.sampled_from([1, 2, 256]))
def test_off_line_equations_are_the_label_equations(setup, prefix_min):
    instance, _, neurons, shifts, values, pending = setup
    out: list = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(chains, "PREFIX_MIN", prefix_min)
        prefixes = chains._off_line_equations(instance, pending, neurons, 1, 0, F(0), F(1), _Recorder(out), out,
                                              shifts)
    labels = []
    for eq in out:
        if any(k is not None and k[0] == "A" for k in eq.base):
            labels.append(eq)
        else:  # a prefix definition P_n - X - P_{n-1} = 0: P_n is the prefix key with coefficient 1
            (new,) = [k for k, c in eq.base.items() if k in prefixes and c == 1 and k not in values]
            values[new] = -_ev(values, {k: c for k, c in eq.base.items() if k != new})
    assert len(labels) == len(pending) * instance.outputs
    expected = [_residual(instance, values, neurons, i, o) for i in pending for o in range(instance.outputs)]
    assert [_value(values, eq) for eq in labels] == expected


tiny = st.integers(8, 40).map(lambda k: F(1, 10 ** k))
big = st.integers(-10 ** 9, 10 ** 9).map(lambda k: F(k, 7))


@settings(max_examples=300, deadline=None)
@given(lo1=big, w1=st.integers(0, 4).map(F), loL=big, wL=st.integers(0, 4).map(F),
       lam=st.integers(-20, 40).map(lambda k: F(k, 13)), shift=st.one_of(st.none(), big),
       end=st.sampled_from(["lo", "hi"]), sign=st.sampled_from([-1, 0, 1]), delta=tiny)
def test_the_float_filter_never_changes_a_status(lo1, w1, loL, wL, lam, shift, end, sign, delta):
    """_status_at (doubles with a margin, exact inside it) equals the exact classification
    by _window_at, for points within 1e-8 .. 1e-40 of a window's end, where a filter
    without a correct margin would misclassify."""
    key = ("n",)
    if shift is not None:
        loL = lo1 + shift  # the windows of a neuron with a fixed shift agree with it
    wins = [(lo1, lo1 + w1), (loL, loL + wL)]
    shifts = {} if shift is None else {key: shift}
    lo, hi = chains._window_at(key, wins, lam, shifts)
    if lo > hi:
        return
    t = (lo if end == "lo" else hi) + sign * delta
    expected = "linear" if t >= hi else "piece" if t > lo else None
    fwin = chains._float_windows(key, wins, shifts)
    assert chains._status_at(key, wins, lam, shifts, t, fwin, float(lam), float(t)) == expected

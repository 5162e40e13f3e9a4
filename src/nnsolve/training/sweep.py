"""Exact evaluation of a network on many points without a points x neurons product.

Neurons whose weight vectors are parallel depend on the input only through one
projection s = n . x (n the direction, normalized so that its first nonzero
coordinate is 1).  With relu(z) = z + relu(-z), a neuron a relu(lambda s + b)
is ``a lambda (s - k)`` (if lambda < 0) plus ``c relu(s - k)`` with the kink
k = -b / lambda and c = a |lambda|.  So a direction's neurons sum to an affine
function of s (added once to one global affine function of x) plus

    h(s) = sum_i C_i relu(s - k_i)        (distinct kinks k_1 < ... < k_m),

which is 0 for s <= k_1 and, if sum C_i = 0 and sum C_i k_i = 0, also for
s >= k_m: h's *support* is [k_1, k_m], else [k_1, +inf).  Inside the support,
bisection among the kinks and prefix sums give h(s) = S1 s - S2 exactly.

A point therefore needs only the global affine function and the groups whose
support contains its projection.  They are found:

* for points on *dense lines* (many points sharing all coordinates but the
  last, like the reduction's cross-sections): per (line, group), the support is
  an interval of the last coordinate, found by exact bisection in the line's
  sorted points;
* for the other points: a float filter with a proven error margin (numpy), then
  the exact test.  Inputs are rounded to the nearest double (relative error
  <= u = 2^-53), s~ = x~_1 n~_1 + ... costs d products and d - 1 sums, so
  |s~ - s| <= gamma_{2d+1} sum |n_i x_i| with gamma_k = k u / (1 - k u); the
  margin used is 4 (2d + 4) u (T + |lo|) + 2^-1000 with T = sum_i |n~_i| times
  the largest |x~_i| of a block of 64 nearby points, several times that bound.
  The same margin first drops groups whose strip misses the block's bounding
  box (each corner is a possible point).  A group the filter drops is outside
  the support for sure; every kept one is decided exactly.

Every value is exact: rational arithmetic in FLINT's fmpq when python-flint is
installed (about ten times faster than Fraction), else Fraction; floats only
preselect candidates.
Only networks with rational weights take this path (:func:`evaluate_points`
returns None otherwise, and callers evaluate naively in their number field).

>>> from fractions import Fraction as F
>>> from nnsolve.training.network import Network, Neuron, evaluate
>>> net = Network((Neuron((F(1), F(1)), F(-1), (F(2),)), Neuron((F(-2), F(-2)), F(4), (F(1),))), (F(0),))
>>> xs = [(F(0), F(0)), (F(1), F(1)), (F(3), F(1))]
>>> evaluate_points(net, xs) == [evaluate(net, x) for x in xs]
True
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

try:  # exact rationals in C; Fraction otherwise (same results, slower)
    from flint import fmpq as _fmpq

    def _q(v):
        return _fmpq(v.numerator, v.denominator)  # int or Fraction

    def _back(v) -> Fraction:
        return Fraction(int(v.p), int(v.q))
except ImportError:  # pragma: no cover - python-flint is installed with nnsolve
    def _q(v):
        return Fraction(v)

    def _back(v) -> Fraction:
        return v

#: a line of points (all coordinates but the last equal) with at least this many points is "dense"
DENSE_LINE = 32
#: sparse points per numpy block in the float filter
BLOCK = 64


@dataclass(frozen=True)
class Group:
    """The kinks part h(s) = sum C_i relu(s - k_i) of one direction n."""

    n: tuple[Fraction, ...]
    kinks: tuple[Fraction, ...]          # sorted, distinct
    s1: tuple[tuple[Fraction, ...], ...]  # prefix sums of C_i (index i: kinks before i)
    s2: tuple[tuple[Fraction, ...], ...]  # prefix sums of C_i k_i
    low: Fraction
    high: Fraction | None                # None: the support is unbounded above

    def value(self, s: Fraction) -> tuple[Fraction, ...]:
        i = bisect.bisect_left(self.kinks, s)  # kinks < s (a kink at s contributes 0)
        return tuple(a * s - b for a, b in zip(self.s1[i], self.s2[i]))

    def contains(self, s: Fraction) -> bool:
        return self.low <= s and (self.high is None or s <= self.high)


def _rational(network) -> bool:
    ok = (int, Fraction)
    return all(type(v) in ok for v in network.bias) and all(
        type(v) in ok for n in network.neurons for v in (*n.w, n.b, *n.a))


def decompose(network) -> tuple[list[Fraction], list[Fraction], list[Group]]:
    """(constant, linear coefficients per input and output, groups): the network is
    const[o] + sum_i lin[i][o] x_i + sum_groups h_g(n_g . x)[o] (values in the exact
    rational type of this module: fmpq or Fraction)."""
    outputs = len(network.bias)
    inputs = len(network.neurons[0].w) if network.neurons else 0
    zero = _q(0)
    const = [_q(c) for c in network.bias]
    lin = [[zero] * outputs for _ in range(inputs)]
    by_direction: dict[tuple, dict] = defaultdict(dict)
    for neuron in network.neurons:
        w = [_q(v) for v in neuron.w]
        a = [_q(v) for v in neuron.a]
        b = _q(neuron.b)
        lead = next((v for v in w if v != 0), None)
        if lead is None:  # constant neuron
            if b > 0:
                const = [c + ao * b for c, ao in zip(const, a)]
            continue
        n = tuple(v / lead for v in w)
        k = -b / lead
        c = [ao * abs(lead) for ao in a]
        if lead < 0:  # a lead (s - k) = a . (w x + b): the affine part
            for i, wi in enumerate(w):
                for o in range(outputs):
                    lin[i][o] += a[o] * wi
            const = [cc + ao * b for cc, ao in zip(const, a)]
        slot = by_direction[n].setdefault(k, [zero] * outputs)
        for o in range(outputs):
            slot[o] += c[o]
    groups = []
    for n, kinks in by_direction.items():
        ks = sorted(k for k, c in kinks.items() if any(c))
        if not ks:
            continue
        s1, s2 = [(zero,) * outputs], [(zero,) * outputs]
        for k in ks:
            c = kinks[k]
            s1.append(tuple(p + q for p, q in zip(s1[-1], c)))
            s2.append(tuple(p + q * k for p, q in zip(s2[-1], c)))
        bounded = not any(s1[-1]) and not any(s2[-1])
        groups.append(Group(n, tuple(ks), tuple(s1), tuple(s2), ks[0], ks[-1] if bounded else None))
    return const, lin, groups


def evaluate_points(network, xs: Sequence[Sequence[Fraction]],
                    dense_line: int = DENSE_LINE) -> list[tuple[Fraction, ...]] | None:
    """The network's outputs at every point of ``xs``, exactly; None if a weight is irrational."""
    res = _outputs(network, xs, dense_line)
    if res is None:
        return None
    default, rows = res
    return [tuple(_back(v) for v in rows[i]) if i in rows else default for i in range(len(xs))]


def mismatches(network, xs: Sequence[Sequence[Fraction]], ys: Sequence[Sequence[Fraction]],
               dense_line: int = DENSE_LINE) -> list[tuple[int, tuple[Fraction, ...]]] | None:
    """(index, output) of every point whose output differs from its label, exactly;
    None if a weight is irrational."""
    res = _outputs(network, xs, dense_line)
    if res is None:
        return None
    default, rows = res
    bad = []
    plain = tuple((v.numerator, v.denominator) for v in default)
    for i, y in enumerate(ys):
        row = rows.get(i)
        if row is None:
            if tuple((v.numerator, v.denominator) for v in y) != plain:
                bad.append((i, default))
        elif any(v != _q(w) for v, w in zip(row, y)):
            bad.append((i, tuple(_back(v) for v in row)))
    return bad


def _outputs(network, xs, dense_line: int):
    """(default, rows): rows[i] holds point i's outputs (exact, fmpq or Fraction) for
    every point a group's support contains (every point if the global affine part
    is not constant); the others' outputs are the constant ``default`` (Fractions)."""
    if not _rational(network):
        return None
    if not network.neurons:
        return tuple(Fraction(c) for c in network.bias), {}
    const, lin, groups = decompose(network)
    outputs = len(const)
    default = tuple(_back(c) for c in const)
    xq: dict[int, tuple] = {}

    def qx(i: int) -> tuple:
        x = xq.get(i)
        if x is None:
            x = xq[i] = tuple(_q(v) for v in xs[i])
        return x

    rows: dict[int, list] = {}
    linear = any(c for r in lin for c in r)

    def row_of(i: int) -> list:
        row = rows.get(i)
        if row is None:
            row = list(const)
            if linear:
                for xi, coef in zip(qx(i), lin):
                    for o in range(outputs):
                        row[o] += coef[o] * xi
            rows[i] = row
        return row

    if linear:
        for i in range(len(xs)):
            row_of(i)

    def add_group(g: Group, index: int, s) -> None:
        v = g.value(s)
        row = row_of(index)
        for o in range(outputs):
            row[o] += v[o]

    # dense lines: exact bisection per (line, group); keys as integer pairs (fast hashing)
    lines: dict[tuple, list[int]] = defaultdict(list)
    for i, x in enumerate(xs):
        lines[tuple((v.numerator, v.denominator) for v in x[:-1])].append(i)
    sparse: list[int] = []
    for members in lines.values():
        if len(members) < dense_line:
            sparse.extend(members)
            continue
        # (float, exact) keys: float() is monotone, so the order is exact and mostly
        # decided by a float comparison; no point is converted unless a group reaches it
        keyed = sorted((_float(xs[i][-1]), xs[i][-1], i) for i in members)
        members = [k[2] for k in keyed]
        ys = [k[:2] for k in keyed]
        prefix = qx(members[0])[:-1]
        for g in groups:
            base = _q(0)
            for ni, ui in zip(g.n[:-1], prefix):
                base += ni * ui
            nd = g.n[-1]
            if nd == 0:
                if g.contains(base):
                    for i in members:
                        add_group(g, i, base)
                continue
            # s = base + nd y in [low, high]
            ends = [(g.low - base) / nd, None if g.high is None else (g.high - base) / nd]
            if nd > 0:
                lo_y, hi_y = ends
            else:
                hi_y, lo_y = ends
            start = 0 if lo_y is None else bisect.bisect_left(ys, _key(lo_y))
            stop = len(ys) if hi_y is None else bisect.bisect_right(ys, _key(hi_y))
            for j in range(start, stop):
                i = members[j]
                add_group(g, i, base + nd * qx(i)[-1])
    if sparse and groups:
        _sparse(xs, qx, sparse, groups, add_group)
    return default, rows


def _sparse(xs, qx, indices: list[int], groups: list[Group], add_group) -> None:
    """Float filter with a proven margin, then the exact test (see the module docstring).

    Per block of points the margin uses T_g = sum_k max_i |x~_ik| |n~_gk|, at least
    the per-pair sum |x~_i||n~_g| of the error bound, so one vector serves the block."""
    d = len(xs[indices[0]])
    u = 2.0 ** -53
    factor = 4 * (2 * d + 4) * u
    tiny = 2.0 ** -1000

    def exact(i, g):
        s = _dot(g.n, qx(i))
        if g.contains(s):
            add_group(g, i, s)

    try:
        N = np.array([[_float(v) for v in (_back(w) for w in g.n)] for g in groups])
        lo = np.array([_float(_back(g.low)) for g in groups])
        hi = np.array([np.inf if g.high is None else _float(_back(g.high)) for g in groups])
        P = np.array([[_float(v) for v in xs[i]] for i in indices])
    except OverflowError:
        N = None
    if N is None or not (np.isfinite(N).all() and np.isfinite(lo).all() and np.isfinite(P).all()):
        for i in indices:  # beyond double range: exact test for every pair
            for g in groups:
                exact(i, g)
        return
    # blocks of nearby points (sorted by x, then y): a group whose strip misses the
    # block's bounding box (same margin: every point of the box is a possible point)
    # is dropped for the whole block before any pair is formed
    order = np.lexsort(P.T[::-1])
    P = P[order]
    indices = [indices[k] for k in order]
    absN = np.abs(N)
    finite_hi = np.isfinite(hi)
    abs_lo, abs_hi = np.abs(lo), np.abs(np.where(finite_hi, hi, 0.0))
    for start in range(0, len(indices), BLOCK):
        block = P[start:start + BLOCK]
        bmin, bmax = block.min(axis=0), block.max(axis=0)
        T = absN @ np.maximum(np.abs(bmin), np.abs(bmax))  # one bound per group for the block
        if not np.all(T < 1e300):  # no room for the bound: decide this block exactly
            for i in indices[start:start + BLOCK]:
                for g in groups:
                    exact(i, g)
            continue
        low = lo - (factor * (T + abs_lo) + tiny)
        high = np.where(finite_hi, hi + (factor * (T + abs_hi) + tiny), np.inf)
        smin = np.minimum(N * bmin, N * bmax).sum(axis=1)
        smax = np.maximum(N * bmin, N * bmax).sum(axis=1)
        near = np.flatnonzero((smax >= low) & (smin <= high))
        if not len(near):
            continue
        S = block @ N[near].T
        keep = (S >= low[near]) & (S <= high[near])
        for r, c in zip(*np.nonzero(keep)):
            exact(indices[start + r], groups[near[c]])


def _dot(n, x):
    total = n[0] * x[0]
    for a, b in zip(n[1:], x[1:]):
        total += a * b
    return total


def _key(v) -> tuple[float, Fraction]:
    f = _back(v)
    return (_float(f), f)


def _float(v: Fraction) -> float:
    """The nearest double (int / int is correctly rounded), hence monotone in v."""
    return v.numerator / v.denominator

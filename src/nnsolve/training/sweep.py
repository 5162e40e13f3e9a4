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
Networks with irrational weights take the same path inside one number field
holding every weight (:func:`decompose_field`, :func:`_field_rows`; the changes
are listed at that section: exact grouping by canonical field elements, order
by Arb enclosures with exact signs for overlaps, error-bounded doubles for the
float filter).

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

from nnsolve.fields import common_field

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

from flint import arb as _arb_type, fmpq as _fmpq  # noqa: E402 (the number-field path needs FLINT)

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
                    dense_line: int = DENSE_LINE) -> list[tuple]:
    """The network's outputs at every point of ``xs``, exactly (Fractions, or
    AlgebraicNumbers for irrational weights: computed in one number field holding them)."""
    res = _outputs(network, xs, dense_line)
    if res is None:
        field = common_field(_weights(network))
        const, rows = _field_rows(network, xs, dense_line, field)
        default = tuple(field.to_number(v) for v in const)
        return [tuple(field.to_number(v) for v in rows[i]) if i in rows else default for i in range(len(xs))]
    default, rows = res
    return [tuple(_back(v) for v in rows[i]) if i in rows else default for i in range(len(xs))]


def mismatches(network, xs: Sequence[Sequence[Fraction]], ys: Sequence[Sequence[Fraction]],
               dense_line: int = DENSE_LINE) -> list[tuple[int, tuple]]:
    """(index, output) of every point whose output differs from its (rational) label,
    exactly.  Irrational weights: computed in one number field holding them all."""
    res = _outputs(network, xs, dense_line)
    if res is None:
        return _field_mismatches(network, xs, ys, dense_line)
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


def _field_mismatches(network, xs, ys, dense_line: int) -> list[tuple[int, tuple]]:
    field = common_field(_weights(network))
    const, rows = _field_rows(network, xs, dense_line, field)
    plain = tuple(None if v is None else (v.numerator, v.denominator)
                  for v in map(_rat, const))  # None: irrational, unequal to every label
    bad = []
    for i, y in enumerate(ys):
        row = rows.get(i)
        if row is None:
            if any(v is None or v != (w.numerator, w.denominator) for v, w in zip(plain, y)):
                bad.append((i, tuple(field.to_number(v) for v in const)))
        elif any(v != _q(w) for v, w in zip(row, y)):  # canonical elements: equal iff equal
            bad.append((i, tuple(field.to_number(v) for v in row)))
    return bad


def _outputs(network, xs, dense_line: int):
    """(default, rows): rows[i] holds point i's outputs (exact, fmpq or Fraction) for
    every point a group's support contains (every point if the global affine part
    is not constant); the others' outputs are the constant ``default`` (Fractions)."""
    if not _rational(network):
        return None  # irrational weights: _field_rows
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
    dense, sparse = _split_lines(xs, dense_line)
    for members, ys in dense:
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


def _split_lines(xs, dense_line: int) -> tuple[list[tuple[list[int], list[tuple]]], list[int]]:
    """Points grouped by all coordinates but the last (keys as integer pairs: fast
    hashing): the dense lines (at least ``dense_line`` points) as (members, keys) sorted
    along the line, and the remaining (sparse) point indices.  Keys are (float, exact):
    float() is monotone, so the order is exact and mostly decided by a float comparison;
    no point is converted unless a group reaches it."""
    lines: dict[tuple, list[int]] = defaultdict(list)
    for i, x in enumerate(xs):
        lines[tuple((v.numerator, v.denominator) for v in x[:-1])].append(i)
    dense, sparse = [], []
    for members in lines.values():
        if len(members) < dense_line:
            sparse.extend(members)
            continue
        keyed = sorted((_float(xs[i][-1]), xs[i][-1], i) for i in members)
        dense.append(([k[2] for k in keyed], [k[:2] for k in keyed]))
    return dense, sparse


def _sparse(xs, qx, indices: list[int], groups: list[Group], add_group) -> None:
    """Float filter with a proven margin, then the exact test (see the module docstring)."""

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
    _filter(P if N is not None else None, indices, groups, N, lo if N is not None else None,
            hi if N is not None else None, None, None, exact)


def _filter(P, indices: list[int], groups: list, N, lo, hi, err_n, err_b, exact) -> None:
    """Call ``exact(i, g)`` for every (point, group) pair the float filter cannot rule out.

    P: the points as doubles (nearest); N, lo, hi: per group the direction and the
    support's ends as doubles; ``err_n`` (groups x inputs) and ``err_b`` (groups)
    bound |N - n| and |lo - low|, |hi - high| beyond the nearest-double rounding the
    margin already covers (None: nothing beyond it; number-field groups, whose doubles
    come from Arb balls, pass their bounds).  Such an error moves s~ by at most
    sum_k err_n[g, k] |x_k| and an end by err_b[g]; twice that is added to the margin.

    Per block of points the margin uses T_g = sum_k max_i |x~_ik| |n~_gk|, at least
    the per-pair sum |x~_i||n~_g| of the error bound, so one vector serves the block."""
    if N is None or not (np.isfinite(N).all() and np.isfinite(lo).all() and np.isfinite(P).all()) or (
            err_n is not None and not (np.isfinite(err_n).all() and np.isfinite(err_b).all())):
        for i in indices:  # beyond double range: exact test for every pair
            for g in groups:
                exact(i, g)
        return
    d = P.shape[1]
    u = 2.0 ** -53
    factor = 4 * (2 * d + 4) * u
    tiny = 2.0 ** -1000
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
        xmax = np.maximum(np.abs(bmin), np.abs(bmax))
        T = absN @ xmax  # one bound per group for the block
        extra = 0.0
        if err_n is not None:
            extra = 2 * (err_n @ xmax + err_b)
        if not (np.all(T < 1e300) and np.all(extra < 1e300)):  # no room for the bound: decide exactly
            for i in indices[start:start + BLOCK]:
                for g in groups:
                    exact(i, g)
            continue
        low = lo - (factor * (T + abs_lo) + tiny + extra)
        high = np.where(finite_hi, hi + (factor * (T + abs_hi) + tiny + extra), np.inf)
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


# -- number-field weights ---------------------------------------------------------------
#
# The same decomposition and search with every number an element of one field K holding
# all weights (nnsolve.fields.common_field: Q(theta), elements fmpq_poly reduced modulo
# theta's minimal polynomial; or Q itself).  The points stay rational.  What changes:
#
# * grouping: directions n = w / lead and kinks k = -b / lead are elements of K, whose
#   representation is canonical (coefficients in the basis 1, theta, ..., theta^(d-1)),
#   so "parallel" (same n) and "same kink" are exact key equalities;
# * order: u < v is decided on Arb enclosures when they are disjoint, else by the exact
#   sign of u - v (NumberField.sign: zero test by coefficients, then Arb evaluation at
#   increasing precision).  Kinks are sorted with that comparison; a point's projection
#   s is placed among the kinks and tested against the support the same way;
# * dense lines: the support's ends on the line, (low - base) / n_last, are elements of
#   K; a rational end is located by the rational bisection, an irrational one by
#   bisection with its Arb ball's rational ends, then exact comparisons for the few
#   line points inside the ball (none equals the end: it is irrational);
# * sparse points: the float filter gets the doubles of n, low, high from Arb balls and
#   adds their proven error (ball radius plus the rounding of the midpoint) to the margin.


@dataclass(frozen=True)
class FieldGroup:
    """A :class:`Group` whose numbers are elements of a field K (:mod:`nnsolve.fields`)."""

    n: tuple                              # elements of K, the first nonzero one is 1
    nq: tuple | None                      # the same as fmpq rationals, if all are rational
    kinks: tuple                          # sorted, distinct
    balls: tuple                          # Arb enclosures of the kinks
    s1: tuple
    s2: tuple
    low: object
    low_ball: object
    high: object | None                   # None: the support is unbounded above
    high_ball: object | None


def _rat(u) -> Fraction | None:
    """The rational value of a field element (fmpq or fmpq_poly), or None if irrational."""
    if isinstance(u, _fmpq):
        return _back(u)
    if u.degree() <= 0:
        return _back(u[0]) if not u.is_zero() else Fraction(0)
    return None


def _less(field, u, ub, v, vb) -> bool:
    """u < v exactly: the Arb enclosures decide when they are disjoint, else the exact sign."""
    if ub < vb:
        return True
    if ub > vb:
        return False
    return field.sign(field.sub(u, v)) < 0


def _weights(network) -> list:
    out = list(network.bias)
    for n in network.neurons:
        out += list(n.w) + [n.b] + list(n.a)
    return out


def decompose_field(network, field) -> tuple[list, list[list], list[FieldGroup]]:
    """:func:`decompose` in the field ``field`` (every weight must lie in it):
    (constant, linear coefficients per input and output, groups), elements of K."""
    from functools import cmp_to_key

    outputs = len(network.bias)
    inputs = len(network.neurons[0].w) if network.neurons else 0
    e = field.embed
    zero = field.constant(Fraction(0))
    const = [e(c) for c in network.bias]
    lin = [[zero] * outputs for _ in range(inputs)]
    by_direction: dict[tuple, tuple[tuple, dict]] = {}
    for neuron in network.neurons:
        w = [e(v) for v in neuron.w]
        a = [e(v) for v in neuron.a]
        b = e(neuron.b)
        lead = next((v for v in w if field.sign(v) != 0), None)
        if lead is None:  # constant neuron
            if field.sign(b) > 0:
                const = [field.add(c, field.mul(ao, b)) for c, ao in zip(const, a)]
            continue
        positive = field.sign(lead) > 0
        size = lead if positive else field.neg(lead)
        lq = _rat(lead)
        if lq is not None:  # a rational lead (the reduction's networks): scalings, no reduction mod m
            inv_q, size_q = _q(1 / lq), _q(abs(lq))
            n = tuple(field.scale(v, inv_q) for v in w)
            k = field.neg(field.scale(b, inv_q))
            c = [field.scale(ao, size_q) for ao in a]
        else:
            inv = field.inv(lead)
            n = tuple(field.mul(v, inv) for v in w)
            k = field.neg(field.mul(b, inv))
            c = [field.mul(ao, size) for ao in a]
        if not positive:  # a lead (s - k) = a . (w x + b): the affine part
            for i, wi in enumerate(w):
                for o in range(outputs):
                    lin[i][o] = field.add(lin[i][o], field.mul(a[o], wi))
            const = [field.add(cc, field.mul(ao, b)) for cc, ao in zip(const, a)]
        _, kinks = by_direction.setdefault(tuple(field.key(v) for v in n), (n, {}))
        slot = kinks.setdefault(field.key(k), (k, [zero] * outputs))[1]
        for o in range(outputs):
            slot[o] = field.add(slot[o], c[o])

    def order(p, q) -> int:
        if _less(field, p[0], p[1], q[0], q[1]):
            return -1
        return 1 if _less(field, q[0], q[1], p[0], p[1]) else 0

    groups = []
    for n, kinks in by_direction.values():
        items = sorted(((k, field.ball(k), c) for k, c in kinks.values() if any(field.sign(v) for v in c)),
                       key=cmp_to_key(order))
        if not items:
            continue
        s1, s2 = [(zero,) * outputs], [(zero,) * outputs]
        for k, _, c in items:
            s1.append(tuple(field.add(p, q) for p, q in zip(s1[-1], c)))
            s2.append(tuple(field.add(p, field.mul(q, k)) for p, q in zip(s2[-1], c)))
        bounded = not any(field.sign(v) for v in (*s1[-1], *s2[-1]))
        nr = [_rat(v) for v in n]
        nq = None if any(v is None for v in nr) else tuple(_q(v) for v in nr)
        ks = tuple(k for k, _, _ in items)
        balls = tuple(b for _, b, _ in items)
        groups.append(FieldGroup(n, nq, ks, balls, tuple(s1), tuple(s2), ks[0], balls[0],
                                 ks[-1] if bounded else None, balls[-1] if bounded else None))
    return const, lin, groups


def _field_rows(network, xs, dense_line: int, field) -> tuple[list, dict[int, list]]:
    """(const, rows) as :func:`_outputs`, in the field ``field``: rows[i] holds point i's
    outputs (elements of K) for every point a group's support contains (every point if
    the affine part is not constant); the others' outputs are ``const``."""
    const, lin, groups = decompose_field(network, field)
    outputs = len(const)
    one = field.constant(Fraction(1))
    xq: dict[int, tuple] = {}

    def qx(i: int) -> tuple:
        x = xq.get(i)
        if x is None:
            x = xq[i] = tuple(_q(v) for v in xs[i])
        return x

    def lift(q):  # a rational (fmpq) as an element of K
        return field.scale(one, q)

    rows: dict[int, list] = {}
    linear = any(field.sign(c) for r in lin for c in r)

    def row_of(i: int) -> list:
        row = rows.get(i)
        if row is None:
            row = list(const)
            if linear:
                for xi, coef in zip(qx(i), lin):
                    for o in range(outputs):
                        row[o] = field.add(row[o], field.scale(coef[o], xi))
            rows[i] = row
        return row

    if linear:
        for i in range(len(xs)):
            row_of(i)

    def contains(g: FieldGroup, s, sb) -> bool:
        if _less(field, s, sb, g.low, g.low_ball):
            return False
        return g.high is None or not _less(field, g.high, g.high_ball, s, sb)

    def add_group(g: FieldGroup, index: int, s, sq, sb) -> None:
        """Add h_g(s) (s: an element, sq: the same as fmpq if rational, sb: its ball)."""
        lo, hi = 0, len(g.kinks)
        while lo < hi:  # kinks < s (a kink at s contributes 0)
            mid = (lo + hi) // 2
            if _less(field, g.kinks[mid], g.balls[mid], s, sb):
                lo = mid + 1
            else:
                hi = mid
        row = row_of(index)
        if sq is not None:
            for o in range(outputs):
                row[o] = field.add(row[o], field.sub(field.scale(g.s1[lo][o], sq), g.s2[lo][o]))
        else:
            for o in range(outputs):
                row[o] = field.add(row[o], field.sub(field.mul(g.s1[lo][o], s), g.s2[lo][o]))

    def projection(g: FieldGroup, x: tuple):
        """(s, sq, ball) of s = n . x."""
        if g.nq is not None:
            sq = _dot(g.nq, x)
            return lift(sq), sq, _arb(sq)
        s = field.scale(g.n[0], x[0])
        for nk, xk in zip(g.n[1:], x[1:]):
            s = field.add(s, field.scale(nk, xk))
        return s, None, field.ball(s)

    dense, sparse = _split_lines(xs, dense_line)
    for members, ys in dense:
        prefix = qx(members[0])[:-1]
        for g in groups:
            # s = base + nd y on this line, in [low, high]
            if g.nq is not None:
                base_q = _q(0)
                for ni, ui in zip(g.nq[:-1], prefix):
                    base_q += ni * ui
                nd_q = g.nq[-1]
                base, nd_sign = lift(base_q), (nd_q > 0) - (nd_q < 0)
            else:
                base = field.constant(Fraction(0))
                for ni, ui in zip(g.n[:-1], prefix):
                    base = field.add(base, field.scale(ni, ui))
                nd_sign = field.sign(g.n[-1])
            if nd_sign == 0:
                sb = field.ball(base)
                if contains(g, base, sb):
                    sq = base_q if g.nq is not None else None
                    for i in members:
                        add_group(g, i, base, sq, sb)
                continue
            scale = (lambda u: field.scale(u, 1 / nd_q)) if g.nq is not None else (
                lambda u, inv=field.inv(g.n[-1]): field.mul(u, inv))
            ends = [scale(field.sub(g.low, base)), None if g.high is None else scale(field.sub(g.high, base))]
            lo_y, hi_y = ends if nd_sign > 0 else ends[::-1]
            start = 0 if lo_y is None else _locate(field, ys, lo_y, False)
            stop = len(ys) if hi_y is None else _locate(field, ys, hi_y, True)
            for j in range(start, stop):
                i = members[j]
                y = qx(i)[-1]
                if g.nq is not None:
                    sq = base_q + nd_q * y
                    add_group(g, i, lift(sq), sq, _arb(sq))
                else:
                    s = field.add(base, field.scale(g.n[-1], y))
                    add_group(g, i, s, None, field.ball(s))
    if sparse and groups:
        def exact(i, g):
            s, sq, sb = projection(g, qx(i))
            if contains(g, s, sb):
                add_group(g, i, s, sq, sb)

        try:
            approx = [[_approx(v, None if _rat(v) is not None else field.ball(v)) for v in g.n]
                      for g in groups]
            lows = [_approx(g.low, g.low_ball) for g in groups]
            highs = [(np.inf, 0.0) if g.high is None else _approx(g.high, g.high_ball) for g in groups]
            N = np.array([[v for v, _ in row] for row in approx])
            err_n = np.array([[r for _, r in row] for row in approx])
            lo = np.array([v for v, _ in lows])
            hi = np.array([v for v, _ in highs])
            err_b = np.maximum(np.array([r for _, r in lows]), np.array([r for _, r in highs]))
            P = np.array([[_float(v) for v in xs[i]] for i in sparse])
        except OverflowError:
            N = P = lo = hi = err_n = err_b = None
        _filter(P, sparse, groups, N, lo, hi, err_n, err_b, exact)
    return const, rows


def _arb(q):
    return _arb_type(q)


def _approx(u, ball=None) -> tuple[float, float]:
    """(double, bound on |double - u|) for a field element u.  A rational u: its nearest
    double and 0 (the filter's margin covers that rounding).  Else the midpoint of an
    Arb enclosure (``ball`` or a fresh one) and the radius plus the midpoint's rounding
    error (<= 2^-52 |mid|), doubled as a guard against rounding in these very floats."""
    r = _rat(u)
    if r is not None:
        return _float(r), 0.0
    if ball is None:
        raise ValueError("an irrational element needs its Arb enclosure")  # pragma: no cover
    mid = float(ball.mid())
    err = 2 * (float(ball.rad()) + 2.0 ** -52 * abs(mid)) + 2.0 ** -1000
    if not (np.isfinite(mid) and np.isfinite(err)):
        raise OverflowError("beyond double range")
    return mid, err


def _locate(field, ys: list[tuple[float, Fraction]], v, right: bool) -> int:
    """How many ys (sorted (double, exact) keys) are < v (``right``: <= v), v in K."""
    r = _rat(v)
    if r is not None:
        return (bisect.bisect_right if right else bisect.bisect_left)(ys, (_float(r), r))
    # v irrational: no y equals it; outside its ball the rational bisection decides
    ball = field.ball(v)
    mid, rad = _dyadic(ball.mid()), _dyadic(ball.rad())
    lo_r, hi_r = mid - rad, mid + rad
    start = bisect.bisect_left(ys, (_float(lo_r), lo_r))
    stop = bisect.bisect_right(ys, (_float(hi_r), hi_r))
    one = field.constant(Fraction(1))
    while start < stop:  # exact: first y in [start, stop) above v
        m = (start + stop) // 2
        if field.sign(field.sub(field.scale(one, _q(ys[m][1])), v)) < 0:
            start = m + 1
        else:
            stop = m
    return start


def _dyadic(x) -> Fraction:
    """The exact value of an Arb midpoint or radius."""
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)

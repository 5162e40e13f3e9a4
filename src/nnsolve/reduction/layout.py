"""Placing gadgets in the plane: stripes, cross-sections, constraint points.

Every stripe is a line y = m x + c with the coordinate t(x, y) = y - m x - c
(vertical distance; the canonical fit of a gadget is a function of t alone).
Stripes are tangents of the parabola y = x^2: the tangent at a has m = 2a,
c = -a^2, and two tangents at a, b meet at ((a + b)/2, ab), where a third
tangent at c has t = (c - a)(c - b): quadratically far when the a's are far
apart.  The shear (x, y) -> (x + d, y + 2 d x + d^2) maps the tangent at a to
the tangent at a + d and preserves every t, so a cluster of gadgets built at
one place looks the same everywhere along the parabola.

Clusters (k-th cluster centred at a = LAMBDA * k):

* one per variable v: the variable gadget V_v (tangent at a);
* one per Add(x, y, z): copies X', Y' (tangents at a, a + 3) and Z' (slope
  2a + 3, through X'(t=5) and Y'(t=5) at t = 3); addition point there with
  label (10, 0); copy points V_x(5) & X'(3), V_y(5) & Y'(3), V_z(5) & Z'(3)
  with label (6, 0);
* one per Inv(x, y): inversion gadget I (tangent at a), copy Y' (tangent at
  a + 3) and bridge B (slope 2a + 3, through I(t=8) and Y'(t=5) at t = 3);
  transfer point there with label (12, 6); copy points V_x(5) & I(3) and
  V_y(5) & Y'(3) with label (6, 0).

Each gadget's own data sit on CROSS_SECTIONS vertical cross-sections at
x = xi_0, xi_0 + GAP, ..., right of every intersection of two stripes, where
any two stripes are more than 60 apart vertically (slopes differ by >= 3).
:func:`check_layout` verifies all placement conditions exactly.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Mapping

from nnsolve.formula.model import Add, Formula, Inv
from nnsolve.reduction.gadgets import BRIDGE_GADGET, INVERSION_GADGET, VARIABLE_GADGET, GadgetType
from nnsolve.training.instance import DataPoint, TrainingInstance

F = Fraction
Point = tuple[Fraction, Fraction]

LAMBDA = F(100)        # distance in a between clusters
MEMBER_GAP = F(3)      # distance in a between the two tangent members of a cluster
CROSS_SECTIONS = 3     # cross-sections per gadget
GAP = F(20)            # x-distance between a gadget's cross-sections
FAR = F(20)            # x-distance from the last intersection to the first cross-section
# t of the measuring lines
LOWER, UPPER, INV_UPPER2 = F(3), F(5), F(8)
COPY_LABEL, ADD_LABEL, TRANSFER_LABEL = (F(6), F(0)), (F(10), F(0)), (F(12), F(6))


@dataclass(frozen=True)
class Stripe:
    """The line y = slope * x + intercept, with t = y - slope * x - intercept."""

    slope: Fraction
    intercept: Fraction

    def t(self, p: Point) -> Fraction:
        return p[1] - self.slope * p[0] - self.intercept

    def at(self, x: Fraction, t: Fraction) -> Point:
        return (x, self.slope * x + self.intercept + t)


def tangent(a: Fraction) -> Stripe:
    return Stripe(2 * a, -a * a)


def meet(g: Stripe, tg: Fraction, h: Stripe, th: Fraction) -> Point:
    """The point with t_g = tg and t_h = th."""
    x = (h.intercept + th - g.intercept - tg) / (g.slope - h.slope)
    return (x, g.slope * x + g.intercept + tg)


def through(slope: Fraction, p: Point, t: Fraction) -> Stripe:
    """The stripe of the given slope whose t at p is t."""
    return Stripe(slope, p[1] - slope * p[0] - t)


@dataclass(frozen=True)
class PlacedGadget:
    """A gadget on its stripe; it encodes the value of ``variable`` (for the
    inversion gadget: x of Inv(x, y); its second output carries ``partner``)."""

    name: str
    kind: GadgetType
    stripe: Stripe
    variable: str
    partner: str | None = None


@dataclass(frozen=True)
class Reading:
    gadget: int
    t: Fraction


@dataclass(frozen=True)
class ConstraintPoint:
    point: Point
    label: tuple[Fraction, Fraction]
    kind: str  # copy | add | transfer
    readings: tuple[Reading, ...]
    note: str


@dataclass(frozen=True)
class Reduction:
    formula: Formula
    gadgets: tuple[PlacedGadget, ...]
    constraint_points: tuple[ConstraintPoint, ...]
    cross_sections: tuple[Fraction, ...]
    instance: TrainingInstance
    variable_gadget: Mapping[str, int] = field(hash=False, compare=False)

    def gadget_points(self, index: int) -> list[DataPoint]:
        return gadget_data(self.gadgets[index], self.cross_sections)


def gadget_data(g: PlacedGadget, sections: tuple[Fraction, ...]) -> list[DataPoint]:
    """A gadget's samples on each of its cross-sections."""
    return [DataPoint(g.stripe.at(xi, t), y) for xi in sections for t, y in g.kind.samples]


def reduce_formula(formula: Formula) -> Reduction:
    """The training instance of the reduction (2 inputs, 2 outputs, target error 0)."""
    gadgets: list[PlacedGadget] = []
    points: list[ConstraintPoint] = []
    main: dict[str, int] = {}

    def place(name, kind, stripe, variable, partner=None) -> int:
        gadgets.append(PlacedGadget(name, kind, stripe, variable, partner))
        return len(gadgets) - 1

    def point(kind, label, readings, note):
        (g, tg), (h, th) = readings[0], readings[1]
        p = meet(gadgets[g].stripe, tg, gadgets[h].stripe, th)
        points.append(ConstraintPoint(p, label, kind, tuple(Reading(i, t) for i, t in readings), note))
        return p

    cluster = 0
    for v in formula.variables:
        main[v] = place(f"V[{v}]", VARIABLE_GADGET, tangent(LAMBDA * cluster), v)
        cluster += 1
    for ci, c in enumerate(formula.constraints):
        a = LAMBDA * cluster
        cluster += 1
        if isinstance(c, Add):
            xs = place(f"C{ci}: copy of {c.x}", VARIABLE_GADGET, tangent(a), c.x)
            ys = place(f"C{ci}: copy of {c.y}", VARIABLE_GADGET, tangent(a + MEMBER_GAP), c.y)
            p = meet(gadgets[xs].stripe, UPPER, gadgets[ys].stripe, UPPER)
            zs = place(f"C{ci}: copy of {c.z}", VARIABLE_GADGET, through(2 * a + MEMBER_GAP, p, LOWER), c.z)
            point("add", ADD_LABEL, [(xs, UPPER), (ys, UPPER), (zs, LOWER)], f"C{ci}: {c.x} + {c.y} = {c.z}")
            for var, copy in ((c.x, xs), (c.y, ys), (c.z, zs)):
                point("copy", COPY_LABEL, [(main[var], UPPER), (copy, LOWER)], f"C{ci}: {var} = copy")
        elif isinstance(c, Inv):
            ig = place(f"C{ci}: inversion {c.x} * {c.y} = 1", INVERSION_GADGET, tangent(a), c.x, c.y)
            ys = place(f"C{ci}: copy of {c.y}", VARIABLE_GADGET, tangent(a + MEMBER_GAP), c.y)
            p = meet(gadgets[ig].stripe, INV_UPPER2, gadgets[ys].stripe, UPPER)
            bg = place(f"C{ci}: bridge for {c.y}", BRIDGE_GADGET, through(2 * a + MEMBER_GAP, p, LOWER), c.y)
            point("transfer", TRANSFER_LABEL, [(ig, INV_UPPER2), (bg, LOWER), (ys, UPPER)],
                  f"C{ci}: second output of the inversion = {c.y}")
            point("copy", COPY_LABEL, [(main[c.x], UPPER), (ig, LOWER)], f"C{ci}: {c.x} = inversion input")
            point("copy", COPY_LABEL, [(main[c.y], UPPER), (ys, LOWER)], f"C{ci}: {c.y} = copy")
        else:  # pragma: no cover
            raise TypeError(c)
    # right of every pairwise intersection: tangents at a <= b meet at (a + b)/2; the
    # solved stripes are tangents shifted by less than 3 vertically, which moves an
    # intersection by less than 3 / 3 = 1 (slopes differ by >= 3).
    a_max = LAMBDA * max(cluster - 1, 0) + MEMBER_GAP
    xi0 = a_max + 1 + FAR
    sections = tuple(xi0 + GAP * j for j in range(CROSS_SECTIONS))
    data: list[DataPoint] = []
    for g in gadgets:
        data += gadget_data(g, sections)
    data += [DataPoint(cp.point, cp.label) for cp in points]
    hidden = sum(g.kind.budget for g in gadgets)
    instance = TrainingInstance(tuple(data), hidden, source=f"nnsolve reduction of a formula with "
                                f"{len(formula.variables)} variables and {len(formula.constraints)} constraints")
    red = Reduction(formula, tuple(gadgets), tuple(points), sections, instance, main)
    problems = check_layout(red)
    if problems:
        raise LayoutError(f"the reduction's layout violates a placement condition of docs/reduction.md "
                          f"({len(problems)} problems), e.g. {problems[0].where}: {problems[0].problem}")
    return red


@dataclass(frozen=True)
class LayoutProblem:
    where: str
    problem: str


class LayoutError(AssertionError):
    """The reduction built a layout that violates a placement condition of
    docs/reduction.md (a bug, never bad input): :func:`reduce_formula` refuses to
    return such an instance."""


def _outside(g: PlacedGadget, p: Point) -> bool:
    t = g.stripe.t(p)
    return t <= 2 or t >= g.kind.support_end


def band(g: PlacedGadget, x: Fraction) -> tuple[Fraction, Fraction]:
    """The closed y-range of a gadget's samples on the cross-section at ``x``."""
    ts = [t for t, _ in g.kind.samples]
    return g.stripe.at(x, min(ts))[1], g.stripe.at(x, max(ts))[1]


@dataclass(frozen=True)
class _Lines:
    """The stripes in integer form: with d a common denominator of every slope,
    intercept and sample t, stripe g is y = (m[g] x + c[g]) / d, and its samples run
    from t = first[g] / d to t = last[g] / d.  Integer arithmetic keeps the checks
    exact and fast on 10^4-constraint layouts."""

    d: int
    m: tuple[int, ...]
    c: tuple[int, ...]
    first: tuple[int, ...]
    last: tuple[int, ...]

    @staticmethod
    def of(red: Reduction) -> "_Lines":
        d = 1
        for g in red.gadgets:
            d = math.lcm(d, g.stripe.slope.denominator, g.stripe.intercept.denominator)
        for kind in {g.kind.name: g.kind for g in red.gadgets}.values():
            for t, _ in kind.samples:
                d = math.lcm(d, t.denominator)

        def scale(v: Fraction) -> int:
            return v.numerator * (d // v.denominator)
        return _Lines(d, tuple(scale(g.stripe.slope) for g in red.gadgets),
                      tuple(scale(g.stripe.intercept) for g in red.gadgets),
                      tuple(scale(g.kind.samples[0][0]) for g in red.gadgets),
                      tuple(scale(g.kind.samples[-1][0]) for g in red.gadgets))

    def bands(self, x: Fraction) -> list[tuple[int, int]]:
        """Every gadget's band on the cross-section at x, as integers: y-range times
        d * denominator(x), i.e. one common positive scale for all gadgets."""
        n, q = x.numerator, x.denominator
        return [(m * n + c * q + lo * q, m * n + c * q + hi * q)
                for m, c, lo, hi in zip(self.m, self.c, self.first, self.last)]


def _kind_problems(red: Reduction) -> list[LayoutProblem]:
    """Per gadget type: samples at strictly increasing t, the support (2, support_end)
    inside [first sample, last sample] (so the support on a cross-section lies inside
    the band), and the budget at least 1."""
    bad = []
    for kind in {g.kind.name: g.kind for g in red.gadgets}.values():
        ts = [t for t, _ in kind.samples]
        if any(a >= b for a, b in zip(ts, ts[1:])) or not (ts[0] <= 2 < kind.support_end <= ts[-1]) \
                or kind.budget < 1:
            bad.append(LayoutProblem(kind.name, "samples not increasing in t, or support (2, support_end) "
                                     "not inside the samples' range"))
    return bad


def band_problems(red: Reduction, lines: _Lines | None = None) -> list[LayoutProblem]:
    """Condition 4 of :func:`check_layout` (step B of the soundness argument), exact and
    O(G log G) for G gadgets:

    4a. exactly three cross-sections x1 < x2 < x3, equally spaced;
    4b. on x1 and on x3 the bands are pairwise disjoint and come in the same order;
    4c. on x1 and on x3, every gap between two consecutive bands is wider than each of
        the two bands beside it.

    (The band on x2 is then the mean of the bands on x1 and x3: a band is the y-range
    of t in [t_first, t_last] on a stripe, and y is affine in x there.)

    >>> from nnsolve.formula.model import Formula, Inv
    >>> band_problems(reduce_formula(Formula(("x",), tuple(Inv("x", "x") for _ in range(7)))))
    []
    """
    xs = red.cross_sections
    if len(xs) != 3 or not (xs[0] < xs[1] < xs[2]) or xs[1] - xs[0] != xs[2] - xs[1]:
        return [LayoutProblem("cross-sections", "4a: not three equally spaced cross-sections")]
    if not red.gadgets:
        return []
    lines = lines or _Lines.of(red)
    first, last = lines.bands(xs[0]), lines.bands(xs[2])
    order = sorted(range(len(red.gadgets)), key=lambda g: first[g])
    problems = []
    gs = red.gadgets
    for x, bands in ((xs[0], first), (xs[2], last)):
        for g, h in zip(order, order[1:]):
            (glo, ghi), (hlo, hhi) = bands[g], bands[h]
            if hlo <= ghi:
                problems.append(LayoutProblem(f"{gs[g].name} / {gs[h].name}",
                                              f"4b: bands overlap or change order at x = {x}"))
            elif hlo - ghi <= max(ghi - glo, hhi - hlo):
                gap = Fraction(hlo - ghi, lines.d * x.denominator)
                problems.append(LayoutProblem(f"{gs[g].name} / {gs[h].name}",
                                              f"4c: gap {gap} at x = {x} not wider than the bands beside it"))
    return problems


def overlapping_bands(red: Reduction, lines: _Lines | None = None) -> list[tuple[Fraction, int, int]]:
    """(x, g, h), g before h in the order of their lower ends, for every two gadgets
    whose closed bands meet on the cross-section at x.  A sweep over the sorted bands:
    O(G log G + number of pairs)."""
    lines = lines or _Lines.of(red)
    bad = []
    for x in red.cross_sections:
        bands = lines.bands(x)
        order = sorted(range(len(bands)), key=lambda g: bands[g])
        for i, g in enumerate(order):
            for j in range(i + 1, len(order)):
                h = order[j]
                if bands[h][0] > bands[g][1]:
                    break
                bad.append((x, g, h))
    return bad


def _convex_order(lines: _Lines) -> tuple[list[int], list[tuple[int, int]], list[int], list[int]] | None:
    """Gadgets sorted by slope, the abscissas (num, den > 0) where consecutive stripes
    meet, and the slopes and intercepts in that order, if the slopes are distinct and those abscissas never decrease (stripes in
    convex position, like tangents of y = x^2); else None.

    Then at any x the heights of the stripes, in slope order, strictly increase up to
    index p = #{abscissas < x} and never increase from p on: consecutive heights differ
    by (m_{j+1} - m_j)(x - x_j), whose sign is that of x - x_j."""
    ms, cs = lines.m, lines.c
    order = sorted(range(len(ms)), key=lambda g: ms[g])
    meets: list[tuple[int, int]] = []
    for g, h in zip(order, order[1:]):
        if ms[h] == ms[g]:
            return None
        meets.append((cs[g] - cs[h], ms[h] - ms[g]))
        if len(meets) > 1 and meets[-1][0] * meets[-2][1] < meets[-2][0] * meets[-1][1]:
            return None
    return order, meets, [ms[g] for g in order], [cs[g] for g in order]


def _t_scaled(lines: _Lines, g: int, p: Point) -> tuple[int, int]:
    """(T, S) with S > 0 and t_g(p) = T / S, in integers."""
    (n, q), (a, b) = (p[0].numerator, p[0].denominator), (p[1].numerator, p[1].denominator)
    return a * lines.d * q - b * (lines.m[g] * n + lines.c[g] * q), lines.d * q * b


def _inside_support(red: Reduction, lines: _Lines, g: int, p: Point) -> bool:
    """2 < t_g(p) < support_end, exactly."""
    t, s = _t_scaled(lines, g, p)
    end = red.gadgets[g].kind.support_end
    return 2 * s < t and t * end.denominator < end.numerator * s


def _supports_containing(red: Reduction, p: Point, lines: _Lines, convex, top: Fraction) -> list[int]:
    """Every gadget whose open support (2 < t < support_end) contains p (``top``: the
    largest support_end): exact, and O(log G + answers) when the stripes are in convex
    position (else a scan)."""
    if convex is None or not red.gadgets:
        return [j for j in range(len(red.gadgets)) if _inside_support(red, lines, j, p)]
    d = lines.d
    order, meets, ms, cs = convex   # ms[j], cs[j]: the j-th stripe in slope order
    (n, q), (a, b) = (p[0].numerator, p[0].denominator), (p[1].numerator, p[1].denominator)
    # the height of stripe g at x = n/q, times d * q, is the integer ms[g] * n + cs[g] * q;
    # height > y - top  <=>  that integer > lo_bound; height < y - 2  <=>  < hi_bound
    lo_bound = ((a * top.denominator - top.numerator * b) * d * q) // (b * top.denominator)
    hi_bound = -((-(a - 2 * b) * d * q) // b)
    # peak = #{abscissas < x}: the predicate "abscissa < x" holds on a prefix
    peak = bisect.bisect_left(range(len(meets)), True, key=lambda j: meets[j][0] * q >= n * meets[j][1])
    found = []
    left = range(0, peak + 1)                   # strictly increasing heights
    i = bisect.bisect_right(left, lo_bound, key=lambda j: ms[j] * n + cs[j] * q)
    while i <= peak and ms[i] * n + cs[i] * q < hi_bound:
        found.append(order[i])
        i += 1
    right = range(peak, len(order))             # non-increasing heights
    i = peak + bisect.bisect_right(right, -hi_bound, key=lambda j: -(ms[j] * n + cs[j] * q))
    while i < len(order) and ms[i] * n + cs[i] * q > lo_bound:
        found.append(order[i])
        i += 1
    return [j for j in set(found) if _inside_support(red, lines, j, p)]


def check_layout(red: Reduction) -> list[LayoutProblem]:
    """Exact check of the placement conditions; O(G log G) for G gadgets on every layout
    the reduction emits (:func:`reduce_formula` runs it and raises :class:`LayoutError`).

    1. every gadget data point lies outside every other gadget's support
       (t <= 2 or t >= support_end), so the canonical fits do not interfere;
    2. every constraint point has exactly its intended t on its gadgets and lies
       outside every other gadget's support;
    3. all data points are distinct;
    4. the band conditions 4a-4c of :func:`band_problems` (step B of the soundness
       argument in docs/reduction.md).

    Conditions 1 and 3 are decided through the bands: a gadget's data points lie on
    the cross-sections inside its band, and the support of a gadget on a cross-section
    lies inside its band (checked per gadget type), so only gadgets whose bands meet
    (:func:`overlapping_bands`; none on an emitted layout) are compared point by point.
    Condition 2 finds the supports containing a constraint point by bisection in the
    slope order of the stripes (:func:`_convex_order`), or by a scan if the stripes are
    not in convex position.

    >>> from nnsolve.formula.model import Formula, Inv
    >>> check_layout(reduce_formula(Formula(("x",), (Inv("x", "x"),))))
    []
    """
    lines = _Lines.of(red)
    problems = _kind_problems(red) + band_problems(red, lines)
    xs = red.cross_sections
    # 1 and 3 on the cross-sections: only gadgets with meeting bands can interfere
    pairs = overlapping_bands(red, lines)
    for x, g, h in pairs:
        for a, b in ((g, h), (h, g)):
            mine = [p.x for p in red.gadget_points(a) if p.x[0] == x]
            bad = [pt for pt in mine if not _outside(red.gadgets[b], pt)]
            if bad:
                problems.append(LayoutProblem(red.gadgets[a].name,
                                              f"1: data point {bad[0]} inside the support of {red.gadgets[b].name}"))
        theirs = {p.x for p in red.gadget_points(h) if p.x[0] == x}
        if any(p.x in theirs for p in red.gadget_points(g) if p.x[0] == x):
            problems.append(LayoutProblem(f"{red.gadgets[g].name} / {red.gadgets[h].name}",
                                          f"3: two data points coincide at x = {x}"))
    # 2: constraint points
    convex = _convex_order(lines)
    top = max((g.kind.support_end for g in red.gadgets), default=F(0))
    for cp in red.constraint_points:
        intended = {r.gadget for r in cp.readings}
        for r in cp.readings:
            t, scale = _t_scaled(lines, r.gadget, cp.point)
            if t * r.t.denominator != r.t.numerator * scale:
                problems.append(LayoutProblem(cp.note, f"2: reads t != {r.t} on {red.gadgets[r.gadget].name}"))
        for j in _supports_containing(red, cp.point, lines, convex, top):
            if j not in intended:
                problems.append(LayoutProblem(cp.note, f"2: inside the support of {red.gadgets[j].name}"))
    # 3: constraint points are left of the cross-sections (so they meet no gadget data
    # point) and pairwise distinct; gadget points on different cross-sections differ in
    # x, within a gadget in t, between gadgets with disjoint bands in y (pairs above)
    cps = [cp.point for cp in red.constraint_points]
    if len(set(cps)) != len(cps):
        problems.append(LayoutProblem("constraint points", "3: two constraint points coincide"))
    if xs and any(p[0] >= xs[0] for p in cps):
        problems.append(LayoutProblem("constraint points", "3: a constraint point is not left of the "
                                      "cross-sections"))
    expected = sum(len(g.kind.samples) for g in red.gadgets) * len(xs) + len(cps)
    if len(red.instance.points) != expected:
        problems.append(LayoutProblem("instance", "3: the data are not the gadget samples and constraint points"))
    return problems


@dataclass(frozen=True)
class Cluster:
    """The gadgets placed around one tangent parameter ``a`` and the constraint
    points on their stripes (a copy point belongs to the cluster of its copy)."""

    name: str
    a: Fraction
    gadgets: tuple[int, ...]
    constraint_points: tuple[int, ...]


def clusters(red: Reduction) -> list[Cluster]:
    """One cluster per variable, then one per constraint, in placement order.

    Every stripe of cluster k has slope in [2a, 2a + 2 MEMBER_GAP] with a = LAMBDA k,
    so the cluster is read off the slope.

    >>> from nnsolve.formula.model import Formula, Inv
    >>> red = reduce_formula(Formula(("x",), (Inv("x", "x"),)))
    >>> [(c.name, c.a, c.gadgets, c.constraint_points) for c in clusters(red)]
    [('variable x', Fraction(0, 1), (0,), ()), ('C0: x * x = 1', Fraction(100, 1), (1, 2, 3), (0, 1, 2))]
    """
    names = [f"variable {v}" for v in red.formula.variables]
    names += [f"C{i}: " + (f"{c.x} + {c.y} = {c.z}" if isinstance(c, Add) else f"{c.x} * {c.y} = 1")
              for i, c in enumerate(red.formula.constraints)]
    members: list[list[int]] = [[] for _ in names]
    for i, g in enumerate(red.gadgets):
        members[int((g.stripe.slope / 2) // LAMBDA)].append(i)
    owner = {i: k for k, ms in enumerate(members) for i in ms}
    points: list[list[int]] = [[] for _ in names]
    for j, cp in enumerate(red.constraint_points):
        points[max(owner[r.gadget] for r in cp.readings)].append(j)
    return [Cluster(name, LAMBDA * k, tuple(members[k]), tuple(points[k])) for k, name in enumerate(names)]


def statistics(red: Reduction) -> dict:
    """Sizes of the reduction's output (what docs/reduction.md's formulas predict)."""
    kinds: dict[str, int] = {}
    for g in red.gadgets:
        kinds[g.kind.name] = kinds.get(g.kind.name, 0) + 1
    coords = [c for p in red.instance.points for c in p.x]
    bits = max((max(abs(c.numerator).bit_length(), c.denominator.bit_length()) for c in coords), default=0)
    return {"variables": len(red.formula.variables), "constraints": len(red.formula.constraints),
            "adds": sum(isinstance(c, Add) for c in red.formula.constraints),
            "inversions": sum(isinstance(c, Inv) for c in red.formula.constraints),
            "gadgets": kinds, "hidden": red.instance.hidden, "points": len(red.instance.points),
            "constraint_points": len(red.constraint_points),
            "labels": len({p.y for p in red.instance.points}), "coordinate_bits": bits}

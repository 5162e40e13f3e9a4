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
    return Reduction(formula, tuple(gadgets), tuple(points), sections, instance, main)


@dataclass(frozen=True)
class LayoutProblem:
    where: str
    problem: str


def _outside(g: PlacedGadget, p: Point) -> bool:
    t = g.stripe.t(p)
    return t <= 2 or t >= g.kind.support_end


def check_layout(red: Reduction) -> list[LayoutProblem]:
    """Exact check of the placement conditions (quadratic in the number of gadgets).

    1. every gadget data point lies outside every other gadget's support
       (t <= 2 or t >= support_end), so the canonical fits do not interfere;
    2. every constraint point has exactly its intended t on its gadgets and lies
       outside every other gadget's support;
    3. all data points are distinct;
    4. the gadgets' bands (closed y-ranges of their samples) are disjoint on every
       cross-section (:func:`overlapping_bands`), and no line crosses the bands of
       three gadgets that are not all the same on the three cross-sections
       (:func:`misaligned_bands`); the soundness argument in docs/reduction.md
       needs both.
    """
    overlaps = [LayoutProblem(f"{red.gadgets[g].name} / {red.gadgets[h].name}", f"bands overlap at x = {x}")
                for x, g, h in overlapping_bands(red)]
    if overlaps:
        return overlaps
    problems: list[LayoutProblem] = [LayoutProblem(f"{red.gadgets[g].name} / {red.gadgets[h].name} / "
                                                   f"{red.gadgets[k].name}", "one line can cross their bands on "
                                                   "the three cross-sections")
                                     for g, h, k in misaligned_bands(red)]
    for i, g in enumerate(red.gadgets):
        own = red.gadget_points(i)
        for j, h in enumerate(red.gadgets):
            if i != j:
                bad = [p.x for p in own if not _outside(h, p.x)]
                if bad:
                    problems.append(LayoutProblem(g.name, f"data point {bad[0]} inside the support of {h.name}"))
    for cp in red.constraint_points:
        intended = {r.gadget for r in cp.readings}
        for r in cp.readings:
            if red.gadgets[r.gadget].stripe.t(cp.point) != r.t:
                problems.append(LayoutProblem(cp.note, f"reads t != {r.t} on {red.gadgets[r.gadget].name}"))
        for j, h in enumerate(red.gadgets):
            if j not in intended and not _outside(h, cp.point):
                problems.append(LayoutProblem(cp.note, f"inside the support of {h.name}"))
    xs = [p.x for p in red.instance.points]
    if len(set(xs)) != len(xs):
        problems.append(LayoutProblem("instance", "two data points coincide"))
    return problems


def band(g: PlacedGadget, x: Fraction) -> tuple[Fraction, Fraction]:
    """The closed y-range of a gadget's samples on the cross-section at ``x``."""
    ts = [t for t, _ in g.kind.samples]
    return g.stripe.at(x, min(ts))[1], g.stripe.at(x, max(ts))[1]


def overlapping_bands(red: Reduction) -> list[tuple[Fraction, int, int]]:
    """(x, g, h) for gadgets whose bands meet on the cross-section at x (should be none:
    the soundness argument needs disjoint bands on every cross-section)."""
    bad = []
    for x in red.cross_sections:
        bands = sorted((band(g, x), i) for i, g in enumerate(red.gadgets))
        for ((_, hi), i), ((lo, _), j) in zip(bands, bands[1:]):
            if lo <= hi:
                bad.append((x, i, j))
    return bad


def misaligned_bands(red: Reduction) -> list[tuple[int, int, int]]:
    """Triples (g, h, k), not all equal, such that some line meets g's band on the
    first cross-section, h's on the second and k's on the third.

    The cross-sections are equally spaced, so a line's height on the middle one
    is the mean of its heights on the outer two: (g, h, k) is possible iff the
    interval (band_g(x1) + band_k(x3)) / 2 meets band_h(x2).  Exact; O(G^2 log G).

    >>> from nnsolve.formula.model import Formula, Inv
    >>> misaligned_bands(reduce_formula(Formula(("x",), (Inv("x", "x"),))))
    []
    """
    import bisect

    x1, x2, x3 = red.cross_sections[0], red.cross_sections[len(red.cross_sections) // 2], red.cross_sections[-1]
    if len(red.cross_sections) != 3 or x2 - x1 != x3 - x2:
        raise ValueError("misaligned_bands expects three equally spaced cross-sections")
    if overlapping_bands(red):
        raise ValueError("bands overlap on a cross-section (see overlapping_bands)")
    first = [band(g, x1) for g in red.gadgets]
    last = [band(g, x3) for g in red.gadgets]
    middle = sorted((band(g, x2), h) for h, g in enumerate(red.gadgets))
    lows = [b[0][0] for b in middle]
    bad = []
    for g in range(len(red.gadgets)):
        for k in range(len(red.gadgets)):
            lo, hi = (first[g][0] + last[k][0]) / 2, (first[g][1] + last[k][1]) / 2
            # bands on one cross-section are disjoint and sorted: scan those starting <= hi
            i = bisect.bisect_right(lows, hi)
            while i > 0:
                i -= 1
                (blo, bhi), h = middle[i]
                if bhi < lo:
                    break
                if not (g == h == k):
                    bad.append((g, h, k))
    return bad


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

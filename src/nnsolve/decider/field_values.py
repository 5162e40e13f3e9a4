"""Algebraic values in a residual case: a forced irrational value as linear equations.

The value lemmas (:mod:`nnsolve.decider.value_lemmas`) fix v = m where a neighbourhood
of the case forces one value m.  On a formula whose solution is irrational (tier 4's
``irrational_d2_*``: every value of the planted solution lies in Q(sqrt 5)), the values
the residual forces are irrational too: on irrational_d2_100, radius-3 neighbourhoods
pin condition variables to roots of x^2 - 9x + 9 and x^2 - 7x + 1.  A case is a system
of linear equations over Q with bilinear definitions (:class:`nnsolve.elimination.LinearSystem`),
bounds and ites, so v = m cannot be one of its equations.  What m *is* can be:

* the **anchor**: for the first algebraic value theta forced in the case, of degree d,
  new variables P_1 .. P_d with the bilinear definitions P_k = P_(k-1) * P_1 (P_0 = 1),
  the linear equation sum_k c_k P_k = 0 (theta's minimal polynomial c_d x^d + ... + c_0),
  and the bound lo <= P_1 <= hi, an isolating interval of theta refined to width about
  2^-:data:`BITS` of its first width.  Together they say P_1 = theta: P_1 is a root of
  the polynomial in [lo, hi], and theta is the only one there; so P_k = theta^k.
* every forced value m of a variable w that lies in Q(theta): its coordinates
  m = e_0 + e_1 theta + ... + e_(d-1) theta^(d-1) (:meth:`nnsolve.fields.NumberField.embed`,
  exact and checked there) give the linear equation w = e_0 + e_1 P_1 + ... + e_(d-1) P_(d-1).

**The argument.**  The P_k are new variables, and the anchor's assertions have exactly
one solution in them (P_k = theta^k), whatever the other variables are: so adding them
changes no solution of the case, only extends each.  Each equation w = sum e_k P_k then
holds at every solution, because there w = m (the values are forced: the caller's
premise, as for rational values) and P_k = theta^k; adding an equation that holds at
every solution changes none.  A value outside Q(theta) is left out: that only leaves
the case as it was.  Nothing uses floats: theta's interval comes from exact bisection
(:func:`nnsolve.numbers.refine`) and signs from :meth:`NumberField.sign`.

What it buys: elimination writes every such w as a form in P_1 .. P_(d-1), and a form in
those alone has one value in every solution, sum c_k theta^k, whose sign is exact
(:func:`exact_sign`).  So an ite whose condition becomes such a form is decided, and a
bound on such a form is either implied (dropped) or violated (the case is closed), as
for rational values, where the form would be a constant (``branching._settle``).

>>> from fractions import Fraction
>>> from nnsolve.elimination import Inconsistent, LinearSystem
>>> from nnsolve.numbers import algebraic
>>> s, bounds = LinearSystem(priority=lambda v: {POWER: 9, TOP: 0}.get(v[0], 5)), []
>>> root5 = algebraic([1, 0, -5], 2, 3)
>>> anchor = add_algebraic(s, bounds, None, {("x",): root5, ("y",): (1 + root5) / 2})
>>> p1 = anchor.powers[0]
>>> s.reduce({("y",): 1}) == {None: Fraction(1, 2), p1: Fraction(1, 2)}   # y = (1 + P_1) / 2
True
>>> sign = exact_sign(s, anchor)
>>> sign(s.reduce({("y",): 1, None: Fraction(-1618034, 1000000)})), sign(s.reduce({("x",): 2, ("y",): -4, None: 2}))
(-1, 0)
>>> sign(s.reduce({("z",): 1})) is None          # z is not pinned
True
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Hashable, Mapping

from flint import fmpq, fmpq_poly

from nnsolve.decider.residual_query import Bound
from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.fields import NumberField
from nnsolve.numbers import AlgebraicNumber, refine

__all__ = ["Anchor", "BITS", "POWER", "TOP", "add_algebraic", "exact_sign", "is_algebraic", "propagate"]

#: the first item of the keys of an anchor's powers P_1 .. P_(d-1), and of P_d: a
#: case's elimination priority should keep the first free (eliminated last) and remove
#: the second first, so that forms are written in P_1 .. P_(d-1) (``exact_sign``)
POWER, TOP = "alg", "algtop"

#: bisections of the anchor's isolating interval for its bound on P_1: an
#: ite condition c + d * theta vs t (d != 0) is decided by the bounds once |c + d theta - t|
#: exceeds about |d| 2^-BITS times the interval's first width
BITS = 96


@dataclass(frozen=True)
class Anchor:
    """The algebraic number ``value`` of degree d held by a case: ``powers[k - 1]`` is the
    variable P_k = value^k for k = 1 .. d (new variables; each forced value is equated to
    a form in P_1 .. P_(d-1)), and ``bound`` is the isolating bound on P_1 that, with the minimal polynomial
    in the powers, pins P_1 to ``value``."""

    value: AlgebraicNumber
    powers: tuple
    bound: Bound

    @cached_property
    def field(self) -> NumberField:
        """Q(value), whose elements are written in the powers.  Built once per anchor, so
        that its caches (embedded values, sign precision) carry over between the case's
        eliminations and the cases that share the anchor; they are memos of exact
        functions of (value, argument), so sharing them changes no answer."""
        return NumberField(self.value)

    @property
    def degree(self) -> int:
        return len(self.value.poly) - 1


def is_algebraic(m: object) -> bool:
    """Whether ``m`` is an irrational algebraic number (not an int or Fraction)."""
    return isinstance(m, AlgebraicNumber)


def add_algebraic(system: LinearSystem, bounds: list, anchor: Anchor | None, values: Mapping,
                  stats: Counter | None = None) -> Anchor | None:
    """Write the algebraic values (v -> m) that ``values`` forces into ``system`` and
    ``bounds`` (module docstring): in the case's ``anchor`` if it has one, else in a new
    one on the value of largest degree (then the first by variable); each value as a
    linear equation in the anchor's powers.  Returns the anchor (None when ``values``
    has no algebraic value and there was none).  Raises
    :class:`~nnsolve.elimination.Inconsistent` when an equation contradicts the system
    (then, the values being forced, the case has no solution)."""
    stats = Counter() if stats is None else stats
    algebraic = {v: m for v, m in values.items() if is_algebraic(m)}
    if not algebraic:
        return anchor
    if anchor is None:
        v = min(algebraic, key=lambda w: (-len(algebraic[w].poly), repr(w)))
        anchor = _new_anchor(system, bounds, algebraic[v])
    field = anchor.field
    for v in sorted(algebraic, key=repr):
        try:
            coords = field.embed(algebraic[v])
        except ValueError:
            stats["algebraic values outside the field"] += 1
            continue
        system.equate(_equation(v, coords, anchor))
        stats["algebraic values"] += 1
    return anchor


def exact_sign(system: LinearSystem, anchor: Anchor | None, field: NumberField | None = None):
    """A function form -> the sign of the form's value in every solution of the case, or
    None; None itself when there is no anchor, its powers P_1 .. P_(d-1) are not all
    free in ``system``, or one of its definitions is no longer among the system's.  A
    form (reduced by ``system``) whose variables are among those powers has one value in every solution, sum_k c_k theta^k (the case pins P_k to
    theta^k), and its sign is exact (:meth:`NumberField.sign`)."""
    split = _splitter(system, anchor, field)
    if split is None:
        return None
    field = split.field

    def sign(form) -> int | None:
        value, rest = split(form)
        return None if rest else field.sign(value)

    return sign


def propagate(system: LinearSystem, anchor: Anchor | None, field: NumberField | None = None) -> bool:
    """Turn the bilinear definitions that the anchor makes linear into linear equations
    (the rational case is :meth:`LinearSystem.propagate`'s); whether one was.

    Take U = L * R with L's reduced form in the anchor's powers alone: it has one value
    lambda in Q(theta) (:func:`exact_sign`), so the definition says U - lambda R = 0, a
    linear equation with coefficients in Q(theta).  When it has at most one variable x
    outside the powers (through U's and R's forms), it is a0 + a1 x = 0 with a0, a1 in
    Q(theta): for a1 != 0, x = -a0 / a1 in every solution, an element of Q(theta) and so
    the rational linear equation x = sum e_k P_k; for a1 = 0 (or no x), a0 must be 0, else
    the system has no solution (:class:`~nnsolve.elimination.Inconsistent`).  Either way
    U = L R then holds at every solution of what is left (U's, L's and R's forms all have
    their values fixed consistently), so the definition is dropped: the solutions are
    the same.  The same with R and L exchanged.  This uses the pinning, so the anchor's
    own definitions P_k = P_(k-1) * P_1, which make it, are never dropped (dropping
    P_2 = P_1 * P_1 would leave P_1 free in its interval, rationals included)."""
    split = _splitter(system, anchor, field)
    if split is None:
        return False
    field, changed, pending = split.field, False, []
    for product, left, right in system.bilinear:
        if product in anchor.powers:
            # the anchor's own definitions: they are what pins the powers, so the
            # argument above (which uses the pinning) cannot drop them
            pending.append((product, left, right))
            continue
        forms = [system.reduce({v: 1}) for v in (product, left, right)]
        done = False
        for fixed, other in ((1, 2), (2, 1)):
            lam, rest = split(forms[fixed])
            if rest:
                continue
            # U - lambda * other = 0: its value part and its remaining variables
            a0, urest = split(forms[0])
            b0, orest = split(forms[other])
            a0 = field.sub(a0, field.mul(lam, b0))
            coeffs = {k: field.constant(Fraction(c)) for k, c in urest.items()}
            for k, c in orest.items():
                coeffs[k] = field.sub(coeffs.get(k, field.constant(Fraction(0))), field.scale(lam, Fraction(c)))
            coeffs = {k: c for k, c in coeffs.items() if not c.is_zero()}
            if len(coeffs) > 1:
                break  # two unknowns: not linear over Q
            if not coeffs:
                if not a0.is_zero():
                    raise Inconsistent("a product of pinned algebraic values differs from its definition")
            else:
                (x, a1), = coeffs.items()
                value = field.mul(field.neg(a0), field.inv(a1))
                system.equate(_equation(x, value, anchor))
            done = changed = True
            break
        if not done:
            pending.append((product, left, right))
    system.bilinear = pending
    return changed


class _Split:
    """A form's part in the anchor's powers as an element of Q(theta), and the rest."""

    def __init__(self, anchor: Anchor, field: NumberField) -> None:
        self.field, self.degree = field, anchor.degree
        self.index = {p: k + 1 for k, p in enumerate(anchor.powers[:anchor.degree - 1])}

    def __call__(self, form):
        coeffs, rest = [Fraction(0)] * self.degree, {}
        for k, c in form.items():
            if k is None:
                coeffs[0] += Fraction(c)
            elif k in self.index:
                coeffs[self.index[k]] += Fraction(c)
            else:
                rest[k] = c
        return fmpq_poly([fmpq(q.numerator, q.denominator) for q in coeffs]), rest


def _splitter(system: LinearSystem, anchor: Anchor | None, field: NumberField | None) -> _Split | None:
    if anchor is None:
        return None
    if any(system.reduce({p: 1}) != {p: 1} for p in anchor.powers[:anchor.degree - 1]):
        return None  # a power is a pivot: its value is not read from a form
    # the pinning must still rest on the anchor's own definitions: from degree 3 on,
    # LinearSystem.common_factors may drop P_k = P_(k-1) * P_1 for an equivalent pair
    # with another definition, which propagate (using the pinning) could then drop too
    present = set(system.bilinear)
    if any((anchor.powers[k], anchor.powers[k - 1], anchor.powers[0]) not in present
           for k in range(1, anchor.degree)):
        return None
    return _Split(anchor, anchor.field if field is None else field)


def _equation(v, coords, anchor: Anchor) -> dict:
    """v = coords (an element of Q(theta)) as the form v - sum e_k P_k (= 0)."""
    form: dict = {v: Fraction(1)}
    for k in range(coords.degree() + 1):
        c = coords[k]
        if c != 0:
            key = None if k == 0 else anchor.powers[k - 1]
            form[key] = form.get(key, 0) - Fraction(int(c.p), int(c.q))
    return form


def _new_anchor(system: LinearSystem, bounds: list, value: AlgebraicNumber) -> Anchor:
    degree = len(value.poly) - 1
    # the power variables' keys name the number, so two anchors of one residual (a case
    # and another it was copied from) never share a power variable of a different number
    tag = "h" + hashlib.sha256(repr((value.poly, value.low, value.high)).encode()).hexdigest()[:12]
    # P_1 .. P_(d-1) under POWER (kept free: never a pivot while another variable can be),
    # P_d under TOP (the minimal polynomial's pivot)
    powers = [(POWER, tag, k) for k in range(1, degree)] + [(TOP, tag)]
    for k in range(2, degree + 1):
        system.define(powers[k - 1], powers[k - 2], powers[0])
    # the minimal polynomial, highest degree first, in the powers: sum_k c_k P_k = 0
    poly: dict = {}
    for i, c in enumerate(value.poly):
        k = degree - i
        if c:
            poly[None if k == 0 else powers[k - 1]] = Fraction(c)
    system.equate(poly)
    lo, hi = refine(value, BITS)
    bound = Bound({powers[0]: Fraction(1)}, lo, hi)
    bounds.append(bound)
    return Anchor(value, tuple(powers), bound)

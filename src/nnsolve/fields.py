"""Fast exact arithmetic inside one real number field Q(theta).

Exact evaluation of a network with irrational weights would need a resultant
per operation in :mod:`nnsolve.numbers`.  Instead, :func:`common_field` finds
one field Q(theta) holding every weight (a primitive element when needed) and
represents each number as a polynomial in theta of degree < deg(theta) with
rational coefficients.  Sums and products are polynomial arithmetic modulo the
minimal polynomial; an element is 0 iff all its coefficients are 0 (the
minimal polynomial is irreducible); its sign comes from interval evaluation
with ever tighter exact intervals around theta.

>>> from nnsolve.numbers import algebraic
>>> r2 = algebraic([1, 0, -2], 1, 2)
>>> K = common_field([r2, Fraction(1, 3)])
>>> e = K.mul(K.embed(r2), K.embed(r2))
>>> K.sign(K.sub(e, K.embed(Fraction(2))))
0
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable

import sympy

from nnsolve.numbers import AlgebraicNumber, Number, add, mul, refine

Element = tuple[Fraction, ...]  # coefficients of 1, theta, theta^2, ... (lowest first)


def _to_sympy(a: AlgebraicNumber) -> sympy.CRootOf:
    x = sympy.Symbol("x")
    p = sympy.Poly(list(a.poly), x)
    index = int(p.count_roots(None, sympy.Rational(a.low.numerator, a.low.denominator)))
    return sympy.CRootOf(p, index)


class NumberField:
    """Q(theta) for a real algebraic theta (irreducible minimal polynomial)."""

    def __init__(self, theta: AlgebraicNumber) -> None:
        self.theta = theta
        lead = theta.poly[0]
        # theta^d = -(c_{d-1} theta^{d-1} + ... + c_0) / lead, as lowest-first reduction rule
        self.degree = len(theta.poly) - 1
        self._rule = tuple(Fraction(-c, lead) for c in reversed(theta.poly[1:]))
        self._sympy_theta = _to_sympy(theta)
        self._intervals: dict[int, tuple[Fraction, Fraction]] = {}

    # -- elements --------------------------------------------------------------
    def constant(self, q: Fraction) -> Element:
        return (Fraction(q),) + (Fraction(0),) * (self.degree - 1)

    def embed(self, a: Number) -> Element:
        """The element equal to ``a``; raises ValueError if ``a`` is not in the field."""
        if isinstance(a, int):
            a = Fraction(a)
        if isinstance(a, Fraction):
            return self.constant(a)
        from sympy.polys.numberfields.subfield import to_number_field
        try:
            an = to_number_field(_to_sympy(a), self._sympy_theta)
        except Exception as exc:  # sympy raises IsomorphismFailed
            raise ValueError(f"{a} is not in Q(theta)") from exc
        coeffs = [Fraction(int(c.p), int(c.q)) for c in reversed(an.coeffs())]
        coeffs += [Fraction(0)] * (self.degree - len(coeffs))
        return tuple(coeffs)

    def add(self, u: Element, v: Element) -> Element:
        return tuple(a + b for a, b in zip(u, v))

    def neg(self, u: Element) -> Element:
        return tuple(-a for a in u)

    def sub(self, u: Element, v: Element) -> Element:
        return tuple(a - b for a, b in zip(u, v))

    def mul(self, u: Element, v: Element) -> Element:
        d = self.degree
        prod = [Fraction(0)] * (2 * d - 1)
        for i, a in enumerate(u):
            if a:
                for j, b in enumerate(v):
                    if b:
                        prod[i + j] += a * b
        for k in range(2 * d - 2, d - 1, -1):  # reduce theta^k, highest first
            c = prod[k]
            if c:
                prod[k] = Fraction(0)
                for i, r in enumerate(self._rule):
                    prod[k - d + i] += c * r
        return tuple(prod[:d])

    def scale(self, u: Element, q: Fraction) -> Element:
        return tuple(a * q for a in u)

    # -- order -------------------------------------------------------------------
    def _interval(self, level: int) -> tuple[Fraction, Fraction]:
        if level not in self._intervals:
            self._intervals[level] = refine(self.theta, level)
        return self._intervals[level]

    def sign(self, u: Element) -> int:
        """-1, 0 or 1, exactly."""
        if not any(u):
            return 0
        if not any(u[1:]):
            return (u[0] > 0) - (u[0] < 0)
        level = 8
        while True:
            lo, hi = self._interval(level)
            vlo, vhi = _horner_interval(u, lo, hi)
            if vlo > 0:
                return 1
            if vhi < 0:
                return -1
            level += 8

    def to_number(self, u: Element) -> Number:
        """Back to a plain exact number (slow path; for reporting only)."""
        total: Number = Fraction(0)
        power: Number = Fraction(1)
        for c in u:
            if c:
                total = add(total, mul(c, power))
            power = mul(power, self.theta)
        return total


def _horner_interval(u: Element, lo: Fraction, hi: Fraction) -> tuple[Fraction, Fraction]:
    """Enclosure of sum u_i theta^i for theta in [lo, hi]."""
    vlo = vhi = Fraction(0)
    for c in reversed(u):
        products = (vlo * lo, vlo * hi, vhi * lo, vhi * hi)
        vlo, vhi = min(products) + c, max(products) + c
    return vlo, vhi


class RationalField:
    """Q itself, with NumberField's interface (elements are Fractions)."""

    @staticmethod
    def embed(a: Number) -> Fraction:
        if isinstance(a, AlgebraicNumber):
            raise ValueError(f"{a} is not rational")
        return Fraction(a)

    constant = embed

    @staticmethod
    def add(u: Fraction, v: Fraction) -> Fraction:
        return u + v

    @staticmethod
    def sub(u: Fraction, v: Fraction) -> Fraction:
        return u - v

    @staticmethod
    def mul(u: Fraction, v: Fraction) -> Fraction:
        return u * v

    @staticmethod
    def scale(u: Fraction, q: Fraction) -> Fraction:
        return u * q

    @staticmethod
    def sign(u: Fraction) -> int:
        return (u > 0) - (u < 0)


def common_field(numbers: Iterable[Number]) -> NumberField | RationalField:
    """A field containing every number: Q when all are rational, else some Q(theta)."""
    irr: list[AlgebraicNumber] = []
    for a in numbers:
        if isinstance(a, AlgebraicNumber) and a not in irr:
            irr.append(a)
    if not irr:
        return RationalField()
    irr.sort(key=lambda a: -len(a.poly))
    theta: AlgebraicNumber = irr[0]
    field = NumberField(theta)
    for a in irr[1:]:
        if _contains(field, a):
            continue
        # theta + c a generates Q(theta, a) for all but finitely many c; the embedding
        # of both generators into the candidate field is the (exact) check.
        for c in range(1, 64):
            candidate = add(theta, mul(Fraction(c), a))
            if not isinstance(candidate, AlgebraicNumber):
                continue
            trial = NumberField(candidate)
            if _contains(trial, theta) and _contains(trial, a):
                theta, field = candidate, trial
                break
        else:  # pragma: no cover - would need 63 bad c in a row
            raise ValueError("no primitive element found")
    return field


def _contains(field: NumberField, a: Number) -> bool:
    try:
        field.embed(a)
        return True
    except ValueError:
        return False

"""The pre-FLINT nnsolve.numbers (commit 5873184), unchanged below this note: sympy
polynomial arithmetic.  Kept only as the reference implementation that
tests/test_flint_numbers.py compares the FLINT arithmetic with; not part of the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Union

import sympy

_X = sympy.Symbol("x")
_Y = sympy.Symbol("y")


class NumberFormatError(ValueError):
    """A value that is not an exact number in the project's format."""


@dataclass(frozen=True, eq=False)
class AlgebraicNumber:
    """The unique root of ``poly`` in the open interval ``(low, high)``.

    Invariants (established by :func:`algebraic`, never by hand): ``poly`` is
    irreducible over Q, primitive, of degree >= 2 with a positive leading
    coefficient, highest degree first; it has exactly one root in
    ``[low, high]`` and, being irreducible of degree >= 2, no rational roots, so
    the endpoints are never roots and ``poly`` changes sign across the interval.
    """

    poly: tuple[int, ...]
    low: Fraction
    high: Fraction

    # -- identity -------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, (int, Fraction)):
            return False  # irrational
        if not isinstance(other, AlgebraicNumber):
            return NotImplemented
        if self.poly != other.poly:
            return False
        lo, hi = max(self.low, other.low), min(self.high, other.high)
        return lo <= hi and _count_roots(self.poly, lo, hi) == 1

    def __hash__(self) -> int:
        return hash(self.poly)

    def __repr__(self) -> str:
        return f"AlgebraicNumber(poly={list(self.poly)}, interval=[{self.low}, {self.high}])"

    def __str__(self) -> str:
        lo, hi = refine(self, 40)
        return f"root of {list(self.poly)} in [{self.low}, {self.high}] (~{float((lo + hi) / 2):.12g})"

    # -- arithmetic -----------------------------------------------------
    def __neg__(self) -> Number:
        return neg(self)

    def __add__(self, other: object) -> Number:
        return add(self, other) if _is_number(other) else NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Number:
        return add(self, neg(other)) if _is_number(other) else NotImplemented

    def __rsub__(self, other: object) -> Number:
        return add(other, neg(self)) if _is_number(other) else NotImplemented

    def __mul__(self, other: object) -> Number:
        return mul(self, other) if _is_number(other) else NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Number:
        return mul(self, inv(other)) if _is_number(other) else NotImplemented

    def __rtruediv__(self, other: object) -> Number:
        return mul(other, inv(self)) if _is_number(other) else NotImplemented

    def __lt__(self, other: object) -> bool:
        return sign(self - other) < 0

    def __le__(self, other: object) -> bool:
        return sign(self - other) <= 0

    def __gt__(self, other: object) -> bool:
        return sign(self - other) > 0

    def __ge__(self, other: object) -> bool:
        return sign(self - other) >= 0

    def __float__(self) -> float:
        lo, hi = refine(self, 60)
        return float((lo + hi) / 2)


Number = Union[Fraction, AlgebraicNumber]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, Fraction, AlgebraicNumber)) and not isinstance(value, bool)


def as_number(value: object) -> Number:
    """Coerce ints to Fraction; reject floats and anything inexact."""
    if isinstance(value, bool):
        raise NumberFormatError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, (Fraction, AlgebraicNumber)):
        return value
    raise NumberFormatError(f"not an exact number: {value!r} (floats are never accepted)")


# -- polynomials (integer coefficient tuples, highest degree first) -------------

def _eval(poly: tuple[int, ...], x: Fraction) -> Fraction:
    acc = Fraction(0)
    for c in poly:
        acc = acc * x + c
    return acc


def _sympoly(poly: Iterable[int]) -> sympy.Poly:
    return sympy.Poly(list(poly), _X, domain="ZZ")


def _coeffs(p: sympy.Poly) -> tuple[int, ...]:
    cs = [int(c) for c in p.all_coeffs()]
    g = 0
    for c in cs:
        g = _gcd(g, c)
    cs = [c // g for c in cs] if g else cs
    if cs and cs[0] < 0:
        cs = [-c for c in cs]
    return tuple(cs)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


def _count_roots(poly: tuple[int, ...], lo: Fraction, hi: Fraction) -> int:
    """Number of distinct real roots in the closed interval [lo, hi]."""
    p = _sympoly(poly)
    return int(p.count_roots(sympy.Rational(lo.numerator, lo.denominator),
                             sympy.Rational(hi.numerator, hi.denominator)))


def _rational_root(poly: tuple[int, ...]) -> Fraction:
    a, b = poly  # a x + b
    return Fraction(-b, a)


# -- construction ------------------------------------------------------------

def algebraic(poly: Iterable[int], low: Fraction | int | str, high: Fraction | int | str) -> Number:
    """The unique real root of ``poly`` in the closed interval ``[low, high]``.

    ``poly`` is any nonzero integer polynomial, highest degree first.  Raises
    :class:`NumberFormatError` unless exactly one distinct real root lies in the
    interval.  Returns a Fraction when that root is rational.
    """
    coeffs = [int(c) for c in poly]
    while coeffs and coeffs[0] == 0:
        coeffs.pop(0)
    low, high = Fraction(low), Fraction(high)
    if not coeffs or len(coeffs) == 1:
        raise NumberFormatError("a defining polynomial must have degree >= 1")
    if low > high:
        raise NumberFormatError(f"empty interval [{low}, {high}]")
    n = _count_roots(tuple(coeffs), low, high)
    if n != 1:
        raise NumberFormatError(
            f"polynomial {coeffs} has {n} real roots in [{low}, {high}], not exactly one")
    _, factors = sympy.factor_list(_sympoly(coeffs))
    for factor, _mult in factors:
        fc = _coeffs(factor)
        if _count_roots(fc, low, high) == 1:
            return _normalize(fc, low, high)
    raise AssertionError("unreachable: the root belongs to some irreducible factor")


def _normalize(irreducible: tuple[int, ...], low: Fraction, high: Fraction) -> Number:
    if len(irreducible) == 2:
        return _rational_root(irreducible)
    # Endpoints of an irreducible poly of degree >= 2 are never roots.
    # Canonical interval: sympy's exact isolating interval of this root, so the
    # same number always prints the same way.
    for (a, b), _ in _sympoly(irreducible).intervals():
        a, b = Fraction(int(a.p), int(a.q)), Fraction(int(b.p), int(b.q))
        lo, hi = max(a, low), min(b, high)
        if lo <= hi and _count_roots(irreducible, lo, hi) == 1:
            return AlgebraicNumber(irreducible, a, b)
    raise AssertionError("unreachable: the root has an isolating interval")  # pragma: no cover


def refine(a: Number, steps: int) -> tuple[Fraction, Fraction]:
    """An interval containing ``a`` after ``steps`` bisections (exact)."""
    if isinstance(a, Fraction):
        return a, a
    lo, hi = a.low, a.high
    slo = _eval(a.poly, lo) > 0
    for _ in range(steps):
        mid = (lo + hi) / 2
        smid = _eval(a.poly, mid) > 0  # never zero: no rational roots
        if smid == slo:
            lo = mid
        else:
            hi = mid
    return lo, hi


def approximate(a: Number, bits: int = 53) -> Fraction:
    """A rational within 2**-bits of ``a`` (for display and search only)."""
    if isinstance(a, Fraction):
        return a
    width = a.high - a.low
    steps = max(0, bits + width.numerator.bit_length() - width.denominator.bit_length() + 1)
    lo, hi = refine(a, steps)
    return (lo + hi) / 2


# -- interval arithmetic driving root selection ---------------------------------

def _iadd(x, y):
    return x[0] + y[0], x[1] + y[1]


def _imul(x, y):
    ps = (x[0] * y[0], x[0] * y[1], x[1] * y[0], x[1] * y[1])
    return min(ps), max(ps)


def _select(candidate: sympy.Poly, enclose) -> Number:
    """The root of ``candidate`` that ``enclose(k)`` pins down as k grows.

    ``enclose(k)`` returns an interval that contains the true value and shrinks
    to it; the true value is a root of ``candidate``.  We factor and refine
    until exactly one root of one factor remains in the interval.
    """
    _, factors = sympy.factor_list(candidate)
    polys = [_coeffs(f) for f, _ in factors if f.degree() >= 1]
    k = 0
    while True:
        lo, hi = enclose(k)
        hits = [(p, _count_roots(p, lo, hi)) for p in polys]
        total = sum(n for _, n in hits)
        if total == 1:
            p = next(p for p, n in hits if n == 1)
            if len(p) == 2:
                return _rational_root(p)
            return AlgebraicNumber(p, lo, hi)
        if total == 0:  # pragma: no cover - would mean a wrong resultant
            raise AssertionError("root selection lost the value")
        k += 4


def neg(a: Number) -> Number:
    a = as_number(a)
    if isinstance(a, Fraction):
        return -a
    d = len(a.poly) - 1
    coeffs = tuple(c if (d - i) % 2 == 0 else -c for i, c in enumerate(a.poly))
    if coeffs[0] < 0:
        coeffs = tuple(-c for c in coeffs)
    return AlgebraicNumber(coeffs, -a.high, -a.low)


def inv(a: Number) -> Number:
    a = as_number(a)
    if isinstance(a, Fraction):
        if a == 0:
            raise ZeroDivisionError("division by zero")
        return 1 / a
    coeffs = tuple(reversed(a.poly))
    if coeffs[0] < 0:
        coeffs = tuple(-c for c in coeffs)
    lo, hi = a.low, a.high
    while lo <= 0 <= hi:  # shrink away from 0 (a != 0)
        lo, hi = refine(AlgebraicNumber(a.poly, lo, hi), 1)
    return AlgebraicNumber(coeffs, 1 / hi, 1 / lo)


def add(a: Number, b: Number) -> Number:
    a, b = as_number(a), as_number(b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a + b
    if isinstance(a, Fraction):
        a, b = b, a
    if isinstance(b, Fraction):
        # a + c is a root of p(x - c); denominators cleared by _coeffs.
        c = sympy.Rational(b.numerator, b.denominator)
        shifted = sympy.Poly(_sympoly(a.poly).as_expr().subs(_X, _X - c), _X, domain="QQ")
        _, integral = shifted.clear_denoms(convert=True)
        return AlgebraicNumber(_coeffs(integral), a.low + b, a.high + b)
    p = sympy.Poly(_sympoly(a.poly).as_expr().subs(_X, _Y), _Y, _X)
    q = sympy.Poly(_sympoly(b.poly).as_expr().subs(_X, _X - _Y), _Y, _X)
    r = sympy.Poly(sympy.resultant(p, q, _Y), _X, domain="ZZ")
    return _select(r, lambda k: _iadd(refine(a, k), refine(b, k)))


def mul(a: Number, b: Number) -> Number:
    a, b = as_number(a), as_number(b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a * b
    if isinstance(a, Fraction):
        a, b = b, a
    if isinstance(b, Fraction):
        if b == 0:
            return Fraction(0)
        # a * c is a root of p(x / c) * c^d.
        d = len(a.poly) - 1
        num, den = b.numerator, b.denominator
        coeffs = [c * den ** (d - i) * num ** i for i, c in enumerate(a.poly)]
        lo, hi = sorted((a.low * b, a.high * b))
        return AlgebraicNumber(_coeffs(_sympoly(coeffs)), lo, hi)
    p = sympy.Poly(_sympoly(a.poly).as_expr().subs(_X, _Y), _Y, _X)
    d = len(b.poly) - 1
    q = sympy.Poly(sympy.expand(_sympoly(b.poly).as_expr().subs(_X, _X / _Y) * _Y ** d), _Y, _X)
    r = sympy.Poly(sympy.resultant(p, q, _Y), _X, domain="ZZ")
    return _select(r, lambda k: _imul(refine(a, k), refine(b, k)))


def sign(a: Number) -> int:
    """-1, 0 or 1, exactly."""
    a = as_number(a)
    if isinstance(a, Fraction):
        return (a > 0) - (a < 0)
    lo, hi = a.low, a.high
    k = 0
    while lo <= 0 <= hi:  # an irrational is never 0, so this ends
        k += 4
        lo, hi = refine(a, k)
    return 1 if lo > 0 else -1


def compare(a: Number, b: Number) -> int:
    """sign(a - b)."""
    return sign(add(a, neg(b)))


# -- the project's JSON format -------------------------------------------------

def to_json(a: Number | int) -> str | dict:
    """Encode an exact number in the project's format."""
    a = as_number(a)
    if isinstance(a, Fraction):
        return str(a.numerator) if a.denominator == 1 else f"{a.numerator}/{a.denominator}"
    a = _normalize(a.poly, a.low, a.high)  # canonical interval: one number, one spelling
    return {"poly": list(a.poly), "interval": [to_json(a.low), to_json(a.high)]}


def parse_rational(text: str) -> Fraction:
    """Parse ``"p/q"``, an integer, or a finite decimal such as ``"0.5"``."""
    if not isinstance(text, str):
        raise NumberFormatError(f"expected a string, got {text!r}")
    t = text.strip()
    if not t or any(ch in t for ch in "eEinfINFaN_ "):
        raise NumberFormatError(f"not an exact rational: {text!r} (write p/q or an integer)")
    try:
        value = Fraction(t)
    except (ValueError, ZeroDivisionError) as exc:
        raise NumberFormatError(f"not an exact rational: {text!r} (write p/q or an integer)") from exc
    return value


def from_json(value: object) -> Number:
    """Decode an exact number in the project's format (strict: no floats)."""
    if isinstance(value, bool):
        raise NumberFormatError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        return parse_rational(value)
    if isinstance(value, dict):
        if set(value) != {"poly", "interval"}:
            raise NumberFormatError(
                f"an algebraic number needs exactly the keys 'poly' and 'interval', got {sorted(value)}")
        poly, interval = value["poly"], value["interval"]
        if (not isinstance(poly, list) or len(poly) < 2
                or not all(isinstance(c, int) and not isinstance(c, bool) for c in poly)):
            raise NumberFormatError(f"'poly' must be a list of >= 2 integers, got {poly!r}")
        if not isinstance(interval, list) or len(interval) != 2:
            raise NumberFormatError(f"'interval' must be a list of two rationals, got {interval!r}")
        lo, hi = (from_json(v) for v in interval)
        if not (isinstance(lo, Fraction) and isinstance(hi, Fraction)):
            raise NumberFormatError("interval endpoints must be rationals")
        return algebraic(poly, lo, hi)
    raise NumberFormatError(
        f"not an exact number: {value!r} (use \"p/q\", an integer string, or "
        "{\"poly\": [...], \"interval\": [\"p/q\", \"p/q\"]})")

"""Human-readable text for exact numbers (display only, never decisions)."""

from __future__ import annotations

from fractions import Fraction

from nnsolve.numbers import AlgebraicNumber, Number, approximate


def poly_text(coeffs: tuple[int, ...] | list[int]) -> str:
    """Polynomial with integer coefficients, highest degree first, as text.

    >>> poly_text([2, 0, -1])
    '2x^2 - 1'
    """
    d = len(coeffs) - 1
    parts = []
    for i, c in enumerate(coeffs):
        e = d - i
        if c == 0:
            continue
        mag = abs(c)
        body = ("" if mag == 1 and e else str(mag)) + ("x" if e else "") + (f"^{e}" if e > 1 else "")
        parts.append(("-" if c < 0 else "+", body or "1"))
    text = "".join(f" {s} {b}" for s, b in parts).strip()
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


def number_text(a: Number) -> str:
    """An exact number as text, with a decimal hint for irrationals.

    >>> number_text(Fraction(3, 4))
    '3/4'
    """
    if isinstance(a, Fraction):
        return str(a)
    assert isinstance(a, AlgebraicNumber)
    return (f"root of {poly_text(a.poly)} in [{a.low}, {a.high}]"
            f" (~{float(approximate(a, 64)):.10g})")

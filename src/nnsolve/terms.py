"""SMT-LIB spellings of a symbol and of an exact rational: the base layer.

Kept apart from :mod:`nnsolve.formula.smtlib` (which loads pysmt) and
:mod:`nnsolve.encodings.relu` (which loads the training layer) so that the solver child
(:mod:`nnsolve.solvers.worker`) can write a pinned value without loading either: a
child starts on every value step (``Query.pin``), and those imports doubled its start.

>>> quote_symbol("x1"), quote_symbol("a b"), quote_symbol("let"), quote_symbol("12"), quote_symbol(")")
('x1', '|a b|', '|let|', '|12|', '|)|')
>>> from fractions import Fraction
>>> num(Fraction(-3, 4)), num(2), num("5/10")
('(- (/ 3.0 4.0))', '2.0', '(/ 1.0 2.0)')
>>> from nnsolve.numbers import algebraic
>>> is_value("x", Fraction(1, 2))
'(= x (/ 1.0 2.0))'
>>> is_value("x", algebraic([1, 0, -2], 1, 2))   # sqrt(2): x^2 - 2 = 0, 1 <= x <= 2
'(and (= (+ (* 1.0 x x) (- 2.0)) 0.0) (<= 1.0 x) (<= x 2.0))'
"""

from __future__ import annotations

import numbers
import re
from fractions import Fraction

__all__ = ["quote_symbol", "num", "is_value", "is_numeral", "THEORY_SYMBOLS", "UNDECLARABLE"]

#: the function symbols of QF_NRA's signature (Core and Reals): SMT-LIB 2.6 forbids
#: declaring them again (z3 refuses ``true``, ``false``, ``and``; quoting does not help:
#: ``|and|`` is the symbol ``and``)
THEORY_SYMBOLS = frozenset({"true", "false", "not", "=>", "and", "or", "xor", "=", "distinct", "ite",
                            "-", "+", "*", "/", "<=", "<", ">=", ">"})
#: names no file can declare for every solver: the theory symbols, and the reserved words
#: ``_`` and ``as``, which z3 refuses even quoted (``|_|``)
UNDECLARABLE = THEORY_SYMBOLS | {"_", "as"}

_SIMPLE_SYMBOL = re.compile(r"^[A-Za-z~!@$%^&*_+=<>.?/\-][A-Za-z0-9~!@$%^&*_+=<>.?/\-]*$")
#: legal simple symbols that z3 reads as a negative numeral ("-0": "symbol expected"):
#: written quoted, which names the same symbol
_SIGNED_DIGITS = re.compile(r"^-[0-9]")
_RESERVED = {"_", "!", "as", "let", "exists", "forall", "match", "par", "BINARY", "DECIMAL",
             "HEXADECIMAL", "NUMERAL", "STRING"}


def is_numeral(text: str) -> bool:
    """Whether ``text`` is an SMT-LIB numeral, decimal, hexadecimal or binary literal."""
    return bool(re.fullmatch(r"[0-9]+(\.[0-9]+)?|#x[0-9a-fA-F]+|#b[01]+", text))


def quote_symbol(name: str) -> str:
    """SMT-LIB spelling of a symbol: bare when simple, |quoted| otherwise; ValueError for
    a name that no spelling declares (a theory symbol, or one with ``|`` or ``\\``)."""
    if name in UNDECLARABLE:
        raise ValueError(f"symbol {name!r} cannot be declared (an SMT-LIB theory symbol or a reserved word)")
    if _SIMPLE_SYMBOL.match(name) and name not in _RESERVED and not is_numeral(name) \
            and not _SIGNED_DIGITS.match(name):
        return name
    if "|" in name or "\\" in name:
        raise ValueError(f"symbol {name!r} cannot be written in SMT-LIB")
    return f"|{name}|"


def num(q) -> str:
    """An exact rational as an SMT-LIB Real term: ints, Fractions and any other exact
    rational type (gmpy2's mpq) as they are; strings, floats and Decimals exactly as
    Fraction reads them."""
    if not isinstance(q, numbers.Rational):
        q = Fraction(q)
    n, d = int(q.numerator), int(q.denominator)  # lowest terms for int, Fraction, mpq
    body = f"{abs(n)}.0" if d == 1 else f"(/ {abs(n)}.0 {d}.0)"
    return f"(- {body})" if n < 0 else body


def is_value(term: str, m) -> str:
    """An SMT-LIB formula that holds exactly when ``term`` equals the exact number ``m``.

    For a rational, ``(= term m)``.  For a real algebraic number (an object with ``poly``,
    integer coefficients highest degree first, and ``low``, ``high``: the unique root of
    ``poly`` in the closed interval [low, high], as :class:`nnsolve.numbers.AlgebraicNumber`
    keeps it), ``p(term) = 0 and low <= term <= high``: a real satisfies it iff it is a
    root of ``poly`` in [low, high], and the only one is ``m``.  So ``(not ...)`` of it
    says ``term != m`` in plain QF_NRA, which every solver reads (no ``root-obj``)."""
    if isinstance(m, numbers.Rational) or not hasattr(m, "poly"):
        return f"(= {term} {num(m)})"
    top = len(m.poly) - 1
    monomials = []
    for k, c in enumerate(m.poly):
        if c:
            power = " ".join([term] * (top - k))
            monomials.append(f"(* {num(c)} {power})" if power else num(c))
    poly = monomials[0] if len(monomials) == 1 else f"(+ {' '.join(monomials)})"
    return f"(and (= {poly} 0.0) (<= {num(m.low)} {term}) (<= {term} {num(m.high)}))"

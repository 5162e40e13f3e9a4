"""Helpers shared by backends: script bodies and model value conversion."""

from __future__ import annotations

from fractions import Fraction

from nnsolve.formula.sexp import Atom, SList, read_sexps
from nnsolve.numbers import algebraic, to_json

_DROP = {"check-sat", "get-model", "get-value", "exit", "get-info"}


def script_body(text: str) -> str:
    """The script without check-sat / get-model / get-value / exit commands.

    >>> script_body("(declare-fun x () Real)(check-sat)(get-model)(exit)")
    '(declare-fun x () Real)'
    """
    keep = []
    for cmd in read_sexps(text):
        if isinstance(cmd, SList) and cmd.items and isinstance(cmd.items[0], Atom) \
                and cmd.items[0].text in _DROP:
            continue
        keep.append(str(cmd))
    return "\n".join(keep)


def algebraic_json(poly_high_first: list[int], approx: Fraction, width_exponents=(30, 100, 400)) -> object:
    """Exact number from a defining polynomial and a close rational approximation.

    Tries ever narrower intervals around ``approx`` until exactly one root of the
    polynomial lies inside.  The caller's exact model check is what makes the
    final answer trustworthy; this only turns a solver's claim into a number.
    """
    last = None
    for e in width_exponents:
        eps = Fraction(1, 10 ** e)
        try:
            return to_json(algebraic(poly_high_first, approx - eps, approx + eps))
        except ValueError as exc:
            last = exc
    raise ValueError(f"cannot isolate the solver's algebraic value: {last}")

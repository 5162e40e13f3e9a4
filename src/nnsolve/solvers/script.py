"""Helpers shared by backends: script bodies and model value conversion."""

from __future__ import annotations

import re
from fractions import Fraction

from nnsolve.formula.sexp import Atom, SList, read_sexps
from nnsolve.numbers import algebraic, to_json

_DROP = {"check-sat", "get-model", "get-value", "exit", "get-info"}
#: what only the full reader handles: comments, strings, quoted symbols, a form feed
#: (the reader's whitespace, not SMT-LIB's: it prints a space), whitespace after an
#: opening parenthesis (the backends look for "(set-logic" as the reader prints it),
#: and any character outside printable ASCII
_NOT_PLAIN = re.compile(r'[;"|\f]|\([ \t\r\n]|[^\x20-\x7e\t\r\n]')
_PARENS = re.compile(r"[()]")
_BLANK = " \t\r\n\f"
_DROPPED = re.compile(r"\([ \t\r\n\f]*(?:" + "|".join(map(re.escape, sorted(_DROP))) + r")(?=[ \t\r\n\f()])")


def script_body(text: str) -> str:
    """The script without check-sat / get-model / get-value / exit commands.

    A script of plain text (no comments, strings or quoted symbols: every script the
    decider writes) is cut at its top-level parentheses, each command kept as written;
    any other goes through the S-expression reader.  The two agree up to whitespace
    (tests/test_solver_script.py).  A solver child reads thousands of scripts a minute
    in a value cascade, and the reader took about a third of its time.

    >>> script_body("(declare-fun x () Real)(check-sat)(get-model)(exit)")
    '(declare-fun x () Real)'
    >>> script_body("(assert (> x 0)) ; (check-sat) in a comment\\n(check-sat)")
    '(assert (> x 0))'
    """
    if _NOT_PLAIN.search(text) is None:
        body = _plain_body(text)
        if body is not None:
            return body
    return _read_body(text)


def _plain_body(text: str) -> str | None:
    """``script_body`` of a plain script by its parentheses; None when the text is not a
    sequence of balanced top-level lists (the reader then says what is wrong)."""
    keep, depth, begin, end = [], 0, 0, 0
    for match in _PARENS.finditer(text):
        if match.group() == "(":
            if depth == 0:
                if text[end:match.start()].strip(_BLANK):
                    return None  # a top-level atom
                begin = match.start()
            depth += 1
            continue
        depth -= 1
        if depth < 0:
            return None
        if depth == 0:
            end = match.end()
            if not _DROPPED.match(text, begin):
                keep.append(text[begin:end])
    if depth or text[end:].strip(_BLANK):
        return None
    return "\n".join(keep)


def _read_body(text: str) -> str:
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

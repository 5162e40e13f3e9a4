"""``script_body``: the plain-text path (cut at top-level parentheses) against the
S-expression reader's, on random scripts."""

import re

from hypothesis import given, settings, strategies as st

from nnsolve.formula.sexp import read_sexps
from nnsolve.solvers.script import _read_body, script_body

blank = st.text(alphabet=" \t\r\n\f", max_size=3)
symbol = st.sampled_from(["x", "y1", "c_q.2.1", "+", "*", "ite", "<=", "2.0", "(/ 3.0 7.0)", "Real", "assert",
                          "check-sat", "get-model", "exit", "get-value", "get-info", "check-sat2", "exit_", "-1",
                          "set-logic", "QF_NRA"])


@st.composite
def terms(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(symbol)
    items = draw(st.lists(terms(depth=depth - 1), max_size=4))
    return "(" + draw(blank) + draw(blank).join(items) + draw(blank) + ")"


@st.composite
def scripts(draw):
    commands = draw(st.lists(st.one_of(
        terms(), st.sampled_from(["(check-sat)", "( check-sat )", "(get-model)", "(exit)", "(get-value (x y))",
                                  "(get-info :reason-unknown)", "(check-sat2)", "(exit_ x)", "((check-sat))",
                                  "(set-logic QF_NRA)", "( set-logic QF_NRA)"])),
        max_size=12))
    parts = [c if c.startswith("(") else f"({c})" for c in commands]
    return draw(blank) + "".join(p + draw(blank) for p in parts)


def _spaced(text: str) -> str:
    """Runs of SMT-LIB whitespace as one space, none next to a parenthesis (where a
    token ends anyway)."""
    return re.sub(r" ?([()]) ?", r"\1", re.sub(r"[ \t\r\n]+", " ", text)).strip()


@settings(max_examples=400, deadline=None)
@given(scripts())
def test_the_plain_path_agrees_with_the_reader(text):
    """Same commands kept, in the same order, the same text up to SMT-LIB whitespace
    between tokens (none after an opening parenthesis: the backends look for
    "(set-logic"; no form feed, which SMT-LIB does not count as whitespace)."""
    fast, slow = script_body(text), _read_body(text)
    assert _spaced(fast.replace("\n", " ")) == _spaced(slow.replace("\n", " "))
    assert "\f" not in fast and not re.search(r"\([ \t\r\n]", fast)


@settings(max_examples=100, deadline=None)
@given(scripts(), st.sampled_from(["; (check-sat)\n", "|a b|", '"s"', "\u00e9"]))
def test_other_text_takes_the_reader(text, extra):
    """A comment, quoted symbol, string or non-ASCII character goes to the reader (whose
    answer it then is exactly)."""
    text = text + f"(declare-fun {extra if extra.startswith('|') else 'z'} () Real)" + \
        (extra if not extra.startswith("|") else "")
    try:
        expected = _read_body(text)
    except ValueError:
        return  # the reader rejects it: so does script_body (same code)
    assert script_body(text) == expected


def test_odd_plain_text_gets_the_readers_answer():
    """Unbalanced parentheses get the reader's error; top-level atoms its answer."""
    import pytest

    from nnsolve.formula.sexp import SexpError

    for text in ["(assert (> x 0)", "(assert x))", ")("]:
        with pytest.raises(SexpError):
            script_body(text)
    for text in ["x (assert x)", "(assert x) y (check-sat)", "(assert x)(check-sat)  z"]:
        assert script_body(text) == _read_body(text)

"""The base layer's SMT-LIB writers (nnsolve.terms): what they write is read back
exactly, by z3 and by our own reader, for values and names of the sizes the
decision procedures write (denominators up to 10^40, every symbol character)."""

from fractions import Fraction

import z3
from hypothesis import example, given, settings, strategies as st

from nnsolve.formula.smtlib import parse_smtlib
from nnsolve.errors import InputError
from nnsolve.terms import UNDECLARABLE, num, quote_symbol

rationals = st.fractions(max_denominator=10**40) | st.integers(-10**30, 10**30).map(Fraction)


@settings(max_examples=300, deadline=None)
@given(rationals)
def test_num_is_read_back_exactly_by_z3(q):
    term = z3.parse_smt2_string(f"(declare-fun v () Real)(assert (= v {num(q)}))")[0].arg(1)
    value = z3.simplify(term)
    assert Fraction(value.numerator_as_long(), value.denominator_as_long()) == q


names = st.text(st.characters(min_codepoint=32, max_codepoint=126, exclude_characters="|\\"), min_size=1,
                max_size=12).filter(lambda n: n not in UNDECLARABLE) | st.sampled_from(["1", ")", "(", "1.5", "#x1", ":a", "let"])


@settings(max_examples=300, deadline=None)
@given(names)
@example("-0")  # a legal simple symbol that z3 reads as a numeral: found by this test in CI
@example("-12x")
def test_quote_symbol_names_the_same_variable(name):
    # our reader and z3 both take the written symbol for the declared name
    text = f"(declare-fun {quote_symbol(name)} () Real)(assert (= (* {quote_symbol(name)} {quote_symbol(name)}) 1))"
    assert parse_smtlib(text).variables == (name,)
    assert str(z3.parse_smt2_string(text)[0].arg(0).arg(0)) in (name, f"|{name}|")


def test_theory_symbols_are_refused_by_the_reader_with_one_line():
    for name in sorted(UNDECLARABLE):
        text = f"(declare-fun |{name}| () Real)(declare-fun y () Real)(assert (= (* |{name}| y) 1))"
        try:
            parse_smtlib(text)
        except InputError as exc:
            assert "cannot be declared" in str(exc) and "\n" not in str(exc)
            continue
        raise AssertionError(f"{name!r} was declared")


def test_quote_symbol_refuses_what_smtlib_cannot_spell():
    for bad in ("a|b", "a\\b", "true", "+"):
        try:
            quote_symbol(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was written")

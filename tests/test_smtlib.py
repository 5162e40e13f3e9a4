import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.errors import InputError
from nnsolve.formula import Add, Formula, Inv, parse_smtlib, to_smtlib
from nnsolve.terms import UNDECLARABLE

DECL = "(declare-fun x () Real)\n(declare-fun y () Real)\n(declare-const z Real)\n"


@pytest.mark.parametrize("term,expected", [
    ("(= z (+ x y))", Add("x", "y", "z")),
    ("(= (+ y x) z)", Add("y", "x", "z")),
    ("(= x (+ x x))", Add("x", "x", "x")),
    ("(= 1 (* x y))", Inv("x", "y")),
    ("(= (* y x) 1)", Inv("y", "x")),
    ("(= (* x x) 1.0)", Inv("x", "x")),
])
def test_accepts_both_orientations(term, expected):
    f = parse_smtlib(DECL + f"(assert {term})\n(check-sat)\n(get-model)\n(exit)\n")
    assert f.constraints == (expected,)
    assert f.variables == ("x", "y", "z")


def test_accepts_conjunctions_and_metadata():
    f = parse_smtlib("(set-logic QF_NRA)(set-option :produce-models true)(set-info :status unsat)"
                     "(set-info :source |hand made|)" + DECL +
                     "(assert (and (= 1 (* x y)) (and (= z (+ x y)) (= (* z z) 1))))")
    assert len(f.constraints) == 3 and f.status == "unsat"


MALFORMED = {
    "empty": ("", None, "empty input"),
    "only comments": ("; nothing here\n", None, "empty input"),
    "unbalanced open": (DECL + "(assert (= z (+ x y))", 4, "never closed"),
    "unbalanced close": (DECL + "(assert (= z (+ x y))))", 4, "without a matching"),
    "binary": (b"\x00\x01\x02garbage", None, "binary"),
    "not utf8": (b"(declare-fun x () Real)\n\xff\xfe", 2, "not UTF-8"),
    "int sort": ("(declare-fun x () Int)", 1, "sort Int"),
    "bool sort": ("(declare-const b Bool)", 1, "sort Bool"),
    "function": ("(declare-fun f (Real) Real)", 1, "malformed declaration"),
    "other operator": (DECL + "(assert (= z (- x y)))", 4, "operator '-'"),
    "division": (DECL + "(assert (= z (/ x y)))", 4, "operator '/'"),
    "comparison": (DECL + "(assert (<= x y))", 4, "operator '<='"),
    "other constant": (DECL + "(assert (= 2 (* x y)))", 4, "equal the constant 1"),
    "constant in sum": (DECL + "(assert (= z (+ x 1)))", 4, "constant 1"),
    "disjunction": (DECL + "(assert (or (= 1 (* x y)) (= 1 (* x x))))", 4, "disjunction"),
    "negation": (DECL + "(assert (not (= 1 (* x y))))", 4, "negation"),
    "quantifier": (DECL + "(assert (exists ((w Real)) (= 1 (* x w))))", 4, "quantifier"),
    "undeclared": (DECL + "(assert (= 1 (* x w)))", 4, "undeclared symbol 'w'"),
    "three summands": (DECL + "(assert (= z (+ x y x)))", 4, "unsupported"),
    "command": (DECL + "(push 1)", 4, "command 'push'"),
    "define-fun": ("(define-fun x () Real 1.0)", 1, "define-fun"),
    "let": (DECL + "(assert (let ((w x)) (= 1 (* w y))))", 4, "'let'"),
    "garbage": ("hello world", 1, "not an SMT-LIB command"),
    "double declaration": ("(declare-fun x () Real)(declare-fun x () Real)", 1, "declared twice"),
    "bad status": ("(set-info :status maybe)", 1, "unknown status"),
    "bad etr-inv status": ("(set-info :etr-inv-status maybe)", 1, "unknown :etr-inv-status"),
    "promise violation said unsat": ("(set-info :etr-inv-status promise-violated)\n(set-info :status unsat)",
                                     1, "contradicts :status unsat"),
    "assert after exit": (DECL + "(exit)\n(assert (= 1 (* x y)))", 5, "command after (exit)"),
    "empty nested conjunction": (DECL + "(assert (and (= 1 (* x y))\n (and)))", 5, "empty conjunction"),
    "bad conjunct deep down": (DECL + "(assert " + "(and (= 1 (* x y)) " * 3000 + "(> x y)"
                               + ")" * 3000 + ")", 4, "operator '>'"),
    "sum nested deep": (DECL + "(assert (= z " + "(+ x " * 3000 + "y" + ")" * 3000 + "))", 4,
                        "unsupported constraint"),
    "parentheses nested deep": ("(" * 50_000 + ")" * 50_000, 1, "not an SMT-LIB command"),
    "set-info value pysmt cannot read": ("(set-info :note (a b))" + DECL, 1, "(set-info :note (a b))"),
    # set-logic as cvc5 reads it: once, first, a logic with (nonlinear, for products) reals
    "linear logic with a product": ("(set-logic QF_LRA)\n" + DECL + "(assert (= z (+ x y)))\n"
                                    "(assert (= 1 (* x y)))", 6, "linear logic"),
    "logic without reals": ("(set-logic QF_LIA)" + DECL, 1, "logic QF_LIA has no real arithmetic"),
    "not a logic": ("(set-logic QF_NRAX)" + DECL, 1, "not an SMT-LIB logic name"),
    "logic twice": ("(set-logic QF_NRA)\n(set-logic QF_NRA)" + DECL, 2, "a second set-logic"),
    "logic after a declaration": (DECL + "(set-logic QF_NRA)", 4, "set-logic after declare-fun"),
    "second query": (DECL + "(assert (= 1 (* x y)))(check-sat)\n(assert (= z (+ x y)))(check-sat)",
                     5, "assertion after (check-sat)"),
    "logic without a name": ("(set-logic)" + DECL, 1, "one logic name"),
}


@pytest.mark.parametrize("logic", ["QF_NRA", "NRA", "ALL", "QF_UFNRA", "QF_NIRA", "AUFNIRA", "|QF_NRA|"])
def test_logics_with_nonlinear_reals_are_accepted(logic):
    f = parse_smtlib(f"(set-info :status sat)(set-option :produce-models true)(set-logic {logic})"
                     + DECL + "(assert (= 1 (* x y)))")
    assert f.constraints == (Inv("x", "y"),)


@pytest.mark.parametrize("logic", ["QF_LRA", "QF_UFLRA", "LIRA"])
def test_linear_logics_take_sums_only(logic):
    f = parse_smtlib(f"(set-logic {logic})" + DECL + "(assert (= z (+ x y)))")
    assert f.constraints == (Add("x", "y", "z"),)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_rejects_malformed_with_one_line(name):
    text, line, words = MALFORMED[name]
    with pytest.raises(InputError) as info:
        parse_smtlib(text, filename="bad.smt2")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("bad.smt2:" + (f"{line}:" if line else ""))
    assert words in message


names = st.text(alphabet=string.ascii_letters + "_", min_size=1, max_size=6).filter(
    lambda s: s not in UNDECLARABLE | {"let", "par", "match", "forall", "exists"})


@st.composite
def formulas(draw):
    vs = draw(st.lists(st.one_of(names, st.just("a b"), st.just("x'1")), min_size=1, max_size=6, unique=True))
    var = st.sampled_from(vs)
    cons = draw(st.lists(st.one_of(st.builds(Add, var, var, var), st.builds(Inv, var, var)), max_size=8))
    status = draw(st.sampled_from([None, "sat", "unsat", "promise-violated"]))
    source = draw(st.sampled_from([None, "generated", 'with "quotes"']))
    return Formula(tuple(vs), tuple(cons), status=status, source=source)


@settings(max_examples=150, deadline=None)
@given(formulas())
def test_round_trip(f):
    text = to_smtlib(f)
    assert parse_smtlib(text) == f
    assert to_smtlib(parse_smtlib(text)) == text  # canonical: a fixed point
    # the :status every solver reads is SMT-LIB's own (a promise violation has a real solution)
    statuses = [ln.split()[-1].rstrip(")") for ln in text.splitlines() if ln.startswith("(set-info :status ")]
    assert statuses == ([] if f.status is None else ["sat" if f.status == "promise-violated" else f.status])


def test_conjunctions_nested_thousands_deep_are_read():
    # generated files may chain (and c1 (and c2 ...)); no recursion limit may decide that
    depth = 5_000
    f = parse_smtlib(DECL + "(assert " + "(and (= 1 (* x y)) " * depth + "(= z (+ x y))" + ")" * depth + ")")
    assert len(f.constraints) == depth + 1
    assert f.constraints[0] == Inv("x", "y") and f.constraints[-1] == Add("x", "y", "z")


@settings(max_examples=100, deadline=None)
@given(formulas(), st.randoms(use_true_random=False))
def test_any_nesting_of_conjunctions_reads_as_the_flat_list(f, rnd):
    # the conjuncts, in order, grouped into randomly nested (and ...) terms
    terms = [to_smtlib(Formula(f.variables, (c,))).split("(assert ")[1].rsplit(")\n(check-sat)")[0]
             for c in f.constraints]

    def nest(items):
        if len(items) == 1 and rnd.random() < 0.6:
            return items[0]
        if len(items) == 1:
            return f"(and {items[0]})"
        cut = rnd.randrange(1, len(items))
        return f"(and {nest(items[:cut])} {nest(items[cut:])})"

    text = to_smtlib(Formula(f.variables, ())).replace("(check-sat)", "".join(
        f"(assert {nest(terms[i:i + 3])})\n" for i in range(0, len(terms), 3)) + "(check-sat)")
    assert parse_smtlib(text).constraints == f.constraints


def test_annotations_and_query_commands_do_not_change_the_formula():
    plain = parse_smtlib(DECL + "(assert (= 1 (* x y)))(assert (= z (+ x y)))")
    annotated = parse_smtlib(DECL + "(set-option :produce-unsat-cores true)"
                             "(assert (! (and (! (= 1 (* x y)) :named a) (= z (+ x y))) :named b))"
                             "(check-sat)(get-value (x y))(get-unsat-core)(get-info :reason-unknown)"
                             "(echo \"done\")(get-model)(exit)")
    assert annotated == plain
    with pytest.raises(InputError, match="command after"):
        parse_smtlib(DECL + "(exit)(get-value (x))")
    with pytest.raises(InputError, match="operator '!'"):  # inside a constraint it is not a constraint
        parse_smtlib(DECL + "(assert (= 1 (* (! x :named a) y)))")


def test_byte_order_mark_is_not_content():
    text = DECL + "(assert (= 1 (* x y)))"
    assert parse_smtlib(("\ufeff" + text).encode("utf-8")) == parse_smtlib(text)
    assert parse_smtlib("\ufeff" + text) == parse_smtlib(text)


def test_reads_promise_violations_old_and_new():
    old = parse_smtlib("(set-info :status promise-violated)" + DECL)
    new = parse_smtlib("(set-info :status sat)(set-info :etr-inv-status promise-violated)" + DECL)
    alone = parse_smtlib("(set-info :etr-inv-status promise-violated)" + DECL)
    assert old.status == new.status == alone.status == "promise-violated"


def test_shipped_instances_have_smtlib_statuses():
    from pathlib import Path
    for path in sorted(Path(__file__).resolve().parent.parent.glob("instances/tier*/*.smt2")):
        for line in path.read_text().splitlines():
            if line.startswith("(set-info :status "):
                assert line in ("(set-info :status sat)", "(set-info :status unsat)",
                                "(set-info :status unknown)"), (path, line)

import pytest

from nnsolve.decision.etr import decide_etr
from nnsolve.formula import parse_smtlib, satisfies, in_box
from nnsolve.solvers import Limits, Solver, get_solver

V = "(declare-fun x () Real)(declare-fun y () Real)(declare-fun z () Real)(declare-fun w () Real)"
CASES = {
    # x = 1/sqrt2, y = sqrt2: irrational, in the box
    "irrational": (V + "(assert (= 1 (* x y)))(assert (= y (+ x x)))", "sat"),
    # x = 1, y = 2, z = 1/2
    "rational": (V + "(assert (= (* x x) 1))(assert (= y (+ x x)))(assert (= 1 (* y z)))", "sat"),
    # x*x = 1 and x = x + x forces x = 0: contradiction
    "unsat": (V + "(assert (= (* x x) 1))(assert (= x (+ x x)))", "unsat"),
    # x = 1, y = 2, z = 4 is the only solution: outside the box
    "promise": (V + "(assert (= (* x x) 1))(assert (= y (+ x x)))(assert (= z (+ y y)))", "promise-violated"),
    # y = 2x, z = 2y, w = 2z, x * w = 1: 8x^2 = 1, x = 1/(2 sqrt 2) out of the box
    "promise irrational": (V + "(assert (= y (+ x x)))(assert (= z (+ y y)))(assert (= w (+ z z)))"
                           "(assert (= 1 (* x w)))", "promise-violated"),
    # cube root: x*y = 1, y + y = w, w... degree 2 only; a degree-4 case: x*y=1, z = x + y, z*w = 1, w + w = x
    "degree four": (V + "(assert (= 1 (* x y)))(assert (= z (+ x y)))(assert (= 1 (* z w)))"
                    "(assert (= x (+ w w)))", None),
}


@pytest.mark.parametrize("solver", ["z3", "cvc5"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_statuses(solver, case):
    text, expected = CASES[case]
    f = parse_smtlib(text)
    result = decide_etr(f, get_solver(solver), Limits(timeout=60))
    if expected is None:
        assert result.status in ("sat", "unsat", "promise-violated")
    else:
        assert result.status == expected, result.reason
    if result.status in ("sat", "promise-violated"):
        assert satisfies(f, result.model)
        assert in_box(result.model) == (result.status == "sat")


def test_lying_solver_is_caught(fault_path):
    f = parse_smtlib(CASES["irrational"][0])
    result = decide_etr(f, Solver("liar", "faulty_backends:LyingSat"), Limits(timeout=10))
    assert result.status == "unknown" and "exact check" in result.reason


SHIPPED = sorted(p for t in (1, 2, 3) for p in (__import__("conftest").ROOT / "instances" / f"tier{t}").glob("*.smt2"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_instances_have_their_recorded_status(path):
    from nnsolve.formula import read_smtlib

    f = read_smtlib(path)
    assert f.status is not None
    assert decide_etr(f, get_solver("z3"), Limits(timeout=60)).status == f.status

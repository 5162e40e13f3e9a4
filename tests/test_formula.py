from fractions import Fraction

import pytest

from nnsolve.formula import Add, Formula, Inv, check_assignment, components, in_box, incidence_graph
from nnsolve.numbers import algebraic


def test_formula_rejects_undeclared_and_duplicates():
    with pytest.raises(ValueError):
        Formula(("x",), (Inv("x", "y"),))
    with pytest.raises(ValueError):
        Formula(("x", "x"), ())


def test_exact_check_with_irrational_solution():
    f = Formula(("x", "y"), (Inv("x", "y"), Add("x", "x", "y")))
    x = algebraic([2, 0, -1], 0, 1)
    y = algebraic([1, 0, -2], 1, 2)
    assert check_assignment(f, {"x": x, "y": y}) == []
    assert check_assignment(f, {"x": Fraction(7071, 10000), "y": Fraction(14142, 10000)}) != []
    assert in_box({"x": x, "y": y})
    assert not in_box({"x": Fraction(1, 3)})


def test_incidence_graph_and_components():
    f = Formula(("a", "b", "c", "d", "e"), (Inv("a", "a"), Add("b", "c", "b"), Inv("c", "d")))
    g = incidence_graph(f)
    assert g.number_of_nodes() == 8
    parts = components(f)
    assert [p.variables for p in parts] == [("a",), ("b", "c", "d"), ("e",)]
    assert sum(len(p.constraints) for p in parts) == 3

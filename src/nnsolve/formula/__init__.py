"""ETR-INV formulas: the model, its incidence graph, and SMT-LIB in and out."""

from nnsolve.formula.model import Add, Constraint, Formula, Inv, check_assignment, in_box, satisfies
from nnsolve.formula.graph import components, incidence_graph
from nnsolve.formula.smtlib import parse_smtlib, read_smtlib, to_smtlib

__all__ = ["Add", "Inv", "Constraint", "Formula", "satisfies", "check_assignment", "in_box",
           "incidence_graph", "components", "parse_smtlib", "read_smtlib", "to_smtlib"]

"""The public library face, in the manner of pysmt's shortcuts: plain functions over the
project's data types, importable as ``from nnsolve import ...`` (docs/api.md).

Read and write formulas, generate them, reduce them, write either side as SMT-LIB,
decide either side, cross-check:

>>> from nnsolve import Formula, Inv, formula_to_smtlib, reduce, training_to_smtlib
>>> f = Formula(("x",), (Inv("x", "x"),))            # x * x = 1
>>> print(formula_to_smtlib(f).splitlines()[2])
(declare-fun x () Real)
>>> red = reduce(f)
>>> (red.instance.inputs, red.instance.outputs, str(red.instance.target_error))
(2, 2, '0')
>>> training_to_smtlib(red.instance).count("(check-sat)")
1
>>> solve_formula(f).status                          # z3 in a child process
'sat'

Every answer is checked exactly before it is returned (see the README's guarantees).
Nothing here holds state; each function is a thin call into its layer.
"""

from __future__ import annotations

from pathlib import Path

from nnsolve import __all__ as _PUBLIC
from nnsolve.decision.check import CheckReport, check_formula
from nnsolve.decision.etr import EtrResult, decide_etr
from nnsolve.decider.structured import decide_with
from nnsolve.decider.result import TrainingResult
from nnsolve.encodings import ENCODINGS
from nnsolve.encodings import to_smtlib as _training_smtlib
from nnsolve.files import write_atomic
from nnsolve.formula.generate import FAMILIES, family_formula
from nnsolve.formula.model import Add, Formula, Inv
from nnsolve.formula.smtlib import parse_smtlib, read_smtlib
from nnsolve.formula.smtlib import to_smtlib as formula_to_smtlib
from nnsolve.reduction import Reduction, backward_map, forward_map, reduce_formula
from nnsolve.solvers import Limits, get_solver
from nnsolve.training import (DataPoint, Network, Neuron, TrainingInstance, exact_fit, instance_to_json,
                              network_to_json, read_instance, read_network)

# the public names are listed once, in nnsolve/__init__.py (which serves them from here)
__all__ = list(_PUBLIC)

read_formula = read_smtlib
parse_formula = parse_smtlib
read_training = read_instance


def write_formula(formula: Formula, path: str | Path) -> Path:
    """Write ``formula`` as SMT-LIB 2.6 (whole or not at all); return the path."""
    write_atomic(path, formula_to_smtlib(formula))
    return Path(path)


def generate_formula(constraints: int, seed: int = 0, family: str = "sat") -> Formula:
    """A seeded formula whose status is known by construction (families: :data:`FAMILIES`).

    >>> generate_formula(20, seed=1, family="unsat-unique").status
    'unsat'
    """
    return family_formula(family, constraints, seed)


def reduce(formula: Formula) -> Reduction:
    """The reduction: ``reduce(f).instance`` is the training instance (2 inputs, 2 outputs,
    target error 0); the Reduction also carries the layout the witness maps need."""
    return reduce_formula(formula)


def training_to_smtlib(instance: TrainingInstance, encoding: str = "symmetry") -> str:
    """The training question as SMT-LIB 2.6 QF_NRA (encodings: :data:`ENCODINGS`)."""
    return _training_smtlib(instance, encoding)


def write_training_smtlib(instance: TrainingInstance, path: str | Path, encoding: str = "symmetry") -> Path:
    """Write :func:`training_to_smtlib` to ``path`` (whole or not at all); return the path."""
    write_atomic(path, training_to_smtlib(instance, encoding))
    return Path(path)


def write_training(instance: TrainingInstance, path: str | Path) -> Path:
    """Write the instance as nnsolve-training/1 JSON (docs/formats.md)."""
    write_atomic(path, instance_to_json(instance))
    return Path(path)


def write_network(network: Network, path: str | Path) -> Path:
    """Write the network as nnsolve-network/1 JSON (docs/formats.md)."""
    write_atomic(path, network_to_json(network))
    return Path(path)


def solve_formula(formula: Formula, solver: str = "z3", timeout: float = 60.0, memory_mb: int = 4096) -> EtrResult:
    """Decide an ETR-INV formula: ``sat`` (exact model in [1/2, 2]^n), ``unsat``,
    ``promise-violated`` or ``unknown`` with the reason."""
    return decide_etr(formula, get_solver(solver), Limits(timeout, memory_mb))


def solve_training(instance: TrainingInstance, method: str = "structured", solver: str = "z3",
                   timeout: float = 60.0, memory_mb: int = 4096) -> TrainingResult:
    """Decide a training instance (``sat`` carries a network checked by ``exact_fit``)."""
    return decide_with(method, instance, get_solver(solver), Limits(timeout, memory_mb))


def check(formula: Formula, solver: str = "z3", timeout: float = 60.0, blind: bool = False,
          method: str = "structured", memory_mb: int = 4096) -> CheckReport:
    """The cross-check: ``check(f).verdict`` is agree, disagree, inconclusive or
    promise-violated (docs/check.md); ``blind`` decides the training side from the
    instance alone."""
    return check_formula(formula, get_solver(solver), Limits(timeout, memory_mb), encoding=method, blind=blind)

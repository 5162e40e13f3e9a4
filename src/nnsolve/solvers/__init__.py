"""The solver layer: one interface, one small module per backend, a factory.

>>> get_solver("z3").name
'z3'
>>> sorted(SOLVERS)
['cvc5', 'yices', 'z3']
"""

from __future__ import annotations

from dataclasses import dataclass

from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Limits, Query, SolverResult
from nnsolve.solvers.runner import run_backend

#: solver name -> backend class, imported only inside the child process
SOLVERS = {
    "z3": "nnsolve.solvers.z3_backend:Z3Backend",
    "cvc5": "nnsolve.solvers.cvc5_backend:Cvc5Backend",
    "yices": "nnsolve.solvers.yices_backend:YicesBackend",
}


@dataclass(frozen=True)
class Solver:
    """A named solver; every ``solve`` call runs in its own child process."""

    name: str
    backend: str

    def solve(self, query: Query, limits: Limits = Limits()) -> SolverResult:
        return run_backend(self.backend, self.name, query, limits)


def get_solver(name: str) -> Solver:
    """The solver called ``name`` (z3, cvc5 or yices)."""
    try:
        return Solver(name, SOLVERS[name])
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(sorted(SOLVERS))}") from None


__all__ = ["SAT", "UNSAT", "UNKNOWN", "Limits", "Query", "SolverResult", "Solver", "SOLVERS", "get_solver"]

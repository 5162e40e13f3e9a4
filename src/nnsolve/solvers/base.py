"""The solver interface: queries, limits, results, and the backend contract.

A *backend* knows how to decide SMT-LIB text with one solver.  It always runs
inside a child process (see :mod:`nnsolve.solvers.runner`); nothing
backend-specific crosses the process boundary except the JSON result.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Mapping

from nnsolve.numbers import Number

SAT, UNSAT, UNKNOWN = "sat", "unsat", "unknown"

#: search strategies a query may ask for (a backend without a matching one uses its own):
#: "default", the solver's own strategy; "orderings", for nonlinear real arithmetic, the
#: cylindrical-algebraic search under a few fixed variable orderings first, each with a
#: share of the time, then the solver's own strategy for what is left (docs/solving.md,
#: "Variable orderings")
STRATEGIES = ("default", "orderings")


@dataclass(frozen=True)
class Query:
    """An SMT-LIB 2.6 script and the variables whose model values are wanted.

    The script may contain check-sat, get-model and exit; backends drop them
    and issue their own check.  ``strategy`` (one of ``STRATEGIES``) changes only how the
    solver searches, never what the query means.

    ``pin`` (one of ``variables``) asks one more question in the same child: when the
    answer is sat with an exact value m for ``pin``, the script with ``pin != m`` added
    is decided too, and the result's ``pinned`` is True when that is unsat (then every
    solution of the script has pin = m).  One child instead of two for a value check.

    >>> Query("(assert true)", strategy="guess")
    Traceback (most recent call last):
    ...
    ValueError: unknown strategy 'guess' (allowed: default, orderings)
    """

    smtlib: str
    variables: tuple[str, ...] = ()
    logic: str = "QF_NRA"
    strategy: str = "default"
    pin: str | None = None

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r} (allowed: {', '.join(STRATEGIES)})")
        if self.pin is not None and self.pin not in self.variables:
            raise ValueError(f"pin {self.pin!r} is not among the query's variables")


@dataclass(frozen=True)
class Limits:
    """Wall-clock seconds and address-space MiB for one child process.

    The child gets ``timeout`` seconds for the solver itself and ``grace``
    more for start-up and answering before it is killed."""

    timeout: float = 60.0
    memory_mb: int = 4096
    grace: float = 5.0


@dataclass(frozen=True)
class SolverResult:
    """What a solver said.  ``model`` values are exact but NOT yet verified:
    the caller checks them against its own query before trusting sat."""

    status: str
    solver: str
    seconds: float
    model: Mapping[str, Number] | None = None
    reason: str | None = None
    #: variables whose value the solver printed only approximately (no exact model for them)
    inexact: tuple[str, ...] = ()
    stats: Mapping[str, object] = field(default_factory=dict)
    #: the query's ``pin`` has its model value in every solution (``Query.pin``)
    pinned: bool = False


class Backend(abc.ABC):
    """One solver.  ``solve`` runs inside the child process and returns a plain
    dict {"status": ..., "model": {name: json-number} | None, "reason": ...,
    "inexact": [names whose values could not be read exactly]}."""

    name: str = "backend"

    @abc.abstractmethod
    def solve(self, query: Query, timeout: float) -> dict:
        """Decide ``query``; may raise, crash or hang: the runner copes."""

    def solve_pinned(self, query: Query, timeout: float) -> dict | None:
        """``solve`` and the value check of ``query.pin`` (``Query.pin``) in one go, with
        "pinned" in the result; None (the default) when the backend has no faster way
        than the worker's: the script asked again with ``pin != m`` added."""
        return None

"""The solver layer: one interface, one small module per backend, a factory.

>>> get_solver("z3").name
'z3'
>>> sorted(SOLVERS)
['cvc5', 'yices', 'z3']
"""

from __future__ import annotations

from dataclasses import dataclass

from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Limits, Query, SolverResult
from nnsolve.solvers.runner import BatchSession, run_backend, run_backend_batch

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

    def solve(self, query: Query, limits: Limits = Limits(), cancel=None) -> SolverResult:
        return run_backend(self.backend, self.name, query, limits, cancel)

    def solve_many(self, queries, limits: Limits = Limits(), cancel=None) -> list[SolverResult]:
        """Each query decided as by :meth:`solve` (``limits.timeout`` each), all in one child
        process: for many small queries, whose cost a child's start would dominate
        (``nnsolve.solvers.runner.run_backend_batch``).  Results in query order."""
        return run_backend_batch(self.backend, self.name, queries, limits, cancel)

    def session(self) -> BatchSession:
        """One child kept for many :meth:`~BatchSession.solve_many` calls (a context
        manager; ``nnsolve.solvers.runner.BatchSession``)."""
        return BatchSession(self.backend, self.name)


@dataclass(frozen=True)
class Portfolio:
    """Several solvers at once, one child each; the first decisive answer wins
    (unsat, or sat with an exact model) and the others are cancelled."""

    members: tuple[Solver, ...]
    name: str = "portfolio"

    def solve(self, query: Query, limits: Limits = Limits(), cancel=None) -> SolverResult:
        import threading
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        stop = threading.Event()
        results: list[SolverResult] = []
        with ThreadPoolExecutor(len(self.members)) as pool:
            pending = {pool.submit(m.solve, query, limits, stop) for m in self.members}
            while pending:
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                if cancel is not None and cancel.is_set():
                    stop.set()
                for fut in done:
                    r = fut.result()
                    results.append(r)
                    if r.status == UNSAT or (r.status == SAT and not r.inexact):
                        stop.set()
                        return SolverResult(r.status, f"portfolio:{r.solver}", r.seconds, r.model, r.reason,
                                            r.inexact, pinned=r.pinned)
        reasons = "; ".join(f"{r.solver}: {r.reason}" for r in results if r.reason)
        best = next((r for r in results if r.status == SAT), None)
        if best is not None:
            return SolverResult(SAT, f"portfolio:{best.solver}", best.seconds, best.model, best.reason,
                                best.inexact, pinned=best.pinned)
        return SolverResult(UNKNOWN, "portfolio", max((r.seconds for r in results), default=0.0),
                            reason=reasons or "no member answered")

    def solve_many(self, queries, limits: Limits = Limits(), cancel=None) -> list[SolverResult]:
        """:meth:`solve` on each query in turn (a portfolio races children per query)."""
        return [self.solve(q, limits, cancel) for q in queries]

    def session(self) -> "Portfolio":
        """A portfolio keeps no child between calls: itself, as a context manager."""
        return self

    def __enter__(self) -> "Portfolio":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def close(self) -> None:
        pass


SOLVER_NAMES = tuple(sorted(SOLVERS)) + ("portfolio",)


def get_solver(name: str) -> Solver | Portfolio:
    """The solver called ``name`` (z3, cvc5, yices, or portfolio: all three at once)."""
    if name == "portfolio":
        return Portfolio(tuple(Solver(n, SOLVERS[n]) for n in sorted(SOLVERS)))
    try:
        return Solver(name, SOLVERS[name])
    except KeyError:
        raise ValueError(f"unknown solver {name!r}; choose one of {', '.join(SOLVER_NAMES)}") from None


__all__ = ["SAT", "UNSAT", "UNKNOWN", "Limits", "Query", "SolverResult", "Solver", "Portfolio", "SOLVERS",
           "SOLVER_NAMES", "get_solver"]

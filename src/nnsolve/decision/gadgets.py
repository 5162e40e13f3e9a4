"""Gadget lemmas, proven by SMT (``nnsolve verify-gadgets``).

Each lemma says: every continuous piecewise-linear function with the gadget's
kink budget that fits the gadget's cross-section data satisfies a claim about
its readings.  The query (nnsolve.encodings.piecewise) is a relaxation of
"some network restricted to the cross-section", so unsat proves the lemma for
every network.  Every lemma comes with a non-vacuity query (the data are
fittable with the budget: sat) so that a proof cannot come from unfittable
data.  docs/reduction.md says how the lemmas are used.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

from nnsolve.encodings.piecewise import kink_in, pl_lemma_query
from nnsolve.reduction.gadgets import BRIDGE_GADGET, INVERSION_GADGET, VARIABLE_GADGET, GadgetType
from nnsolve.solvers import SAT, UNSAT, Limits, Query, Solver

F = Fraction
HALF9 = "(/ 9.0 2.0)"
V_WINDOWS = [(2, 4), (4, 7), (8, 10), (11, 16)]


@dataclass(frozen=True)
class Lemma:
    name: str
    gadget: GadgetType
    kinks: int
    readings: dict
    claim: str | None  # None: "the data cannot be fitted with this many kinks"
    shared_kinks: bool
    statement: str

    def query(self) -> str:
        negated = None if self.claim is None else f"(not {self.claim})"
        return pl_lemma_query(self.gadget.samples, self.kinks, self.readings, negated,
                              source=f"nnsolve gadget lemma {self.name}: {self.statement}",
                              shared_kinks=self.shared_kinks)

    def sanity_query(self) -> str:
        return pl_lemma_query(self.gadget.samples, self.gadget.budget, shared_kinks=self.shared_kinks)


def _r(t, o):
    return (F(t), o)


LEMMAS = (
    Lemma("variable.minimal", VARIABLE_GADGET, 3, {}, None, False,
          "3 kinks cannot fit the variable gadget's cross-section"),
    Lemma("variable.readings", VARIABLE_GADGET, 4,
          {"r3": _r(3, 1), "r5": _r(5, 1), "z3": _r(3, 2), "z5": _r(5, 2)},
          f"(and (= (+ r3 r5) 6.0) (<= {HALF9} r5 6.0) (= z3 0.0) (= z5 0.0))", False,
          "with 4 kinks: f1(3) + f1(5) = 6, 9/2 <= f1(5) <= 6, f2(3) = f2(5) = 0"),
    Lemma("variable.windows", VARIABLE_GADGET, 4, {},
          "(and " + " ".join(kink_in(j, F(lo), F(hi)) for j, (lo, hi) in enumerate(V_WINDOWS, start=1)) + ")", False,
          "with 4 kinks k1 <= ... <= k4: k1 in [2,4], k2 in [4,7], k3 in [8,10], k4 in [11,16]; with the data "
          "this pins k3 = 9, k4 = 15 and k1, k2 = 4 -+ 3/s for the jump s at k1 (docs/reduction.md)"),
    Lemma("bridge.minimal", BRIDGE_GADGET, 3, {}, None, False,
          "3 kinks cannot fit the bridge gadget's cross-section"),
    Lemma("bridge.readings", BRIDGE_GADGET, 4,
          {"r3": _r(3, 1), "r5": _r(5, 1), "q3": _r(3, 2), "q5": _r(5, 2)},
          f"(and (= (+ r3 r5) 6.0) (<= {HALF9} r5 6.0) (= q3 r3) (= q5 r5))", True,
          "with 4 shared kinks: f1(3) + f1(5) = 6, 9/2 <= f1(5) <= 6, f2 = f1 at t = 3, 5"),
    Lemma("bridge.windows", BRIDGE_GADGET, 4, {},
          "(and " + " ".join(kink_in(j, F(lo), F(hi)) for j, (lo, hi) in enumerate(V_WINDOWS, start=1)) + ")", False,
          "with 4 kinks: the variable gadget's windows, in both outputs"),
    Lemma("inversion.minimal", INVERSION_GADGET, 4, {}, None, False,
          "4 kinks cannot fit the inversion gadget's cross-section"),
    Lemma("inversion.readings", INVERSION_GADGET, 5,
          {"r3": _r(3, 1), "r5": _r(5, 1), "z3": _r(3, 2), "z5": _r(5, 2),
           "p6": _r(6, 1), "p8": _r(8, 1), "q6": _r(6, 2), "q8": _r(8, 2)},
          f"(and (= (+ r3 r5) 6.0) (<= {HALF9} r5 6.0) (= z3 0.0) (= z5 0.0) "
          f"(= p6 6.0) (= p8 6.0) (= (+ q6 q8) 6.0) (<= {HALF9} q8 6.0))", True,
          "with 5 shared kinks: f1(3) + f1(5) = 6, f2(6) + f2(8) = 6, both upper readings in "
          "[9/2, 6], f2 = 0 at t = 3, 5 and f1 = 6 at t = 6, 8"),
    Lemma("inversion.windows", INVERSION_GADGET, 5, {"r5": _r(5, 1), "q8": _r(8, 2)},
          "(and " + " ".join(kink_in(j, F(lo), F(hi)) for j, (lo, hi) in
                             enumerate([(2, 4), (4, 7), (7, 9), (10, 13), (15, 18)], start=1)) + ")", True,
          "with 5 shared kinks k1 <= ... <= k5: k1 in [2,4], k2 in [4,7], k3 in [7,9], k4 in [10,13], "
          "k5 in [15,18]; with the data this gives (f1(5) - 4)(f2(8) - 4) = 1 (docs/reduction.md)"),
)


@dataclass(frozen=True)
class LemmaResult:
    lemma: Lemma
    status: str  # proved | refuted | vacuous | unknown
    seconds: float
    solver: str
    detail: str | None = None


def verify_lemma(lemma: Lemma, solver: Solver, limits: Limits) -> LemmaResult:
    start = time.monotonic()
    sanity = solver.solve(Query(lemma.sanity_query()), limits)
    if sanity.status != SAT:
        status = "vacuous" if sanity.status == UNSAT else "unknown"
        return LemmaResult(lemma, status, time.monotonic() - start, solver.name,
                           f"fitting the data with the budget: {sanity.status} {sanity.reason or ''}".strip())
    names = tuple(lemma.readings)
    answer = solver.solve(Query(lemma.query(), names), limits)
    seconds = time.monotonic() - start
    if answer.status == UNSAT:
        return LemmaResult(lemma, "proved", seconds, solver.name)
    if answer.status == SAT:
        model = ", ".join(f"{k} = {v}" for k, v in (answer.model or {}).items())
        return LemmaResult(lemma, "refuted", seconds, solver.name, f"counterexample: {model}")
    return LemmaResult(lemma, "unknown", seconds, solver.name, answer.reason)


def verify_gadgets(solver: Solver, limits: Limits = Limits(timeout=300), jobs: int = 2,
                   names: tuple[str, ...] | None = None, progress=None) -> list[LemmaResult]:
    """Verify the lemmas (all, or those named), ``jobs`` solver processes at a time."""
    chosen = [lem for lem in LEMMAS if names is None or lem.name in names]
    results = []
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        for res in pool.map(lambda lem: verify_lemma(lem, solver, limits), chosen):
            results.append(res)
            if progress is not None:
                progress(res)
    return results

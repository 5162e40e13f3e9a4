"""The cross-check: decide a formula, reduce it, decide the training side, compare.

Verdicts:

* ``agree``: both sides decided with the same status;
* ``disagree``: both decided, different statuses: a bug in the reduction or in
  a solver; the report says which side to suspect;
* ``inconclusive``: a side is unknown (reason given);
* ``promise-violated``: the formula breaks the ETR-INV promise; nothing compared.

Two modes for the training side:

* default: a certificate when the ETR side is sat (the forward witness,
  confirmed by exact_fit), otherwise the training decider;
* ``blind``: the training decider alone, from the training instance alone (no
  ETR model, no certificate), so that the two verdicts are independent; when
  the formula is sat the forward certificate is still built and checked, and the
  report says whether it agrees.

A sat answer of the decider is confirmed by exact_fit and taken back through
the backward map.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from nnsolve.decision.certificate import METHOD, forward_certificate
from nnsolve.decision.etr import PROMISE_VIOLATED, EtrResult, decide_etr
from nnsolve.decider.bounded import decide_bounded
from nnsolve.decider.result import TrainingResult
from nnsolve.formula.model import Formula
from nnsolve.reduction import Extraction, Reduction, backward_map, reduce_formula
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits
from nnsolve.training.instance import MAX_WORK

AGREE, DISAGREE, INCONCLUSIVE = "agree", "disagree", "inconclusive"


@dataclass(frozen=True)
class CheckReport:
    instance: str
    formula: Formula
    etr: EtrResult
    training: TrainingResult | None
    verdict: str
    seconds: float
    reduction: Reduction | None = None
    encoding: str = "structured"   # the training-side method
    extraction: Extraction | None = None
    certificate_failure: str | None = None
    suspect: str | None = None
    reason: str | None = None
    blind: bool = False
    certificate: TrainingResult | None = None  # blind mode, sat formulas: the forward witness's check

    @property
    def certificate_agrees(self) -> bool | None:
        """Blind mode: whether the forward certificate's status is the blind training
        side's; None when there is no certificate or the blind side is undecided (an
        unknown neither agrees nor disagrees)."""
        if self.certificate is None or self.training is None or self.training.status not in (SAT, UNSAT):
            return None
        return self.certificate.status == self.training.status


def _suspect(etr: EtrResult, training: TrainingResult, extraction: Extraction | None,
             certificate_failure: str | None, certificate: TrainingResult | None = None) -> str:
    if etr.status == SAT and training.status == UNSAT:
        if certificate is not None and certificate.status == SAT:
            return ("the forward witness fits the training instance exactly (checked by exact_fit), so the "
                    f"training decider's unsat ({training.method}, {training.solver}) is wrong")
        text = ("the ETR side is certified by an exact model in the box; suspect the reduction's "
                "completeness (the training instance should then be fittable)")
        if certificate_failure:
            text += f" -- confirmed: {certificate_failure}"
        return text + f", or the training solver's unsat ({training.solver})"
    if etr.status == UNSAT and training.status == SAT:
        if extraction is not None and extraction.ok:
            return ("the training network is certified by exact_fit and the backward map extracts an exact "
                    f"solution: the ETR solver's unsat ({etr.solver}) is wrong")
        return ("the training network is certified by exact_fit but the backward map does not yield a "
                "solution: suspect the reduction's soundness, or the ETR solver's unsat "
                f"({etr.solver})")
    return "statuses differ"


def check_formula(formula: Formula, solver, limits: Limits = Limits(), instance: str = "<formula>",
                  encoding: str = "structured",
                  reducer: Callable[[Formula], Reduction] = reduce_formula,
                  max_work: int | None = MAX_WORK, blind: bool = False) -> CheckReport:
    """Run the cross-check.  ``reducer`` is injectable so tests can break it on purpose.

    ``blind``: decide the training side from the instance alone (see the module docstring).

    ``max_work`` bounds points x neurons of what the baseline encodings are handed (a
    baseline ``encoding``, and the structured method's pattern and symmetry stages, which
    are dense in points x neurons); beyond it those are not attempted and say so.  The
    default is the CLI's (``MAX_WORK``); ``None`` hands them any size (at 10,000
    constraints the dense pattern stage alone would ask for 1.46 TiB).  The
    structured method's structure stages (line counting, chain decomposition) and the
    forward certificate (checked by the grouped exact evaluation) run at any size, within
    ``limits`` (wall clock and memory: :func:`nnsolve.decider.bounded.decide_bounded`).
    """
    start = time.monotonic()
    etr = decide_etr(formula, solver, limits)
    if etr.status == PROMISE_VIOLATED:
        return CheckReport(instance, formula, etr, None, PROMISE_VIOLATED, time.monotonic() - start,
                           encoding=encoding, reason="the formula has real solutions but none in [1/2, 2]^n")
    red = reducer(formula)
    training: TrainingResult | None = None
    certificate: TrainingResult | None = None
    certificate_failure = None
    if etr.status == SAT:  # at any size: exact_fit evaluates by direction groups
        certificate = forward_certificate(red, etr)
        if certificate.status == SAT and not blind:
            training = certificate
        elif certificate.status != SAT:
            certificate_failure = certificate.reason
    if training is None:
        training = decide_bounded(encoding, red.instance, solver, limits, max_work=max_work)
    extraction = None
    if training.status == SAT and training.network is not None and training.method != METHOD:
        extraction = backward_map(red, training.network)
    seconds = time.monotonic() - start
    found = dict(reduction=red, encoding=encoding, extraction=extraction, certificate_failure=certificate_failure,
                 blind=blind, certificate=certificate if blind else None)
    if etr.status == UNKNOWN or training.status == UNKNOWN:
        reasons = [f"ETR side: {etr.reason}" if etr.status == UNKNOWN else None,
                   f"training side: {training.reason}" if training.status == UNKNOWN else None,
                   certificate_failure]
        return CheckReport(instance, formula, etr, training, INCONCLUSIVE, seconds,
                           reason="; ".join(r for r in reasons if r), **found)
    if etr.status == training.status:
        return CheckReport(instance, formula, etr, training, AGREE, seconds, **found)
    return CheckReport(instance, formula, etr, training, DISAGREE, seconds,
                       suspect=_suspect(etr, training, extraction, certificate_failure, certificate), **found)

"""What a training decision returns."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nnsolve.training import Network


@dataclass(frozen=True)
class TrainingResult:
    status: str
    method: str
    solver: str
    seconds: float
    network: Network | None = None
    reason: str | None = None
    stages: tuple[tuple[str, float], ...] = ()  # (stage, seconds) in the order they ran


#: How far a long stage has got, one line at a time (each replaces the last), e.g. the
#: local lemmas' counts after each pass.  An ordinary INFO logger: where nobody listens
#: the lines are dropped; the bounded decision's child (``nnsolve.decider.bounded``)
#: forwards them to its parent, which reports the last one when it has to stop the child
#: at the limit, so an out-of-time answer still says what the stage had done.
progress_log = logging.getLogger("nnsolve.progress")

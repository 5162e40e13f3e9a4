"""What a training decision returns."""

from __future__ import annotations

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

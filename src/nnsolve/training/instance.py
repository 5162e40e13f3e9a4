"""A training instance: labelled points, a hidden width, a target error.

The question it poses: do weights of a one-hidden-layer ReLU network with
``hidden`` neurons exist whose training error (``loss``, summed over the points)
is at most ``target_error``?  The reduction produces ``target_error == 0``
(exact fit), for which the loss does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

LOSSES = ("squared",)


#: Default bound on points x neurons for work on a training side (exact evaluation of a
#: witness and the size of a training query grow with it); ``--max-work`` changes it.
MAX_WORK = 3_000_000


@dataclass(frozen=True)
class DataPoint:
    x: tuple[Fraction, ...]
    y: tuple[Fraction, ...]


@dataclass(frozen=True)
class TrainingInstance:
    points: tuple[DataPoint, ...]
    hidden: int
    target_error: Fraction = Fraction(0)
    loss: str = "squared"
    inputs: int = 2
    outputs: int = 2
    source: str | None = None

    def __post_init__(self) -> None:
        if self.hidden < 0:
            raise ValueError("hidden width must be >= 0")
        if self.target_error < 0:
            raise ValueError("target error must be >= 0")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; supported: {', '.join(LOSSES)}")
        for i, p in enumerate(self.points):
            if len(p.x) != self.inputs or len(p.y) != self.outputs:
                raise ValueError(f"point {i} has {len(p.x)} inputs and {len(p.y)} outputs, "
                                 f"expected {self.inputs} and {self.outputs}")

    @property
    def exact(self) -> bool:
        """True for the reduction's case, target error 0."""
        return self.target_error == 0

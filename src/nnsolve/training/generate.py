"""Seeded planted instances: a random integer network labels random points.

>>> inst, net = planted_instance(hidden=2, points=5, seed=7)
>>> (inst.hidden, len(inst.points), exact_fit(inst, net).ok)
(2, 5, True)
"""

from __future__ import annotations

import random
from fractions import Fraction

from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron, evaluate, exact_fit


def planted_network(hidden: int, rng: random.Random, weight: int = 3) -> Network:
    def r() -> Fraction:
        return Fraction(rng.randint(-weight, weight))

    return Network(tuple(Neuron((r(), r()), r(), (r(), r())) for _ in range(hidden)), (r(), r()))


def planted_instance(hidden: int, points: int, seed: int, weight: int = 3,
                     box: int = 5) -> tuple[TrainingInstance, Network]:
    """Integer weights in [-weight, weight], distinct integer points in [-box, box]^2.

    The instance is sat by construction (the planted network fits it exactly).
    """
    rng = random.Random(f"planted-{hidden}-{points}-{seed}")
    network = planted_network(hidden, rng, weight)
    cells = [(Fraction(a), Fraction(b)) for a in range(-box, box + 1) for b in range(-box, box + 1)]
    xs = rng.sample(cells, points)
    instance = TrainingInstance(tuple(DataPoint(x, evaluate(network, x)) for x in xs), hidden,
                                source=f"planted random instance hidden={hidden} points={points} seed={seed}")
    return instance, network

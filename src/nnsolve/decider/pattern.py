"""The pattern method: floats guess an activation pattern, exact arithmetic decides.

1. Gradient descent (numpy, Adam, several seeded restarts) on the squared loss
   of the instance, in normalized coordinates (activation patterns do not
   change under an affine change of the inputs).
2. From each low-loss float network read the activation pattern (which neuron
   is active at which point) and the signs of the first output weights.
3. Ask the SMT solver the pattern-fixed query
   (:func:`nnsolve.decider.pattern_query.pattern_query`): linear constraints on
   (w_j, b_j) plus bilinear fit equations, small and fast.
4. Decode the model and confirm it with :func:`nnsolve.training.exact_fit`
   (code that did not build it).

So the floats only choose which exact query to ask; a ``sat`` is an exactly
checked network.  The method is one-sided: it never reports ``unsat`` (a
failed pattern says nothing about the others).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from nnsolve.encodings import decode_network, encoding_variables
from nnsolve.decider.pattern_query import pattern_query
from nnsolve.solvers import SAT, Limits, Query, Solver
from nnsolve.training import Network, TrainingInstance, exact_fit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guess:
    """A float network's activation sets, first-output signs and final loss."""

    active: tuple[frozenset[int], ...]
    signs: tuple[int | None, ...]
    loss: float


@dataclass(frozen=True)
class PatternOutcome:
    network: Network | None
    tried: int          # exact queries asked
    restarts: int       # float descents run
    best_loss: float
    reason: str


def float_guesses(instance: TrainingInstance, seed: int = 0, restarts: int = 8, steps: int = 6000,
                  deadline: float | None = None):
    """Yield a :class:`Guess` per restart, lowest-loss restarts first within a batch.

    Deterministic for a given seed.  Floats only: the guesses are hints.
    """
    import numpy as np

    if not instance.points or instance.hidden == 0:
        return
    X = np.array([[float(v) for v in p.x] for p in instance.points])
    Y = np.array([[float(v) for v in p.y] for p in instance.points])
    X = (X - X.mean(axis=0)) / max(float(np.abs(X - X.mean(axis=0)).max()), 1e-300)
    y_scale = max(float(np.abs(Y).max()), 1e-300)
    Y = Y / y_scale
    n, d = X.shape
    m, o = instance.hidden, Y.shape[1]
    rng = np.random.default_rng(seed)
    for r in range(restarts):
        if deadline is not None and time.monotonic() > deadline:
            return
        W = rng.normal(size=(m, d))
        B = -np.einsum("jk,jk->j", W, X[rng.integers(0, n, size=m)])  # breaklines through data points
        A = rng.normal(scale=0.5, size=(m, o))
        C = Y.mean(axis=0).copy()
        params = [W, B, A, C]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        lr, b1, b2 = 0.02, 0.9, 0.999
        loss = float("inf")
        for step in range(1, steps + 1):
            Z = X @ W.T + B
            H = np.maximum(Z, 0.0)
            R = H @ A + C - Y
            loss = float((R * R).mean())
            if loss < 1e-20:
                break
            G = 2.0 * R / R.size
            gA, gC = H.T @ G, G.sum(axis=0)
            gZ = (G @ A.T) * (Z > 0)
            gW, gB = gZ.T @ X, gZ.sum(axis=0)
            rate = lr * (0.1 if step > steps // 2 else 1.0)
            for p, g, (m1, m2) in zip(params, (gW, gB, gA, gC), moments):
                m1 *= b1
                m1 += (1 - b1) * g
                m2 *= b2
                m2 += (1 - b2) * g * g
                p -= rate * (m1 / (1 - b1 ** step)) / (np.sqrt(m2 / (1 - b2 ** step)) + 1e-12)
            if deadline is not None and step % 200 == 0 and time.monotonic() > deadline:
                break
        Z = X @ W.T + B
        active = tuple(frozenset(int(i) for i in np.nonzero(Z[:, j] > 0)[0]) for j in range(m))
        big = float(np.abs(A[:, 0]).max()) if m else 0.0
        signs = tuple((1 if A[j, 0] > 0 else -1) if abs(A[j, 0]) > 1e-6 * big else None for j in range(m))
        log.debug("restart %d: loss %.3g", r, loss)
        yield Guess(active, signs, loss)


def fit_by_pattern(instance: TrainingInstance, solver: Solver, limits: Limits = Limits(), seed: int = 0,
                   restarts: int = 1000, max_loss: float = 1e-4, query_timeout: float = 5.0) -> PatternOutcome:
    """Try the patterns of float descents until the time limit; stop at the first exact fit.

    Each exact query gets at most ``query_timeout`` seconds, so one hard
    pattern cannot use up the budget.
    """
    if instance.target_error != 0:
        return PatternOutcome(None, 0, 0, float("inf"), "the pattern method handles target error 0 only")
    deadline = time.monotonic() + limits.timeout
    seen: set = set()
    tried = runs = 0
    best = float("inf")
    for guess in float_guesses(instance, seed, restarts, deadline=deadline):
        runs += 1
        best = min(best, guess.loss)
        if guess.loss > max_loss or (guess.active, guess.signs) in seen:
            continue
        seen.add((guess.active, guess.signs))
        left = deadline - time.monotonic()
        if left <= 0.5:
            break
        tried += 1
        for signs in (guess.signs, None):  # the guessed signs first, then free output weights
            query = Query(pattern_query(instance, guess.active, signs), encoding_variables(instance))
            budget = max(0.5, min(query_timeout, deadline - time.monotonic()))
            answer = solver.solve(query, Limits(budget, limits.memory_mb))
            if answer.status == SAT and not answer.inexact:
                network = decode_network(instance, answer.model or {})
                if exact_fit(instance, network).ok:
                    return PatternOutcome(network, tried, runs, best, "exact fit from a float-guided pattern")
                log.warning("pattern query model failed the exact check; ignoring it")
            if deadline - time.monotonic() <= 0.5:
                break
    reason = (f"no exact fit from {tried} float-guided patterns ({runs} descents, best float loss {best:.2g}); "
              "the pattern method cannot show unsat")
    return PatternOutcome(None, tried, runs, best, reason)

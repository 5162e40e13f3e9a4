"""The training question with the activation pattern fixed.

Given, for each neuron j, the set S_j of points where it is active, the query

    w_j . x_i + b_j >= 0   (i in S_j),      w_j . x_i + b_j <= 0   (i not in S_j),
    c_p + sum_{j : i in S_j} a_jp (w_j . x_i + b_j) = y_ip          (every point i, output p)

has a model iff some network whose ReLUs agree with S_j (a point on a breakline
may count as either side: its contribution is 0 both ways) fits exactly.  Every
model is such a network, so a ``sat`` here is a fit; an ``unsat`` only rules out
this pattern (and this choice of signs), never the instance: the pattern method
never reports unsat.

``signs`` optionally fixes a_j1 to +1 or -1 (positive homogeneity lets any
neuron with a_j1 != 0 be scaled so; fixing the sign is a guess from the float
search, which is fine for a query that can only confirm).  Variable names are
those of the baseline encodings, so :func:`nnsolve.encodings.decode_network`
reads the model.
"""

from __future__ import annotations

from typing import Sequence

from nnsolve.encodings.relu import _preact, _sum
from nnsolve.terms import num
from nnsolve.training.instance import TrainingInstance


def pattern_query(instance: TrainingInstance, active: Sequence[frozenset[int]],
                  signs: Sequence[int | None] | None = None, source: str = "") -> str:
    """SMT-LIB (QF_NRA): sat iff a network with these activation sets fits exactly.

    ``active[j]`` holds 0-based point indices; ``signs[j]`` in {1, -1, None}.

    >>> from fractions import Fraction as F
    >>> from nnsolve.training.instance import DataPoint
    >>> inst = TrainingInstance((DataPoint((F(0), F(0)), (F(0), F(0))), DataPoint((F(1), F(0)), (F(2), F(0)))), 1)
    >>> text = pattern_query(inst, [frozenset({1})], [1])
    >>> "(assert (= a_1_1 1.0))" in text and text.count("(check-sat)") == 1
    True
    """
    if instance.target_error != 0:
        raise ValueError("the pattern query decides exact fits (target error 0) only")
    if len(active) != instance.hidden:
        raise ValueError(f"need one activation set per neuron ({instance.hidden}), got {len(active)}")
    m, n = instance.hidden, len(instance.points)
    out = ["(set-info :smt-lib-version 2.6)", "(set-logic QF_NRA)"]
    if source:
        out.append(f'(set-info :source "{source}")')
    for j in range(1, m + 1):
        out += [f"(declare-fun w_{j}_{k} () Real)" for k in range(1, instance.inputs + 1)]
        out.append(f"(declare-fun b_{j} () Real)")
        out += [f"(declare-fun a_{j}_{p} () Real)" for p in range(1, instance.outputs + 1)]
    out += [f"(declare-fun c_{p} () Real)" for p in range(1, instance.outputs + 1)]
    for j in range(1, m + 1):
        if signs is not None and signs[j - 1] in (1, -1):
            out.append(f"(assert (= a_{j}_1 {num(signs[j - 1])}))")
        for i in range(n):
            rel = ">=" if i in active[j - 1] else "<="
            out.append(f"(assert ({rel} {_preact(instance, i, j)} 0.0))")
    for i, point in enumerate(instance.points):
        for p in range(1, instance.outputs + 1):
            terms = [f"c_{p}"] + [f"(* a_{j}_{p} {_preact(instance, i, j)})"
                                  for j in range(1, m + 1) if i in active[j - 1]]
            out.append(f"(assert (= {_sum(terms)} {num(point.y[p - 1])}))")
    out += ["(check-sat)", "(exit)"]
    return "\n".join(out) + "\n"

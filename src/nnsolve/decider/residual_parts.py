"""Unsat of a large residual component from one of its parts.

A component of the chain residual (``nnsolve.decider.residual_query``) is a
conjunction of assertions.  Any subset of those assertions is implied by the whole,
so if a subset has no real solution, neither has the component: **unsat of a part
is unsat of the whole** (the argument is only this; docs/solving.md, "Residual
parts").  Sat of a part says nothing, and no model of a part is ever used.

Which subsets: the component's variables are split into parts of a given size by
a minimum-cut graph partition (METIS, ``pymetis``; vertices are variables, two
variables adjacent when an assertion uses both), and a part's
query holds *every* assertion that uses one of its variables (the assertions that
cross the cut are kept on both sides, so the part's boundary is constrained as in
the whole).  Where the reason for unsat is local, as in a formula whose
contradiction sits in one block of its constraints, a part around that block is
unsat and small enough for the solver, while the whole is not (measured in
docs/performance.md).  Where the reason spans the whole component, every part is
sat or unknown and the caller goes on with the whole.

>>> items = [("(assert (<= x 0.0))", {"x"}), ("(assert (<= 1.0 (+ x y)))", {"x", "y"}),
...          ("(assert (<= y 0.0))", {"y"}), ("(assert (<= 0.0 z))", {"z"}), ("(assert (= z w))", {"z", "w"})]
>>> [sorted(p) for p in variable_parts(items, 2)] in ([["w", "z"], ["x", "y"]], [["x", "y"], ["w", "z"]])
True
>>> [text for text, _ in part_items(items, {"y"})]
['(assert (<= 1.0 (+ x y)))', '(assert (<= y 0.0))']
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from typing import Hashable, Sequence

from nnsolve.decider.residual_query import component_script
from nnsolve.solvers import SAT, UNSAT, Limits, Query, Solver, SolverResult

log = logging.getLogger(__name__)

#: rounds of (variables per part, seconds per part): many small parts first (a local
#: contradiction: parts of about 230 variables of the 1,000-constraint unsat-random
#: residual are unsat in under a second), then fewer larger ones (a contradiction that
#: needs a wider region: parts of 2,000 variables, z3 2-7 s)
SCHEDULE = ((250, 2.0), (2000, 30.0))
#: components with fewer variables go to the solver whole
MIN_COMPONENT = 4000
#: seconds a part's solver child gets beyond its limit (start-up, reading the part):
#: most parts are sat or unknown, so this is paid by nearly every part
PART_GRACE = 1.5

Item = tuple[str, set]


def variable_parts(items: Sequence[Item], size: int) -> list[set]:
    """The variables of ``items`` split into ``ceil(n / size)`` parts (every variable in
    exactly one part) by METIS on the graph where two variables are adjacent when an
    item uses both; deterministic for the same items in the same order."""
    variables = sorted({v for _, used in items for v in used}, key=repr)
    count = math.ceil(len(variables) / max(1, size))
    if count <= 1:
        return [set(variables)] if variables else []
    import pymetis

    index = {v: i for i, v in enumerate(variables)}
    adjacency: list[set[int]] = [set() for _ in variables]
    for _, used in items:
        ids = [index[v] for v in used]
        for a in ids:
            adjacency[a].update(ids)
    for a, neighbours in enumerate(adjacency):
        neighbours.discard(a)
    _cut, membership = pymetis.part_graph(count, adjacency=[sorted(n) for n in adjacency])
    parts: list[set] = [set() for _ in range(count)]
    for v, p in zip(variables, membership):
        parts[p].add(v)
    return [p for p in parts if p]


def part_items(items: Sequence[Item], part: set[Hashable], index: dict | None = None) -> list[Item]:
    """The items that use a variable of ``part`` (a subset of ``items``, in their order).
    ``index``: :func:`item_index` of ``items``, when many parts are cut from them."""
    if index is None:
        return [item for item in items if not item[1].isdisjoint(part)]
    return [items[i] for i in sorted({i for v in part for i in index.get(v, ())})]


def item_index(items: Sequence[Item]) -> dict:
    """variable -> positions of the items that use it."""
    index: dict = {}
    for i, (_, used) in enumerate(items):
        for v in used:
            index.setdefault(v, []).append(i)
    return index


def unsat_part(items: Sequence[Item], solver: Solver, limits: Limits,
               cancel: threading.Event | None = None, schedule: Sequence[tuple[int, float]] = SCHEDULE,
               source: str = "") -> SolverResult | None:
    """A part of the component ``items`` that the solver proves unsat, as an unsat
    :class:`SolverResult` (its reason names the part), or None when no part is found
    unsat within ``limits.timeout`` (then the component is undecided, not sat).

    ``schedule`` lists rounds of (variables per part, seconds per part): each round
    partitions the component afresh and tries every part once, in a seeded shuffled
    order (the partitioner numbers neighbouring parts alike, and a contradiction sits
    in one region)."""
    start = time.monotonic()
    deadline = start + limits.timeout
    touching = item_index(items)
    for size, per_part in schedule:
        parts = variable_parts(items, size)
        if len(parts) <= 1:
            continue
        order = list(range(len(parts)))
        random.Random(f"residual-parts-{len(parts)}").shuffle(order)
        log.info("residual parts: %d parts of about %d variables, %g s each", len(parts), size, per_part)
        for k in order:
            left = deadline - time.monotonic()
            if left <= 0.5 or (cancel is not None and cancel.is_set()):
                return None
            chosen = part_items(items, parts[k], touching)
            query = component_script(chosen, source or "nnsolve: a part of the residual")
            free = {v for _, used in chosen for v in used}
            # no model wanted: a part's sat is never used
            answer = solver.solve(Query(query), Limits(min(per_part, left), limits.memory_mb, grace=PART_GRACE),
                                  cancel)
            log.debug("residual part %d (%d variables, %d assertions): %s in %.2f s", k, len(free), len(chosen),
                      answer.status, answer.seconds)
            if answer.status == UNSAT:
                return SolverResult(UNSAT, solver.name, time.monotonic() - start,
                                    reason=f"part {k + 1} of {len(parts)} of the residual component "
                                           f"({len(free)} of its {len(touching)} variables, {len(chosen)} of its "
                                           f"{len(items)} assertions) is unsat")
    return None


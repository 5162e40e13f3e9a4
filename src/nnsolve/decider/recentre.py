"""Recentring: free variables that the bounds keep far from 0 are moved next to 0.

On reduction outputs a breakline's position q lies in a window two units wide around
a point like 1,792,123,096 (coordinates grow with the instance), and every definition
K (a - q) = 3 and ite threshold then carries ten-digit constants that the solver's
polynomial arithmetic multiplies out.  Writing q = o + c with an integer o at the
window's lower end leaves the same query with constants of a few units
(docs/solving.md, "Recentring"): z3 on the 300-constraint planted residual went from no
answer at 150 s to sat in 127 s.

*Argument.* :func:`recentre` adds, per moved variable v, a fresh variable c and the
equation v - c = o (o a constant).  Every solution of the old system extends to one of
the new (c = v - o, the only choice) and every solution of the new restricts to one of
the old, so the residual keeps its solutions, and a model of the new residual gives v
through the system's pivots.  Which variables move, and by how much, changes nothing
of that: the bounds only choose o.

>>> from fractions import Fraction
>>> from nnsolve.elimination import LinearSystem
>>> from nnsolve.decider.residual_query import Bound
>>> s = LinearSystem(lambda v: 1 if v[0] == "c" else 0)
>>> bounds = [Bound({("q",): 1, None: -5}, Fraction(1792123090), Fraction(1792123092))]
>>> recentre(s, bounds)
[('c', ('q',))]
>>> s.reduce({("q",): 1})
{('c', ('q',)): Fraction(1, 1), None: Fraction(1792123095, 1)}
>>> s.reduce(bounds[0].expr)
{('c', ('q',)): Fraction(1, 1), None: Fraction(1792123090, 1)}
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Hashable, Sequence

from nnsolve.elimination import LinearSystem

#: a variable moves when its offset would be at least this large (smaller constants
#: cost the solver nothing worth a change of the query)
THRESHOLD = 1024


def intervals(system: LinearSystem, bounds: Sequence, reduced: Sequence | None = None) -> dict[Hashable, list]:
    """``[lo, hi]`` (None: unbounded) of each free variable that some bound, rewritten in
    the free variables, holds alone (strictness ignored: only an offset is chosen here).
    ``reduced``: ``system.reduce(b.expr)`` of each bound, when the caller has them.

    >>> from nnsolve.decider.residual_query import Bound
    >>> intervals(LinearSystem(), [Bound({"x": -2}, Fraction(-6), None)])
    {'x': [None, Fraction(3, 1)]}
    """
    out: dict[Hashable, list] = {}
    if reduced is None:
        reduced = [system.reduce(b.expr) for b in bounds]
    for b, e in zip(bounds, reduced, strict=True):
        free = [k for k in e if k is not None]
        if len(free) != 1:
            continue
        v = free[0]
        a, c = e[v], e.get(None, Fraction(0))
        ends = [None if x is None else (x - c) / a for x in (b.lo, b.hi)]
        lo, hi = ends if a > 0 else ends[::-1]
        cur = out.setdefault(v, [None, None])
        if lo is not None and (cur[0] is None or lo > cur[0]):
            cur[0] = lo
        if hi is not None and (cur[1] is None or hi < cur[1]):
            cur[1] = hi
    return out


def recentre(system: LinearSystem, bounds: Sequence, threshold: int = THRESHOLD,
             reduced: Sequence | None = None) -> list[Hashable]:
    """Move each free variable v whose bounds keep it at least ``threshold`` from 0 to a
    fresh free variable ``("c", v)`` with v = ("c", v) + o (o: the integer at or below the
    lower end, or at or above the upper end if there is none).  Returns the fresh
    variables, in order.  The system's priority must eliminate v before ``("c", v)``
    (else the equation is kept the other way round: still equivalent, nothing gained).
    ``reduced``: as for :func:`intervals` (forms in the system before this call)."""
    fresh = []
    for v, (lo, hi) in sorted(intervals(system, bounds, reduced).items(), key=lambda item: repr(item[0])):
        o = math.floor(lo) if lo is not None else math.ceil(hi) if hi is not None else 0
        if abs(o) < threshold:
            continue
        if lo is not None and hi is not None and lo > hi:
            continue  # an empty interval is the solver's to find
        c = ("c", v)
        system.equate({v: 1, c: -1, None: -o})
        fresh.append(c)
    return fresh


__all__ = ["THRESHOLD", "intervals", "recentre"]

"""Where the kinks of a tight 1D block can be: cell assignments and kink windows.

Setting (docs/solving.md, "Kink windows"): samples (t_0, y_0), ..., (t_n, y_n)
of a block, sorted by t, with vector labels, and a count c such that every
continuous piecewise-linear (PL) fit has at least c kinks in the open span
(t_0, t_n) (proven by line counting).  A network restricted to the line fits
the block with exactly c kinks there ("tight"), so:

1. the kinks are distinct and have nonzero jumps (two kinks at one place, or a
   zero jump, would give a fit with fewer than c kinks);
2. each kink lies in one *cell*: an open gap (t_i, t_i+1) or an interior sample
   t_i; a sample t_i where the slope changes (a bend) needs a kink in the gap
   before it, at it, or in the gap after it;
3. given the cells, the fit f(t) = alpha t + beta + sum_j K_j relu(t - k_j) is
   linear at every sample in (alpha, beta, K_j, U_j) with U_j = K_j k_j (a
   bilinear definition per kink and output, one shared k_j: all outputs bend at
   the same place).

:func:`cell_assignments` lists every sorted assignment of c kinks to cells
that satisfies 2 (at most one kink per sample, any number per gap); for each,
:func:`block_system` builds 3 as a :class:`nnsolve.elimination.LinearSystem`
and propagates; an inconsistency, or a kink position fixed outside its cell,
rules the assignment out exactly.  Every fit's assignment survives, so the
sorted kink r of every fit lies in the closed hull of its cells over the
surviving assignments: :func:`kink_windows`.

>>> from fractions import Fraction as F
>>> hat = [(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 2), (3, 0), (4, 0)]]
>>> [(str(lo), str(hi)) for lo, hi in kink_windows(hat, 3).windows]
[('0', '2'), ('1', '3'), ('2', '4')]

The windows over-approximate: elimination is linear, so it misses that the first kink of
the hat below cannot sit in (1, 2) (its jump would have to vanish, item 1):

>>> hat = [(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 0), (3, 2), (4, 0), (5, 0), (6, 0)]]
>>> [(str(lo), str(hi)) for lo, hi in kink_windows(hat, 3, span=(1, 5)).windows]
[('1', '3'), ('2', '4'), ('3', '5')]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Sequence

from nnsolve.elimination import Inconsistent, LinearSystem

Samples = Sequence[tuple[Fraction, Sequence[Fraction]]]
MAX_ASSIGNMENTS = 20_000  # listing stops here (``BlockWindows.candidates`` then says so)
MAX_NODES = 50_000  # surviving_assignments gives up past this many partial assignments (seconds)


@dataclass(frozen=True)
class Cell:
    """An open gap (t_index, t_index+1) (``gap`` true) or the sample t_index."""

    index: int
    gap: bool

    def order(self) -> tuple[int, int]:
        return (self.index, 1) if self.gap else (self.index, 0)

    def closure(self, ts: Sequence[Fraction]) -> tuple[Fraction, Fraction]:
        return (ts[self.index], ts[self.index + 1]) if self.gap else (ts[self.index], ts[self.index])

    def left_of(self, sample: int) -> bool:
        """relu(t_sample - k) = t_sample - k for every k in the cell (else it is 0)."""
        return self.index < sample


@dataclass(frozen=True)
class BlockWindows:
    """The surviving cell assignments of a tight block and the sorted kinks' windows."""

    kinks: int
    assignments: tuple[tuple[Cell, ...], ...]
    windows: tuple[tuple[Fraction, Fraction], ...]   # closed [lo, hi] per sorted kink
    candidates: int                                  # complete assignments the search reached


def _slopes(samples: Samples) -> list[tuple[Fraction, ...]]:
    return [tuple((b - a) / (samples[i + 1][0] - samples[i][0]) for a, b in zip(samples[i][1], samples[i + 1][1]))
            for i in range(len(samples) - 1)]


def _bends_and_cells(samples: Samples, span: tuple[int, int] | None) -> tuple[list[bool], list[Cell]]:
    """Which samples bend, and the cells of the open span in order (sample i before gap i)."""
    n = len(samples)
    first, last = span or (0, n - 1)
    slopes = _slopes(samples)
    cells = []
    for i in range(first, last):
        if i > first:
            cells.append(Cell(i, False))
        cells.append(Cell(i, True))
    return [0 < i < n - 1 and slopes[i - 1] != slopes[i] for i in range(n)], cells


def covered(b: int, chosen: Sequence[Cell]) -> bool:
    """A kink among ``chosen`` covers the bend at sample b (gap before it, it, gap after)."""
    return any(c in chosen for c in (Cell(b - 1, True), Cell(b, False), Cell(b, True)))


class ListingBudget(Exception):
    """:func:`cell_assignments` visited more partial assignments than it was given."""


def cell_assignments(samples: Samples, kinks: int, span: tuple[int, int] | None = None,
                     max_nodes: int | None = None) -> list[tuple[Cell, ...]]:
    """Sorted assignments of ``kinks`` distinct kinks to cells inside the open span
    (t_first, t_last) (``span`` = (first, last); default: all samples), every bend
    covered (item 2 of the module docstring).  The listing stops past
    :data:`MAX_ASSIGNMENTS` assignments; with ``max_nodes`` it raises
    :class:`ListingBudget` past that many partial ones (a long block with few bends
    covered late has few complete assignments but a search that never ends).

    >>> from fractions import Fraction as F
    >>> [[(c.index, c.gap) for c in a] for a in cell_assignments([(F(0), (F(0),)), (F(1), (F(1),)), (F(2), (F(1),))], 1)]
    [[(0, True)], [(1, False)], [(1, True)]]
    """
    n = len(samples)
    bend, cells = _bends_and_cells(samples, span)
    out: list[tuple[Cell, ...]] = []
    nodes = [0]

    def extend(start: int, chosen: list[Cell]) -> None:
        nodes[0] += 1
        if max_nodes is not None and nodes[0] > max_nodes:
            raise ListingBudget(f"more than {max_nodes} partial assignments")
        if len(chosen) == kinks:
            if all(covered(b, chosen) for b in range(n) if bend[b]):
                out.append(tuple(chosen))
            return
        for q in range(start, len(cells)):
            cell = cells[q]
            # bends left of this cell can only be covered by cells chosen so far (or this one)
            if not all(covered(b, chosen + [cell]) for b in range(1, cell.index) if bend[b]):
                break
            if len(out) > MAX_ASSIGNMENTS:
                return
            extend(q if cell.gap else q + 1, chosen + [cell])

    extend(0, [])
    return out


def surviving_assignments(samples: Samples, kinks: int, span: tuple[int, int] | None = None,
                          max_nodes: int | None = None) -> tuple[list[tuple[Cell, ...]], int] | None:
    """The assignments of :func:`cell_assignments` that elimination does not rule out,
    found by a search that drops a partial assignment as soon as the samples it already
    decides rule it out; with the number of complete assignments it reached.  None when
    the search would visit more than ``max_nodes`` (default :data:`MAX_NODES`) partial
    assignments.

    Why the pruning keeps every fit (docs/solving.md, "Kink windows"): the search places
    the sorted kinks left to right.  Before kink j goes into a cell with index i, every
    sample s <= i has its equation (item 3 of the module docstring) decided, since only
    kinks left of s enter it and the kinks still to come have index >= i.  Those equations,
    with U_j = K_j k_j for the kinks placed, are true of every fit whose first j kinks sit
    in the chosen cells, so when elimination finds them inconsistent, fixing a kink
    outside its open cell, or fixing a jump to the zero vector (item 1: the block is
    tight, every jump is nonzero), no such fit exists, whatever the later kinks do; and a
    later cell (index >= i) for kink j only adds samples, so the loop over cells stops
    there.  A complete assignment is kept when its full system survives, as in
    block_system, and no jump is fixed to zero.  So the survivors are those of listing
    and eliminating (:func:`block_system`) less some whose fits all have a zero jump.

    >>> from fractions import Fraction as F
    >>> hat = [(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 2), (3, 0), (4, 0)]]
    >>> found, reached = surviving_assignments(hat, 3)
    >>> found == [a for a in cell_assignments(hat, 3) if block_system(hat, a) is not None]
    True
    """
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    n = len(samples)
    outputs = len(samples[0][1])
    bend, cells = _bends_and_cells(samples, span)
    found: list[tuple[Cell, ...]] = []
    nodes = reached = 0

    def add_sample(system: LinearSystem, s: int, chosen: Sequence[Cell]) -> bool:
        """Add sample s's equations (every kink left of s is in ``chosen``); False when
        elimination rules the partial assignment out."""
        try:
            _equate_sample(system, samples, s, chosen)
            system.propagate()
        except Inconsistent:
            return False
        # item 1: in a tight block every jump is nonzero, so a jump fixed to 0 rules it out
        return cells_respected(system, samples, chosen) and not any(
            all(system.value(((), "K", j, o)) == 0 for o in range(outputs)) for j in range(len(chosen)))

    def search(start: int, chosen: tuple[Cell, ...], system: LinearSystem, added: int) -> bool:
        """Extend ``chosen`` (samples < ``added`` in ``system``); False past the budget."""
        nonlocal nodes, reached
        nodes += 1
        if nodes > max_nodes:
            return False
        if len(chosen) == kinks:
            if all(covered(b, chosen) for b in range(n) if bend[b]):
                reached += 1
                if all(add_sample(system, s, chosen) for s in range(added, n)):
                    found.append(chosen)
            return True
        for q in range(start, len(cells)):
            cell = cells[q]
            if not all(covered(b, chosen + (cell,)) for b in range(1, cell.index) if bend[b]):
                break
            if added <= cell.index:  # ``system`` is this call's own: the samples join it
                if not all(add_sample(system, s, chosen) for s in range(added, cell.index + 1)):
                    break  # a later cell only adds samples: ruled out too
                added = cell.index + 1
            child = system.copy()
            try:
                _place_kink(child, samples, len(chosen), cell)
                if not cell.gap:
                    child.propagate()
            except Inconsistent:
                continue
            if not search(q if cell.gap else q + 1, chosen + (cell,), child, added):
                return False
        return True

    if not search(0, (), LinearSystem(lambda v: _ELIMINATION_ORDER[v[1]]), 0):
        return None
    return found, reached


_ELIMINATION_ORDER = {"U": 0, "alpha": 1, "beta": 1, "K": 2, "k": 3}  # pivots first eliminated first


def block_system(samples: Samples, assignment: Sequence[Cell], prefix: object = ()) -> LinearSystem | None:
    """Item 3 of the module docstring for one assignment, propagated; None when it
    is inconsistent or fixes a kink outside its cell.

    Variables: (prefix, 'alpha'|'beta', o), (prefix, 'K'|'U', j, o), (prefix, 'k', j).
    """
    system = LinearSystem(lambda v: _ELIMINATION_ORDER[v[1]])
    try:
        for j, cell in enumerate(assignment):
            _place_kink(system, samples, j, cell, prefix)
        for s in range(len(samples)):
            _equate_sample(system, samples, s, assignment, prefix)
        system.propagate()
    except Inconsistent:
        return None
    return system if cells_respected(system, samples, assignment, prefix) else None


def _place_kink(system: LinearSystem, samples: Samples, j: int, cell: Cell, prefix: object = ()) -> None:
    """Kink j in ``cell``: U_j = K_j k_j per output, k_j = t_i when the cell is sample i."""
    for o in range(len(samples[0][1])):
        system.define((prefix, "U", j, o), (prefix, "K", j, o), (prefix, "k", j))
    if not cell.gap:
        system.equate({(prefix, "k", j): 1, None: -samples[cell.index][0]})


def _equate_sample(system: LinearSystem, samples: Samples, s: int, assignment: Sequence[Cell],
                   prefix: object = ()) -> None:
    """Sample s's label equations (item 3): alpha t + beta + sum over the kinks left of s
    of (K_j t - U_j) = y, per output (raises Inconsistent)."""
    t, ys = samples[s]
    for o, y in enumerate(ys):
        e = {(prefix, "alpha", o): t, (prefix, "beta", o): 1, None: -y}
        for j, cell in enumerate(assignment):
            if cell.left_of(s):
                e[(prefix, "K", j, o)] = t
                e[(prefix, "U", j, o)] = -1
        system.equate(e)


def cells_respected(system: LinearSystem, samples: Samples, assignment: Sequence[Cell], prefix: object = ()) -> bool:
    """False if the system fixes some kink outside its (open) cell."""
    ts = [t for t, _ in samples]
    for j, cell in enumerate(assignment):
        k = system.value((prefix, "k", j))
        if k is not None and cell.gap and not ts[cell.index] < k < ts[cell.index + 1]:
            return False
    return True


def kink_windows(samples: Samples, kinks: int, span: tuple[int, int] | None = None) -> BlockWindows:
    """The windows of the sorted kinks of every fit with exactly ``kinks`` kinks in the
    open span (t_first, t_last) and none elsewhere among ``samples``, for a block that
    needs that many (see the module docstring).  ``span`` = (first, last) lets the
    caller add kink-free neighbours on either side, which pin the affine part."""
    searched = surviving_assignments(samples, kinks, span)
    if searched is None:  # too many partial assignments: no windows (the whole span)
        ts = [t for t, _ in samples]
        first, last = span or (0, len(ts) - 1)
        return BlockWindows(kinks, (), tuple((ts[first], ts[last]) for _ in range(kinks)), MAX_NODES)
    alive, reached = searched
    return BlockWindows(kinks, tuple(alive), hull(samples, alive, kinks), reached)


def hull(samples: Samples, assignments: Sequence[Sequence[Cell]], kinks: int) -> tuple[tuple[Fraction, Fraction], ...]:
    """Per sorted kink, the closed hull of its cells over ``assignments``."""
    ts = [t for t, _ in samples]
    windows = []
    for r in range(kinks):
        spans = [a[r].closure(ts) for a in assignments]
        windows.append((min(lo for lo, _ in spans), max(hi for _, hi in spans)) if spans else (ts[0], ts[-1]))
    return tuple(windows)


def jump_coincidences(first: tuple[Samples, BlockWindows], second: tuple[Samples, BlockWindows],
                      r: int, s: int, tag: object = ()) -> Iterator[tuple[LinearSystem, tuple, tuple, tuple, tuple]]:
    """Every way sorted kink ``r`` of a fit of the first block could have the same jump
    vector as sorted kink ``s`` of a fit of the second: per pair of surviving assignments
    (a, b), the joint system with K_r = K'_s after elimination, unless that is
    inconsistent or fixes a kink outside its cell, as (system, a, b, prefix of the first
    block's variables, prefix of the second's), one at a time; prefixes are fresh per
    pair.  Nothing yielded proves the jumps never coincide."""
    (xs, xw), (ys, yw) = first, second
    outputs = len(xs[0][1])
    lefts = [(a, block_system(xs, a, "x")) for a in xw.assignments]
    rights = [(b, block_system(ys, b, "y")) for b in yw.assignments]
    for i, (a, left) in enumerate(lefts):
        for j, (b, right) in enumerate(rights):
            if left is None or right is None:
                continue
            px, py = (tag, "x", i, j), (tag, "y", i, j)

            def fresh(v, px=px, py=py):
                return ((px if v[0] == "x" else py),) + tuple(v[1:])

            joint = left.renamed(fresh)
            extra = right.renamed(fresh)
            joint.absorb(extra)
            try:
                for o in range(outputs):
                    joint.equate({(px, "K", r, o): 1, (py, "K", s, o): -1})
                joint.propagate()
            except Inconsistent:
                continue
            if cells_respected(joint, xs, a, px) and cells_respected(joint, ys, b, py):
                yield joint, a, b, px, py


def jumps_can_coincide(first: tuple[Samples, BlockWindows], second: tuple[Samples, BlockWindows],
                       r: int, s: int) -> bool:
    """False only when elimination proves that sorted kink ``r`` of the first block and
    sorted kink ``s`` of the second never carry the same jump (see jump_coincidences)."""
    return next(jump_coincidences(first, second, r, s), None) is not None

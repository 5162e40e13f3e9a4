"""The memory of a process tree, and a guard that keeps a tree under a budget.

Each solver child has its own address-space limit (``Limits.memory_mb``), and so has
the decision process (``nnsolve.decider.bounded``), but a limit per process does not
bound the tree: at 10,000 constraints a 6 GiB decision process with a solver child of
6.8 GiB beside it held 13 GiB at once (docs/performance.md, "Fifteenth session").
:class:`TreeGuard` watches a tree: under its budget it caps each child's growth at
what the budget has left, and over it it stops the largest solver child (SIGKILL to its
process group); that query answers unknown, as if it had run out of its own memory, and
the decision goes on without it.

What a tree "holds" is the sum of the proportional set sizes (PSS, Linux
``/proc/PID/smaps_rollup``): a page shared by k processes counts 1/k in each, so the
pages a forked decision process shares with its parent count once, where a sum of
resident sizes counts them twice.  Reading PSS walks the page tables (about 35 ms for
3 GiB), so the guard reads the cheap resident size at every look and PSS only every
few seconds, or when the resident sum is over the budget.

>>> import os
>>> tree_mib(os.getpid()) > 0
True
>>> [p for p in descendants(os.getpid()) if p == os.getpid()]
[]
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MIB = 1024 * 1024


def _processes() -> dict[int, tuple[int, int]]:
    """Every process now: pid -> (parent pid, start time in clock ticks since boot; with
    the pid, an identity that a reused pid does not share) (Linux /proc; none elsewhere)."""
    found: dict[int, tuple[int, int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if entry.isdigit():
            identity = _identity(int(entry))
            if identity is not None:
                found[int(entry)] = identity
    return found


def _identity(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of ``pid``, or None when it has ended."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            # the fields after the command name, which may hold spaces: state (0), ppid (1),
            # ..., starttime (19: field 22 of proc(5))
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _children(table: dict[int, tuple[int, int]] | None = None) -> dict[int, list[int]]:
    """Every process's children, by parent (in ``table``, as :func:`_processes` gives it;
    by default, now)."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in (_processes() if table is None else table).items():
        children.setdefault(ppid, []).append(pid)
    return children


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` now (children, their children, ...), ``pid`` not
    included."""
    children, found, todo = _children(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def _statm_sizes(pid: int) -> tuple[int, int]:
    """(address space, resident size) of ``pid`` in bytes, from one read of
    ``/proc/PID/statm`` ((0, 0) when it has ended)."""
    try:
        with open(f"/proc/{pid}/statm") as fh:
            fields = fh.read().split()
        return int(fields[0]) * _PAGE, int(fields[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0, 0


def rss_bytes(pid: int) -> int:
    """The resident size of ``pid`` (0 when it has ended or cannot be read)."""
    return _statm_sizes(pid)[1]


def address_space_bytes(pid: int) -> int:
    """The address space (virtual size) of ``pid``: what ``RLIMIT_AS`` bounds (0 when it
    has ended)."""
    return _statm_sizes(pid)[0]


def cap_growth(pid: int, headroom: int, size: int | None = None) -> bool:
    """Set the soft ``RLIMIT_AS`` of ``pid`` to its address space (now, or ``size`` bytes
    as read before) plus ``headroom`` bytes, never above its hard limit (``prlimit``,
    Linux; a soft limit may go up again later, the hard one stays as the process set it;
    a process without a hard limit is left alone).  An allocation past it fails in that
    process (a solver then answers "out of memory"); what it holds is untouched (a soft
    limit below the address space only makes new allocations fail).
    Returns whether the limit was set."""
    try:
        size = address_space_bytes(pid) if size is None else size
        if size == 0:
            return False
        _, hard = resource.prlimit(pid, resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY:
            # not yet limited by itself (a solver worker sets soft = hard at its start):
            # writing (soft, infinity) after that would, as root, lift its own limit again
            return False
        resource.prlimit(pid, resource.RLIMIT_AS, (min(size + max(0, headroom), hard), hard))
        return True
    except (OSError, ValueError, AttributeError):  # ended, not ours, or no prlimit here
        return False


def pss_bytes(pid: int) -> int:
    """The proportional set size of ``pid`` (its resident size where the kernel has no
    ``smaps_rollup``; 0 when it has ended)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return rss_bytes(pid)


def tree_mib(pid: int, proportional: bool = True) -> int:
    """The memory (MiB) ``pid`` and its descendants hold now: the sum of their PSS
    (``proportional``) or of their resident sizes (:func:`tree_sizes_mib`)."""
    return tree_sizes_mib(pid)[1 if proportional else 0]


def tree_sizes_mib(pid: int) -> tuple[int, int]:
    """(resident sum, PSS sum) in MiB of ``pid`` and its descendants, read together
    process by process (one walk: the two sums are of the same tree at about the same
    moment).  A child caught between vfork and exec runs in its parent's address space
    and shows all of its memory, so both sums count that memory twice at such a moment
    (docs/memory.md)."""
    rss = pss = 0
    for p in {pid, *descendants(pid)}:
        r = rss_bytes(p)
        rss += r
        pss += pss_bytes(p) if r else 0
    return rss // _MIB, pss // _MIB


#: what the solvers may have left of the budget before the guard warns, once (bytes)
LOW_HEADROOM = 256 * _MIB


@dataclass(frozen=True)
class Stop:
    """A solver child the guard stopped: its pid, the PSS of its subtree and the tree's
    (MiB)."""

    pid: int
    child_mib: int
    tree_mib: int


class TreeGuard:
    """Keeps the tree of ``root`` (with the processes ``also``, counted but never
    stopped) under ``budget_mib``.  Every ``every`` seconds:

    - while the tree's PSS sum is over the budget, the child of ``root`` whose subtree
      has the largest PSS is killed with its process group (solver children lead groups
      of their own; ``runner``), and with what it started, and ``on_stop`` is called
      with a :class:`Stop`;
    - otherwise the soft address-space limit of each of the n processes below ``root``
      is set to what it has now plus 1/n of what the budget has left (:func:`cap_growth`),
      so that a sudden allocation (a solver doubling a large vector: 2 to 4 GiB between
      two looks at unsat-unique 10,000) fails in that child instead of passing the
      budget, also when several children allocate at once.

    ``root`` itself is never stopped or capped: its own allocations are bounded by its
    address-space limit.  A context manager; the watch runs in a daemon thread.

    What the budget has left is read from the resident sum, less what the tree shares
    (resident sum minus PSS sum, read every ``shared_every`` seconds and whenever the
    resident sum is over the budget: the pages the forked root shares with its parent).
    A child may still touch address space it reserved before its cap (the cap bounds
    address space, the budget resident pages); the stop then acts at the next look.  A
    process counts from the look after the one that first saw it (so a child
    has no cap for up to two looks).  A budget the root alone passes cannot be held, and
    the guard then stops every child it sees.
    """

    def __init__(self, root: int, budget_mib: int, also: tuple[int, ...] = (), every: float = 0.5,
                 on_stop=None, shared_every: float = 2.0) -> None:
        self.root, self.budget_mib, self.also, self.every = root, budget_mib, tuple(also), every
        self.on_stop = on_stop
        self.stops: list[Stop] = []
        self.shared_every = shared_every
        self._shared, self._shared_at = 0, float("-inf")  # resident sum minus PSS sum, and when
        self._warned = False
        self._seen: dict[int, tuple[int, int]] = {}  # pid -> identity at the last look
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="tree-memory-guard")

    def __enter__(self) -> "TreeGuard":
        if not self._done.is_set():
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop watching (at once, or after the look under way); closing twice is fine."""
        self._done.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self.every):
            try:
                self.check()
            except Exception:  # the guard never ends the decision it watches
                log.exception("tree memory guard")

    def check(self) -> Stop | None:
        """One look at the tree: the child stopped, if the tree was over its budget.

        Only processes already seen at the previous look count and are acted on: a child
        caught between vfork and exec shows the whole memory of the process that started
        it.  A pid is acted on only while its parent and start time are still those seen."""
        table = _processes()
        seen, self._seen = self._seen, {}
        tops: dict[int, list[int]] = {}  # each child of root -> its subtree (itself first)
        children = _children(table)
        for top in children.get(self.root, ()):
            subtree, todo = [], [top]
            while todo:
                p = todo.pop()
                self._seen[p] = table[p]
                if seen.get(p) == table[p]:
                    subtree.append(p)
                todo.extend(children.get(p, ()))
            if subtree and subtree[0] == top:
                tops[top] = subtree
        counted = [self.root, *(p for p in self.also if p != self.root), *(p for t in tops.values() for p in t)]
        # address spaces read with the resident sizes (one read each): a cap is that size
        # plus a share of what the budget had left then, so growth after this read counts
        # against the share
        now_sizes = {p: _statm_sizes(p) for p in counted}
        resident = sum(now_sizes[p][1] for p in counted)
        spaces = {p: now_sizes[p][0] for t in tops.values() for p in t}
        budget = self.budget_mib * _MIB
        now = time.monotonic()
        if resident > budget or now - self._shared_at >= self.shared_every:
            sizes = {p: pss_bytes(p) for p in counted}
            proportional = sum(sizes.values())
            self._shared, self._shared_at = max(0, resident - proportional), now
        else:
            sizes, proportional = None, resident - self._shared
        if proportional > budget and tops:
            top = max(tops, key=lambda t: sum(sizes.get(p, 0) for p in tops[t]))
            stop = self._stop(top, tops, sizes, table, proportional)
            # the others may not grow until the next look has seen what the stop freed
            self._cap({t: sub for t, sub in tops.items() if t != top}, table, spaces, 0)
            return stop
        headroom = budget - proportional
        if headroom < LOW_HEADROOM and not self._warned:
            # once: every solver query may now fail "out of memory"; the likely cause is a
            # caller that holds most of the budget itself
            self._warned = True
            log.warning("the tree holds %d of its %d MiB: its solvers have %d MiB left (a larger "
                        "--memory gives them more)", proportional // _MIB, self.budget_mib,
                        max(0, headroom) // _MIB)
        # the headroom is shared: each of n processes may grow by 1/n of it, so that all
        # of them growing at once between two looks still stay within the budget
        n = sum(len(subtree) for subtree in tops.values())
        self._cap(tops, table, spaces, max(0, headroom) // max(1, n))
        return None

    @staticmethod
    def _cap(tops: dict, table: dict, spaces: dict, share: int) -> None:
        for subtree in tops.values():
            for p in subtree:
                if _identity(p) == table[p]:
                    cap_growth(p, share, spaces.get(p))

    def _stop(self, top: int, tops: dict, sizes: dict, table: dict, proportional: int) -> Stop | None:
        """Kill ``top`` (a child of root) with its process group, or alone when it leads
        none, unless it is no longer the process seen."""
        if _identity(top) != table[top]:
            return None
        try:
            os.killpg(top, signal.SIGKILL) if os.getpgid(top) == top else os.kill(top, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return None
        for p in tops[top][1:]:  # what it started, if it left its group
            if _identity(p) == table[p]:
                try:
                    os.kill(p, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        stop = Stop(top, sum(sizes.get(p, 0) for p in tops[top]) // _MIB, proportional // _MIB)
        self.stops.append(stop)
        if self.on_stop is not None:
            self.on_stop(stop)  # the caller reports it (decide_bounded: its log and its reason)
        else:
            log.warning("the tree held %d MiB, over its budget of %d MiB: stopped solver child %d (%d MiB)",
                        stop.tree_mib, self.budget_mib, top, stop.child_mib)
        return stop

"""The tree memory guard (``nnsolve.solvers.memory``): a tree over its budget loses its
largest solver child, whose query answers unknown; a tree under it loses nothing, and
its children's growth is capped at what the budget has left, also when the root is
forked from a caller that shares its pages; the decision runs under the guard.

The guard is rooted at a helper process that starts the children (never at the test
process, whose other children it would otherwise see)."""

import os
import subprocess
import sys
import time

import pytest

from nnsolve.decider import bounded
from nnsolve.decider.result import TrainingResult
from nnsolve.solvers import UNKNOWN, Limits, Query, Solver
from nnsolve.solvers.memory import (TreeGuard, cap_growth, descendants, pss_bytes, rss_bytes, tree_mib,
                                    tree_sizes_mib)

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs Linux /proc")

QUERY = Query("(declare-fun x () Real)(assert (= (* x x) 2.0))", ("x",))

# children limit their own address space at their start, as solver workers do (the guard
# leaves a process without a hard limit alone)
LIMIT = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (16 << 30, 16 << 30))\n"
HOLD = LIMIT + "import sys, time\nblock = b'\\1' * (int(sys.argv[1]) << 20)\nprint('ready', flush=True)\ntime.sleep(120)\n"
GROW = LIMIT + ("import sys\nprint('ready', flush=True)\nfor line in sys.stdin:\n"
                "    try:\n        block = b'\\1' * (int(line) << 20)\n        print('held', flush=True)\n"
                "    except MemoryError:\n        print('MemoryError', flush=True)\n")
# the root: starts holders and growers in sessions of their own on request, relays to them;
# with a number as argument it first holds that many MiB itself, then forks, and the fork
# (sharing them) is the root
ROOT = f"""
import os, subprocess, sys
HOLD, GROW = {HOLD!r}, {GROW!r}
if len(sys.argv) > 1:
    shared = b'\\1' * (int(sys.argv[1]) << 20)
    if os.fork():
        os.wait()
        sys.exit()
kids = []
print(os.getpid(), flush=True)
for line in sys.stdin:
    cmd, _, arg = line.strip().partition(' ')
    if cmd in ('hold', 'grow'):
        code = [HOLD, arg] if cmd == 'hold' else [GROW]
        kid = subprocess.Popen([sys.executable, '-c', *code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, start_new_session=True)
        kid.stdout.readline()
        kids.append(kid)
        print(kid.pid, flush=True)
    elif cmd == 'ask':
        i, mib = arg.split()
        kids[int(i)].stdin.write(mib + '\\n')
        kids[int(i)].stdin.flush()
        print(kids[int(i)].stdout.readline().strip(), flush=True)
    elif cmd == 'alive':
        print(' '.join(str(kid.poll() is None) for kid in kids), flush=True)
"""


class Root:
    """The helper root process (``shared`` MiB: held by a parent it is forked from)."""

    def __init__(self, shared: int | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", ROOT] + ([str(shared)] if shared else []),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.pid = int(self.say(None))

    def say(self, line: str | None) -> str:
        if line is not None:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def alive(self) -> list[bool]:
        return [x == "True" for x in self.say("alive").split()]

    def close(self) -> None:
        below = descendants(self.pid)  # before the root goes: its children then leave its tree
        os.killpg(self.proc.pid, 9)
        for p in [self.pid, *below]:
            try:
                os.killpg(p, 9)
            except OSError:
                pass
        self.proc.wait()


@pytest.fixture
def root():
    made = []

    def make(shared=None):
        made.append(Root(shared))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _looked(guard: TreeGuard):
    """Two looks (a process counts from the look after the one that first saw it)."""
    guard.check()
    return guard.check()


def test_sizes_of_a_child_holding_memory(root):
    r = root()
    child = int(r.say("hold 200"))
    assert child in descendants(r.pid)
    assert rss_bytes(child) >= 200 << 20 and pss_bytes(child) >= 200 << 20
    assert tree_mib(r.pid) >= 200 and tree_mib(r.pid, proportional=False) >= 200
    rss, pss = tree_sizes_mib(r.pid)
    assert rss >= pss >= 200
    os.kill(child, 9)
    time.sleep(0.5)
    assert pss_bytes(child) == 0 or child not in descendants(r.pid)


def test_the_guard_stops_the_largest_child_only_over_budget(root):
    r = root()
    r.say("hold 50")
    large = int(r.say("hold 300"))
    now = tree_mib(r.pid)
    stops = []
    assert _looked(TreeGuard(r.pid, now + 100, on_stop=stops.append)) is None and r.alive() == [True, True]
    stop = _looked(TreeGuard(r.pid, now - 200, on_stop=stops.append))
    assert stop is not None and stop.pid == large and stop.child_mib >= 300 and stops == [stop]
    time.sleep(0.5)
    assert r.alive() == [True, False]  # the large one killed, the small one kept


def test_a_sudden_allocation_past_the_budget_fails_in_the_child(root):
    """Under the budget the guard caps each child's growth at what the budget has left:
    an allocation of more than that, at once (between two looks), fails in the child,
    which goes on; once the budget has room again, the same allocation succeeds."""
    r = root()
    r.say("grow")
    assert _looked(TreeGuard(r.pid, tree_mib(r.pid) + 300)) is None and r.alive() == [True]
    assert r.say("ask 0 1500") == "MemoryError"
    assert r.say("ask 0 100") == "held"  # small allocations still pass
    assert _looked(TreeGuard(r.pid, tree_mib(r.pid) + 4000)) is None
    assert r.say("ask 0 1500") == "held"  # the soft limit went up again


def test_children_allocating_at_once_share_what_the_budget_has_left(root):
    """Two children, 300 MiB left: each may grow by half of it, so two allocations of
    200 MiB between the same two looks both fail (each alone would fit the 300, and
    together they would pass the budget); 100 MiB each still pass."""
    r = root()
    r.say("grow")
    r.say("grow")
    assert _looked(TreeGuard(r.pid, tree_mib(r.pid) + 300)) is None and r.alive() == [True, True]
    assert r.say("ask 0 200") == "MemoryError"
    assert r.say("ask 1 200") == "MemoryError"
    assert r.say("ask 0 100") == "held" and r.say("ask 1 100") == "held"


def test_over_budget_the_other_children_may_not_grow_until_the_next_look(root):
    """The look that stops the largest child leaves the others no growth (what the stop
    freed is seen at the next look); the look after gives them room again."""
    r = root()
    r.say("hold 300")
    r.say("grow")
    stop = _looked(TreeGuard(r.pid, tree_mib(r.pid) - 100))
    assert stop is not None
    assert r.say("ask 1 50") == "MemoryError"
    time.sleep(0.5)
    assert r.alive() == [False, True]
    assert _looked(TreeGuard(r.pid, tree_mib(r.pid) + 300)) is None
    assert r.say("ask 1 50") == "held"


def test_the_cap_holds_when_the_root_shares_its_parents_pages(root):
    """The root forked from a parent holding 600 MiB (counted): the resident sum counts
    those pages twice and is over the budget, the PSS sum is not; the child is capped at
    what the PSS sum leaves, not left free."""
    r = root(shared=600)
    parent = r.proc.pid
    r.say("grow")
    rss, pss = (tree_sizes_mib(parent))
    assert rss - pss >= 400  # shared pages: counted twice by the resident sum only
    guard = TreeGuard(r.pid, pss + 200, also=(parent,))
    assert rss > pss + 200 and _looked(guard) is None and r.alive() == [True]
    assert r.say("ask 0 1000") == "MemoryError"
    assert r.say("ask 0 50") == "held"


def test_a_new_child_is_neither_counted_nor_stopped_at_its_first_look(root):
    r = root()
    r.say("hold 300")
    guard = TreeGuard(r.pid, 1)  # over budget from the start: the root itself passes it
    assert guard.check() is None and r.alive() == [True]  # first seen: not acted on yet
    assert guard.check() is not None
    time.sleep(0.5)
    assert r.alive() == [False]


def test_the_guard_never_stops_its_root(root):
    r = root()
    r.say("hold 10")
    guard = TreeGuard(r.pid, 1)  # a budget the root alone passes
    assert _looked(guard) is not None  # the child is stopped ...
    time.sleep(0.5)
    assert r.proc.poll() is None and r.alive() == [False]  # ... the root goes on
    assert guard.check() is None  # nothing left to stop: the root is never chosen


def test_cap_growth_of_an_ended_or_unlimited_process_is_refused():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cap_growth(child.pid, 2**20) is False
    free = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert cap_growth(free.pid, 2**20) is False  # no hard limit of its own: left alone
        import resource
        assert resource.prlimit(free.pid, resource.RLIMIT_AS)[1] == resource.RLIM_INFINITY
    finally:
        free.kill()
        free.wait()


def test_a_budget_with_little_left_for_the_solvers_is_logged_once(root, caplog):
    r = root()
    r.say("hold 20")
    guard = TreeGuard(r.pid, tree_mib(r.pid) + 100)
    with caplog.at_level("WARNING", logger="nnsolve.solvers.memory"):
        assert _looked(guard) is None and guard.check() is None
    assert len([x for x in caplog.records if "a larger --memory" in x.getMessage()]) == 1
    caplog.clear()
    with caplog.at_level("WARNING", logger="nnsolve.solvers.memory"):
        _looked(TreeGuard(r.pid, tree_mib(r.pid) + 2000))
    assert not caplog.records


def test_a_solver_over_the_trees_budget_answers_unknown_in_the_decision(fault_path, monkeypatch):
    """Through ``decide_bounded``: the decision's solver child grows past what the tree
    may hold (under its own limit), the guard (in the calling process) caps or stops it,
    and its query answers unknown, out of memory, in seconds rather than at its time
    limit (without the guard it holds 3 GiB until then)."""
    def _decide(method, instance, solver, limits, progress=None, max_work=None):
        start = time.monotonic()
        answer = Solver("resident-hog", "faulty_backends:ResidentHog").solve(QUERY, Limits(60, 4096))
        return TrainingResult(answer.status, method, answer.solver, time.monotonic() - start, reason=answer.reason)

    monkeypatch.setattr(bounded, "decide_with", _decide)
    budget = tree_mib(os.getpid()) + 700
    result = bounded.decide_bounded("structured", None, None, Limits(timeout=60, memory_mb=budget))
    assert result.status == UNKNOWN and ("out of memory" in result.reason or "SIGKILL" in result.reason), \
        result.reason
    assert result.seconds < 30

"""A child process that ends with the process it serves.

A parent killed by a signal it cannot handle (SIGKILL, or SIGTERM to a benchmark or a
CI job) never runs its clean-up, so its children would run on to their own limits: a
4.3 GiB z3 child of a stopped 10,000-constraint run did, and a decision process would
go on for hours with its solvers.  :func:`end_with` starts a watchdog thread that ends
this process within a second of its parent's end (the parent pid changes: the child is
reparented) or of ``caller``'s (by pid, when the process that waits for the answer is
not the parent: with a forkserver the parent is the server).

>>> import os
>>> end_with(os.getppid(), name="doc-watch").daemon  # the parent is alive: nothing happens
True
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process under that pid: alive
        return True
    return True


def end_with(parent: int, caller: int | None = None, before_exit: Callable[[], None] | None = None,
             name: str = "end-with-parent", every: float = 1.0) -> threading.Thread:
    """Watch, every ``every`` seconds, that this process's parent is still ``parent`` and
    that ``caller`` (if given) is alive; when not, call ``before_exit`` (e.g. kill this
    process's group) and exit with code 3.  Returns the daemon thread, started."""

    def gone() -> bool:
        return os.getppid() != parent or (caller is not None and not _alive(caller))

    def watchdog() -> None:
        while not gone():
            time.sleep(every)
        try:
            if before_exit is not None:
                before_exit()
        finally:
            os._exit(3)

    thread = threading.Thread(target=watchdog, daemon=True, name=name)
    thread.start()
    return thread

"""Running corpus checks on a Dask distributed cluster (the optional ``cluster`` extra).

:func:`cluster_executor` connects to a scheduler and hands
:func:`nnsolve.decision.corpus.run_corpus` a ``concurrent.futures.Executor`` backed by
the cluster, so the corpus code does not know which backend runs it.  Each task
carries its formula's text (workers need no shared file system) and returns a plain
dict.  Dask reschedules the tasks of a worker that dies; a task that keeps killing
workers ends as ``KilledWorker``, which the corpus records as an ``error`` row and
retries on the next run.

Start a cluster on several machines (docs/check.md)::

    dask scheduler --port 8786                         # on one machine
    dask worker tcp://HOST:8786 --nworkers 2 --nthreads 1   # on each machine
    nnsolve corpus instances --scheduler tcp://HOST:8786
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Iterator

from nnsolve.errors import InputError

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'nnsolve[cluster]' (dask distributed)"


@contextmanager
def cluster_executor(address: str, connect_timeout: float = 30.0) -> Iterator[Executor]:
    """An Executor whose tasks run on the Dask cluster at ``address`` (e.g. tcp://host:8786).

    Bad input (no dask installed, nothing listening at the address) raises
    :class:`nnsolve.errors.InputError` with the fix.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise InputError("--scheduler", None, address, "the cluster backend needs dask distributed",
                         INSTALL_HINT) from exc
    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError("--scheduler", None, address, f"cannot reach a Dask scheduler there ({exc})",
                         "the address a running `dask scheduler` prints, e.g. tcp://host:8786") from exc
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        log.info("connected to %s (%d workers)", address, workers)
        # pure=False: a rerun of the same check is a new task, never a cached result
        yield client.get_executor(pure=False)
    finally:
        client.close()

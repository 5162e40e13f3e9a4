"""The corpus on a Dask distributed cluster: same record as the process pool; a check
that crashes or kills its worker is an error row, retried on the next run."""

import os
import shutil

import pytest

from conftest import ROOT
from nnsolve.decision.corpus import check_one, corpus_files, run_corpus

distributed = pytest.importorskip("distributed")

# statuses that do not depend on the machine's load: sat by certificate, promise violation
FILES = ("self_inverse.smt2", "half.smt2", "doubling_out_of_box.smt2")


def _stable(results):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in results]


def kill_worker_on_half(path, text, *args):
    """A task that kills the worker process that runs it (module level: workers import it)."""
    if "half" in path:
        os._exit(13)
    return check_one(path, text, *args)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "c" / "tier1"
    folder.mkdir(parents=True)
    for name in FILES:
        shutil.copy(ROOT / "instances" / "tier1" / name, folder / name)
    return corpus_files(tmp_path / "c")


@pytest.fixture
def cluster(fault_path):
    import dask
    # a task that kills its worker is given up after one retry (default: 3)
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as lc:
            yield lc.scheduler_address


def test_cluster_gives_the_same_record_as_the_process_pool(corpus, cluster, tmp_path):
    from nnsolve.decision.cluster import cluster_executor

    local = run_corpus(corpus, timeout=60, jobs=2, results_file=tmp_path / "local.jsonl")
    seen = []
    with cluster_executor(cluster) as executor:
        remote = run_corpus(corpus, timeout=60, results_file=tmp_path / "remote.jsonl", executor=executor,
                            progress=lambda k, n, res: seen.append((k, n)))
    assert _stable(remote.results) == _stable(local.results)
    assert not remote.failed and remote.resumed == 0
    assert [k for k, _ in seen] == [1, 2, 3] and {n for _, n in seen} == {3}
    # the same resume record: a rerun through the pool resumes everything the cluster recorded
    again = run_corpus(corpus, timeout=60, results_file=tmp_path / "remote.jsonl")
    assert again.resumed == len(corpus)


def test_a_worker_that_dies_is_an_error_row_and_retried(corpus, cluster, tmp_path):
    from nnsolve.decision.cluster import cluster_executor

    record = tmp_path / "r.jsonl"
    with cluster_executor(cluster) as executor:
        run = run_corpus(corpus, timeout=60, results_file=record, executor=executor,
                         check=kill_worker_on_half)
    rows = {os.path.basename(r["file"]): r for r in run.results}
    assert run.failed
    assert rows["half.smt2"]["verdict"] == "error"
    assert "KilledWorker" in rows["half.smt2"]["reason"]
    # (a task queued on the dying worker may be given up too; it is then an error row as well)
    finished = [r for r in run.results if r["verdict"] != "error"]
    assert finished and all(r["verdict"] in ("agree", "promise-violated") for r in finished)
    # error rows are not recorded: the next run (through the pool, real check) retries exactly them
    again = run_corpus(corpus, timeout=60, results_file=record)
    assert again.resumed == len(finished)
    assert all(r["verdict"] != "error" for r in again.results)


def test_an_unreachable_scheduler_is_bad_input():
    from nnsolve.errors import InputError
    from nnsolve.decision.cluster import cluster_executor

    with pytest.raises(InputError, match="cannot reach a Dask scheduler"):
        with cluster_executor("tcp://127.0.0.1:9", connect_timeout=2):
            pass

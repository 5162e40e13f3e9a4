"""Output paths a user gets wrong: a folder, a path nnsolve cannot create, a device or
pipe, a reader that leaves early.  Each is one line and exit code 2 (or, for the reader
that leaves, the shell's SIGPIPE code), never an internal error, and no device or pipe
is ever replaced by a plain file."""

import os
import stat
import subprocess
import sys
import threading

import pytest

from conftest import ROOT, run_cli
from nnsolve.errors import InputError
from nnsolve.files import write_atomic


def test_a_folder_is_refused_and_kept(tmp_path):
    with pytest.raises(InputError, match="it is a folder"):
        write_atomic(tmp_path, "x")
    assert tmp_path.is_dir()


def test_a_path_that_cannot_be_created_is_input_error():
    with pytest.raises(InputError, match="cannot write"):
        write_atomic("/proc/nnsolve-test/out.json", "x")


def test_a_pipe_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    write_atomic(fifo, "hello\n")
    reader.join(10)
    assert got == [b"hello\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # a rename would have made it a plain file
    assert os.listdir(tmp_path) == ["pipe"]     # and no temporary file is left


def test_a_full_device_is_one_line(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    r = run_cli("gen", "--constraints", "5", "-o", "/dev/full")
    assert r.returncode == 2 and "No space left" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("argv", [
    ("gen", "--constraints", "5", "-o", "{tmp}"),
    ("reduce", "instances/tier1/half.smt2", "-o", "{tmp}"),
    ("export-csv", "examples/planted_1x6.json", "-o", "{tmp}"),
    ("corpus", "{corpus}", "--results", "{tmp}"),
    ("corpus", "{corpus}", "--results", "/proc/nnsolve-test/r.jsonl"),
])
def test_cli_output_path_errors_are_one_line(argv, tmp_path):
    corpus = tmp_path / "c"
    (corpus / "tier1").mkdir(parents=True)
    (corpus / "tier1" / "half.smt2").write_text((ROOT / "instances/tier1/half.smt2").read_text())
    r = run_cli(*[a.format(tmp=tmp_path, corpus=corpus) for a in argv])
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "internal error" not in r.stderr, r.stderr
    if argv[0] == "corpus":  # refused before any check ran
        assert "agree" not in r.stdout + r.stderr


def test_a_reader_that_leaves_early_is_not_an_internal_error():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    p = subprocess.Popen([sys.executable, "-m", "nnsolve", "gen", "--constraints", "5000", "-o", "/dev/stdout"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()  # as `| head -1` does
    err = p.stderr.read().decode()
    assert p.wait(60) == 141 and err == "", err

"""Backends that misbehave on purpose, for the solver layer's fault tests."""

import json
import os
import signal
import sys
import time

from nnsolve.solvers.base import Backend


class Crash(Backend):
    name = "crash"

    def solve(self, query, timeout):
        os.kill(os.getpid(), signal.SIGSEGV)


class Abort(Backend):
    name = "abort"

    def solve(self, query, timeout):
        os.abort()


class Hang(Backend):
    name = "hang"

    def solve(self, query, timeout):
        while True:
            time.sleep(1)


class Spin(Backend):
    name = "spin"

    def solve(self, query, timeout):
        while True:  # CPU time, not sleep: only RLIMIT_CPU or a kill ends it
            pass


class MemoryHog(Backend):
    name = "hog"

    def solve(self, query, timeout):
        chunks = []
        while True:
            chunks.append(bytearray(64 * 1024 * 1024))


class ResidentHog(Backend):
    """Resident memory, not only address space (a zeroed bytearray is not resident until
    written): 64 MiB more every 50 ms, up to 3 GiB, then a wait.  Only a kill ends it
    before its limit."""
    name = "resident-hog"

    def solve(self, query, timeout):
        chunks = []
        while len(chunks) < 48:
            chunks.append(b"\1" * (64 * 1024 * 1024))
            time.sleep(0.05)
        while True:
            time.sleep(1)


class Garbage(Backend):
    name = "garbage"

    def solve(self, query, timeout):
        sys.stdout.write("this is not json")
        sys.stdout.flush()
        os._exit(0)


class Raises(Backend):
    name = "raises"

    def solve(self, query, timeout):
        raise RuntimeError("backend exploded")


class LyingSat(Backend):
    """Claims sat with a model that does not satisfy anything."""

    name = "liar"

    def solve(self, query, timeout):
        return {"status": "sat", "model": {v: "7" for v in query.variables}}


class EchoStrategy(Backend):
    """Answers unknown with the strategy it was handed (does the hint reach the child?)."""
    name = "echo"

    def solve(self, query, timeout):
        return {"status": "unknown", "reason": f"strategy={query.strategy}"}


class Markers(Backend):
    """Follows the query's text: CRASH kills the child, HANG never answers, NOTANOBJECT
    prints a JSON line that is not an answer, STRATEGY echoes the strategy, PID answers
    unknown with the child's pid, HOG allocates until the memory limit, LATE writes batch
    1's first answer again a second later, BADMODEL answers sat with a list for a model,
    anything else
    is unsat (batch and session fault tests)."""
    name = "markers"

    def solve(self, query, timeout):
        if "CRASH" in query.smtlib:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "HANG" in query.smtlib:
            while True:
                time.sleep(1)
        if "NOTANOBJECT" in query.smtlib:  # valid JSON, but not an answer
            sys.stdout.write("1\n")
            sys.stdout.flush()
            os._exit(0)
        if "LATE" in query.smtlib:  # a stray line, later: batch 1's first answer once more
            import threading

            def late():
                time.sleep(1.0)
                sys.stdout.write(json.dumps({"status": "sat", "model": {"x": "2"}, "pinned": True, "pin": ["x", "2"],
                                             "batch": 1, "index": 0}) + "\n")
                sys.stdout.flush()
            threading.Thread(target=late, daemon=True).start()
        if "BADMODEL" in query.smtlib:  # a model that is not an object
            return {"status": "sat", "model": [1]}
        if "PID" in query.smtlib:  # which child answered (session tests)
            return {"status": "unknown", "reason": f"pid={os.getpid()}"}
        if "HOG" in query.smtlib:
            return MemoryHog().solve(query, timeout)
        if "STRATEGY" in query.smtlib:
            return EchoStrategy().solve(query, timeout)
        if "STRAYPIN" in query.smtlib:  # a stray line that looks like another query's pinned answer
            sys.stdout.write(json.dumps({"status": "sat", "model": {"z": "5"}, "pinned": True, "pin": ["z", "5"]}) + "\n")
            sys.stdout.flush()
        if "PIN" in query.smtlib:  # x = 2 is the only solution: sat, and unsat with x != 2
            return {"status": "unsat"} if "(not (= x" in query.smtlib else {"status": "sat", "model": {"x": "2"}}
        return {"status": "unsat"}

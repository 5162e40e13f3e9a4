"""Whole-or-nothing file output: write a temporary file, then rename it (a device or a
pipe, which a rename would replace, is written into instead)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nnsolve.errors import InputError


WRITABLE = "a file path in a folder you can write to (missing folders are created)"


def write_atomic(path: str | Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path``: readers see the old file or the new one, never a part.
    A path that cannot be written (a folder, a read-only or virtual file system, a full
    disk) raises :class:`~nnsolve.errors.InputError`, and nothing is left behind.

    >>> import tempfile
    >>> try:
    ...     write_atomic(tempfile.gettempdir(), "x")
    ... except InputError as e:
    ...     print(e.problem)
    cannot write: it is a folder
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(str(path), None, None, "cannot write: it is a folder", WRITABLE)
    try:
        if path.exists() and not path.is_file():
            # a device, pipe or terminal (-o /dev/stdout): written into, never replaced by
            # a rename (as root that would swap /dev/null for a plain file)
            with open(path, **_mode(text)) as fh:
                fh.write(text)
            return
        _write(path, text)
    except BrokenPipeError:
        raise  # the reader left (-o /dev/stdout | head): not the path's fault
    except OSError as exc:
        raise InputError(str(path), None, None, f"cannot write ({exc.strerror or exc})", WRITABLE) from exc


def _mode(text: str | bytes) -> dict:
    """open()'s mode (and encoding) for writing ``text``."""
    return {"mode": "wb"} if isinstance(text, bytes) else {"mode": "w", "encoding": "utf-8"}


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file 0600; give it the mode an ordinary open() would
    umask = os.umask(0)
    os.umask(umask)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, **_mode(text)) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise

"""Input errors: one clear line that names the file, the line, the term and the fix."""

from __future__ import annotations


class InputError(Exception):
    """Bad user input.  ``str(error)`` is the single line shown to the user.

    >>> str(InputError("f.smt2", 3, "(or a b)", "operator 'or' is not allowed", "(= z (+ x y))"))
    "f.smt2:3: operator 'or' is not allowed: (or a b); allowed: (= z (+ x y))"
    """

    def __init__(self, file: str, line: int | None, term: str | None, problem: str,
                 allowed: str | None = None) -> None:
        self.file, self.line, self.term = file, line, term
        self.problem, self.allowed = problem, allowed
        super().__init__(self.message())

    def message(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else f"{self.file}"
        text = f"{where}: {self.problem}"
        if self.term:
            term = " ".join(self.term.split())
            text += f": {term if len(term) <= 120 else term[:117] + '...'}"
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return text

    def __str__(self) -> str:
        return self.message()

    def __reduce__(self):
        # picklable, so that a worker process can report bad input to its pool
        return (InputError, (self.file, self.line, self.term, self.problem, self.allowed))

"""A small S-expression reader that remembers lines, for error messages.

pysmt does the typed reading of SMT-LIB; this reader runs first so that
structural problems (unbalanced parentheses, binary garbage, unknown commands,
forbidden operators) are reported with the line they occur on.

>>> [str(e) for e in read_sexps("(a (b c))\\n; note\\n(d |x y|)")]
['(a (b c))', '(d |x y|)']
>>> try:
...     read_sexps("(a)\\n(b")
... except SexpError as e:
...     print(e.line, e)
2 unbalanced parentheses: '(' is never closed
"""

from __future__ import annotations

from dataclasses import dataclass


class SexpError(ValueError):
    def __init__(self, line: int, problem: str, term: str | None = None) -> None:
        super().__init__(problem)
        self.line, self.problem, self.term = line, problem, term


@dataclass(frozen=True)
class Atom:
    text: str       # symbol name without |quotes|, or literal text
    line: int
    quoted: bool = False

    def __str__(self) -> str:
        return f"|{self.text}|" if self.quoted else self.text


@dataclass(frozen=True)
class SList:
    items: tuple["Sexp", ...]
    line: int

    def __str__(self) -> str:
        # without recursion: a file may nest terms thousands deep
        out: list[str] = []
        stack: list[Sexp | str] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, Atom):
                out.append(str(node))
            else:
                out.append("(")
                stack.append(")")
                for k in range(len(node.items) - 1, -1, -1):
                    stack.append(node.items[k])
                    if k:
                        stack.append(" ")
        return "".join(out)


Sexp = Atom | SList


def read_sexps(text: str) -> list[Sexp]:
    """Read all top-level S-expressions; raise SexpError with a line number."""
    stack: list[tuple[int, list[Sexp]]] = []
    top: list[Sexp] = []
    i, n, line = 0, len(text), 1

    def emit(item: Sexp) -> None:
        (stack[-1][1] if stack else top).append(item)

    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif ch in " \t\r\f":
            i += 1
        elif ch == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif ch == "(":
            stack.append((line, []))
            i += 1
        elif ch == ")":
            if not stack:
                raise SexpError(line, "unbalanced parentheses: ')' without a matching '('", ")")
            start, items = stack.pop()
            emit(SList(tuple(items), start))
            i += 1
        elif ch == "|":
            j = text.find("|", i + 1)
            if j < 0:
                raise SexpError(line, "unterminated quoted symbol", text[i:i + 20])
            emit(Atom(text[i + 1:j], line, quoted=True))
            line += text.count("\n", i, j)
            i = j + 1
        elif ch == '"':
            j = i + 1
            while True:
                j = text.find('"', j)
                if j < 0:
                    raise SexpError(line, "unterminated string literal", text[i:i + 20])
                if j + 1 < n and text[j + 1] == '"':  # "" escapes a quote
                    j += 2
                    continue
                break
            emit(Atom(text[i:j + 1], line))
            line += text.count("\n", i, j)
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in ' \t\r\n\f();|"':
                j += 1
            token = text[i:j]
            if not token.isprintable():
                raise SexpError(line, "non-printable characters (binary data?)", repr(token[:20]))
            emit(Atom(token, line))
            i = j
    if stack:
        raise SexpError(stack[-1][0], "unbalanced parentheses: '(' is never closed", "(")
    return top

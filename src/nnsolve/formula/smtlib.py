"""ETR-INV in SMT-LIB 2.6: a strict reader (through pysmt) and a canonical writer.

Accepted: set-logic, set-info, set-option, declare-fun / declare-const of sort
Real, assert, check-sat, get-model, exit (and the commands that only ask a solver
something, ``QUERY_COMMANDS``, which are skipped).  Each assertion is a constraint
``(= z (+ x y))`` or ``(= 1 (* x y))`` in either orientation and argument order,
or an ``(and ...)`` of such, possibly annotated ``(! ... :named n)``.  A set-logic, if
present, comes once and before any declaration, and names a logic with real arithmetic:
nonlinear (QF_NRA, ALL, ...) if the formula has inversions (``logic_allows_products``),
as cvc5 demands.  Everything else is rejected with an
:class:`~nnsolve.errors.InputError` naming the file, line and term.

>>> f = parse_smtlib("(declare-fun x () Real)(declare-fun y () Real)"
...                  "(assert (and (= (* y x) 1) (= (+ x x) y)))")
>>> f.constraints
(Inv(x='y', y='x'), Add(x='x', y='x', z='y'))
>>> print(to_smtlib(f))
(set-info :smt-lib-version 2.6)
(set-logic QF_NRA)
(declare-fun x () Real)
(declare-fun y () Real)
(assert (= (* y x) 1))
(assert (= y (+ x x)))
(check-sat)
(exit)
<BLANKLINE>
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from pysmt.environment import Environment
from pysmt.exceptions import PysmtException
from pysmt.smtlib.parser import SmtLibParser

from nnsolve.errors import InputError
from nnsolve.terms import THEORY_SYMBOLS, UNDECLARABLE, is_numeral, quote_symbol
from nnsolve.formula.model import Add, Constraint, Formula, Inv
from nnsolve.formula.sexp import Atom, SexpError, SList, Sexp, read_sexps

ALLOWED_FORMS = ("(= z (+ x y)) or (= 1 (* x y)) over declared Real variables, "
                 "either side first, optionally inside (and ...)")
ALLOWED_COMMANDS = ("set-logic", "set-info", "set-option", "declare-fun", "declare-const",
                    "assert", "check-sat", "get-model", "exit")
#: commands that ask a solver something and leave the asserted formula as it is: read
#: and skipped (a benchmark file often ends with them)
QUERY_COMMANDS = ("get-info", "get-option", "get-value", "get-assignment", "get-assertions",
                  "get-unsat-core", "get-proof", "echo")
STATUSES = ("sat", "unsat", "promise-violated", "unknown")
#: "promise-violated" is ETR-INV's status, not SMT-LIB's: files say ``(set-info :status sat)``
#: (a real solution exists) and ``(set-info :etr-inv-status promise-violated)`` (none in the
#: box [1/2, 2]^n), so that every solver reads them; ``:status promise-violated`` alone (files
#: written before 0.1.1) is still read
ETR_INV_STATUS = ":etr-inv-status"
#: an SMT-LIB logic name: QF_ or not, the other theories' letters, then the arithmetic
#: part, whose real variants say whether products of variables are allowed (N...) or
#: not (L...)
LOGIC_NAME = re.compile(r"(?:QF_)?(?:AX|A|UF|DT|BV|FP|S|C)*(IDL|RDL|LIA|NIA|LRA|LIRA|NRA|NIRA|NRAT)?")
REAL_ARITHMETIC = ("LRA", "LIRA", "NRA", "NIRA", "NRAT")
ALLOWED_LOGICS = ("QF_NRA, or any logic with nonlinear real arithmetic (NRA, NIRA) or ALL; "
                  "QF_LRA, QF_LIRA and the like only for a formula without products")
#: commands allowed before set-logic (SMT-LIB's start mode)
BEFORE_LOGIC = ("set-info", "set-option") + QUERY_COMMANDS


def logic_allows_products(name: str) -> bool | None:
    """Whether the logic ``name`` allows ETR-INV's inversions (True), only its additions
    (False), or neither: no real arithmetic, or not a logic name (None).

    >>> [logic_allows_products(n) for n in ("QF_NRA", "ALL", "QF_UFLRA", "QF_LIA", "FOO")]
    [True, True, False, None, None]
    """
    if name == "ALL":
        return True
    match = LOGIC_NAME.fullmatch(name)
    if match is None or match.group(1) not in REAL_ARITHMETIC:
        return None
    return match.group(1).startswith("N")


def read_smtlib(path: str | Path) -> Formula:
    """Read and validate an ETR-INV file; raise InputError on any problem."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(name, None, None, f"cannot read file ({exc.strerror})") from exc
    return parse_smtlib(data, filename=name)


def parse_smtlib(data: str | bytes, filename: str = "<input>") -> Formula:
    """Parse ETR-INV SMT-LIB text (see module docstring for what is accepted)."""
    if isinstance(data, bytes):
        if b"\0" in data:
            raise InputError(filename, None, None, "binary data (NUL bytes), not SMT-LIB text",
                             "a UTF-8 SMT-LIB 2.6 script")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise InputError(filename, line, None, "not UTF-8 text (binary data?)",
                             "a UTF-8 SMT-LIB 2.6 script") from exc
    else:
        text = data
    if text.startswith("\ufeff"):  # a byte-order mark some editors write: not content
        text = text[1:]
    try:
        commands = read_sexps(text)
    except SexpError as exc:
        raise InputError(filename, exc.line, exc.term, exc.problem) from exc
    commands = _flatten_conjunctions(commands, filename)
    if not commands:
        raise InputError(filename, None, None, "empty input: no SMT-LIB commands",
                         "declare-fun/declare-const of sort Real and assert commands")
    status, source = _check_structure(commands, filename)
    commands = [c for c in commands if c.items[0].text not in QUERY_COMMANDS]
    renamed, original = _plain_names(commands)
    return _read_with_pysmt(renamed, commands, filename, status, source, original)


def _plain_names(commands: list[Sexp]) -> tuple[str, dict[str, str]]:
    """The checked commands as text for pysmt, every declared variable renamed
    ``x0, x1, ...`` in order of declaration, and the map back.  pysmt misreads some legal
    symbols: ``|1|`` as the numeral 1 where both occur, ``|)|`` as a parenthesis.  The
    structure check has already told symbols from numerals and operators (``Atom.quoted``),
    so the renaming is a bijection on the variables and changes nothing else."""
    fresh: dict[str, str] = {}
    for cmd in commands:
        if cmd.items[0].text in ("declare-fun", "declare-const"):
            fresh[cmd.items[1].text] = f"x{len(fresh)}"

    def term(node: Sexp, head: bool = False) -> str:
        if isinstance(node, SList):
            return "(" + " ".join(term(item, i == 0) for i, item in enumerate(node.items)) + ")"
        if not head and _is_symbol(node) and node.text in fresh:
            return fresh[node.text]
        return str(node)

    lines = []
    for cmd in commands:
        head = cmd.items[0].text
        if head == "declare-fun":
            lines.append(f"(declare-fun {fresh[cmd.items[1].text]} () Real)")
        elif head == "declare-const":
            lines.append(f"(declare-const {fresh[cmd.items[1].text]} Real)")
        elif head == "assert":
            lines.append(f"(assert {term(cmd.items[1])})")
        elif head == "set-logic":
            continue  # checked already; pysmt warns on names it lacks, ALL among them
        else:
            lines.append(str(cmd))
    return "\n".join(lines), {new: old for old, new in fresh.items()}


def _fail(filename: str, node: Sexp, problem: str, allowed: str | None = ALLOWED_FORMS):
    raise InputError(filename, node.line, str(node), problem, allowed)


def _is_and(node: Sexp) -> bool:
    return isinstance(node, SList) and bool(node.items) and _is_op(node.items[0], "and")


def _is_annotation(node: Sexp) -> bool:
    return isinstance(node, SList) and len(node.items) >= 2 and _is_op(node.items[0], "!")


def _flatten_conjunctions(commands: list[Sexp], filename: str) -> list[Sexp]:
    """Each ``(assert (and A B ...))`` as the asserts of its conjuncts, nested ``and`` s
    included, in order and without recursion (a generated file may nest thousands deep).
    A conjunction holds iff each conjunct does, so the formula is the same; each conjunct
    keeps its own line for error messages.  Annotations ``(! t :named n)`` are read as t
    (SMT-LIB: an annotation does not change the term's meaning).  Anything else is left
    for the checks after.

    >>> [str(c) for c in _flatten_conjunctions(read_sexps("(assert (and a (and b c)))"), "f")]
    ['(assert a)', '(assert b)', '(assert c)']
    """
    out: list[Sexp] = []
    for cmd in commands:
        if not (isinstance(cmd, SList) and len(cmd.items) == 2 and _is_op(cmd.items[0], "assert")
                and (_is_and(cmd.items[1]) or _is_annotation(cmd.items[1]))):
            out.append(cmd)
            continue
        stack = [cmd.items[1]]
        while stack:
            node = stack.pop()
            if _is_annotation(node):  # (! t :named n): an annotation does not change t
                stack.append(node.items[1])
            elif not _is_and(node):
                out.append(SList((cmd.items[0], node), node.line))
            elif len(node.items) < 2:
                _fail(filename, node, "empty conjunction")
            else:
                stack.extend(reversed(node.items[1:]))
    return out


def _check_structure(commands: list[Sexp], filename: str) -> tuple[str | None, str | None]:
    """Validate command shapes and assertion terms on the line-aware tree."""
    declared: set[str] = set()
    status = source = etr_inv = None
    etr_cmd: Sexp | None = None
    exited = False
    logic: Sexp | None = None  # the set-logic command, if any
    products = True  # whether the logic allows (= 1 (* x y))
    started: Sexp | None = None  # the first command that ends SMT-LIB's start mode
    checked: Sexp | None = None  # the first check-sat
    for cmd in commands:
        if not isinstance(cmd, SList) or not cmd.items or not isinstance(cmd.items[0], Atom):
            _fail(filename, cmd, "not an SMT-LIB command", ", ".join(ALLOWED_COMMANDS))
        if exited:
            # a solver stops reading at (exit): a command after it would be in our formula
            # and not in the solver's
            _fail(filename, cmd, "command after (exit)",
                  "nothing after (exit): move the command before it or delete it")
        head = cmd.items[0].text
        exited = head == "exit"
        args = cmd.items[1:]
        if head in QUERY_COMMANDS:
            continue
        if head not in BEFORE_LOGIC and head != "set-logic" and started is None:
            started = cmd
        if head not in ALLOWED_COMMANDS:
            _fail(filename, cmd, f"command '{head}' is not allowed",
                  ", ".join(ALLOWED_COMMANDS) + " (and " + ", ".join(QUERY_COMMANDS) + ", which are skipped)")
        if head in ("declare-fun", "declare-const"):
            sort = args[-1] if args else None
            if head == "declare-fun":
                shape_ok = len(args) == 3 and isinstance(args[1], SList) and not args[1].items
            else:
                shape_ok = len(args) == 2
            if not shape_ok or not isinstance(args[0], Atom):
                _fail(filename, cmd, "malformed declaration",
                      "(declare-fun x () Real) or (declare-const x Real)")
            if not (isinstance(sort, Atom) and sort.text == "Real" and not sort.quoted):
                _fail(filename, cmd, f"sort {sort} is not allowed", "variables of sort Real")
            name = args[0].text
            if name in UNDECLARABLE:
                _fail(filename, cmd, f"'{name}' cannot be declared: it is " + (
                      "a symbol of SMT-LIB's Core or Reals theory" if name in THEORY_SYMBOLS else
                      "a reserved word (z3 refuses it even quoted)"),
                      "a variable name other than " + " ".join(sorted(UNDECLARABLE)))
            if name in declared:
                _fail(filename, cmd, f"symbol '{name}' is declared twice", "one declaration per variable")
            declared.add(name)
        elif head == "set-logic":
            products = _check_logic(cmd, logic, started, filename)
            logic = cmd
        elif head == "check-sat" and checked is None:
            checked = cmd
        elif head == "assert":
            if checked is not None:
                # a solver answers the first check-sat without this assertion: the file asks
                # two questions, and nnsolve decides one formula
                _fail(filename, cmd, f"assertion after (check-sat) (line {checked.line})",
                      "one query per file: every assertion before a single (check-sat)")
            if len(args) != 1:
                _fail(filename, cmd, "assert takes exactly one term")
            if _check_term(args[0], declared, filename) == "product" and not products:
                _fail(filename, args[0], f"a product, but {logic} is a linear logic",
                      "(set-logic QF_NRA): an inversion (= 1 (* x y)) is nonlinear real arithmetic")
        elif head == "set-info" and len(args) == 2 and isinstance(args[1], Atom):
            if args[0].text == ":status":
                status = args[1].text
                if status not in STATUSES:
                    _fail(filename, cmd, f"unknown status '{status}'", ", ".join(STATUSES))
            elif args[0].text == ETR_INV_STATUS:
                etr_inv, etr_cmd = args[1].text, cmd
                if etr_inv != "promise-violated":
                    _fail(filename, cmd, f"unknown {ETR_INV_STATUS} '{etr_inv}'", "promise-violated")
            elif args[0].text == ":source":
                source = _unquote_info(args[1].text)
    if etr_inv is not None:
        if status not in (None, "sat", "promise-violated"):
            _fail(filename, etr_cmd, f"{ETR_INV_STATUS} promise-violated contradicts :status {status}",
                  "(set-info :status sat) beside it (a promise violation has a real solution)")
        status = etr_inv
    return status, source


def _check_logic(cmd: SList, logic: Sexp | None, started: Sexp | None, filename: str) -> bool:
    """Check a set-logic command as a solver would (cvc5 refuses each of these cases) and
    return whether its logic allows products."""
    args = cmd.items[1:]
    if len(args) != 1 or not isinstance(args[0], Atom):
        _fail(filename, cmd, "set-logic takes one logic name", "(set-logic QF_NRA)")
    if logic is not None:
        _fail(filename, cmd, f"a second set-logic (the first: line {logic.line})",
              "one set-logic per file")
    if started is not None:
        _fail(filename, cmd, f"set-logic after {started.items[0].text} (line {started.line})",
              "set-logic before every declaration and assertion (only set-info and "
              "set-option may come first)")
    allows = logic_allows_products(args[0].text)
    if allows is None:
        _fail(filename, cmd, f"logic {args[0].text} has no real arithmetic"
              + ("" if args[0].text not in ("", "QF_") and LOGIC_NAME.fullmatch(args[0].text)
                 else " (not an SMT-LIB logic name)"),
              ALLOWED_LOGICS)
    return allows


def _unquote_info(text: str) -> str:
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('""', '"')
    return text


def _check_term(term: Sexp, declared: set[str], filename: str) -> str:
    """Check one conjunct; return "sum" or "product"."""
    # conjunctions were split into their conjuncts before (_flatten_conjunctions)
    if not (isinstance(term, SList) and len(term.items) == 3 and _is_op(term.items[0], "=")):
        _fail(filename, term, _describe(term, declared))
    left, right = term.items[1], term.items[2]
    for side, other in ((left, right), (right, left)):
        if isinstance(other, SList) and len(other.items) == 3 and _is_op(other.items[0], "+"):
            _check_var(side, declared, filename, term)
            for v in other.items[1:]:
                _check_var(v, declared, filename, term)
            return "sum"
        if isinstance(other, SList) and len(other.items) == 3 and _is_op(other.items[0], "*"):
            if not _is_one(side):
                _fail(filename, side if isinstance(side, Atom) else term,
                      "a product must equal the constant 1")
            for v in other.items[1:]:
                _check_var(v, declared, filename, term)
            return "product"
    _fail(filename, term, _describe(term, declared))


def _describe(term: Sexp, declared: set[str]) -> str:
    """Name what is wrong with an unsupported term, as precisely as possible."""
    for node in _walk(term):
        if isinstance(node, SList) and node.items and isinstance(node.items[0], Atom):
            op = node.items[0].text
            if op in ("or", "not", "=>", "xor", "ite", "distinct", "forall", "exists", "let", "!"):
                kind = {"forall": "quantifier", "exists": "quantifier", "or": "disjunction",
                        "not": "negation"}.get(op, "operator")
                return f"{kind} '{op}' is not allowed"
            if op not in ("and", "=", "+", "*"):
                return f"operator '{op}' is not allowed"
        if isinstance(node, Atom) and not node.quoted and is_numeral(node.text) and not _is_one(node):
            return f"constant {node.text} is not allowed (only the 1 of an inversion)"
        if isinstance(node, Atom) and _is_symbol(node) and node.text not in declared \
                and node.text not in ("and", "=", "+", "*", "true", "false"):
            return f"undeclared symbol '{node.text}'"
        if isinstance(node, Atom) and node.text in ("true", "false"):
            return f"Boolean constant '{node.text}' is not allowed"
    return "unsupported constraint"


def _walk(term: Sexp):
    """Every node of ``term``, parents first, without recursion."""
    stack = [term]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, SList):
            stack.extend(reversed(node.items))


def _is_op(node: Sexp, op: str) -> bool:
    return isinstance(node, Atom) and not node.quoted and node.text == op


def _is_one(node: Sexp) -> bool:
    return isinstance(node, Atom) and not node.quoted and bool(re.fullmatch(r"1(\.0+)?", node.text))


def _is_symbol(node: Atom) -> bool:
    return node.quoted or not (is_numeral(node.text) or node.text.startswith((":", '"')))


def _check_var(node: Sexp, declared: set[str], filename: str, context: Sexp) -> None:
    if isinstance(node, Atom) and _is_symbol(node) and node.text in declared:
        return
    if isinstance(node, Atom) and _is_symbol(node):
        _fail(filename, node, f"undeclared symbol '{node.text}'", "symbols declared with declare-fun or declare-const")
    if isinstance(node, Atom) and is_numeral(node.text):
        _fail(filename, node, f"constant {node.text} is not allowed here (only the 1 of an inversion)")
    _fail(filename, node if isinstance(node, Atom) else context, _describe(node, declared))


def _read_with_pysmt(text: str, commands: list[Sexp], filename: str,
                     status: str | None, source: str | None, original: dict[str, str]) -> Formula:
    """Typed reading by pysmt, in a fresh environment (no shared state); ``text`` has the
    variables renamed (:func:`_plain_names`), ``original`` maps them back."""
    env = Environment()
    parser = SmtLibParser(environment=env)
    variables: list[str] = []
    constraints: list[Constraint] = []
    index = -1  # of the last command read: the one after it is where pysmt stopped
    try:
        for index, cmd in enumerate(parser.get_command_generator(io.StringIO(text))):
            if cmd.name in ("declare-fun", "declare-const"):
                variables.append(original[cmd.args[0].symbol_name()])
            elif cmd.name == "assert":
                _collect(cmd.args[0], constraints, filename, commands[index], original)
    except InputError:
        raise
    except (PysmtException, NotImplementedError, AttributeError, KeyError, ValueError,
            TypeError, AssertionError) as exc:
        where = commands[min(index + 1, len(commands) - 1)]
        raise InputError(filename, where.line, str(where), f"SMT-LIB error ({exc})",
                         ALLOWED_FORMS) from exc
    try:
        return Formula(tuple(variables), tuple(constraints), status=status, source=source)
    except ValueError as exc:  # pragma: no cover - structure check catches these first
        raise InputError(filename, None, None, str(exc)) from exc


def _collect(node, out: list[Constraint], filename: str, where: Sexp, original: dict[str, str]) -> None:
    # one constraint per assertion: conjunctions were split before (_flatten_conjunctions)
    if node.is_equals():
        left, right = node.args()
        for side, other in ((left, right), (right, left)):
            if other.is_plus() and side.is_symbol() and len(other.args()) == 2 \
                    and all(a.is_symbol() for a in other.args()):
                a, b = other.args()
                out.append(Add(original[a.symbol_name()], original[b.symbol_name()], original[side.symbol_name()]))
                return
            if other.is_times() and side.is_constant() and side.constant_value() == 1 \
                    and len(other.args()) == 2 and all(a.is_symbol() for a in other.args()):
                a, b = other.args()
                out.append(Inv(original[a.symbol_name()], original[b.symbol_name()]))
                return
    raise InputError(filename, where.line, str(where), "unsupported constraint", ALLOWED_FORMS)


# -- writer ------------------------------------------------------------------------

def _info_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def to_smtlib(formula: Formula) -> str:
    """Deterministic canonical SMT-LIB 2.6 text for a formula."""
    out = ["(set-info :smt-lib-version 2.6)", "(set-logic QF_NRA)"]
    if formula.source is not None:
        out.append(f"(set-info :source {_info_string(formula.source)})")
    if formula.status == "promise-violated":
        out += ["(set-info :status sat)", f"(set-info {ETR_INV_STATUS} promise-violated)"]
    elif formula.status is not None:
        out.append(f"(set-info :status {formula.status})")
    out += [f"(declare-fun {quote_symbol(v)} () Real)" for v in formula.variables]
    for c in formula.constraints:
        if isinstance(c, Add):
            out.append(f"(assert (= {quote_symbol(c.z)} (+ {quote_symbol(c.x)} {quote_symbol(c.y)})))")
        else:
            out.append(f"(assert (= (* {quote_symbol(c.x)} {quote_symbol(c.y)}) 1))")
    out += ["(check-sat)", "(exit)"]
    return "\n".join(out) + "\n"

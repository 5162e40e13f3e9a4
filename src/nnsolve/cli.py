"""The nnsolve command line: parse arguments, call the library, format results.

Exit codes: 0 decided, 2 bad input, 3 unknown (see each command's --help).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback

from nnsolve import __version__
from nnsolve.encodings import ENCODINGS
from nnsolve.errors import InputError
from nnsolve.solvers import SOLVERS

EXIT_OK, EXIT_BAD_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 2, 3, 70

MAIN_HELP = """\
nnsolve makes executable the reduction of Bertschinger, Hertrich, Jungeblut,
Miltzow and Weber (NeurIPS 2023) from ETR-INV to exact training of a 2-input,
2-output one-hidden-layer ReLU network, and cross-checks both sides with SMT
solvers.  Every sat answer is verified with exact arithmetic before it is
reported.

examples:
  nnsolve solve instances/tier1/golden_ratio.smt2
  nnsolve solve instances/tier1/sqrt2.smt2 --solver cvc5 --json
  nnsolve encode examples/planted_1x6.json --encoding symmetry -o query.smt2
  nnsolve train examples/planted_1x6.json --solver cvc5 -o network.json
"""

SOLVE_HELP = """\
Decide an ETR-INV formula: a conjunction of (= z (+ x y)) and (= 1 (* x y))
over Real variables, in SMT-LIB 2.6.

statuses:
  sat               a solution in [1/2, 2]^n exists; the exact model is shown
  unsat             no real solution exists
  promise-violated  a real solution exists, but none in [1/2, 2]^n
  unknown           the solver gave up (timeout, memory, crash); reason shown

Irrational values are real algebraic numbers: the unique root of an integer
polynomial in a rational interval; in --json they are written
{"poly": [coefficients, highest degree first], "interval": ["p/q", "p/q"]}.

exit codes: 0 decided, 3 unknown, 2 bad input.
"""


def _add_solver_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--solver", default="z3", choices=sorted(SOLVERS),
                   help="SMT solver (default: z3). yices cannot print irrational models exactly")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="wall-clock limit per solver query in seconds (default: 60)")
    p.add_argument("--memory", type=int, default=4096, metavar="MB",
                   help="memory limit per solver process in MiB (default: 4096)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnsolve", description=MAIN_HELP,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"nnsolve {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log progress to stderr")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    solve = sub.add_parser("solve", help="decide an ETR-INV formula (SMT-LIB)", description=SOLVE_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    solve.add_argument("file", help="ETR-INV formula in SMT-LIB 2.6")
    _add_solver_options(solve)
    solve.set_defaults(run=cmd_solve)

    encode = sub.add_parser("encode", help="write the SMT-LIB query of a training instance",
                            description=ENCODE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    encode.add_argument("file", help="training instance (nnsolve-training/1 JSON)")
    encode.add_argument("--encoding", default="symmetry", choices=ENCODING_NAMES,
                        help="which encoding (default: symmetry)")
    encode.add_argument("-o", "--output", required=True, metavar="OUT.smt2", help="where to write the query")
    encode.set_defaults(run=cmd_encode)

    train = sub.add_parser("train", help="decide whether a network fits a training instance",
                           description=TRAIN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("file", help="training instance (nnsolve-training/1 JSON)")
    train.add_argument("--encoding", default="symmetry", choices=ENCODING_NAMES,
                       help="which encoding the solver gets (default: symmetry)")
    train.add_argument("-o", "--output", metavar="NETWORK.json", help="write the fitted network here (when sat)")
    _add_solver_options(train)
    train.set_defaults(run=cmd_train)

    export = sub.add_parser("export-csv", help="write a training instance's points as CSV for ML tools")
    export.add_argument("file", help="training instance (nnsolve-training/1 JSON)")
    export.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    export.set_defaults(run=cmd_export_csv)
    return parser


ENCODING_NAMES = tuple(ENCODINGS)

ENCODE_HELP = """\
Write "some network with the instance's hidden width fits these points" as an
SMT-LIB 2.6 QF_NRA query.  Encodings (arguments in docs/encodings.md):

  direct      ReLU as a disjunction with an auxiliary real per (point, neuron)
  direct-ite  ReLU as (ite (>= z 0) z 0), no auxiliaries
  normalized  direct + each neuron's first nonzero output weight is 1 or -1
  symmetry    normalized + neurons ordered by (a_1, b)

All four are equisatisfiable with the training question.
"""

TRAIN_HELP = """\
Decide a training instance: does a one-hidden-layer ReLU network with the
given hidden width meet the target error?  A sat answer is decoded into a
network and checked exactly (exact_fit) before it is reported.

exit codes: 0 decided (sat/unsat), 3 unknown, 2 bad input.
"""


def cmd_encode(args: argparse.Namespace) -> int:
    from nnsolve.encodings import to_smtlib
    from nnsolve.files import write_atomic
    from nnsolve.training import read_instance

    instance = read_instance(args.file)
    write_atomic(args.output, to_smtlib(instance, args.encoding, source=f"from {args.file}"))
    print(f"wrote {args.output} ({args.encoding}, {len(instance.points)} points, {instance.hidden} neurons)")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from nnsolve.decision.training import decide_training
    from nnsolve.files import write_atomic
    from nnsolve.numbers import to_json
    from nnsolve.solvers import UNKNOWN, Limits, get_solver
    from nnsolve.training import network_to_json, read_instance

    instance = read_instance(args.file)
    result = decide_training(instance, get_solver(args.solver), args.encoding,
                             Limits(args.timeout, args.memory))
    if result.network is not None and args.output:
        write_atomic(args.output, network_to_json(result.network))
    if args.json:
        out = {"status": result.status, "method": result.method, "solver": result.solver,
               "seconds": round(result.seconds, 3), "hidden": instance.hidden, "points": len(instance.points)}
        if result.reason:
            out["reason"] = result.reason
        if result.network is not None:
            import json as _json
            out["network"] = _json.loads(network_to_json(result.network))
        print(json.dumps(out))
    else:
        print(f"instance  {args.file} ({len(instance.points)} points, {instance.hidden} hidden neurons, "
              f"target error {to_json(instance.target_error)})")
        print(f"status    {result.status}  ({result.method}, {result.solver}, {result.seconds:.2f} s)")
        if result.reason:
            print(f"reason    {result.reason}")
        if result.network is not None:
            print("network   fits (checked exactly)" + (f", written to {args.output}" if args.output else ""))
    return EXIT_UNKNOWN if result.status == UNKNOWN else EXIT_OK


def cmd_export_csv(args: argparse.Namespace) -> int:
    from nnsolve.files import write_atomic
    from nnsolve.training import points_to_csv, read_instance

    instance = read_instance(args.file)
    write_atomic(args.output, points_to_csv(instance))
    print(f"wrote {args.output} ({len(instance.points)} points)")
    return EXIT_OK


def cmd_solve(args: argparse.Namespace) -> int:
    from nnsolve.decision.etr import decide_etr
    from nnsolve.format import number_text
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.numbers import to_json
    from nnsolve.solvers import UNKNOWN, Limits, get_solver

    formula = read_smtlib(args.file)
    result = decide_etr(formula, get_solver(args.solver), Limits(args.timeout, args.memory))
    model = result.model if result.status in ("sat", "promise-violated") else None
    if args.json:
        out = {"status": result.status, "solver": result.solver, "seconds": round(result.seconds, 3),
               "model": None if model is None else {v: to_json(model[v]) for v in formula.variables}}
        if result.reason:
            out["reason"] = result.reason
        print(json.dumps(out))
    else:
        print(f"instance  {args.file} ({len(formula.variables)} variables, "
              f"{len(formula.constraints)} constraints)")
        print(f"status    {result.status}  ({result.solver}, {result.seconds:.2f} s)")
        if result.reason:
            print(f"reason    {result.reason}")
        if model is not None:
            width = max((len(v) for v in formula.variables), default=0)
            print("model     (checked exactly)")
            for v in formula.variables:
                print(f"  {v.ljust(width)} = {number_text(model[v])}")
    return EXIT_UNKNOWN if result.status == UNKNOWN else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="nnsolve: %(message)s", stream=sys.stderr)
    try:
        return args.run(args)
    except InputError as exc:
        print(f"nnsolve: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("nnsolve: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # pragma: no cover - a bug; say so in one line
        if args.debug:
            traceback.print_exc()
        print(f"nnsolve: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

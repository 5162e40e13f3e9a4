"""The nnsolve command line: parse arguments, call the library, format results.

Exit codes: 0 decided, 2 bad input, 3 unknown (see each command's --help).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import traceback
from fractions import Fraction

from nnsolve import __version__
from nnsolve.encodings import ENCODINGS
from nnsolve.errors import InputError
from nnsolve.formula.generate import FAMILIES
from nnsolve.solvers import SOLVER_NAMES, SOLVERS
from nnsolve.training.instance import MAX_WORK

EXIT_OK, EXIT_BAD_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 2, 3, 70
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool its reader left

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
  nnsolve check instances/tier1/golden_ratio.smt2 --json
  nnsolve plot instances/tier1/self_inverse.smt2 --witness forward -o x.png
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


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):  # nan > 0 is false, inf overflows a time limit
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def _date_stamp(text: str) -> str:
    import datetime
    try:
        datetime.datetime.strptime(text, "%Y%m%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYYMMDD (for example 20261128)") from None
    if len(text) != 8:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYYMMDD (for example 20261128)")
    return text


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _parsers(text: str) -> str:
    names = [p for p in text.split(",") if p]  # empty: no parser (headers, manifest, witnesses only)
    unknown = sorted(set(names) - {"z3", "cvc5", "yices"})
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown parser {', '.join(unknown)}; "
                                         "allowed: z3, cvc5, yices (comma-separated; empty for none)")
    return text


#: what --timeout bounds, per command (the training side runs as one bounded decision)
TIMEOUT_MEANS = {
    "per-query": "wall-clock limit per solver query in seconds",
    "training": "wall-clock limit of the whole training decision in seconds",
    "both": "wall-clock limit in seconds of each ETR-side solver query and of the whole "
            "training side (its decision runs in one child process)",
}


def _add_solver_options(p: argparse.ArgumentParser, portfolio: bool = False, timeout: float = 60.0,
                        solver_help: str = "SMT solver (default: z3)", bounds: str = "per-query") -> None:
    p.add_argument("--solver", default="z3", choices=SOLVER_NAMES if portfolio else sorted(SOLVERS),
                   help=solver_help)
    p.add_argument("--timeout", type=_positive(float), default=timeout, metavar="S",
                   help=f"{TIMEOUT_MEANS[bounds]} (default: {timeout:g})")
    p.add_argument("--memory", type=_positive(int), default=4096, metavar="MB",
                   help="memory limit in MiB (default: 4096): each solver process's, and the training "
                        "side's whole process tree (the check process, the decision and its solvers, "
                        "PSS sum; the largest solver is stopped past it, its query unknown)")
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
    _add_solver_options(solve, solver_help="SMT solver (default: z3); yices cannot print irrational models exactly")
    solve.set_defaults(run=cmd_solve)

    check = sub.add_parser("check", help="cross-check a formula against its training instance",
                           description=CHECK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("file", help="ETR-INV formula in SMT-LIB 2.6")
    _add_solver_options(check, portfolio=True, bounds="both",
                        solver_help="SMT solver for both sides (default: z3; portfolio runs z3, cvc5, yices at once)")
    check.add_argument("--method", "--encoding", dest="encoding", default="structured", choices=METHOD_NAMES,
                       help="how the training side is decided when no certificate exists: structured (line "
                            "counting, chain decomposition, float-guided exact patterns, then the symmetry "
                            "encoding) or one baseline encoding (default: structured; docs/solving.md)")
    check.add_argument("--max-work", type=int, default=MAX_WORK, metavar="N",
                       help="largest points x neurons handed to a baseline encoding (and to the structured "
                            "method's pattern and symmetry stages); line counting, the chain decomposition "
                            "and certificates run at any size (default: %(default)s)")
    check.add_argument("--blind", action="store_true",
                       help="decide the training side from the training instance alone (no ETR model, no "
                            "forward certificate), so the two verdicts are independent; for a sat formula the "
                            "report also says whether the forward certificate agrees")
    check.add_argument("--emit", metavar="DIR", help="write etr.smt2, training.json, training.smt2, "
                       "witness.json and report.json here")
    check.set_defaults(run=cmd_check)

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
    train.add_argument("--method", "--encoding", dest="encoding", default="structured", choices=METHOD_NAMES,
                       help="structured (default: line counting, chain decomposition, float-guided exact patterns, "
                            "then the symmetry encoding; docs/solving.md) or one baseline encoding handed to the "
                            "solver")
    train.add_argument("-o", "--output", metavar="NETWORK.json", help="write the fitted network here (when sat)")
    _add_solver_options(train, bounds="training")
    train.set_defaults(run=cmd_train)

    reduce = sub.add_parser("reduce", help="build the training instance of the reduction",
                            description=REDUCE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    reduce.add_argument("file", help="ETR-INV formula in SMT-LIB 2.6")
    reduce.add_argument("-o", "--output", required=True, metavar="TRAINING.json", help="where to write the instance")
    reduce.add_argument("--witness", metavar="NETWORK.json",
                        help="also decide the formula and, if sat, write the forward witness network here")
    _add_solver_options(reduce)
    reduce.set_defaults(run=cmd_reduce)

    extract = sub.add_parser("extract", help="read a solution off a network (backward map)",
                             description=EXTRACT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    extract.add_argument("file", help="ETR-INV formula in SMT-LIB 2.6")
    extract.add_argument("network", help="network (nnsolve-network/1 JSON) for the formula's training instance")
    extract.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    extract.set_defaults(run=cmd_extract)

    verify = sub.add_parser("verify-gadgets", help="prove the gadget lemmas with an SMT solver",
                            description=VERIFY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_solver_options(verify, timeout=300.0)
    verify.add_argument("--jobs", type=int, default=2, help="queries at a time (default: 2)")
    verify.add_argument("--lemma", action="append", metavar="NAME", help="only this lemma (repeatable)")
    verify.set_defaults(run=cmd_verify_gadgets)

    corpus = sub.add_parser("corpus", help="run the cross-check over a corpus of instances",
                            description=CORPUS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus.add_argument("folder", nargs="?", default="instances", help="corpus folder (default: instances)")
    corpus.add_argument("--tier", type=int, action="append", metavar="N", help="only tier N (repeatable)")
    corpus.add_argument("--jobs", type=int, default=2, help="instances checked at a time (default: 2)")
    _add_solver_options(corpus, portfolio=True, bounds="both")
    corpus.add_argument("--max-work", type=int, default=MAX_WORK, metavar="N",
                        help="largest points x neurons handed to a baseline encoding (and to the structured "
                             "method's pattern and symmetry stages); the rest runs at any size (default: "
                             "%(default)s)")
    corpus.add_argument("--results", metavar="FILE",
                        help="JSON-lines record used to resume (default: FOLDER/.corpus-results.jsonl)")
    corpus.add_argument("--fresh", action="store_true", help="ignore recorded results and start over")
    corpus.add_argument("--scheduler", metavar="ADDRESS",
                        help="run the checks on the Dask distributed cluster whose scheduler is at ADDRESS "
                             "(tcp://host:8786; needs pip install 'nnsolve[cluster]'); default: a local "
                             "process pool of --jobs workers")
    corpus.add_argument("--blind", action="store_true",
                        help="decide every training side from the instance alone (see nnsolve check --help)")
    corpus.set_defaults(run=cmd_corpus)

    encodings = sub.add_parser("encodings", help="regenerate (or --check) the certified SMT-LIB files",
                               description=ENCODINGS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    encodings.add_argument("folder", nargs="?", default="instances", help="corpus folder (default: instances)")
    encodings.add_argument("-o", "--output", default="encodings", help="where the files go (default: encodings)")
    encodings.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    encodings.set_defaults(run=cmd_encodings)

    family = sub.add_parser("family", help="generate (or --check) the certified SMT-LIB benchmark family",
                            description=FAMILY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    family.add_argument("-o", "--output", default="encodings", help="root of the layout (default: encodings)")
    family.add_argument("--seed", type=int, default=1, help="seed (default: 1)")
    family.add_argument("--date", type=_date_stamp, default="20261128",
                        help="the family's date stamp YYYYMMDD (default: 20261128)")
    family.add_argument("--jobs", type=_positive(int), default=2, help="certification processes (default: 2)")
    family.add_argument("--timeout", type=_positive(float), default=60.0,
                        help="seconds per certification route (default: 60)")
    family.add_argument("--check", action="store_true", help="only validate the family in OUTPUT (exit 1 if invalid)")
    family.add_argument("--witnesses", type=_non_negative_int, default=None,
                        help="with --check: re-check this many recorded sat witnesses (default: all)")
    family.add_argument("--parsers", type=_parsers, default="z3,cvc5,yices",
                        help="with --check: parsers to run, comma-separated from z3, cvc5, yices; "
                             "empty for none (default: all three)")
    family.set_defaults(run=cmd_family)

    gen = sub.add_parser("gen", help="generate a seeded ETR-INV formula with known status",
                         description=GEN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    gen.add_argument("--constraints", type=int, help="number of constraints (>= 1), for one formula")
    gen.add_argument("--seed", type=int, default=0, help="seed (with --corpus: of the first formula)")
    gen.add_argument("--family", choices=FAMILIES, default="sat", help="which family (default: sat)")
    gen.add_argument("--unsat", action="store_true", help="same as --family unsat")
    gen.add_argument("-o", "--output", metavar="FILE.smt2", help="where to write one formula")
    gen.add_argument("--corpus", metavar="DIR", help="write a corpus instead: --count formulas in DIR/tierN/")
    gen.add_argument("--count", type=_positive(int), default=10, help="formulas in the corpus (default: 10)")
    gen.add_argument("--sizes", default="10,30,100", metavar="N,N,..",
                     help="constraint counts the corpus cycles through (default: 10,30,100)")
    gen.add_argument("--families", default=",".join(FAMILIES), metavar="F,F,..",
                     help=f"families the corpus cycles through (default: all: {','.join(FAMILIES)})")
    gen.add_argument("--irrational", type=int, metavar="DEGREE", default=None,
                     help="plant a solution with algebraic values of this degree (2, 3 or products of "
                          "them, e.g. 4, 6, 8); every box solution then has such values")
    gen.set_defaults(run=cmd_gen)

    plot = sub.add_parser("plot", help="draw an instance, a gadget's profiles, a witness's breaklines",
                          description=PLOT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    plot.add_argument("file", nargs="?", metavar="INPUT",
                      help="ETR-INV formula (.smt2: the reduction's instance with its stripes) "
                           "or training instance (.json: points only)")
    plot.add_argument("--gadget", choices=("variable", "bridge", "inversion"),
                      help="draw this gadget's 1D profiles instead of an instance")
    plot.add_argument("--values", default="1/2,1,2", metavar="V,V,..",
                      help="encoded values for --gadget, each in [1/2, 2] (default: 1/2,1,2)")
    plot.add_argument("-o", dest="image", required=True, metavar="FILE.png|FILE.svg|FILE.pdf",
                      help="image file; the format follows the suffix")
    plot.add_argument("--witness", metavar="NETWORK.json|forward",
                      help="draw this network's breaklines (one per neuron); 'forward' decides the formula "
                           "and draws the forward map's witness")
    plot.add_argument("--output", "--outputs", dest="which", choices=("1", "2", "both"), default="both",
                      help="colour the points by the label of output 1, output 2, or both side by side "
                           "(default: both)")
    plot.add_argument("--clusters", type=_positive(int), default=6, metavar="N",
                      help="draw at most N clusters (one per variable and per constraint; default: 6)")
    plot.add_argument("--dpi", type=_positive(int), default=100, help="pixels per inch (default: 100)")
    _add_solver_options(plot, timeout=60.0, solver_help="solver for --witness forward (default: z3)")
    plot.set_defaults(run=cmd_plot)

    export = sub.add_parser("export-csv", help="write a training instance's points as CSV for ML tools")
    export.add_argument("file", help="training instance (nnsolve-training/1 JSON)")
    export.add_argument("-o", "--output", required=True, metavar="OUT.csv")
    export.set_defaults(run=cmd_export_csv)
    return parser


ENCODING_NAMES = tuple(ENCODINGS)
METHOD_NAMES = ("structured",) + ENCODING_NAMES

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

--timeout bounds the whole decision (every stage, solver or not): it runs in a
child process that is killed at the limit, and the answer is then unknown
with the stage that ran out; the report lists each stage's time.  Before any
search: two points with the same input and different labels are unsat; a
width >= distinct inputs - 1 is sat (an interpolating network, checked).

methods (--method; the report names the stage that decided):
  structured   the default, in stages (docs/solving.md):
               line-count  a data line needing more kinks than there are
                           neurons proves unsat (kink counts proven by exact
                           elimination and QF_LRA)
               chains      three or more parallel lines that need exactly m
                           kinks split the neurons into chains; exact kink
                           windows and elimination leave a small QF_NRA
                           residual (sat and unsat; decides reduction outputs)
               pattern     float gradient descent guesses activation patterns;
                           each is decided by an exact pattern-fixed query
               smt-symmetry  the symmetry encoding with the time left
  direct, direct-ite, normalized, symmetry
               one baseline encoding handed to the solver (docs/encodings.md)

exit codes: 0 decided (sat/unsat), 3 unknown, 2 bad input.
"""


CHECK_HELP = """\
The cross-check: decide the ETR-INV formula, build the training instance the
reduction produces, decide the training side, and compare.

Two modes.  By default the training side is decided by a certificate when
the formula is sat (the forward map's network, confirmed by exact_fit), else
by --method.  With --blind it is decided by --method from the training
instance alone, for sat formulas too, so a decider that cannot find fits is
noticed; the forward certificate is then only reported beside it.  --method (default
structured: line counting, chain decomposition, float-guided exact patterns,
the symmetry encoding; see nnsolve train --help).  A sat answer is confirmed
by exact_fit and read back through the backward map.  Reduction outputs have
dozens of neurons; the chain decomposition decides them (unsat formulas of
corpus tiers 1 and 2 agree in seconds).

verdicts and exit codes:
  agree             0  both sides decided, same status
  disagree          1  a bug in the reduction or a solver; files are kept
                       (--emit DIR, or nnsolve-failures/...) and the report
                       says which side to suspect
  inconclusive      3  a side is unknown (reason shown)
  promise-violated  4  the formula has real solutions but none in [1/2, 2]^n
  bad input         2
"""

EXIT_DISAGREE, EXIT_PROMISE = 1, 4


def cmd_check(args: argparse.Namespace) -> int:
    import shlex
    import time as _time
    from pathlib import Path

    from nnsolve.decision.artifacts import report_json, write_artifacts
    from nnsolve.decision.check import AGREE, DISAGREE, INCONCLUSIVE, check_formula
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.solvers import Limits, get_solver

    formula = read_smtlib(args.file)
    report = check_formula(formula, get_solver(args.solver), Limits(args.timeout, args.memory),
                           instance=args.file, encoding=args.encoding, max_work=args.max_work, blind=args.blind)
    folder = args.emit
    if report.verdict == DISAGREE and folder is None:
        folder = str(Path("nnsolve-failures") / f"{Path(args.file).stem}-{_time.strftime('%Y%m%d-%H%M%S')}")
    written = []
    if folder is not None:
        reproduce = "nnsolve check " + shlex.join([args.file, "--solver", args.solver, "--timeout",
                                                   f"{args.timeout:g}", "--method", args.encoding,
                                                   "--max-work", str(args.max_work)]
                                                 + (["--blind"] if args.blind else []))
        written = write_artifacts(report, folder, reproduce)
    if args.json:
        out = report_json(report)
        if folder is not None:
            out["emitted"] = str(folder)
        print(json.dumps(out))
    else:
        etr, tr = report.etr, report.training
        print(f"instance  {args.file} ({len(formula.variables)} variables, {len(formula.constraints)} constraints)")
        print(f"etr       {etr.status}  ({etr.solver}, {etr.seconds:.2f} s)")
        if tr is not None:
            size = f"{report.reduction.instance.hidden} neurons, {len(report.reduction.instance.points)} points"
            print(f"training  {tr.status}  ({tr.method}, {size}, {tr.seconds:.2f} s"
                  + (", blind)" if report.blind else ")"))
            if tr.stages:
                print("stages    " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in tr.stages))
        cert = report.certificate
        if cert is not None:
            agrees = {True: "agrees with the blind training side",
                      False: "DOES NOT agree with the blind training side",
                      None: "the blind training side is undecided, nothing to compare"}[report.certificate_agrees]
            print(f"certificate {cert.status} ({cert.method}, {cert.seconds:.2f} s): {agrees}"
                  + (f"; {cert.reason}" if cert.reason else ""))
        print(f"verdict   {report.verdict}")
        if report.reason:
            print(f"reason    {report.reason}")
        if report.suspect:
            print(f"suspect   {report.suspect}")
        if folder is not None:
            print(f"files     {folder}/ ({', '.join(p.name for p in written)})")
    return {AGREE: EXIT_OK, DISAGREE: EXIT_DISAGREE, INCONCLUSIVE: EXIT_UNKNOWN}.get(report.verdict, EXIT_PROMISE)


def cmd_encode(args: argparse.Namespace) -> int:
    from nnsolve.encodings import to_smtlib
    from nnsolve.files import write_atomic
    from nnsolve.training import read_instance

    instance = read_instance(args.file)
    _refuse_unencodable(instance, args.file)
    write_atomic(args.output, to_smtlib(instance, args.encoding, source=f"from {args.file}"))
    print(f"wrote {args.output} ({args.encoding}, {len(instance.points)} points, {instance.hidden} neurons)")
    return EXIT_OK


#: The largest query `nnsolve encode` writes: neurons x (points + weights per neuron) terms.
ENCODE_LIMIT = 200_000_000


def _refuse_unencodable(instance, filename: str) -> None:
    from nnsolve.training.interpolate import interpolation_width

    size = instance.hidden * (len(instance.points) + instance.inputs + instance.outputs + 1)
    if size <= ENCODE_LIMIT:
        return
    width = interpolation_width(instance)
    why = (f"; the instance is trivially sat ({instance.hidden} neurons >= {width}, the number of distinct "
           "inputs - 1; nnsolve train decides it at once)" if instance.hidden >= width else "")
    raise InputError(filename, None, "$.hidden", f"{instance.hidden} neurons x {len(instance.points)} points "
                     f"is too large to encode{why}", f"hidden x (points + inputs + outputs + 1) <= {ENCODE_LIMIT:,}")


def cmd_train(args: argparse.Namespace) -> int:
    from nnsolve.decider.bounded import decide_bounded
    from nnsolve.files import write_atomic
    from nnsolve.numbers import to_json
    from nnsolve.solvers import UNKNOWN, Limits, get_solver
    from nnsolve.training import network_to_json, read_instance

    instance = read_instance(args.file)
    result = decide_bounded(args.encoding, instance, get_solver(args.solver), Limits(args.timeout, args.memory))
    if result.network is not None and args.output:
        write_atomic(args.output, network_to_json(result.network))
    if args.json:
        out = {"status": result.status, "method": result.method, "solver": result.solver,
               "seconds": round(result.seconds, 3), "hidden": instance.hidden, "points": len(instance.points)}
        if result.reason:
            out["reason"] = result.reason
        if result.stages:
            out["stages"] = {name: seconds for name, seconds in result.stages}
        if result.network is not None:
            import json as _json
            out["network"] = _json.loads(network_to_json(result.network))
        print(json.dumps(out))
    else:
        print(f"instance  {args.file} ({len(instance.points)} points, {instance.hidden} hidden neurons, "
              f"target error {to_json(instance.target_error)})")
        print(f"status    {result.status}  ({result.method}, {result.solver}, {result.seconds:.2f} s)")
        if result.stages:
            print("stages    " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.stages))
        if result.reason:
            print(f"reason    {result.reason}")
        if result.network is not None:
            print("network   fits (checked exactly)" + (f", written to {args.output}" if args.output else ""))
    return EXIT_UNKNOWN if result.status == UNKNOWN else EXIT_OK


REDUCE_HELP = """\
Build the training instance the reduction produces from an ETR-INV formula:
2 inputs, 2 outputs, target error 0, hidden width = sum of the gadget budgets
(4 per variable gadget and bridge, 5 per inversion gadget).  Design and size
formulas: docs/reduction.md.

With --witness the formula is decided first; if it has a solution in
[1/2, 2]^n the forward map builds a network from it, exact_fit confirms that
it fits every point exactly, and the network is written.
"""

EXTRACT_HELP = """\
Backward map: read each variable's value off the network's first output on
the variable gadget's measuring line (x = f_1(t = 5) - 4) and check the values
against the formula exactly.

exit codes: 0 the values satisfy the formula, 1 they do not, 2 bad input.
"""


def cmd_reduce(args: argparse.Namespace) -> int:
    from nnsolve.decision.certificate import forward_certificate
    from nnsolve.decision.etr import decide_etr
    from nnsolve.files import write_atomic
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.reduction import reduce_formula
    from nnsolve.reduction.layout import statistics
    from nnsolve.solvers import Limits, get_solver
    from nnsolve.training import instance_to_json, network_to_json

    formula = read_smtlib(args.file)
    red = reduce_formula(formula)
    write_atomic(args.output, instance_to_json(red.instance))
    stats = statistics(red)
    witness = None
    if args.witness:
        etr = decide_etr(formula, get_solver(args.solver), Limits(args.timeout, args.memory))
        cert = forward_certificate(red, etr)
        if cert.network is not None:
            write_atomic(args.witness, network_to_json(cert.network))
        witness = {"status": cert.status, "etr_status": etr.status, "reason": cert.reason,
                   "file": args.witness if cert.network is not None else None}
    if args.json:
        print(json.dumps({"instance": args.file, "output": args.output, "statistics": stats, "witness": witness}))
    else:
        g = stats["gadgets"]
        print(f"formula   {args.file}: {stats['variables']} variables, {stats['adds']} additions, "
              f"{stats['inversions']} inversions")
        print(f"gadgets   " + ", ".join(f"{v} {k}" for k, v in sorted(g.items())))
        print(f"instance  {args.output}: {stats['points']} points, {stats['hidden']} hidden neurons, "
              f"{stats['labels']} distinct labels, target error 0")
        if witness is not None:
            if witness["file"]:
                print(f"witness   {args.witness}: fits exactly (checked)")
            else:
                print(f"witness   none: {witness['reason']}")
    return EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from nnsolve.format import number_text
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.numbers import to_json
    from nnsolve.reduction import backward_map, reduce_formula
    from nnsolve.training import read_network

    formula = read_smtlib(args.file)
    red = reduce_formula(formula)
    network = read_network(args.network)
    if network.hidden != red.instance.hidden or any(len(n.w) != 2 or len(n.a) != 2 for n in network.neurons):
        raise InputError(args.network, None, None,
                         f"network has {network.hidden} neurons; this formula's instance needs "
                         f"{red.instance.hidden} neurons with 2 inputs and 2 outputs")
    ext = backward_map(red, network)
    if args.json:
        print(json.dumps({"ok": ext.ok, "consistent": ext.consistent,
                          "values": {v: to_json(ext.values[v]) for v in formula.variables},
                          "violated": [str(c) for c in ext.violated]}))
    else:
        for v in formula.variables:
            print(f"  {v} = {number_text(ext.values[v])}")
        print("values satisfy the formula exactly" if ext.ok else
              f"NOT a solution: violates {', '.join(map(str, ext.violated)) or '-'}"
              + ("" if ext.consistent else "; cross-sections disagree"))
    return EXIT_OK if ext.ok else 1


VERIFY_HELP = """\
Prove the gadget lemmas: every continuous piecewise-linear function with the
gadget's kink budget that fits one cross-section of the gadget's data has the
intended readings (sums 6, ranges [9/2, 6], silent outputs) and, for the
inversion gadget, kinks in the windows from which (f1(5) - 4)(f2(8) - 4) = 1
follows (the short argument is in docs/reduction.md).  Each lemma is an SMT query whose
unsat is the proof, after a sanity query shows the data are fittable at all.
The 2D argument: docs/reduction.md.

statuses: proved, refuted (with a counterexample), vacuous, unknown.
exit codes: 0 all proved, 1 some lemma refuted or vacuous, 3 some unknown.
"""


def cmd_verify_gadgets(args: argparse.Namespace) -> int:
    from nnsolve.decision.gadgets import LEMMAS, verify_gadgets
    from nnsolve.solvers import Limits, get_solver

    known = {lem.name for lem in LEMMAS}
    for name in args.lemma or ():
        if name not in known:
            raise InputError("--lemma", None, name, "unknown lemma", ", ".join(sorted(known)))

    def progress(res):
        if not args.json:
            print(f"{res.lemma.name:<20} {res.status:<8} {res.seconds:7.1f} s  {res.lemma.statement}"
                  + (f"\n{'':<20} {res.detail}" if res.detail else ""), flush=True)

    results = verify_gadgets(get_solver(args.solver), Limits(args.timeout, args.memory), args.jobs,
                             tuple(args.lemma) if args.lemma else None, progress)
    if args.json:
        print(json.dumps({"solver": args.solver, "lemmas": [
            {"name": r.lemma.name, "status": r.status, "seconds": round(r.seconds, 2),
             "statement": r.lemma.statement, "detail": r.detail} for r in results]}))
    statuses = {r.status for r in results}
    if statuses & {"refuted", "vacuous"}:
        return 1
    return EXIT_UNKNOWN if "unknown" in statuses else EXIT_OK


CORPUS_HELP = """\
Run `nnsolve check` over every FOLDER/tierN/*.smt2 in a local process pool
(--jobs) or on a Dask distributed cluster (--scheduler tcp://host:8786; see
docs/check.md) and compare with the statuses recorded in the files.  --blind
decides every training side from the instance alone.  Results are appended to a
JSON-lines file as they come; a rerun skips what is recorded (same file
content and options), so an interrupted run resumes.

Tiers: 1 (<= 3 variables), 2 (<= 6), 3 (<= 20), 4 (generated, 100 to 10,000
constraints; above --max-work only the structured method's structure stages
and the certificates run on their training side).

exit codes: 0 no disagreement, no wrong ETR status and no internal error
(inconclusive entries are listed, not failures), 1 otherwise, 2 bad input.
"""

ENCODINGS_HELP = """\
Write, for every corpus instance, the ETR query (the formula with the box
[1/2, 2]^n) and, for tier 1, the training query of the reduction's instance,
as SMT-LIB 2.6 with :status (ground truth: by construction or certified),
:source and :license.  Deterministic: the same corpus gives the same bytes.
"""


def cmd_corpus(args: argparse.Namespace) -> int:
    import sys as _sys
    from pathlib import Path

    from nnsolve.decision.corpus import corpus_files, run_corpus

    folder = Path(args.folder)
    if not folder.is_dir():
        raise InputError(args.folder, None, None, "not a folder", "a corpus folder with tierN/*.smt2 files")
    files = corpus_files(folder, args.tier)
    if not files:
        raise InputError(args.folder, None, None, "no .smt2 files" + (f" in tiers {args.tier}" if args.tier else ""))
    results = Path(args.results) if args.results else folder / ".corpus-results.jsonl"
    if args.fresh and results.exists():
        results.unlink()
    tty = _sys.stderr.isatty()

    def progress(k, n, res):
        bar = "#" * int(30 * k / n)
        line = f"[{bar:<30}] {k}/{n} {Path(res['file']).name}: {res['verdict']}"
        print(("\r" + line.ljust(90)) if tty else line, end="" if tty else "\n", file=_sys.stderr, flush=True)

    if args.scheduler:
        from nnsolve.decision.cluster import cluster_executor
        with cluster_executor(args.scheduler) as executor:
            run = run_corpus(files, args.solver, args.timeout, args.memory, args.jobs, results, args.max_work,
                             progress, blind=args.blind, executor=executor)
    else:
        run = run_corpus(files, args.solver, args.timeout, args.memory, args.jobs, results, args.max_work,
                         progress, blind=args.blind)
    if tty:
        print(file=_sys.stderr)
    if args.json:
        print(json.dumps({"results": run.results, "resumed": run.resumed, "failed": run.failed}))
    else:
        print("| file | tier | expected | etr | training | verdict | s |")
        print("|---|---|---|---|---|---|---|")
        for r in run.results:
            mark = " WRONG STATUS" if r["wrong_status"] else ""
            print(f"| {r['file']} | {r['tier']} | {r['expected']} | {r['etr']}{mark} | "
                  f"{r['training'] or '-'} ({r['method'] or '-'}) | {r['verdict']} | {r['seconds']} |")
        counts: dict[str, int] = {}
        for r in run.results:
            counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
        print("\n" + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
              + f" ({run.resumed} resumed from {results})")
        for r in run.results:
            if r["verdict"] in ("inconclusive", "disagree", "error") or r["wrong_status"]:
                print(f"  {r['file']}: {r['suspect'] or r['reason']}")
    return 1 if run.failed else EXIT_OK


def cmd_encodings(args: argparse.Namespace) -> int:
    from nnsolve.decision.corpus import stale_encodings, write_encodings

    if args.check:
        problems = stale_encodings(args.folder, args.output)
        for p in problems:
            print(p)
        print("encodings are current" if not problems else f"{len(problems)} stale; run: nnsolve encodings "
              f"{args.folder} -o {args.output}")
        return 1 if problems else EXIT_OK
    n = write_encodings(args.folder, args.output)
    print(f"wrote {n} files to {args.output}")
    return EXIT_OK


FAMILY_HELP = """\
The certified QF_NRA benchmark family (docs/benchmarks.md): exact-training queries
whose status is known, in the SMT-LIB submission layout
OUTPUT/non-incremental/QF_NRA/DATE-nnsolve-training/SUBFAMILY/*.smt2 with a manifest
(sha256, status, certificate) beside the folder.  A file is written only when its
status is certified: a witness network checked by exact_fit, or two independent unsat
routes.  --check validates headers, manifest, parsing (z3, cvc5, yices) and witnesses.

examples:
  nnsolve family -o encodings --seed 1
  nnsolve family -o encodings --check
"""


def cmd_family(args: argparse.Namespace) -> int:
    from nnsolve.decision.family import generate_family, validate_family

    if args.check:
        parsers = tuple(p for p in args.parsers.split(",") if p)
        problems = validate_family(args.output, args.date, parsers, witnesses=args.witnesses)
        for p in problems:
            print(p)
        print("family is valid" if not problems else f"{len(problems)} problems")
        return 1 if problems else EXIT_OK
    manifest = generate_family(args.output, args.seed, args.date, args.jobs, args.timeout)
    print(f"wrote {len(manifest['files'])} files ({len(manifest['instances'])} certified instances of "
          f"{manifest['candidates']} candidates)")
    return EXIT_OK


GEN_HELP = """\
Generate seeded ETR-INV formulas whose status is known by construction (the
argument for each family is in nnsolve.formula.generate):

  sat               a planted rational solution in [1/2, 2]^n
  unsat             a planted solution plus x + x = x and x * y = 1 (local)
  unsat-unique      a solution unique up to sign (anchor u * u = 1, then a spine
                    of definitions, each from the one before) plus u * z = 1 for
                    the spine's end z, which it violates: a cycle through it all
  unsat-random      random additions and inversions whose additions force an
                    inverted variable to 0 (certified by exact linear algebra)
  promise-violated  a planted formula and a long chain of copies hiding three
                    doublings: real solutions exist, none in the box

The same arguments always give the same files.

examples:
  nnsolve gen --constraints 100 --family unsat-unique --seed 3 -o f.smt2
  nnsolve gen --corpus runs/c1 --count 50 --sizes 10,100,1000 --seed 1
      50 formulas cycling through the sizes and the families, seeds 1..50,
      written as runs/c1/tierN/FAMILY_SIZE_sSEED.smt2 (tier by variable count:
      1 <= 3, 2 <= 6, 3 <= 20, else 4); then: nnsolve corpus runs/c1
"""


def cmd_gen(args: argparse.Namespace) -> int:
    from nnsolve.files import write_atomic
    from nnsolve.formula.generate import corpus_plan, family_formula
    from nnsolve.formula.smtlib import to_smtlib

    family = "unsat" if args.unsat else args.family
    if args.corpus is None:
        if args.constraints is None or args.output is None:
            raise InputError("<command line>", None, None, "one formula needs --constraints and -o",
                             "nnsolve gen --constraints N -o FILE.smt2, or nnsolve gen --corpus DIR")
        if args.constraints < 1:
            raise InputError("--constraints", None, str(args.constraints), "must be at least 1")
        f = family_formula(family, args.constraints, args.seed)
        if args.irrational is not None:  # planted algebraic solution (nnsolve.formula.generate)
            from nnsolve.formula.generate import planted_irrational_formula
            if family != "sat":
                raise InputError("--irrational", None, str(args.irrational), f"cannot be combined with {family}",
                                 "--irrational DEGREE alone (a sat formula)")
            try:
                f = planted_irrational_formula(args.constraints, args.irrational, args.seed)[0]
            except ValueError as exc:
                raise InputError("--irrational", None, str(args.irrational), str(exc)) from exc
        write_atomic(args.output, to_smtlib(f))
        print(f"wrote {args.output} ({len(f.variables)} variables, {len(f.constraints)} constraints, {f.status})")
        return EXIT_OK
    sizes = _int_list("--sizes", args.sizes)
    families = [t.strip() for t in args.families.split(",") if t.strip()]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown or not families:
        raise InputError("--families", None, args.families, "unknown family", ", ".join(FAMILIES))
    from pathlib import Path
    counts: dict[str, int] = {}
    for rel, f in corpus_plan(args.count, sizes, families, args.seed):
        write_atomic(Path(args.corpus) / rel, to_smtlib(f))
        counts[f.status] = counts.get(f.status, 0) + 1
        if args.verbose:
            print(f"wrote {Path(args.corpus) / rel}", file=sys.stderr)
    print(f"wrote {args.count} formulas to {args.corpus} ("
          + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + f"); check them: nnsolve corpus {args.corpus}")
    return EXIT_OK


def _int_list(option: str, text: str) -> list[int]:
    values = []
    for t in text.split(","):
        try:
            v = int(t.strip())
        except ValueError:
            v = 0
        if v < 1:
            raise InputError(option, None, t, "not a positive integer", "a comma-separated list, e.g. 10,100,1000")
        values.append(v)
    return values


PLOT_HELP = """\
Pictures of the construction (needs matplotlib: pip install 'nnsolve[plot]').

  nnsolve plot instances/tier1/self_inverse.smt2 -o x.png --witness forward
      the reduction's instance: an overview in the plane, then one row per
      cluster (a variable, or a constraint with its copies) drawn in sheared
      coordinates (x, y - 2 a x + a^2) so its nearly parallel stripes separate:
      stripes as bands, measuring lines dashed, constraint points marked and
      named, data points coloured by label, the witness's breaklines in orange
  nnsolve plot training.json -o t.svg --witness network.json
      any 2-input instance: points coloured by label, breaklines
  nnsolve plot --gadget inversion -o inv.png --values 1/2,1,2
      a gadget's 1D profile per output along a cross-section for several
      values, kinks marked, the free segment shaded

A witness is checked with exact_fit (when points x neurons <= 3,000,000) and
the result is printed; drawing itself uses floats and decides nothing.
Regenerate the figures in docs/figures/ with: python docs/figures/make_figures.py

With --witness forward on an unsat formula (or when the solver gives up) the
picture is drawn without breaklines and the reason is printed.

exit codes: 0 written, 2 bad input or matplotlib missing.
"""


def cmd_plot(args: argparse.Namespace) -> int:
    from nnsolve.numbers import parse_rational
    from nnsolve.plot import PlotUnavailable, plot_gadget, plot_instance, plot_reduction, save_figure
    from nnsolve.plot.render import output_format

    output_format(args.image)  # fail on a bad suffix before any work
    outputs = (1, 2) if args.which == "both" else (int(args.which),)
    try:
        if args.gadget:
            if args.file or args.witness:
                raise InputError("<command line>", None, args.file or args.witness,
                                 "--gadget draws profiles, not an instance", "nnsolve plot --gadget NAME -o FILE")
            values = []
            for text in args.values.split(","):
                try:
                    v = parse_rational(text.strip())
                except ValueError:
                    v = None
                if v is None or not (Fraction(1, 2) <= v <= 2):
                    raise InputError("--values", None, text, "not a rational in [1/2, 2]", "1/2,1,3/2,2")
                values.append(v)
            figure = plot_gadget(args.gadget, values, dpi=args.dpi)
            save_figure(figure, args.image)
            print(f"wrote {args.image}: {args.gadget} gadget profiles for values {args.values}")
            return EXIT_OK
        if not args.file:
            raise InputError("<command line>", None, None, "nothing to draw",
                             "nnsolve plot INPUT -o FILE  or  nnsolve plot --gadget NAME -o FILE")
        red, instance = _plot_input(args.file)
        network, note = _plot_witness(args, red, instance)
        if red is not None:
            figure = plot_reduction(red, network, outputs, args.clusters, dpi=args.dpi)
        else:
            figure = plot_instance(instance, network, outputs, dpi=args.dpi)
        save_figure(figure, args.image)
    except PlotUnavailable as exc:
        print(f"nnsolve: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    width, height = figure.get_size_inches() * figure.dpi
    print(f"wrote {args.image} ({int(round(width))} x {int(round(height))} px): {len(instance.points)} points"
          + (f", {network.hidden} breaklines" if network is not None else ""))
    if note:
        print(f"witness   {note}")
    return EXIT_OK


def _plot_input(path: str):
    """(reduction or None, instance) for a formula or a training.json."""
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.reduction import reduce_formula
    from nnsolve.training import read_instance

    if path.endswith(".json"):
        instance = read_instance(path)
        if instance.inputs != 2:
            raise InputError(path, None, None, f"an instance with {instance.inputs} inputs cannot be drawn in the "
                             "plane", "a training instance with 2 inputs")
        return None, instance
    red = reduce_formula(read_smtlib(path))
    return red, red.instance


def _plot_witness(args, red, instance):
    """The network to draw and a line saying whether it fits (checked exactly)."""
    from nnsolve.training import read_network
    from nnsolve.training.network import exact_fit

    if not args.witness:
        return None, None
    if args.witness == "forward":
        if red is None:
            raise InputError(args.file, None, "--witness forward", "the forward map needs a formula",
                             "an .smt2 formula, or --witness NETWORK.json")
        from nnsolve.decision.certificate import forward_certificate
        from nnsolve.decision.etr import decide_etr
        from nnsolve.solvers import Limits, get_solver
        etr = decide_etr(red.formula, get_solver(args.solver), Limits(args.timeout, args.memory))
        cert = forward_certificate(red, etr)
        if cert.network is None:
            return None, f"none drawn: {cert.reason} (formula {etr.status})"
        return cert.network, "forward map of the formula's solution; fits exactly (checked by exact_fit)"
    network = read_network(args.witness)
    wrong = [j for j, n in enumerate(network.neurons) if len(n.w) != instance.inputs or len(n.a) != instance.outputs]
    if wrong or len(network.bias) != instance.outputs:
        where = f"neuron {wrong[0]}" if wrong else "the output bias"
        raise InputError(args.witness, None, None, f"{where} does not match the instance's shape",
                         f"{instance.inputs} inputs and {instance.outputs} outputs")
    if len(instance.points) * max(network.hidden, 1) > MAX_WORK:
        return network, f"not checked (points x neurons > {MAX_WORK:,})"
    if network.hidden != instance.hidden:
        return network, f"has {network.hidden} neurons, the instance allows {instance.hidden}"
    report = exact_fit(instance, network)
    return network, ("fits exactly (checked by exact_fit)" if report.ok
                     else f"does not fit: {len(report.misfits)} points missed")


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
    except BrokenPipeError:
        # the reader of stdout went away (nnsolve ... | head): stop quietly, as a shell
        # tool does on SIGPIPE; stdout goes to /dev/null so the exit flush cannot fail
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # pragma: no cover - a bug; say so in one line
        if args.debug:
            traceback.print_exc()
        print(f"nnsolve: internal error: {type(exc).__name__}: {exc} (rerun with --debug and report it)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())

"""Seeded ETR-INV formulas with a planted solution in [1/2, 2]^n.

>>> f, sol = planted_formula(constraints=6, seed=3)
>>> from nnsolve.formula.model import satisfies, in_box
>>> satisfies(f, sol) and in_box(sol)
True
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right, insort
from fractions import Fraction

from nnsolve.formula.model import Add, Formula, Inv

BOX_VALUES = tuple(sorted({Fraction(p, q) for q in range(1, 5) for p in range(1, 9)
                           if Fraction(1, 2) <= Fraction(p, q) <= 2}))


def planted_formula(constraints: int, seed: int, inversions: float = 0.4,
                    start_variables: int = 2) -> tuple[Formula, dict[str, Fraction]]:
    """A connected-ish random formula satisfied by a planted rational solution.

    Each step adds x * y = 1 (y new or an existing variable of value 1/x) or
    x + y = z with x + y in the box (z new or an existing variable of that value).
    """
    rng = random.Random(f"planted-formula-{constraints}-{seed}")
    sol: dict[str, Fraction] = {}
    by_value: dict[Fraction, list[str]] = {}

    def var(value: Fraction) -> str:
        existing = by_value.get(value)
        if existing and rng.random() < 0.5:
            return rng.choice(existing)
        name = f"x{len(sol)}"
        sol[name] = value
        by_value.setdefault(value, []).append(name)
        return name

    for _ in range(start_variables):
        v = rng.choice(BOX_VALUES)
        name = f"x{len(sol)}"
        sol[name] = v
        by_value.setdefault(v, []).append(name)
    cons = []
    names = list(sol)
    while len(cons) < constraints:
        names = list(sol)
        x = rng.choice(names)
        if rng.random() < inversions and Fraction(1, 2) <= 1 / sol[x] <= 2:
            cons.append(Inv(x, var(1 / sol[x])))
            continue
        partners = [y for y in rng.sample(names, min(len(names), 8)) if sol[x] + sol[y] <= 2]
        if partners:
            y = rng.choice(partners)
            cons.append(Add(x, y, var(sol[x] + sol[y])))
    return Formula(tuple(sol), tuple(cons), status="sat",
                   source=f"nnsolve gen: planted solution, {constraints} constraints, seed {seed}"), sol


def planted_contradiction(constraints: int, seed: int) -> Formula:
    """A planted formula made unsat over the reals: for a variable x in an
    inversion x * y = 1, add x + x = x, which forces x = 0 (no real solution)."""
    f, _ = planted_formula(max(constraints - 2, 1), seed)
    rng = random.Random(f"planted-contradiction-{constraints}-{seed}")
    x = rng.choice(f.variables)
    y = f"x{len(f.variables)}"
    cons = f.constraints + (Inv(x, y), Add(x, x, x))
    return Formula(f.variables + (y,), cons, status="unsat",
                   source=f"nnsolve gen: planted contradiction ({x} + {x} = {x} and {x} * {y} = 1), "
                          f"{len(cons)} constraints, seed {seed}")


# -- families whose status needs the whole formula ------------------------------------
#
# Each generator returns a formula whose status is known by construction, with the
# argument in its docstring; tests/test_generate_families.py checks the statuses
# against the solvers on small sizes.

def _copy_through_inversions(cons: list, names: list, source: str, target: str) -> None:
    """target = source, as source * e = 1 and e * target = 1 (e a new variable)."""
    e = f"x{len(names)}"
    names.append(e)
    cons.append(Inv(source, e))
    cons.append(Inv(e, target))


def doubling_chain_violation(constraints: int, seed: int, doublings: int = 3) -> Formula:
    """Promise violated along a long chain: a planted formula, then a chain of copies
    (c_{i+1} = c_i through two inversions) from one of its variables, with
    ``doublings`` >= 3 steps c_{i+1} = c_i + c_i at random places along it.

    Status ``promise-violated`` by construction: the planted solution extended by
    c_i = 2^(doublings so far) * c_0 is a real solution; in any solution c_last =
    2^doublings * c_0, so c_0 >= 1/2 forces c_last >= 4 > 2: none lies in the box.
    Every copy of the chain is needed to see it.
    """
    if doublings < 3:
        raise ValueError("three doublings are needed to leave [1/2, 2]")
    rng = random.Random(f"doubling-chain-{constraints}-{seed}")
    chain_steps = max(doublings, (constraints - 1) // 3)  # copies cost 2 constraints, doublings 1
    copies = max(0, chain_steps - doublings)
    base, _ = planted_formula(max(1, constraints - 2 * copies - doublings), seed)
    names = list(base.variables)
    cons = list(base.constraints)
    kinds = ["double"] * doublings + ["copy"] * copies
    rng.shuffle(kinds)
    current = rng.choice(base.variables)
    for kind in kinds:
        nxt = f"x{len(names)}"
        names.append(nxt)
        if kind == "double":
            cons.append(Add(current, current, nxt))
        else:
            _copy_through_inversions(cons, names, current, nxt)
        current = nxt
    return Formula(tuple(names), tuple(cons), status="promise-violated",
                   source=f"nnsolve gen: doubling chain ({doublings} doublings hidden in a chain of "
                          f"{len(kinds)} steps), {len(cons)} constraints, seed {seed}")


#: planted spine values stay in this interval: inside the box by a margin, and closed
#: under x -> 1/x
SPINE_LOW, SPINE_HIGH = Fraction(4, 7), Fraction(7, 4)
#: and their numerators and denominators stay at most this (sums of small fractions)
SPINE_SIZE = 128
#: a spine step inverts only a value at most this, so the inverse is at least 8/7: read
#: backward (x = 1/y), the step shrinks a change of y by 1/(y (y + d)) < 1 for |d| <= END_GAP
INVERT_AT_MOST = Fraction(7, 8)
#: the spine's end z lies this close to 1 (and is not 1), from STEER_FROM constraints on
#: (shorter spines have too few partner values to steer by)
END_GAP = Fraction(1, 16)
STEER_FROM = 16
#: the last spine steps are chosen together, by a short search into the end window
STEER_STEPS = 4


def _spine_value(v: Fraction) -> bool:
    return SPINE_LOW <= v <= SPINE_HIGH and v.numerator <= SPINE_SIZE and v.denominator <= SPINE_SIZE


def unique_solution_contradiction(constraints: int, seed: int, inversions: float = 0.3) -> Formula:
    """Unsat for a reason that spans the formula: a planted solution that is unique up to
    sign, plus one constraint that closes a cycle through all of it and that it violates.

    Construction:

    - the anchor x0 * x0 = 1 (x0 = +-1), then x1 = x0 + x0, x1 * x2 = 1, x3 = x2 + x0
      (planted 1, 2, 1/2, 3/2);
    - a *spine*: x4 = 1/x3 (planted 2/3), then each new variable is defined from the
      previous one, as its inverse (only of a value at most 7/8), or as it plus or minus an earlier variable (the partner; a
      partner of the last four steps is skipped, since x - y right after x = w + y only
      copies w); planted values in [4/7, 7/4], numerators and denominators at most 128;
    - the last four steps steer the end z into 0 < |z - 1| <= 1/16 (from STEER_FROM = 16 constraints
      on; shorter formulas end at the value closest to 1 that one step reaches);
    - the last constraint joins the anchor and the spine's end: x0 * z = 1 (below 3
      constraints, x0 + x0 = x0).

    Status ``unsat``: the anchor gives x0 = +-1, every definition then fixes its new
    variable, so the only real solutions of all but the last constraint are the planted
    one and its negation (additions and inversions are invariant under x -> -x), and
    the last constraint fails on both.

    Why no part short of the whole cycle contradicts in the box.  Every unsat subset
    holds the last constraint (the planted values satisfy the rest).  Read the spine
    *backward* from z = 1 (what x0 = 1 and the last constraint force), with every partner
    at its planted value: a sum or difference step moves the change d = (forced - planted)
    unchanged to the step's input, and an inverse step y = 1/x with y >= 8/7 shrinks it
    (x' - x = -d / (y (y + d)), and y (y + d) > 1 for |d| <= 1/16).  So |d| <= |1 - z|
    <= 1/16 all the way back to x4, and every forced value stays in [4/7 - 1/16,
    7/4 + 1/16], inside the box (a dead end, where no partner is in range, inverts a
    larger value; there only the checked bound below keeps the values in the box); the first step x3 = 1/x4 (x4 = 2/3) may grow it to at most
    (1/16) / ((2/3) (2/3 - 1/16)) < 0.16, and 3/2 +- 0.16 is inside the box too; d never
    becomes 0 (each step is a bijection).  The contradiction appears
    only where the backward values meet the ones the anchor forces forward (x3 = 3/2).
    That is the training side's view once the anchor's values are carried forward (the
    value lemmas): the last constraint and any suffix of the spine, with the partners at
    the values carried to them, have a solution in the box, so no neighbourhood of the
    last constraint contradicts on its own.  Removing one spine step leaves a solution
    in the box for most steps, not all (the spine after it reads the freed variable).
    The old spine (inverses of any value, any end) left the box within 1 to 26 steps
    back from z at 100 to 10,000 constraints, and the training side closed the
    1,000-constraint formula from a neighbourhood of its last constraint
    (docs/performance.md, "The rewritten unsat-unique on the training side").
    Each draw checks the bound (:func:`_backward_bound`) and is drawn again when it
    fails; ``tests/test_generate_families.py`` walks the spine backward exactly, by its
    own code, at up to 10,000 constraints, and removes steps one at a time at 20 and 40.

    >>> f = unique_solution_contradiction(12, 1)
    >>> len(f.constraints), f.constraints[0], f.status
    (12, Inv(x='x0', y='x0'), 'unsat')
    """
    for attempt in range(100):
        made = _unique_spine(constraints, random.Random(f"unique-contradiction-{constraints}-{seed}-{attempt}"),
                             inversions)
        if made is not None:
            sol, cons = made
            return Formula(tuple(sol), tuple(cons), status="unsat",
                           source=f"nnsolve gen: solution unique up to sign (anchor x0 * x0 = 1, a spine of "
                                  f"definitions) plus x0 * z = 1 for the spine's end z, which it violates, "
                                  f"{len(cons)} constraints, seed {seed}")
    raise AssertionError("no spine ends near 1 in 100 draws")  # pragma: no cover


def _unique_spine(constraints: int, rng: random.Random, inversions: float):
    """One draw of :func:`unique_solution_contradiction`'s spine: (planted values,
    constraints), or None when its end could not be steered near 1."""
    sol = {"x0": Fraction(1), "x1": Fraction(2), "x2": Fraction(1, 2), "x3": Fraction(3, 2)}
    start = [Inv("x0", "x0"), Add("x0", "x0", "x1"), Inv("x1", "x2"), Add("x2", "x0", "x3")]
    cons: list = start[: max(1, constraints - 1)]
    if len(cons) < 4:
        sol = {v: sol[v] for v in list(sol)[: len(cons)]}
        cons.append(Add("x0", "x0", "x0") if len(cons) == 1 else Inv("x0", f"x{len(cons) - 1}"))
        return sol, cons
    last = "x3"
    small = [v for v in sol if sol[v].denominator <= 8]  # partners that keep sums small
    by_denominator: dict[int, list[str]] = {}
    by_value: dict[Fraction, str] = {}  # one spine variable per planted value (the end's partners)
    for v, value in sol.items():
        by_denominator.setdefault(value.denominator, []).append(v)
        by_value.setdefault(value, v)
    values = sorted(by_value)  # the distinct planted values, for partners by value
    names = list(sol)
    recent: list = ["x0", "x2"]
    while len(cons) < constraints - 1:
        left = constraints - 1 - len(cons)  # spine steps still to place, this one included
        new, v = f"x{len(sol)}", sol[last]
        if last == "x3" and not (constraints < STEER_FROM and left == 1):
            # x3 = 3/2 has no partner in range: its inverse 2/3 starts the spine
            options = [("inv", None, 1 / v)]
        elif constraints < STEER_FROM and left == 1:
            # too short to steer: the end closest to 1 that is not 1 (no backward argument)
            options = [(kind, y, w) for value, y in by_value.items()
                       for kind, w in (("add", v + value), ("sub", v - value)) if w != 1 and _spine_value(w)]
            options += [("inv", None, 1 / v)] if v != 1 else [("add", "x2", v + sol["x2"])]  # never end at 1
            options = [min(options, key=lambda o: (abs(o[2] - 1), o[2]))]
        elif constraints >= STEER_FROM and left == STEER_STEPS:
            # the last steps at once: a short search for a way into the end window
            tail = _steer(v, left, values, by_value, rng)
            if tail is None:
                return None
            for kind, y, value in tail:
                new = f"x{len(sol)}"
                sol[new] = value
                cons.append(_spine_step(kind, last, y, new))
                last = new
            break
        else:
            options = []
            if rng.random() >= inversions or v > INVERT_AT_MOST:
                same = by_denominator.get(v.denominator, [])
                for y in (rng.sample(names, min(len(names), 4)) + rng.sample(small, min(len(small), 4))
                          + rng.sample(same, min(len(same), 4))):
                    if y in recent:
                        continue
                    if _spine_value(v + sol[y]):
                        options.append(("add", y, v + sol[y]))
                    if _spine_value(v - sol[y]):
                        options.append(("sub", y, v - sol[y]))
                if options and rng.random() < 0.5:  # half the time the smallest denominator
                    options = [min(options, key=lambda o: o[2].denominator)]
            if not options and v > INVERT_AT_MOST:
                # no partner in the samples and no inverse: partners by value, in range
                # (a recent one too: a copy of an earlier value is a wasted step, not a
                # short cycle)
                same = by_denominator.get(v.denominator, [])  # sums keep the denominator
                same = [sol[y] for y in rng.sample(same, min(len(same), 32))]
                for kind, lo, hi in (("add", SPINE_LOW - v, SPINE_HIGH - v), ("sub", v - SPINE_HIGH, v - SPINE_LOW)):
                    found = values[bisect_left(values, lo):bisect_right(values, hi)]
                    for value in rng.sample(found, min(len(found), 32)) + [u for u in same if lo <= u <= hi]:
                        w = v + value if kind == "add" else v - value
                        if _spine_value(w):
                            options.append((kind, by_value[value], w))
            if not options:
                # a dead end (a large denominator, no partner in range): invert anyway;
                # read backward this step may grow a change, and the whole spine's bound
                # is checked below (_backward_bound)
                options = [("inv", None, 1 / v)]
        kind, y, value = rng.choice(options)
        sol[new] = value
        names.append(new)
        by_denominator.setdefault(value.denominator, []).append(new)
        if value not in by_value:
            by_value[value] = new
            insort(values, value)
        if value.denominator <= 8:
            small.append(new)
        cons.append(_spine_step(kind, last, y, new))
        recent = (recent + [y])[-4:]
        last = new
    cons.append(Inv("x0", last))
    if constraints >= STEER_FROM and _backward_bound(sol, cons) is None:
        return None
    return sol, cons


def _spine_step(kind: str, last: str, partner: str | None, new: str):
    """The constraint defining ``new`` from ``last``: its inverse, last + partner, or
    last - partner (written last = partner + new)."""
    return Inv(last, new) if kind == "inv" else Add(last, partner, new) if kind == "add" else Add(partner, new, last)


def _steer(v: Fraction, steps: int, values: list, by_value: dict, rng: random.Random):
    """``steps`` spine steps from the value ``v`` whose last value z has 0 < |z - 1| <=
    END_GAP, partners from the planted ``values`` (``by_value`` names them), each value
    a spine value, inverses only of values at most INVERT_AT_MOST: a list of (kind,
    partner, value), or None when a bounded randomized search (400 nodes) finds none."""
    small = [p for p in values if p.denominator <= 12]
    by_den: dict = {}
    for p in values:
        by_den.setdefault(p.denominator, []).append(p)
    budget = 400

    def search(v: Fraction, steps: int):
        nonlocal budget
        if budget <= 0:
            return None
        budget -= 1
        if steps == 1:  # the last: z = v - p with p within END_GAP of v - 1
            found = values[bisect_left(values, v - 1 - END_GAP):bisect_right(values, v - 1 + END_GAP)]
            # (no inverse: v <= 7/8 puts 1/v at least 1/7 away from 1)
            ends = [("sub", by_value[p], v - p) for p in found if v - p != 1 and _spine_value(v - p)]
            return [rng.choice(ends)] if ends else None
        moves = []
        # partners of v's denominator and of small ones keep the sums' denominators small
        same = by_den.get(v.denominator, [])
        for p in (rng.sample(small, min(len(small), 8)) + rng.sample(same, min(len(same), 8))
                  + rng.sample(values, min(len(values), 4))):
            moves += [("add", by_value[p], v + p), ("sub", by_value[p], v - p)]
        moves = [m for m in moves if _spine_value(m[2])]
        if v <= INVERT_AT_MOST:
            moves.append(("inv", None, 1 / v))
        rng.shuffle(moves)
        moves.sort(key=lambda m: m[2].denominator > 16)  # small denominators first (stable)
        for move in moves:
            rest = search(move[2], steps - 1)
            if rest is not None:
                return [move] + rest
        return None

    return search(v, steps)


def _backward_bound(sol: dict, cons: list) -> Fraction | None:
    """The largest change |forced - planted| of a spine value when the spine is read
    backward from z = 1 (what x0 = 1 and the last constraint force) with every partner
    at its planted value, bounded from above (exact, rounded up to 2^-24); None when the
    bound lets a value leave [4/7 - 1/16, 7/4 + 1/16] or an inverse step's input reach 0
    (the check that nothing short of the whole cycle contradicts in the box)."""
    grid = 2 ** 24
    end = cons[-1].y
    d = abs(1 - sol[end])
    worst, cur = d, end
    for c in reversed(cons[4:-1]):  # the spine steps, last first; each defines cur
        if isinstance(c, Inv):
            prev, y = (c.x if c.y == cur else c.y), sol[cur]
            if y - d <= 0:
                return None
            d = d / (y * (y - d))  # |1/(y + e) - 1/y| <= |e| / (y (y - |e|))
            d = Fraction(-((-d.numerator * grid) // d.denominator), grid)  # rounded up
        else:
            prev = c.x if c.z == cur else c.z  # add: cur = prev + y; sub: prev = y + cur
        cur = prev
        worst = max(worst, d)
        if not (SPINE_LOW - END_GAP <= sol[cur] - d and sol[cur] + d <= SPINE_HIGH + END_GAP):
            return None
    return worst


def random_unsat_formula(constraints: int, seed: int, inversions: float = 0.3) -> Formula:
    """A random formula with no real solution, certified by exact linear algebra.

    Random additions and inversions over ``constraints // 2`` variables; the
    additions are homogeneous linear equations, and exact elimination
    (reduced row echelon form over Q, FLINT's fmpq_mat) shows that they force some variable
    of an inversion to 0, which ``x * y = 1`` forbids.  Draws are repeated (seeded)
    until the certificate holds.  Status ``unsat``.

    Above :data:`RANDOM_BLOCK` constraints (the exact echelon form is cubic) the formula
    is a certified random block of that size joined by additions to a planted formula
    of the rest: adding constraints to an unsat formula keeps it unsat.
    """
    if constraints > RANDOM_BLOCK:
        return _joined_random_unsat(constraints, seed, inversions)
    for attempt in range(1000):
        rng = random.Random(f"random-unsat-{constraints}-{seed}-{attempt}")
        n = max(3, constraints // 2)
        names = [f"x{i}" for i in range(n)]
        cons: list = []
        for _ in range(max(2, constraints)):
            if rng.random() < inversions:
                cons.append(Inv(rng.choice(names), rng.choice(names)))
            else:
                cons.append(Add(*rng.sample(names, 3)))  # distinct: no local x + x = x
        zero = next((c for c in cons if isinstance(c, Inv) and ({c.x, c.y} & forced)), None) \
            if (forced := _forced_zero(names, [c for c in cons if isinstance(c, Add)])) else None
        if zero is not None:
            used = sorted({v for c in cons for v in c.variables}, key=lambda v: int(v[1:]))
            return Formula(tuple(used), tuple(cons), status="unsat",
                           source=f"nnsolve gen: random formula whose additions force a variable of "
                                  f"{zero} to 0 (exact elimination), {len(cons)} constraints, seed {seed}")
    raise AssertionError("no certified random unsat formula in 1000 draws")  # pragma: no cover


RANDOM_BLOCK = 1000


def _joined_random_unsat(constraints: int, seed: int, inversions: float) -> Formula:
    block = random_unsat_formula(RANDOM_BLOCK, seed, inversions)
    rest, _ = planted_formula(constraints - RANDOM_BLOCK - 4, seed)
    rename = {v: f"p{v[1:]}" for v in rest.variables}
    moved = [Add(rename[c.x], rename[c.y], rename[c.z]) if isinstance(c, Add) else Inv(rename[c.x], rename[c.y])
             for c in rest.constraints]
    rng = random.Random(f"random-unsat-join-{constraints}-{seed}")
    joins = [Add(rng.choice(block.variables), rename[rng.choice(rest.variables)], f"j{k}") for k in range(4)]
    variables = block.variables + tuple(rename.values()) + tuple(f"j{k}" for k in range(4))
    return Formula(variables, block.constraints + tuple(moved) + tuple(joins), status="unsat",
                   source=(block.source or "").replace(f"{RANDOM_BLOCK} constraints", f"{RANDOM_BLOCK}-constraint block "
                                                       f"joined to a planted formula, {constraints} constraints"))


def _forced_zero(names: list[str], additions: list) -> set[str]:
    """The variables that the homogeneous equations x + y - z = 0 force to 0, exactly: v is
    forced iff a row of the reduced row echelon form is the unit vector of v."""
    import flint

    if not additions:
        return set()
    column = {v: k for k, v in enumerate(names)}
    entries = [0] * (len(additions) * len(names))
    for r, c in enumerate(additions):
        for v, k in ((c.x, 1), (c.y, 1), (c.z, -1)):
            entries[r * len(names) + column[v]] += k
    rref, rank = flint.fmpq_mat(len(additions), len(names), entries).rref()
    forced = set()
    for r in range(rank):
        row = [k for k in range(len(names)) if rref[r, k] != 0]
        if len(row) == 1:
            forced.add(names[row[0]])
    return forced


FAMILIES = ("sat", "unsat", "unsat-unique", "unsat-random", "promise-violated")


def family_formula(family: str, constraints: int, seed: int) -> Formula:
    """One formula of a named family (see :data:`FAMILIES`), status known by construction.

    >>> [family_formula(f, 12, 1).status for f in FAMILIES]
    ['sat', 'unsat', 'unsat', 'unsat', 'promise-violated']
    """
    if family == "sat":
        return planted_formula(constraints, seed)[0]
    if family == "unsat":
        return planted_contradiction(constraints, seed)
    if family == "unsat-unique":
        return unique_solution_contradiction(constraints, seed)
    if family == "unsat-random":
        return random_unsat_formula(constraints, seed)
    if family == "promise-violated":
        return doubling_chain_violation(constraints, seed)
    raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")


def corpus_plan(count: int, sizes: list[int], families: list[str], seed: int):
    """``count`` (relative path, formula) pairs, deterministic: formula i has size
    ``sizes[i % len(sizes)]``, family ``families[(i // len(sizes)) % len(families)]`` and
    seed ``seed + i``; it goes to ``tierN/FAMILY_SIZE_sSEED.smt2`` with N from its variable
    count (1: <= 3, 2: <= 6, 3: <= 20, 4: more), as in instances/.

    >>> [str(p) for p, _ in corpus_plan(3, [10, 100], ["sat", "unsat-unique"], 7)]
    ['tier3/sat_10_s7.smt2', 'tier4/sat_100_s8.smt2', 'tier3/unsat-unique_10_s9.smt2']
    """
    from pathlib import PurePosixPath

    for i in range(count):
        size, family = sizes[i % len(sizes)], families[(i // len(sizes)) % len(families)]
        f = family_formula(family, size, seed + i)
        n = len(f.variables)
        tier = 1 if n <= 3 else 2 if n <= 6 else 3 if n <= 20 else 4
        yield PurePosixPath(f"tier{tier}") / f"{family}_{size}_s{seed + i}.smt2", f


# -- planted irrational solutions ------------------------------------------------------

def _irrational_core(degree: int, rng: random.Random, prefix: str, attempts: int = 20000):
    """A small formula whose box solutions have a value of the given algebraic degree.

    Random straight-line programs over one unknown x and the constant 1 (u * u = 1):
    each step adds 1/v or v + w of earlier variables, tracked exactly as rational
    functions of x (FLINT fmpq_poly numerator/denominator); a closing constraint
    (v * w = 1 or v + w = z) gives a polynomial equation P(x) = 0.  A program is
    kept when P has an irreducible factor of the requested degree with a real root
    alpha at which every variable is defined and lies in [1/2, 2] (checked exactly in
    Q(alpha)).  Returns (variables, constraints, values as field elements, field) or None.
    """
    from flint import fmpq_poly

    one, gen = fmpq_poly([1]), fmpq_poly([0, 1])
    for _ in range(attempts):
        vals = [(gen, one), (one, one)]
        cons: list = [("inv", 1, 1)]
        for _step in range(rng.randint(1, 3 + 2 * degree)):
            if rng.random() < 0.5:
                i = rng.randrange(len(vals))
                n, d = vals[i]
                vals.append((d, n))
                cons.append(("inv", i, len(vals) - 1))
            else:
                i, j = rng.randrange(len(vals)), rng.randrange(len(vals))
                (n1, d1), (n2, d2) = vals[i], vals[j]
                n, d = n1 * d2 + n2 * d1, d1 * d2
                g = n.gcd(d)
                vals.append((n / g, d / g) if not g.is_zero() else (n, d))
                cons.append(("add", i, j, len(vals) - 1))
        if rng.random() < 0.5:
            i, j = rng.randrange(len(vals)), rng.randrange(len(vals))
            (n1, d1), (n2, d2) = vals[i], vals[j]
            closing = n1 * n2 - d1 * d2
            cons.append(("inv", i, j))
        else:
            i, j, k = (rng.randrange(len(vals)) for _ in range(3))
            (n1, d1), (n2, d2), (n3, d3) = vals[i], vals[j], vals[k]
            closing = (n1 * d2 + n2 * d1) * d3 - n3 * d1 * d2
            cons.append(("add", i, j, k))
        if closing.is_zero() or closing.degree() < degree:
            continue
        found = _valid_roots(closing, vals, degree)
        if found is None:
            continue
        alpha, field, elements = found
        names = [f"{prefix}{i}" for i in range(len(vals))]
        constraints = [Inv(names[c[1]], names[c[2]]) if c[0] == "inv"
                       else Add(names[c[1]], names[c[2]], names[c[3]]) for c in cons]
        return names, constraints, elements, field
    return None


def _valid_roots(closing, vals, degree: int):
    """The planted root for a core program, or None.

    Every real root of the closing polynomial in [1/2, 2] at which all the program's
    values are defined and in the box is a possible value of x in a box solution.  The
    program is kept only if such roots exist and all of them have the requested degree
    (so every box solution has it); returns (alpha, Q(alpha), the values in Q(alpha))
    for the first, else None.
    """
    from flint import fmpq

    from nnsolve.fields import NumberField
    from nnsolve.numbers import _frac, _isolate, _normalize, _rational_root, _tuple

    half, two = fmpq(1, 2), fmpq(2)
    planted = None
    for f, _mult in closing.numer().factor()[1]:
        poly = _tuple(f)
        if len(poly) == 2:
            r = _rational_root(poly)
            r = fmpq(r.numerator, r.denominator)
            if half <= r <= two:
                values = []
                for n, d in vals:
                    if d(r) == 0:
                        break
                    values.append(n(r) / d(r))
                else:
                    if all(half <= v <= two for v in values):
                        return None  # a rational box solution
            continue
        for a, b in _isolate(poly):
            if b < half or a > two:
                continue
            alpha = _normalize(poly, _frac(a), _frac(b))
            if _frac(half) > alpha or alpha > _frac(two):
                continue
            field = NumberField(alpha)
            elements = []
            for n, d in vals:
                dm = d % field.modulus
                if dm.is_zero():
                    break
                v = field.mul(n % field.modulus, field._inverse(dm))
                if (field.sign(field.sub(v, field.constant(Fraction(1, 2)))) < 0
                        or field.sign(field.sub(v, field.constant(Fraction(2)))) > 0):
                    break
                elements.append(v)
            else:
                if len(poly) - 1 != degree:
                    return None  # a box solution of another degree
                if planted is None:
                    planted = alpha, field, elements
    return planted


def _any_core(degree: int, rng: random.Random, prefix: str, tries: int = 20):
    """A core of the given degree: directly, or for degree = d1 * d2 two cores tied by
    one sum x + y = z whose value has the full degree (checked exactly)."""
    from nnsolve.fields import common_field

    core = _irrational_core(degree, rng, prefix)
    if core is not None:
        return core
    d1 = next((p for p in range(2, degree) if degree % p == 0), None)
    if d1 is None:
        return None
    for attempt in range(tries):
        first = _any_core(d1, rng, f"{prefix}a{attempt}_")
        second = _any_core(degree // d1, rng, f"{prefix}b{attempt}_")
        if first is None or second is None:
            return None
        values = {n: f.to_number(e) for (ns, _, es, f) in (first, second) for n, e in zip(ns, es)}
        field = common_field(values.values())
        if field.degree != degree:
            continue
        elements = {n: field.embed(values[n]) for n in values}
        two = field.constant(Fraction(2))
        for x in first[0]:
            for y in second[0]:
                s = field.add(elements[x], elements[y])
                z = field.to_number(s)
                if field.sign(field.sub(s, two)) <= 0 and len(getattr(z, "poly", ())) - 1 == degree:
                    names = first[0] + second[0] + [f"{prefix}s{attempt}"]
                    cons = first[1] + second[1] + [Add(x, y, names[-1])]
                    return names, cons, [elements[n] for n in names[:-1]] + [s], field
    return None


def planted_irrational_formula(constraints: int, degree: int, seed: int,
                               inversions: float = 0.4) -> tuple[Formula, dict]:
    """A formula whose every box solution has values of algebraic degree ``degree``,
    with one such solution planted (returned exactly, as numbers).

    A core (:func:`_irrational_core`, or for a degree no small program reaches, the
    sum of two cores of degrees d1 * d2 = degree, checked to have degree ``degree``)
    forces an algebraic value alpha; the rest grows like :func:`planted_formula`:
    x * y = 1 or x + y = z over existing values, every value computed exactly in
    Q(alpha) and kept in the box, so the planted solution lives in a number field of
    degree ``degree`` at every size.

    >>> f, sol = planted_irrational_formula(constraints=12, degree=3, seed=1)
    >>> from nnsolve.formula.model import satisfies, in_box
    >>> satisfies(f, sol) and in_box(sol) and len(f.constraints) >= 12
    True
    >>> max(len(getattr(v, "poly", (0, 0))) - 1 for v in sol.values())
    3
    """
    if degree < 2:
        raise ValueError("degree must be at least 2")
    rng = random.Random(f"planted-irrational-{constraints}-{degree}-{seed}")
    core = _any_core(degree, rng, "x")
    if core is None:
        raise ValueError(f"no core of degree {degree} found; try another seed")
    names, cons, elements, field = core
    sol_elements = dict(zip(names, elements))
    half, two = field.constant(Fraction(1, 2)), field.constant(Fraction(2))

    def in_box(v) -> bool:
        return field.sign(field.sub(v, half)) >= 0 and field.sign(field.sub(v, two)) <= 0

    by_value: dict = {}
    for n, v in sol_elements.items():
        by_value.setdefault(field.key(v), []).append(n)
    cons = list(cons)

    def var(value) -> str:
        existing = by_value.get(field.key(value))
        if existing and rng.random() < 0.5:
            return rng.choice(existing)
        name = f"y{len(sol_elements)}"
        sol_elements[name] = value
        by_value.setdefault(field.key(value), []).append(name)
        return name

    while len(cons) < constraints:
        names_now = list(sol_elements)
        x = rng.choice(names_now)
        vx = sol_elements[x]
        if rng.random() < inversions:
            inv = field._inverse(vx)
            if in_box(inv):
                cons.append(Inv(x, var(inv)))
            continue
        partners = [y for y in rng.sample(names_now, min(len(names_now), 8))
                    if in_box(field.add(vx, sol_elements[y]))]
        if partners:
            y = rng.choice(partners)
            cons.append(Add(x, y, var(field.add(vx, sol_elements[y]))))
    values_cache: dict = {}
    sol = {}
    for n, v in sol_elements.items():
        k = field.key(v)
        if k not in values_cache:
            values_cache[k] = field.to_number(v)
        sol[n] = values_cache[k]
    return Formula(tuple(sol_elements), tuple(cons), status="sat",
                   source=f"nnsolve gen: planted irrational solution (algebraic degree {degree}), "
                          f"{len(cons)} constraints, seed {seed}"), sol

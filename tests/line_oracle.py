"""Test oracle: the quadratic data-line finder that nnsolve.decider.lines.data_lines
replaced (every pair of distinct points keyed by its line), kept verbatim in substance."""

from collections import defaultdict
from fractions import Fraction
from math import gcd

from nnsolve.decider.lines import DataLine, _scale


def quadratic_data_lines(instance, min_points: int = 3) -> list[DataLine]:
    s = _scale(instance)
    xy = [(int(p.x[0] * s), int(p.x[1] * s)) for p in instance.points]
    groups = defaultdict(set)
    first = {}
    unique = [i for i, p in enumerate(xy) if first.setdefault(p, i) == i]
    for u, i in enumerate(unique):
        xi, yi = xy[i]
        for j in unique[u + 1:]:
            xj, yj = xy[j]
            a, b = yj - yi, xi - xj
            g = gcd(a, b)
            if g == 0:
                continue
            a, b = a // g, b // g
            if a < 0 or (a == 0 and b < 0):
                a, b = -a, -b
            key = (a, b, a * xi + b * yi)
            groups[key].add(i)
            groups[key].add(j)
    lines = []
    for (a, b, c), members in groups.items():
        if len(members) < min_points:
            continue
        order = sorted(members, key=lambda i: -b * xy[i][0] + a * xy[i][1])
        ts = tuple(Fraction(-b * xy[i][0] + a * xy[i][1], s) for i in order)
        lines.append(DataLine(a, b, Fraction(c, s), tuple(order), ts))
    lines.sort(key=lambda line: (-len(line.points), line.a, line.b, line.c))
    return lines

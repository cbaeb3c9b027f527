#!/usr/bin/env python3
"""Compare two holiday CSV files (date,name) by their dates: exit 1 listing every date that
one has and the other lacks (counting two holidays on one date twice). Names are not
compared: the oracle spells them differently ("(observado)")."""

import collections
import csv
import sys


def dates(path):
    with open(path, encoding="utf-8") as f:
        rows = csv.reader(line for line in f if not line.startswith("#"))
        next(rows)
        return collections.Counter(r[0] for r in rows)


def main(committed, fresh):
    a, b = dates(committed), dates(fresh)
    missing, extra = a - b, b - a
    for d in sorted(missing):
        print(f"only in {committed}: {d}")
    for d in sorted(extra):
        print(f"only in {fresh}: {d} (the current package knows a holiday we do not)")
    if missing or extra:
        print("holiday calendars differ: update src/score/calendar.rs and regenerate the fixture")
        return 1
    print(f"holiday calendars agree: {sum(a.values())} holidays")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

#!/usr/bin/env python3
"""Writes the resident register (住民基本台帳) of 青葉市, the city the corpus's forms come from, as the CSV a
municipality gives `kamiflow masters import --from table:jumin=FILE.csv` (one column, `name`).

    python3 Corpus/existing-forms/register.py /tmp/jumin.csv

The people on the corpus's forms live in the city (a seal is registered, a 就学援助 granted, a city tax debited only
for a resident), so every name corpus.py can write — each of its family names with each of its given names — is in
the register. So are 50,000 other residents, whose names are drawn from the name dictionary of Debian's
mecab-ipadic (17,879 given names, 12,133 family names), a tenth of them with the corpus's twenty common family
names (the twenty commonest family names are about a tenth of Japan's people). That makes the register as crowded
as a real city's: a name misread by one character (山田 和也 as 山田 和世) usually lies one character from several
residents, so the table witness flags it rather than correcting it, and now and then it is a resident's name itself.

The same file comes out every time (a fixed seed, the dictionary's names sorted); --seed draws another city.
"""
import argparse
import csv
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus import MEN, SURNAMES, WOMEN  # noqa: E402  (the corpus's own names, not a copy of them)

IPADIC_NAMES = "/usr/share/mecab/dic/ipadic/Noun.name.csv"
OTHER_RESIDENTS = 50_000
COMMON_SHARE = 0.1


def dictionary_names():
    """The family (姓) and given (名) names of ipadic's Noun.name.csv (EUC-JP), each sorted."""
    if not os.path.exists(IPADIC_NAMES):
        sys.exit(f"no {IPADIC_NAMES}: install the Debian package mecab-ipadic (make deps does)")
    text = subprocess.run(["iconv", "-f", "EUC-JP", "-t", "UTF-8", IPADIC_NAMES],
                          capture_output=True, check=True).stdout.decode("utf-8")
    family, given = set(), set()
    for line in text.splitlines():
        columns = line.split(",")
        if len(columns) > 7 and columns[6] == "人名":
            if columns[7] == "姓":
                family.add(columns[0])
            elif columns[7] == "名":
                given.add(columns[0])
    return sorted(family), sorted(given)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="the CSV file to write")
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args()
    family, given = dictionary_names()
    common = [name for name, _ in SURNAMES]
    names = {f"{f} {g}" for f in common for g, _ in MEN + WOMEN}
    rng = random.Random(args.seed)
    target = len(names) + OTHER_RESIDENTS
    while len(names) < target:
        surname = rng.choice(common) if rng.random() < COMMON_SHARE else rng.choice(family)
        names.add(f"{surname} {rng.choice(given)}")
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name"])
        for name in sorted(names):
            writer.writerow([name])
    print(f"{args.out}: {len(names)} residents")


if __name__ == "__main__":
    main()

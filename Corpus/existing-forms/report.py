#!/usr/bin/env python3
"""Tabulates `kamiflow eval --json` results on the corpus by field kind.

    python3 Corpus/existing-forms/report.py RESULT.json:SAMPLES_DIR [RESULT.json:SAMPLES_DIR …]

Kinds: typed text (text, phone, katakana, account-kana), circled options (a choice given by `circle:`), ticked
options (a choice given by `boxes:`), boxed digits (マス目: account numbers, bank and branch codes), dates in parts
(wareki-date). Each kind is counted over the fields that were filled in (blank rows of a family table are right
when nothing is read, and would flatter the figures) and over all fields; "silent" is a wrong value with no issue
on the field. Registration rate: forms extracted (registered and identified) of forms scanned.
"""
import glob
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ["typed text", "circled options", "ticked options", "boxed digits", "dates in parts"]


def kinds_of(workflow_id):
    """Field name (group rows collapsed) → kind, from the corpus workflow."""
    with open(os.path.join(HERE, "workflows", f"{workflow_id}.yaml"), encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    kinds = {}

    def visit(fields, prefix):
        for name, spec in fields.items():
            if "fields" in spec:
                visit(spec["fields"], f"{prefix}{name}[].")
                continue
            t = spec["type"]
            if t == "choice":
                kind = "circled options" if "circle" in spec else "ticked options"
            elif t == "wareki-date":
                kind = "dates in parts"
            elif "cells" in spec:
                kind = "boxed digits"
            else:
                kind = "typed text"
            kinds[prefix + name] = kind

    visit(doc["form"]["fields"], "")
    return kinds


def collapse(path):
    return re.sub(r"\[\d+\]", "[]", path)


def tabulate(result_path, samples):
    with open(result_path, encoding="utf-8") as fh:
        result = json.load(fh)
    kinds = kinds_of(result["workflow"])
    dpi = None
    tally = {k: {"all": 0, "all_ok": 0, "filled": 0, "filled_ok": 0, "silent": 0} for k in KINDS}
    wrong = {(w["file"], w["path"]): w for w in result["wrong"]}
    for truth_path in sorted(glob.glob(os.path.join(samples, "*.truth.json"))):
        with open(truth_path, encoding="utf-8") as fh:
            truth = json.load(fh)
        if truth["workflow"] != result["workflow"]:
            continue
        form = truth["forms"][0]
        dpi = form["dpi"]
        for path, expected in form["values"].items():
            kind = tally[kinds[collapse(path)]]
            w = wrong.get((truth["image"], path))
            ok = w is None
            kind["all"] += 1
            kind["all_ok"] += ok
            if expected != "":
                kind["filled"] += 1
                kind["filled_ok"] += ok
            if w is not None and not w.get("flagged", True) and w.get("read") is not None:
                kind["silent"] += 1
    forms = result["forms"]
    registered = forms - result["formsNotExtracted"]
    return result["workflow"], dpi, forms, registered, tally, result


def pct(a, b):
    return f"{100 * a / b:.1f} %" if b else "—"


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rows = []
    print("| layout | dpi | scans | registered | " + " | ".join(KINDS) + " | all fields | silent errors |")
    print("|---|---|---|---|" + "---|" * len(KINDS) + "---|---|")
    for arg in sys.argv[1:]:
        result_path, samples = arg.split(":", 1)
        workflow, dpi, forms, registered, tally, result = tabulate(result_path, samples)
        cells = []
        for k in KINDS:
            t = tally[k]
            silent = f", {t['silent']} silent" if t["silent"] else ""
            cells.append(f"{pct(t['filled_ok'], t['filled'])} ({t['filled_ok']}/{t['filled']}{silent})" if t["filled"] else "—")
        overall = result["overall"]
        print(f"| {workflow} | {dpi} | {forms} | {registered} ({pct(registered, forms)}) | " + " | ".join(cells)
              + f" | {pct(overall['correct'], overall['total'])} | {result['silentErrors']} of {overall['total']}"
              + f" ({pct(result['silentErrors'], overall['total'])}) |")
        rows.append((workflow, dpi, tally))
    print()
    print("Kinds over filled-in fields; \"all fields\" counts blank rows as eval does. Silent: wrong with no issue.")


if __name__ == "__main__":
    main()

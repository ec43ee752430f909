"""Turn an annotator's label file into gold JSONL with character offsets, and check it.

An annotator writes one JSON object per input paragraph, in any order:

    {"id": "thgov-0151#0", "sectors": ["health"],
     "entities": [["ไทย", "COUNTRY", "TH"], ["สหประชาชาติ", "ORG", "UN"]]}

``entities`` lists every mention **in the order it appears**; each is found at
its next occurrence after the previous mention's end. To skip an earlier
occurrence of the same string, give a 4th element: the number of occurrences
of that string to skip from the current position (``["จีน", "COUNTRY", "CN", 1]``).

    python training/annotation/resolve.py BATCH.input.jsonl BATCH.labels.jsonl [--show] [--out GOLD.jsonl]

Exit 1 with one line per problem when anything does not resolve or validate.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aseanner.data import validate_record  # noqa: E402
from aseanner.taxonomy import SECTOR_IDS  # noqa: E402

KEEP = ("source", "para")


def resolve_record(inp: dict, lab: dict) -> tuple[dict, list[str]]:
    text = inp["text"]
    errors: list[str] = []
    sectors = lab.get("sectors", [])
    entities = []
    cursor = 0
    for item in lab.get("entities", []):
        if not isinstance(item, list) or len(item) not in (3, 4):
            errors.append(f"entity must be [text, label, id(, skip)], got {item!r}")
            continue
        mention, label, cid = item[:3]
        skip = item[3] if len(item) == 4 else 0
        pos = cursor
        for _ in range(skip + 1):
            found = text.find(mention, pos)
            if found < 0:
                break
            start = found
            pos = found + 1
        if found < 0 or not mention:
            errors.append(f"mention {mention!r} not found after offset {cursor}")
            continue
        ent = {"start": start, "end": start + len(mention), "label": label}
        if label in ("COUNTRY", "ORG") or cid is not None:
            ent["id"] = cid
        entities.append(ent)
        cursor = ent["end"]
    rec = {"id": inp["id"], "lang": inp["lang"], "text": text, "sectors": sectors, "entities": entities}
    # the data contract's own checks; an ORG id the registry lacks is allowed here (INSTRUCTIONS.md)
    errors += [f"{p.field}: {p.message} (fix: {p.fix})" for p in validate_record(rec) if p.severity == "error"]
    if not errors:
        rec["sectors"] = sorted(set(sectors), key=SECTOR_IDS.index)
    for k in KEEP:
        if k in inp:
            rec[k] = inp[k]
    return rec, errors


def show(rec: dict) -> str:
    text, out, pos = rec["text"], [], 0
    for e in rec["entities"]:
        out.append(text[pos:e["start"]])
        out.append(f"[{text[e['start']:e['end']]}|{e['label']}{'|' + str(e.get('id')) if e['label'] in ('COUNTRY', 'ORG') else ''}]")
        pos = e["end"]
    out.append(text[pos:])
    return f"{rec['id']} {rec['sectors']}\n  " + "".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", type=Path)
    ap.add_argument("labels", type=Path)
    ap.add_argument("--show", action="store_true", help="print every paragraph with its bracketed mentions")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--method", default="", help="text stored in each record's 'method' field")
    args = ap.parse_args(argv)
    inputs = {}
    for line in open(args.input, encoding="utf-8"):
        r = json.loads(line)
        inputs[r["id"]] = r
    labels, problems = {}, []
    for n, line in enumerate(open(args.labels, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            lab = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{args.labels}:{n}: invalid JSON: {exc}")
            continue
        if lab.get("id") not in inputs:
            problems.append(f"{args.labels}:{n}: id {lab.get('id')!r} is not in {args.input}")
            continue
        if lab["id"] in labels:
            problems.append(f"{args.labels}:{n}: id {lab['id']!r} labelled twice")
        labels[lab["id"]] = lab
    missing = [i for i in inputs if i not in labels]
    for i in missing:
        problems.append(f"{i}: no labels")
    records = []
    for i, inp in inputs.items():
        if i not in labels:
            continue
        rec, errs = resolve_record(inp, labels[i])
        problems.extend(f"{i}: {e}" for e in errs)
        if args.method:
            rec["method"] = args.method
        records.append(rec)
        if args.show:
            print(show(rec))
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(records)} records, {len(problems)} problems", file=sys.stderr)
    if args.out and not problems:
        with open(args.out, "w", encoding="utf-8") as fh:
            for rec in records:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

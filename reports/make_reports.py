"""Regenerate the evaluation reports of the default model.

Runs :func:`aseanner.evaluate.evaluate_file` on each gold file below with the
default model (``$ASEANNER_MODEL`` if set, else the bundled ``models/``) and
writes, next to this script::

    reports/seeds.{json,md,html}          <- seeds/gold.jsonl (hand-labelled seed documents)
    reports/test.{json,md,html}           <- training/data/test.jsonl (held-out test split)
    reports/test-unlisted.{json,md,html}  <- the test split again, scored as if the registry lacked
                                             every name it tags as PERSON, LOC or ORG without id

The registry was collected from raw corpora that hold the test documents, so
``test`` rewards knowing their names; new text brings names the registry
lacks, and ``test-unlisted`` shows the model (and the lookup baseline) on those.

Each report compares the model with the lookup baseline (registry names and
sector cue words) and lists the model's commonest errors per label. Paths in
the reports are relative to the repository root, so the files do not depend
on where the clone lives. Run it from anywhere after every (re)training::

    python reports/make_reports.py                 # default model
    python reports/make_reports.py --model DIR     # another model directory
    python reports/make_reports.py --errors 20     # longer error lists

It prints the text table of each evaluation and exits 1 if a gold file breaks
the labelling contract or the model cannot be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).resolve().parent
TEST = ROOT / "training" / "data" / "test.jsonl"
GOLD = {"seeds": (ROOT / "seeds" / "gold.jsonl", False), "test": (TEST, False), "test-unlisted": (TEST, True)}


def _rel(path: str | None) -> str | None:
    if path is None:
        return None
    p = Path(path).resolve()
    try:
        return p.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="model directory (default: $ASEANNER_MODEL or the bundled model)")
    ap.add_argument("--errors", type=int, default=10, help="errors listed per label and kind (default 10)")
    ap.add_argument("--out", type=Path, default=OUT, help="directory to write the reports to (default: reports/)")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from aseanner import report
    from aseanner.bundle import ModelIntegrityError, load
    from aseanner.data import DataError, read_jsonl
    from aseanner.evaluate import evaluate
    from aseanner.resources import default_model_dir

    try:
        model = load(args.model or default_model_dir())
    except (FileNotFoundError, ModelIntegrityError) as exc:
        print(f"make_reports: error: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (gold, unlisted) in GOLD.items():
        try:
            records = read_jsonl(gold)
        except (DataError, FileNotFoundError) as exc:
            print(f"make_reports: error: {gold}: {exc}", file=sys.stderr)
            return 1
        result = evaluate(model, records, n_errors=args.errors, gold_path=_rel(str(gold)), unlisted=unlisted)
        result["meta"]["model"] = _rel(result["meta"]["model"])
        print(f"== {name}: {_rel(str(gold))}")
        print(report.table(result))
        for ext, render in (("json", report.to_json), ("md", report.to_markdown), ("html", report.to_html)):
            path = args.out / f"{name}.{ext}"
            path.write_text(render(result), encoding="utf-8")
            print(f"wrote {_rel(str(path))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

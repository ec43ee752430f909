"""Command line: ``aseanner {predict,validate,convert,train,evaluate}``; the only module that prints or exits.

Exit codes: 0 success, 1 a data or file problem, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: usage + message, exit 2
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _fail(msg: str) -> int:
    print(f"aseanner: error: {msg}", file=sys.stderr)
    return EXIT_DATA


def _read_text_file(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _names_a_file(text: str) -> bool:
    """Whether ``text`` is also the path of an existing file (never for multi-line or over-long text)."""
    if "\n" in text:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL character
        return False


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def _json_object(value: str) -> dict:
    try:
        obj = json.loads(value)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON ({exc.msg}): {value!r}") from None
    if not isinstance(obj, dict):
        raise argparse.ArgumentTypeError(f"must be a JSON object such as '{{\"tagger_max_iter\": 30}}', got {value!r}")
    return obj


# ---- predict -------------------------------------------------------------
def cmd_predict(args) -> int:
    import aseanner
    from aseanner.bundle import ModelIntegrityError

    if args.model:
        try:
            aseanner.load(args.model)
        except (FileNotFoundError, ModelIntegrityError) as exc:
            return _fail(f"cannot load model: {exc}")
    try:
        if args.jsonl:
            src = open(args.file, encoding="utf-8") if args.file else sys.stdin
            texts, bad = [], []
            with src:
                for n, line in enumerate(src, 1):
                    if n == 1:
                        line = line.removeprefix("\ufeff")  # a byte-order mark, as Windows editors write
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        bad.append(f"line {n}: invalid JSON ({exc.msg})")
                        continue
                    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                        bad.append(f"line {n}: expected an object with a string 'text'")
                        continue
                    texts.append(obj["text"])
            if bad:
                for b in bad:
                    print(f"aseanner: error: {args.file or '<stdin>'}: {b}", file=sys.stderr)
                return EXIT_DATA
            for doc in aseanner.predict_many(texts, n_jobs=args.jobs):
                print(json.dumps(doc.to_dict(), ensure_ascii=False))
            return EXIT_OK
        if args.text is not None:
            text = args.text
            if _names_a_file(text):
                # predicting a file's name is never what was meant, but a short text may name a file
                print(f"aseanner: note: {text!r} is also a file; this predicts the text itself. "
                      f"To read the file: aseanner predict --file {text}", file=sys.stderr)
        elif args.file:
            text = _read_text_file(args.file)
        else:
            text = sys.stdin.read()
        print(json.dumps(aseanner.predict(text).to_dict(), ensure_ascii=False, indent=None if args.compact else 2))
        return EXIT_OK
    except UnicodeDecodeError as exc:
        return _fail(f"cannot read {args.file or '<stdin>'}: not valid UTF-8 ({exc.reason}); re-save it as UTF-8")
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        return _fail(f"cannot read input: {exc}")
    except ModelIntegrityError as exc:
        return _fail(str(exc))


# ---- validate ------------------------------------------------------------
def cmd_validate(args) -> int:
    from aseanner.data import summarize, validate_files

    missing = [p for p in args.files if not Path(p).is_file()]
    if missing:
        return _fail(f"cannot read {missing[0]}: no such file")
    report = validate_files(args.files)
    for p in report.problems:
        print(p)
    if report.errors:
        print(f"{len(report.errors)} error(s), {len(report.warnings)} warning(s) in {len(args.files)} file(s)",
              file=sys.stderr)
        return EXIT_DATA
    s = summarize(report.records)
    print(f"OK: {s['records']} records; paragraphs per language {s['paragraphs_per_lang']}; "
          f"{len(report.warnings)} warning(s)")
    print("sectors: " + ", ".join(f"{k} {v}" for k, v in s["sectors"].items()))
    print("entities: " + ", ".join(f"{k} {v}" for k, v in s["entities"].items()))
    return EXIT_OK


# ---- convert -------------------------------------------------------------
def cmd_convert(args) -> int:
    from aseanner.convert import convert
    from aseanner.data import DataError, write_jsonl

    if not Path(args.input).is_file():
        return _fail(f"cannot read {args.input}: no such file")
    mapping = None
    if args.mapping:
        try:
            mapping = json.loads(_read_text_file(args.mapping))
        except (OSError, json.JSONDecodeError) as exc:
            return _fail(f"cannot read mapping {args.mapping}: {exc}")
    try:
        records, dropped = convert(args.source, args.input, mapping)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return EXIT_DATA
    for d in dropped:
        print(f"dropped: {d}", file=sys.stderr)
    try:
        n = write_jsonl(records, args.output)
    except OSError as exc:
        return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    print(f"wrote {n} records to {args.output}; dropped {len(dropped)} item(s)")
    return EXIT_OK


# ---- train ---------------------------------------------------------------
def _read_gold(paths: list[str]) -> list[dict]:
    from aseanner.data import read_jsonl

    return read_jsonl(paths) if paths else []


def _valid_added_name(entry) -> bool:
    """Does a name added with ``--add-names`` carry an id of its type's shape (or none where none is due)?"""
    from aseanner.registry import Registry

    if entry.type == "COUNTRY":
        return Registry.is_valid_country_id(entry.id)
    if entry.type == "ORG":
        return not entry.id or Registry.is_valid_org_id(entry.id)
    return not entry.id


def cmd_train(args) -> int:
    from aseanner import bundle
    from aseanner.data import DataError
    from aseanner.registry import Registry
    from aseanner.resources import boundary_words, bundled_model_dir, resource_path
    from aseanner.cues import default_cues
    from aseanner.train import evaluate_records, split_by_document, train_model

    def progress(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    for p in args.data + args.dev + args.test + args.add_names + ([args.registry] if args.registry else []):
        if not Path(p).is_file():
            return _fail(f"cannot read {p}: no such file")
    try:
        train = _read_gold(args.data)
        dev = _read_gold(args.dev)
        tests = {Path(p).name: _read_gold([p]) for p in args.test}
    except DataError as exc:
        print(exc, file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return EXIT_DATA
    if not train:
        return _fail("no training records; pass --data FILE with labelled paragraphs")
    if not dev:
        train, dev = split_by_document(train, 0.15, args.seed)
        progress(f"no --dev given: {len(dev)} paragraphs of 15% of the documents held out as dev")
    dev_ids = {r["id"] for r in dev}
    leak = [r["id"] for r in train if r["id"] in dev_ids]
    if leak:
        return _fail(f"records in both training and dev data: {leak[:5]}")
    tok_path = Path(args.tokenizer) if args.tokenizer else bundled_model_dir() / "tokenizer.model"
    if not tok_path.is_file():
        return _fail(f"tokenizer {tok_path} not found; pass --tokenizer training/tokenizer/aseanner-sp.model")
    registry_path = Path(args.registry) if args.registry else resource_path("registry.tsv")
    try:
        added = Registry.from_tsv(args.add_names)
        bad = [e for e in added.entries if not _valid_added_name(e)]
        if bad:
            return _fail(f"--add-names: {len(bad)} name(s) with an id that does not fit their type, first "
                         f"{bad[0].name!r} ({bad[0].type}, id {bad[0].id!r}); a COUNTRY needs its ISO 3166-1 "
                         "alpha-2 code (CA), an ORG an upper-case acronym with hyphens (UCLG-ASPAC) or no id, "
                         "a PERSON or LOC no id")
        # your names first: the first entry of a name wins, so they override the registry's
        registry = Registry([*added.entries, *Registry.from_tsv([registry_path]).entries])
    except ValueError as exc:
        return _fail(str(exc))
    lexicon = boundary_words()
    config = args.config
    t0 = time.time()
    try:
        model, facts = train_model(train, dev, tok_path.read_bytes(), registry, lexicon, seed=args.seed,
                                   config=config, cues=default_cues(), progress=progress)
    except ValueError as exc:
        print(f"aseanner: error: {exc}\nnothing was written", file=sys.stderr)
        return EXIT_DATA
    progress("evaluating on dev and test data")
    metrics = {"dev": facts.pop("dev_metrics", None) or evaluate_records(model, dev)}
    for name, recs in tests.items():
        metrics[name] = evaluate_records(model, recs)
    from aseanner.bundle import sha256_file
    from aseanner.spans import TAGS
    from aseanner.taxonomy import ENTITY_LABELS, SECTOR_IDS as SIDS

    manifest = {
        "trained_at_seed": args.seed,
        "command": "aseanner train " + " ".join(sys.argv[2:]) if args.record_command is None else args.record_command,
        "training_seconds": round(time.time() - t0, 1),
        "data": {"train": [{"path": p, "sha256": sha256_file(p), "records": sum(1 for _ in open(p, encoding="utf-8") if _.strip())} for p in args.data],
                 "dev": [{"path": p, "sha256": sha256_file(p)} for p in args.dev],
                 "test": [{"path": p, "sha256": sha256_file(p)} for p in args.test],
                 "train_records": len(train), "dev_records": len(dev)},
        "tokenizer": {"source": str(tok_path), "vocab_size": model.tokenizer.vocab_size},
        "labels": {"sectors": list(SIDS), "entities": list(ENTITY_LABELS), "tags": list(TAGS)},
        "thresholds": {s: round(float(t), 4) for s, t in zip(SIDS, model.sectors.thresholds_)},
        # the thresholds above are for paragraphs that name none of the sector's cue words
        "cue_threshold": model.sectors.cue_threshold,
        "config": model.config,
        "facts": facts,
        "metrics": metrics,
        "metrics_note": ("dev: scored by the model fitted on the training data alone, at the sector thresholds "
                         "tuned on dev (its sector scores are slightly optimistic); dev was then added to the "
                         "training data of the saved model"
                         if model.config.get("refit_with_dev") else "dev tuned the sector thresholds")
                        + "; test sets: never seen in training or tuning",
    }
    out = bundle.save(model, args.out, manifest)
    progress(f"model written to {out}")
    for name, m in metrics.items():
        print(f"{name}: sectors micro-F1 {_f(m.get('sectors.micro.f1'))}, entities F1 {_f(m.get('entities.micro.f1'))}, "
              f"linking F1 {_f(m.get('linking.paragraph.all.f1'))}")
    return EXIT_OK


def _f(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


# ---- evaluate ------------------------------------------------------------
def cmd_evaluate(args) -> int:
    from aseanner.bundle import ModelIntegrityError
    from aseanner.data import DataError
    from aseanner.evaluate import evaluate_file
    from aseanner import report

    if not Path(args.gold).is_file():
        return _fail(f"cannot read {args.gold}: no such file")
    outputs = [(flag, render, getattr(args, flag))
               for flag, render in (("json", report.to_json), ("markdown", report.to_markdown), ("html", report.to_html))
               if getattr(args, flag)]
    for flag, _, path in outputs:  # checked before the evaluation, not after it
        problem = ("it is a directory" if Path(path).is_dir() else
                   None if Path(path).resolve().parent.is_dir() else "its folder does not exist")
        if problem:
            return _fail(f"cannot write --{flag} {path}: {problem}; give a file path in an existing folder")
    try:
        result = evaluate_file(args.gold, args.model, unlisted=args.unlisted)
    except DataError as exc:
        print(exc, file=sys.stderr)
        return EXIT_DATA
    except (FileNotFoundError, ModelIntegrityError) as exc:
        return _fail(str(exc))
    print(report.table(result))
    for flag, render, path in outputs:
        try:
            Path(path).write_text(render(result), encoding="utf-8")
        except OSError as exc:
            return _fail(f"cannot write --{flag} {path}: {exc.strerror or exc}")
        print(f"wrote {path}", file=sys.stderr)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from aseanner import __version__

    ap = _Parser(prog="aseanner", description="Sectors and partner entities in Thai and Khmer ASEAN news.")
    ap.add_argument("--version", action="version", version=f"aseanner {__version__}")
    sub = ap.add_subparsers(dest="command", parser_class=_Parser, required=True)

    p = sub.add_parser("predict", help="predict sectors and entities of a text, a file or stdin")
    p.add_argument("text", nargs="?", help="the text itself (else --file or stdin)")
    p.add_argument("--file", "-f", help="read the text (or JSONL with --jsonl) from this file")
    p.add_argument("--jsonl", action="store_true", help="input is JSONL with a 'text' per line; output one result per line")
    p.add_argument("--model", help="model directory (default: $ASEANNER_MODEL or the bundled model)")
    p.add_argument("--jobs", type=_positive_int, default=1, help="worker processes for --jsonl")
    p.add_argument("--compact", action="store_true", help="one-line JSON output")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("validate", help="check gold JSONL files against the annotation guide")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert doccano/Label Studio/Prodigy/CoNLL exports to gold JSONL")
    p.add_argument("--from", dest="source", required=True, choices=["doccano", "labelstudio", "prodigy", "conll"])
    p.add_argument("--mapping", help="JSON file renaming labels: {\"labels\": {...}, \"sectors\": {...}}")
    p.add_argument("input")
    p.add_argument("output")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("train", help="train a model directory from gold JSONL files")
    p.add_argument("--data", action="append", required=True, help="training JSONL (repeat for several)")
    p.add_argument("--dev", action="append", default=[], help="dev JSONL for thresholds (default: 15%% of --data documents)")
    p.add_argument("--test", action="append", default=[], help="test JSONL scored into the manifest")
    p.add_argument("--out", required=True, help="model directory to write (replaced atomically)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--tokenizer", help="SentencePiece model (default: the bundled model's)")
    p.add_argument("--registry", help="registry TSV (default: the bundled registry)")
    p.add_argument("--add-names", action="append", default=[], metavar="TSV",
                   help="names to add to the registry: a TSV with the columns id, type, lang, name (repeat for "
                        "several); they win over the registry's own entry for the same name")
    p.add_argument("--config", type=_json_object, help="JSON object overriding training settings")
    p.add_argument("--record-command", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a model on a gold JSONL file, with a lookup baseline")
    p.add_argument("gold")
    p.add_argument("--model", help="model directory (default: $ASEANNER_MODEL or the bundled model)")
    p.add_argument("--json", help="write the metrics and errors as JSON")
    p.add_argument("--markdown", help="write a Markdown report")
    p.add_argument("--html", help="write a self-contained HTML report")
    p.add_argument("--unlisted", action="store_true",
                   help="score as if the registry lacked the gold file's own person, place and id-less "
                        "organisation names (how the model does on names it has never seen)")
    p.set_defaults(func=cmd_evaluate)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

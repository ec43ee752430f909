"""Entity F1 of the training recipe on new documents: grouped 5-fold CV over train + dev.

    python training/tagger_cv.py                                # about 11 minutes on 2 cores
    python training/tagger_cv.py --config '{"tagger_C": 2.0}'   # a variant of the recipe
    git show ece5780:aseanner/resources/registry.tsv > /tmp/old.tsv
    python training/tagger_cv.py --registry /tmp/old.tsv        # the registry before a change
    python training/tagger_cv.py --o-penalty 0 0.5 1            # decoding penalties, one fit per fold

The documents of train + dev (real paragraphs only) are dealt into five
folds (seeded, never splitting a document). For each fold the whole model is
trained as ``training/train.py`` does (synthetic and ThaiNER records always
train; no refit with dev) on the other four folds and predicts the held-out
one twice: as is (``strict_f1``), and as if the registry and the
tokenizer's boundary lexicon lacked every name the fold tags as PERSON, LOC or
ORG without id (``unlisted_strict_f1``). The registry was collected from
corpora that hold these documents, so the first rewards knowing their names;
the second shows the tagger on the names new text brings. Strict-span F1 is
pooled over all held-out paragraphs, overall, per label and per language. Dev
alone has about 2,800 mentions; the pooled folds have about 18,000, so
differences of a few thousandths are easier to tell from noise. With
``--o-penalty``, each fold's model decodes once per given ``o_penalty`` (a
decoding setting: no refit) and the figures come per penalty. Needs only
the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.cues import default_cues  # noqa: E402
from aseanner.data import read_jsonl  # noqa: E402
from aseanner.metrics import doc_key, prf  # noqa: E402
from aseanner.registry import Registry  # noqa: E402
from aseanner.resources import boundary_words, resource_path  # noqa: E402
from aseanner.train import predict_records, train_model, unlisted_names, without_names  # noqa: E402

DATA = ROOT / "training" / "data"
TOKENIZER = ROOT / "training" / "tokenizer" / "aseanner-sp.model"
LABELS = ("COUNTRY", "ORG", "PERSON", "LOC")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=json.loads, default={}, help="JSON overrides of the training config")
    ap.add_argument("--registry", default=str(resource_path("registry.tsv")), help="registry TSV to train with")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0, help="seed of the fold assignment")
    ap.add_argument("--o-penalty", type=float, nargs="+", metavar="P",
                    help="decode each fold's model with each of these o_penalty values (default: the config's)")
    args = ap.parse_args(argv)

    real = read_jsonl([DATA / "train.jsonl", DATA / "dev.jsonl"])
    always = read_jsonl([DATA / "synthetic.jsonl", DATA / "thainer-train.jsonl"])
    docs = sorted({doc_key(r["id"]) for r in real})
    random.Random(args.seed).shuffle(docs)
    fold_of = {d: i % args.folds for i, d in enumerate(docs)}
    registry = Registry.from_tsv([Path(args.registry)])
    lexicon = boundary_words()
    config = {**args.config, "refit_with_dev": False}

    penalties = args.o_penalty or [None]
    counts: dict[str, list[int]] = {}  # "penalty:[unlisted.]key" -> [tp, fp, fn]

    def add(key: str, gold: set, pred: set) -> None:
        c = counts.setdefault(key, [0, 0, 0])
        c[0] += len(gold & pred)
        c[1] += len(pred - gold)
        c[2] += len(gold - pred)

    t0 = time.time()
    for k in range(args.folds):
        train = [r for r in real if fold_of[doc_key(r["id"])] != k] + always
        held = [r for r in real if fold_of[doc_key(r["id"])] == k]
        model, _ = train_model(train, held, TOKENIZER.read_bytes(), registry, lexicon, seed=13, config=config,
                               cues=default_cues(), progress=lambda msg: None)
        unlisted = without_names(model, unlisted_names(held))
        runs = [(p, f"{p}:{kind}", m) for p in penalties for kind, m in (("", model), ("unlisted.", unlisted))]
        for penalty, prefix, m in runs:
            if penalty is not None:
                m.tagger.o_penalty = penalty  # the copy shares the fitted tagger
            for gold_rec, pred_rec in zip(held, predict_records(m, held)):
                gold = {(e["start"], e["end"], e["label"]) for e in gold_rec["entities"]}
                pred = {(e["start"], e["end"], e["label"]) for e in pred_rec["entities"]}
                lang = gold_rec["lang"]
                for key in ("all", lang):
                    add(prefix + key, gold, pred)
                for label in LABELS:
                    g = {s for s in gold if s[2] == label}
                    p = {s for s in pred if s[2] == label}
                    add(f"{prefix}{label}", g, p)
                    add(f"{prefix}{lang}.{label}", g, p)
        print(f"fold {k + 1}/{args.folds} done ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)

    def scores(penalty) -> dict:
        f1 = {key[len(f"{penalty}:"):]: (None if (v := prf(*c)[2]) is None else round(v, 4))
              for key, c in sorted(counts.items()) if key.startswith(f"{penalty}:")}
        return {"strict_f1": {k: v for k, v in f1.items() if not k.startswith("unlisted.")},
                "unlisted_strict_f1": {k[len("unlisted."):]: v for k, v in f1.items() if k.startswith("unlisted.")}}

    first = counts[f"{penalties[0]}:all"]
    out = {"config": args.config, "registry": args.registry, "folds": args.folds, "mentions": first[0] + first[2]}
    if args.o_penalty:
        out["by_o_penalty"] = {str(p): scores(p) for p in penalties}
    else:
        out.update(scores(None))
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""How the sector decision rule carries over to documents unlike the training ones.

    python training/sector_rule_cv.py                    # about a minute; needs only the repository
    python training/sector_rule_cv.py --learning-curve   # grouped CV with 25/50/75/100% of the training documents

Compares, on the real paragraphs of train + dev (synthetic records only ever
train), three ways to decide a paragraph's sectors:

- ``lookup``: a sector is predicted when one of its cue words occurs outside
  the tagger's entity mentions;
- ``model``: the sector classifier's probability at 0.5;
- ``rule``: probability at ``cue_threshold`` where a cue word occurs outside
  mentions, at ``sector_threshold`` elsewhere (the shipped rule, before dev tuning).

under two splits: grouped 5-fold CV by document (new documents of the same
sources and years) and leave-one-group-out, where a group is a Thai year or a
Khmer source (new years and sources). Micro-F1 is pooled over all held-out
paragraphs. ``--learning-curve`` instead keeps the grouped CV's held-out folds
and trains each fold on a seeded 25%, 50%, 75% and all of its documents. The
committed model supplies the tokenizer, cue words and tagger mentions (the
tagger saw all of train + dev, so mentions are a little better than on unseen
text); the IDF and the sector classifier are fitted per fold.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402

import aseanner  # noqa: E402
from aseanner.data import read_jsonl  # noqa: E402
from aseanner.features import paragraph_matrix  # noqa: E402
from aseanner.metrics import doc_key, prf  # noqa: E402
from aseanner.sectors import SectorClassifier  # noqa: E402
from aseanner.taxonomy import SECTOR_IDS  # noqa: E402
from aseanner.train import DEFAULT_CONFIG, GoldViews, encode_views  # noqa: E402

DATA = ROOT / "training" / "data"




def group_of(record: dict, dates: dict[str, str]) -> str:
    if record["lang"] == "th":
        return "th-" + dates.get(record["id"], "????")[:4]
    return "km-" + record["source"].split(":")[0].split("-")[1]


def micro_f1(pred: np.ndarray, gold: np.ndarray) -> float | None:
    tp = int((pred & gold).sum())
    f1 = prf(tp, int(pred.sum()) - tp, int(gold.sum()) - tp)[2]
    return None if f1 is None else round(f1, 4)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--learning-curve", action="store_true",
                    help="grouped CV only, training on 25/50/75/100%% of each fold's training documents")
    args = ap.parse_args(argv)
    real = read_jsonl([DATA / "train.jsonl", DATA / "dev.jsonl"])
    recs = real + read_jsonl(DATA / "synthetic.jsonl")
    dates = {}  # Thai documents' dates live in the annotation batches, not in the gold records
    for path in glob.glob(str(ROOT / "training" / "annotation" / "batches" / "*.input.jsonl")):
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            if "date" in r:
                dates[r["id"]] = r["date"]
    model = aseanner.load()
    cfg = DEFAULT_CONFIG
    gv = GoldViews(recs)
    tok = encode_views(model, gv.views)
    n = len(recs)
    counts = paragraph_matrix(tok, n, model.tokenizer.n_ids, cfg["paragraph_buckets"])
    gold = np.array([[p, s, e] for p, spans in enumerate(gv.spans) for s, e, label in spans if label != "COUNTRY"],
                    dtype=np.int64).reshape(-1, 3)
    tagged = model.mentions(tok)
    Y = np.array([[s in r["sectors"] for s in SECTOR_IDS] for r in recs])
    synthetic = np.array([bool(r.get("synthetic")) for r in recs])
    lang = np.array([r["lang"] for r in recs])

    docs = sorted({doc_key(r["id"]) for r in real})
    random.Random(0).shuffle(docs)
    fold_of = {d: str(i % 5) for i, d in enumerate(docs)}
    splits = {"grouped 5-fold CV by document": np.array([fold_of[doc_key(r["id"])] for r in real] + [""] * (n - len(real))),
              "leave one year (th) / source (km) out": np.array([group_of(r, dates) for r in real] + [""] * (n - len(real)))}
    a, b = cfg["cue_threshold"], cfg["sector_threshold"]
    runs = [(split, fold, None) for split, fold in splits.items()]
    if args.learning_curve:
        fold = splits["grouped 5-fold CV by document"]
        runs = []
        for share in (0.25, 0.5, 0.75, 1.0):
            rng = random.Random(1)
            kept = {d for d in docs if rng.random() < share}
            keep = np.array([doc_key(r["id"]) in kept for r in real] + [True] * (n - len(real)))
            runs.append((f"grouped 5-fold CV, {share:.0%} of the training documents", fold, keep))
    results = {}
    for split, fold, keep in runs:
        preds = {k: np.zeros_like(Y) for k in ("lookup", "model", "rule")}
        for g in sorted(set(fold) - {""}):
            train, test = np.flatnonzero(fold != g), np.flatnonzero(fold == g)  # synthetic rows ("") always train
            if keep is not None:
                train = train[keep[train]]
            fold_model = dataclasses.replace(model, idf=TfidfTransformer(sublinear_tf=True).fit(counts[train]).idf_)
            X_train, _ = fold_model.sector_inputs(tok, n, gold)  # gold mentions in training, as train.py does
            X_use, cued = fold_model.sector_inputs(tok, n, tagged)
            clf = SectorClassifier(C=cfg["sectors_C"]).fit(X_train[train], Y[train])
            P = clf.predict_proba(X_use[test])
            preds["lookup"][test] = cued[test]
            preds["model"][test] = P >= 0.5
            preds["rule"][test] = np.where(cued[test], P >= a, P >= b)
        held = ~synthetic
        results[split] = {name: {L: micro_f1(p[held & m], Y[held & m])
                                 for L, m in (("all", held), ("th", lang == "th"), ("km", lang == "km"))}
                          for name, p in preds.items()}
    print(json.dumps({"cue_threshold": a, "sector_threshold": b, "micro_f1": results}, indent=1))


if __name__ == "__main__":
    main()

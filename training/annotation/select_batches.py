"""Pick the paragraphs of the labelled corpus and cut them into annotation batches.

READS ../shared/corpora (the raw corpora); a fresh clone without it cannot run
this, and does not need to: the labelled result lives in training/data/.

Thai: whole documents of thaigov-asean-2020-2024, stratified by year and
section, with 4-25 paragraphs and no paragraph over 1,200 characters (long
speeches would swamp the batches; the data card records this bias).
Khmer: every khmer-news-2019 paragraph naming ASEAN (អាស៊ាន); paragraphs of
world/economy/health/technology articles that name a foreign state or
organisation; and rdlab lines naming ASEAN (each line its own document).

Each record carries a registry pre-annotation (``pre``) that the annotator
reads and corrects; nothing is labelled by lookup alone.

    python training/annotation/select_batches.py --seed 13                      # round 1
    python training/annotation/select_batches.py --round 2 --th-paragraphs 640 --km-news-other 320 --km-rdlab 80
    python training/annotation/select_batches.py --round 3 --th-paragraphs 480 --km-news-other 160 --km-rdlab 0
    python training/annotation/select_batches.py --round 4 --th-paragraphs 160 --km-news-other 320 --km-rdlab 0 --batch-size 64
    python training/annotation/select_batches.py --blind 4   # the blind second pass over round 4
    python training/annotation/select_batches.py --round 5 --th-paragraphs 480 --km-news-other 320 --km-rdlab 240
    python training/annotation/select_batches.py --blind 5
    python training/annotation/select_batches.py --round 6 --th-paragraphs 480 --km-news-other 480 --km-rdlab 0
    python training/annotation/select_batches.py --blind 6
    python training/annotation/select_batches.py --round 7 --th-paragraphs 320 --km-news-other 640 --km-rdlab 0 --batch-size 64
    python training/annotation/select_batches.py --blind 7
    python training/annotation/select_batches.py --round 8 --th-paragraphs 0 --km-news-other 512 --km-rdlab 0 --batch-size 64
    python training/annotation/select_batches.py --blind 8   # round 8 found only 225 Khmer paragraphs left

``--blind N`` draws a seeded random 10% per language of round N's batches into
``blind<N>-<lang>.input.jsonl`` with an empty ``pre``, for a second annotator who
labels from scratch (rounds 1-3 drew theirs the same way by hand; their inputs are committed).
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aseanner.gazetteer import default_gazetteer  # noqa: E402
from aseanner.taxonomy import ASEAN_MEMBERS  # noqa: E402
from aseanner.text import normalize, paragraphs  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
OUT = ROOT / "training" / "annotation" / "batches"


def pre_annotate(text: str) -> list[list]:
    nt = normalize(text)
    out = []
    for s, e, entry in default_gazetteer().find(nt.text):
        if entry.type == "LOC":
            continue
        a, b = nt.to_original(s, e)
        out.append([text[a:b], entry.type, entry.id or None])
    return out


def already_selected(field: str = "source") -> set[str]:
    """``field`` (source or id) of every paragraph in existing batches: a later round never repeats them."""
    out = set()
    for path in OUT.glob("*.input.jsonl"):
        for line in open(path, encoding="utf-8"):
            out.add(json.loads(line)[field])
    return out


def thai_docs(rng: random.Random, target: int, skip: set[str] = frozenset()) -> list[dict]:
    docs = [json.loads(l) for l in lzma.open(CORPORA / "thaigov-asean-2020-2024.jsonl.xz", "rt", encoding="utf-8")]
    strata = defaultdict(list)
    for i, d in enumerate(docs):
        paras = paragraphs(d["text"])
        if not 4 <= len(paras) <= 25 or max(p.end - p.start for p in paras) > 1200:
            continue
        if f"thaigov-asean-2020-2024.jsonl.xz:{d['id']}" in skip:
            continue
        strata[d["date"][:4]].append((i, d, paras))
    years = sorted(strata)
    for y in years:
        rng.shuffle(strata[y])
        # spread over sections inside a year: round-robin by section
        by_sec = defaultdict(list)
        for item in strata[y]:
            by_sec[item[1]["section"]].append(item)
        order, secs = [], sorted(by_sec, key=lambda s: -len(by_sec[s]))
        while any(by_sec.values()):
            for s in secs:
                if by_sec[s]:
                    order.append(by_sec[s].pop())
        strata[y] = order
    chosen, n, k = [], 0, 0
    while n < target:
        for y in years:
            if k < len(strata[y]) and n < target:
                i, d, paras = strata[y][k]
                chosen.append((i, d, paras))
                n += len(paras)
        k += 1
    out = []
    for i, d, paras in chosen:
        for j, p in enumerate(paras):
            text = d["text"][p.start:p.end]
            out.append({
                "id": f"thgov-{i:04d}#{j}", "lang": "th", "text": text,
                "source": f"thaigov-asean-2020-2024.jsonl.xz:{d['id']}", "para": j,
                "date": d["date"], "section": d["section"], "pre": pre_annotate(text),
            })
    return out


def khmer_records(rng: random.Random, n_news_other: int, n_rdlab: int, skip: set[str] = frozenset(),
                  skip_ids: set[str] = frozenset(), categories: tuple[str, ...] = ("world", "economy", "health", "technology")) -> list[dict]:
    docs = [json.loads(l) for l in lzma.open(CORPORA / "khmer-news-2019.jsonl.xz", "rt", encoding="utf-8")]
    asean, other = [], []
    for i, d in enumerate(docs):
        for j, p in enumerate(paragraphs(d["text"])):
            text = d["text"][p.start:p.end]
            rec = {"id": f"kmnews-{i:04d}#{j}", "lang": "km", "text": text,
                   "source": f"khmer-news-2019.jsonl.xz:{d['id']}", "para": j,
                   "category": d["category"]}
            if rec["id"] in skip_ids:
                continue
            if "អាស៊ាន" in text:
                asean.append(rec)
            elif d["category"] in categories and len(text) <= 1200:
                pre = pre_annotate(text)
                if any(x[2] and x[2] not in ASEAN_MEMBERS and x[2] != "ASEAN" for x in pre):
                    other.append(rec)
    rng.shuffle(other)
    # at most 4 paragraphs per article keeps the sample spread over articles
    per_doc, picked = defaultdict(int), []
    for rec in other:
        doc = rec["id"].split("#")[0]
        if per_doc[doc] < 4 and len(picked) < n_news_other:
            per_doc[doc] += 1
            picked.append(rec)
    lines = lzma.open(CORPORA / "khmer-sentences-rdlab.txt.xz", "rt", encoding="utf-8").read().split("\n")
    cand = [(i, l) for i, l in enumerate(lines) if "អាស៊ាន" in l and l.strip() and len(l) >= 25
            and f"khmer-sentences-rdlab.txt.xz:line{i + 1}" not in skip]
    rng.shuffle(cand)
    rd = [{"id": f"kmrdlab-{i:06d}#0", "lang": "km", "text": l.rstrip("\r"),
           "source": f"khmer-sentences-rdlab.txt.xz:line{i + 1}", "para": 0} for i, l in cand[:n_rdlab]]
    out = asean + picked + rd
    for rec in out:
        rec["pre"] = pre_annotate(rec["text"])
    return out


def write_batches(records: list[dict], prefix: str, size: int, first: int = 0) -> list[Path]:
    # batches never cut a document in two, so one annotator sees a whole article
    batches, cur, cur_doc = [], [], None
    for rec in records:
        doc = rec["id"].split("#")[0]
        if len(cur) >= size and doc != cur_doc:
            batches.append(cur)
            cur = []
        cur.append(rec)
        cur_doc = doc
    if cur:
        batches.append(cur)
    paths = []
    for k, batch in enumerate(batches):
        path = OUT / f"{prefix}{first + k:02d}.input.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for rec in batch:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def write_blind(round_: int, share: float = 0.1) -> list[Path]:
    """A seeded random ``share`` per language of round ``round_``'s paragraphs, without pre-annotation."""
    paths = []
    for lang in ("th", "km"):
        names = sorted(p.name[:-len(".input.jsonl")] for p in OUT.glob(f"{lang}{round_ - 1}?.input.jsonl"))
        recs = [json.loads(l) for n in names for l in open(OUT / f"{n}.input.jsonl", encoding="utf-8")]
        if not recs:
            continue
        pick = sorted(random.Random(round_).sample(range(len(recs)), round(len(recs) * share)))
        path = OUT / f"blind{round_}-{lang}.input.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for i in pick:
                fh.write(json.dumps({**recs[i], "pre": []}, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--th-paragraphs", type=int, default=860)
    ap.add_argument("--km-news-other", type=int, default=230)
    ap.add_argument("--km-rdlab", type=int, default=220)
    ap.add_argument("--batch-size", type=int, default=80)
    ap.add_argument("--round", type=int, default=1,
                    help="N > 1: a further round that skips everything already in a batch and numbers its batches "
                         "from 10*(N-1); Khmer news also from the 'cambodia' section")
    ap.add_argument("--blind", type=int, metavar="N",
                    help="instead of selecting, write the blind second-pass inputs for round N (10%% per language)")
    args = ap.parse_args(argv)
    if args.blind:
        for p in write_blind(args.blind):
            print(p.name, sum(1 for _ in open(p, encoding="utf-8")))
        return 0
    rng = random.Random(args.seed + args.round - 1)
    OUT.mkdir(parents=True, exist_ok=True)
    skip = already_selected() if args.round > 1 else set()
    skip_ids = already_selected("id") if args.round > 1 else set()
    first = 10 * (args.round - 1)
    cats = ("world", "economy", "health", "technology") + (("cambodia",) if args.round > 1 else ())
    th = thai_docs(rng, args.th_paragraphs, skip)
    km = khmer_records(rng, args.km_news_other, args.km_rdlab, skip, skip_ids, cats)
    for p in write_batches(th, "th", args.batch_size, first) + write_batches(km, "km", args.batch_size, first):
        n = sum(1 for _ in open(p, encoding="utf-8"))
        print(p.name, n)
    print("thai", len(th), "khmer", len(km))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

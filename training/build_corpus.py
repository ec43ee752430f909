"""Assemble training/data/ from the annotated batches: resolve, split by document, write.

Reads training/annotation/batches/*.input.jsonl and *.labels.jsonl (committed;
no ../shared needed). Writes:

- training/data/{train,dev,test}.jsonl: real Thai and Khmer paragraphs, split by
  document with a seeded shuffle per language (test 20%, dev 15% of each
  language's documents); whole documents only, so nothing leaks. Rounds 1-3
  were split together; each later round splits only its new documents, so a
  landing round never moves a document between splits;
- training/data/synthetic.jsonl: project-written paragraphs, ``"synthetic": true``,
  training only;
- training/data/agreement/: the blind second pass over a random 10% and the
  first-pass labels of the same paragraphs, for training/agreement.py;
- training/registry/orgs_from_corpus.tsv: organisation names with ids that the
  train split uses and the registry lacks (dev/test names stay out, so test
  linking is not helped by its own answers).

    python training/build_corpus.py --seed 13
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training" / "annotation"))

from aseanner.data import write_jsonl  # noqa: E402
from aseanner.metrics import doc_key  # noqa: E402
from aseanner.registry import Registry, default_registry  # noqa: E402
from aseanner.text import clean  # noqa: E402
from resolve import resolve_record  # noqa: E402

BATCHES = ROOT / "training" / "annotation" / "batches"
DATA = ROOT / "training" / "data"
JOINT_ROUNDS = 3  # rounds 1-3 were split together when round 3 landed
METHOD = ("registry pre-annotation, then every paragraph read and corrected in full by an annotator "
          "against the guide and training/annotation/INSTRUCTIONS.md (batch {batch})")


def load_batch(name: str) -> list[dict]:
    inputs = {json.loads(l)["id"]: json.loads(l) for l in open(BATCHES / f"{name}.input.jsonl", encoding="utf-8")}
    out, problems = [], []
    labels = {}
    for l in open(BATCHES / f"{name}.labels.jsonl", encoding="utf-8"):
        if l.strip():
            lab = json.loads(l)
            labels[lab["id"]] = lab
    for rid, inp in inputs.items():
        if rid not in labels:
            problems.append(f"{name}: {rid} has no labels")
            continue
        rec, errs = resolve_record(inp, labels[rid])
        problems += [f"{name}: {rid}: {e}" for e in errs]
        if inp.get("synthetic"):
            rec["synthetic"] = True
        out.append(rec)
    if problems:
        raise SystemExit("\n".join(problems))
    return out


def round_of(batch: str) -> int:
    """The annotation round of a batch (th07 -> 1, km21 -> 3, th30 -> 4), numbered as select_batches.py does."""
    return int(batch[2:]) // 10 + 1


def assign_documents(records: list[dict], seed: int, test_share: float, dev_share: float) -> dict[str, str]:
    """Split the documents of ``records`` per language with a seeded shuffle: document key -> split name."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = defaultdict(list)
    for r in records:
        k = doc_key(r["id"])
        if k not in by_lang[r["lang"]]:
            by_lang[r["lang"]].append(k)
    assign = {}
    for lang in sorted(by_lang):
        docs = sorted(by_lang[lang])
        rng.shuffle(docs)
        n_test = max(1, round(len(docs) * test_share))
        n_dev = max(1, round(len(docs) * dev_share))
        for i, d in enumerate(docs):
            assign[d] = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
    return assign


def split(records: list[dict], rounds: dict[int, list[dict]], seed: int, test_share: float, dev_share: float) -> dict[str, list[dict]]:
    """Split by document. Rounds 1-3 were split together (their split is kept as it was); every later
    round splits only its new documents, with its own seeded shuffle and the same shares, so no document
    ever moves between splits when a round lands. A later round's paragraphs of a document an earlier
    round already holds join that document's split, so a document is never in two splits."""
    assign = assign_documents([r for n in sorted(rounds) if n <= JOINT_ROUNDS for r in rounds[n]],
                              seed, test_share, dev_share)
    for n in sorted(k for k in rounds if k > JOINT_ROUNDS):
        new = [r for r in rounds[n] if doc_key(r["id"]) not in assign]
        if new:
            assign.update(assign_documents(new, seed + n, test_share, dev_share))
    out = {"train": [], "dev": [], "test": []}
    for r in records:
        out[assign[doc_key(r["id"])]].append(r)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--test-share", type=float, default=0.2)
    ap.add_argument("--dev-share", type=float, default=0.15)
    args = ap.parse_args(argv)
    names = sorted(p.name[:-len(".labels.jsonl")] for p in BATCHES.glob("*.labels.jsonl"))
    real_batches = [n for n in names if n[:2] in ("th", "km") and n[2:].isdigit()]
    real, rounds = [], defaultdict(list)
    for n in real_batches:
        for r in load_batch(n):
            r["method"] = METHOD.format(batch=n)
            real.append(r)
            rounds[round_of(n)].append(r)
    parts = split(real, rounds, args.seed, args.test_share, args.dev_share)
    DATA.mkdir(parents=True, exist_ok=True)
    for name, recs in parts.items():
        write_jsonl(recs, DATA / f"{name}.jsonl")
        print(f"{name}: {len(recs)} paragraphs, {len({doc_key(r['id']) for r in recs})} documents")
    if "synthetic" in names:
        syn = load_batch("synthetic")
        for r in syn:
            r["synthetic"] = True
            r["method"] = "written by the project (synthetic), labelled by its writer, checked by resolve.py"
        write_jsonl(syn, DATA / "synthetic.jsonl")
        print(f"synthetic: {len(syn)} paragraphs")
    first = {r["id"]: r for r in real}
    (DATA / "agreement").mkdir(exist_ok=True)
    for lang in ("th", "km"):
        # blind-<lang>, blind2-<lang>, blind3-<lang>, ...: 10% of rounds 1, 2, 3, ..., in round order
        blind_names = sorted((int(m.group(1) or 1), n) for n in names
                             if (m := re.fullmatch(rf"blind(\d*)-{lang}", n)))
        blind = [r for _, n in blind_names for r in load_batch(n)]
        if blind:
            write_jsonl(blind, DATA / "agreement" / f"blind-{lang}.jsonl")
            write_jsonl([first[r["id"]] for r in blind], DATA / "agreement" / f"first-{lang}.jsonl")
    # organisation names of the train split that the registry does not know yet
    path = ROOT / "training" / "registry" / "orgs_from_corpus.tsv"
    # the registry as it would be without this file (it is rebuilt from scratch every time)
    previous = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines()[2:]:
            cid, lang, name = line.split("\t")
            previous.add((cid, lang, clean(name)))  # the registry holds names cleaned (build_registry.py)
    base = Registry([e for e in default_registry().entries if (e.id, e.lang, e.name) not in previous])
    rows = set()
    for r in parts["train"]:
        for e in r["entities"]:
            if e["label"] == "ORG" and e.get("id"):
                name = r["text"][e["start"]:e["end"]]
                if base.lookup(name) != e["id"] and base.type_of(e["id"]) in (None, "ORG"):
                    rows.add((e["id"], r["lang"], name))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("# Organisation names with ids used in the train split (written by training/build_corpus.py)\n")
        fh.write("id\tlang\tname\n")
        for row in sorted(rows):
            fh.write("\t".join(row) + "\n")
    print(f"{len(rows)} organisation names from the train split -> {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

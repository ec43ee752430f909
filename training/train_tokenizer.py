"""Train the SentencePiece tokenizer from the raw corpora (and sweep its vocabulary size).

READS ../shared/corpora (raw Thai and Khmer text); a fresh clone cannot run
this and does not need to: the trained model is committed as
``training/tokenizer/aseanner-sp.model`` and ``training/train.py`` uses it.

Text: Thai from thaigov-asean and thaigov-sample, Khmer from khmer-news and
rdlab, balanced by characters (``--chars`` each), seeded sample, normalised
as at prediction time, with every document of the labelled corpus and the
seeds left out. Word-boundary hints: PyThaiNLP newmm (Thai) and khmer-nltk
(Khmer) put spaces between words, so no piece learns to cross a word boundary.

    python training/train_tokenizer.py --vocab 8000 --seed 13
    python training/train_tokenizer.py --sweep 4000,8000,16000,32000   # writes training/tokenizer/sweep.json
"""

from __future__ import annotations

import argparse
import io
import json
import lzma
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sentencepiece as spm  # noqa: E402

from aseanner.text import clean, paragraphs  # noqa: E402
from aseanner.tokenizer import PLACEHOLDER  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
OUTDIR = ROOT / "training" / "tokenizer"


def _labelled_sources() -> set[str]:
    """Source documents used in the labelled corpus (kept out of tokenizer text)."""
    out = set()
    for path in list((ROOT / "training" / "annotation" / "batches").glob("*.input.jsonl")) + list(
            (ROOT / "training" / "data").glob("*.jsonl")):
        for line in open(path, encoding="utf-8"):
            src = json.loads(line).get("source")
            if src:
                out.add(src)
    return out


def _paragraph_texts(docs, exclude: set[str], prefix: str) -> list[str]:
    out = []
    for doc_id, text in docs:
        if f"{prefix}:{doc_id}" in exclude:
            continue
        out.extend(clean(text[p.start:p.end]) for p in paragraphs(text))
    return out


def _sample(paras: list[str], chars: int, rng: random.Random) -> list[str]:
    rng.shuffle(paras)
    out, n = [], 0
    for p in paras:
        if n >= chars:
            break
        out.append(p)
        n += len(p)
    return out


def corpus_text(chars: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    exclude = _labelled_sources()
    th_docs = []
    for name in ("thaigov-asean-2020-2024.jsonl.xz", "thaigov-sample-2020-2024.jsonl.xz"):
        for line in lzma.open(CORPORA / name, "rt", encoding="utf-8"):
            d = json.loads(line)
            th_docs.append((name, d["id"], d["text"]))
    th = []
    for name, doc_id, text in th_docs:
        th.extend(_paragraph_texts([(doc_id, text)], exclude, name))
    km = _paragraph_texts(
        ((d["id"], d["text"]) for d in map(json.loads, lzma.open(CORPORA / "khmer-news-2019.jsonl.xz", "rt", encoding="utf-8"))),
        exclude, "khmer-news-2019.jsonl.xz")
    lines = lzma.open(CORPORA / "khmer-sentences-rdlab.txt.xz", "rt", encoding="utf-8").read().split("\n")
    km += [clean(l) for i, l in enumerate(lines) if l.strip()
           and f"khmer-sentences-rdlab.txt.xz:line{i + 1}" not in exclude]
    return _sample(th, chars, rng), _sample(km, chars, rng)


def segment(th: list[str], km: list[str]) -> list[str]:
    from khmernltk import word_tokenize as km_tok
    from pythainlp.tokenize import word_tokenize as th_tok

    out = []
    t = time.time()
    for p in th:
        out.append(" ".join(w for w in th_tok(p, engine="newmm") if w.strip()))
    print(f"  newmm: {sum(map(len, th)) / (time.time() - t):,.0f} chars/s", flush=True)
    t = time.time()
    for p in km:
        out.append(" ".join(w for w in km_tok(p) if w.strip()))
    print(f"  khmer-nltk: {sum(map(len, km)) / (time.time() - t):,.0f} chars/s", flush=True)
    return out


def train(lines: list[str], vocab: int) -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=vocab, model_type="unigram",
        normalization_rule_name="identity", add_dummy_prefix=False, remove_extra_whitespaces=False,
        split_by_whitespace=True, split_by_unicode_script=True, split_digits=True,
        character_coverage=0.9995, byte_fallback=False, user_defined_symbols=[PLACEHOLDER],
        max_sentencepiece_length=16, num_threads=1, input_sentence_size=0, minloglevel=2,
    )
    return model.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--sweep", default="", help="comma-separated vocabulary sizes to train side by side")
    ap.add_argument("--chars", type=int, default=2_000_000, help="characters of text per language")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    OUTDIR.mkdir(parents=True, exist_ok=True)
    th, km = corpus_text(args.chars, args.seed)
    print(f"text: th {sum(map(len, th)):,} chars in {len(th):,} paragraphs, km {sum(map(len, km)):,} in {len(km):,}")
    lines = segment(th, km)
    sizes = [int(s) for s in args.sweep.split(",") if s] or [args.vocab]
    for v in sizes:
        t = time.time()
        data = train(lines, v)
        name = "aseanner-sp.model" if not args.sweep else f"sp-{v}.model"
        (OUTDIR / name).write_bytes(data)
        print(f"vocab {v}: {len(data):,} bytes in {time.time() - t:.1f}s -> {OUTDIR / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""ThaiNER 1.5 benchmark: aseanner's tagger architecture vs a PyThaiNLP-style CRF, same split.

READS ``../shared/corpora/thainer/1.5-{train,test}.txt`` (outside the repository;
``--corpus DIR`` points elsewhere). ThaiNER is CC-BY 3.0 (wannaphong/thai-ner).
Nothing is written unless ``--json FILE`` is given; nothing in the package or
the model directory is changed.

The benchmark uses the ORIGINAL ThaiNER types and spans, not the project's
converted data (``training/data/thainer-*.jsonl`` re-types and trims them):
``PERSON``, ``ORGANIZATION`` and ``LOCATION`` exactly as tagged (inner
whitespace trimmed), every other ThaiNER type is plain text. Both systems
are trained on ``1.5-train`` and scored on ``1.5-test``.

(a) ``aseanner``: the package's :class:`aseanner.tagger.BIOTagger` (logistic
    regression over BIO tags + constrained Viterbi) on the package's token
    features, built exactly as :func:`aseanner.train.train_model` builds them
    (``train.GoldViews`` for the normalised view, ``train.encode_views`` /
    ``Model.encode`` / ``Model.token_features``, ``spans_to_tags``), with the
    default model's SentencePiece tokenizer, boundary lexicon, registry
    (gazetteer features) and configuration. ThaiNER types are mapped onto the
    tagger's tag space for training (ORGANIZATION->ORG, LOCATION->LOC,
    PERSON->PERSON; COUNTRY stays unused) and back for scoring.
(b) ``crf``: a linear-chain CRF (python-crfsuite, L-BFGS, c1=c2=0.1) with
    PyThaiNLP's ThaiNER feature recipe (``pythainlp.tag.thainer._doc2features``:
    word, stop word, is-Thai, is-space, is-digit, POS, the same for the previous
    and next word, BOS/EOS) on newmm word tokens (whitespace kept as tokens),
    extended with the words at -2/+2 and 1-3 character prefixes/suffixes. POS
    is PyThaiNLP's bundled perceptron ``orchid_ud`` tagger (``--no-pos`` drops
    it; the blackboard tagger ThaiNER 1.5 used needs a download). Training
    tokens are cut at the gold entity boundaries first (as ThaiNER's CoNLL
    release is); test paragraphs are tokenised whole, knowing nothing.

Scoring is seqeval-style entity-level exact match, but on character offsets
into the original line, so the two tokenisations are comparable: a predicted
``(start, end, type)`` counts only if a gold entity has exactly those values.
Micro P/R/F1 overall and per type, train and predict wall time, and the share
of gold test spans whose both ends fall on each system's token boundaries
(an upper bound on its recall) are reported.

Needs the ``bench`` extra (``pip install -e '.[bench]'``: python-crfsuite) and
the trained default model (for its tokenizer/registry/config)::

    python benchmarks/thainer_bench.py --json benchmarks/thainer_bench.json
    python benchmarks/thainer_bench.py --systems aseanner --limit 500   # quick look
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.bundle import load  # noqa: E402
from aseanner.model import Model  # noqa: E402
from aseanner.resources import default_model_dir  # noqa: E402
from aseanner.spans import spans_to_tags, tags_to_spans, token_boundary_share  # noqa: E402
from aseanner.tagger import BIOTagger  # noqa: E402
from aseanner.text import normalize  # noqa: E402
from aseanner.train import (DEFAULT_CONFIG, GoldViews, _paragraph_bounds, encode_views, hidden_names,  # noqa: E402
                            without_names)

CORPUS = ROOT.parent / "shared" / "corpora" / "thainer"
TYPES = ("PERSON", "ORGANIZATION", "LOCATION")
TO_ASEANNER = {"PERSON": "PERSON", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
FROM_ASEANNER = {v: k for k, v in TO_ASEANNER.items()}
TAG_RE = re.compile(r"\[([A-Z_]+)\](.*?)\[/\1\]", re.S)


def _rel(path: Path) -> str:
    """``path`` relative to the repository root when it is inside it or beside it (``../shared``)."""
    p = Path(path).resolve()
    for base, prefix in ((ROOT, ""), (ROOT.parent, "../")):
        try:
            return prefix + p.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


# ---- data ----------------------------------------------------------------
def parse_line(line: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Plain text and ``(start, end, type)`` of PERSON/ORGANIZATION/LOCATION spans (whitespace trimmed).

    >>> parse_line("[PERSON]นายก[/PERSON] ที่ [LOCATION] ไทย [/LOCATION][DATE]วันนี้[/DATE]")
    ('นายก ที่  ไทย วันนี้', [(0, 4, 'PERSON'), (10, 13, 'LOCATION')])
    """
    parts, ents, pos, cursor = [], [], 0, 0
    for m in TAG_RE.finditer(line):
        parts.append(line[cursor:m.start()])
        pos += m.start() - cursor
        tag, inner = m.group(1), m.group(2)
        if tag in TYPES and inner.strip():
            lead = len(inner) - len(inner.lstrip())
            ents.append((pos + lead, pos + lead + len(inner.strip()), tag))
        parts.append(inner)
        pos += len(inner)
        cursor = m.end()
    parts.append(line[cursor:])
    return "".join(parts), ents


def read_split(path: Path, limit: int | None = None) -> list[tuple[str, list]]:
    out = []
    for line in path.read_text(encoding="utf-8-sig").split("\n"):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        text, ents = parse_line(line)
        if text.strip():
            out.append((text, ents))
        if limit and len(out) >= limit:
            break
    return out


# ---- scoring -------------------------------------------------------------
def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "support": tp + fn, "tp": tp, "fp": fp, "fn": fn}


def score(gold: list[list[tuple]], pred: list[list[tuple]]) -> dict:
    """Entity-level exact match (seqeval-style micro average) on ``(start, end, type)`` per paragraph."""
    counts = {t: [0, 0, 0] for t in TYPES}
    for g, p in zip(gold, pred):
        gs, ps = set(g), set(p)
        for t in TYPES:
            gt, pt = {x for x in gs if x[2] == t}, {x for x in ps if x[2] == t}
            counts[t][0] += len(gt & pt)
            counts[t][1] += len(pt - gt)
            counts[t][2] += len(gt - pt)
    out = {t: prf(*c) for t, c in counts.items()}
    out["overall"] = prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return out


# ---- (a) aseanner tagger -------------------------------------------------
class AseannerSystem:
    name = "aseanner"

    def __init__(self, model_dir: Path):
        base = load(model_dir)
        self.cfg = {**DEFAULT_CONFIG, **base.config}
        self.model = Model(tokenizer=base.tokenizer, registry=base.registry, idf=None, sectors=None,
                           tagger=None, config=self.cfg)
        self.describe = (f"BIOTagger(C={self.cfg['tagger_C']}, max_iter={self.cfg['tagger_max_iter']}, "
                         f"transition_weight={self.cfg['transition_weight']}) on aseanner "
                         f"token features; tokenizer/registry/config of {_rel(model_dir)}")

    @staticmethod
    def _records(data):
        return [{"text": t, "entities": [{"start": s, "end": e, "label": TO_ASEANNER[l]} for s, e, l in ents]}
                for t, ents in data]

    def fit(self, data) -> None:
        views = GoldViews(self._records(data))
        # registry names hidden in training as train_model hides them (its default seed)
        hidden = hidden_names(self.model.registry, self.cfg["gaz_dropout"], tuple(self.cfg["gaz_dropout_types"]), 13)
        tok = encode_views(without_names(self.model, hidden), views.views)
        tags = np.zeros(len(tok.ids), dtype=np.int64)
        for (a, b), spans in zip(_paragraph_bounds(tok, len(data)), views.spans):
            tags[a:b] = spans_to_tags(tok.starts[a:b], tok.ends[a:b], spans)[0]
        X = self.model.token_features(tok)
        self.model.tagger = BIOTagger(C=self.cfg["tagger_C"], max_iter=self.cfg["tagger_max_iter"],
                                      o_floor=self.cfg["o_floor"],
                                      transition_weight=self.cfg["transition_weight"],
                                      o_penalty=self.cfg["o_penalty"]).fit(X, tags, seq=tok.seq)

    def predict(self, texts: list[str]) -> list[list[tuple]]:
        nts = [normalize(t) for t in texts]
        tok = encode_views(self.model, [nt.text for nt in nts])
        out: list[list[tuple]] = [[] for _ in texts]
        if not len(tok.ids):
            return out
        logp = self.model.tagger.predict_log_proba(self.model.token_features(tok))
        tags = self.model.tagger.decode_log_proba(logp, tok.seq, tok.glue)
        for a, b, label in tags_to_spans(tags):
            p = int(tok.seq[a])
            if int(tok.seq[b - 1]) != p:
                continue
            s, e = nts[p].to_original(int(tok.starts[a]), int(tok.ends[b - 1]))
            out[p].append((s, e, FROM_ASEANNER[label]))
        return out

    def boundary_share(self, data) -> tuple[int, int]:
        ok = n = 0
        for text, ents in data:
            nt = normalize(text)
            spans = [(a, b, l) for a, b, l in (nt.to_view(s, e) + (l,) for s, e, l in ents) if a < b]
            starts, ends, _ = self.model.tokenizer.tokenize(nt.text)
            k, m = token_boundary_share(starts, ends, spans)
            ok, n = ok + k, n + m
        return ok, n


# ---- (b) CRF peer with PyThaiNLP's ThaiNER features -------------------------
def _offsets(tokens: list[str], start: int = 0) -> list[tuple[int, int]]:
    out, pos = [], start
    for t in tokens:
        out.append((pos, pos + len(t)))
        pos += len(t)
    return out


class CRFSystem:
    name = "crf"

    def __init__(self, pos: bool = True, max_iter: int = 200, c1: float = 0.1, c2: float = 0.1):
        from pythainlp.tokenize import word_tokenize

        try:
            from pythainlp.tag.thainer import _doc2features
        except ImportError:  # pythainlp moved it: the recipe in short
            _doc2features = None
        self._tok = lambda s: word_tokenize(s, engine="newmm", keep_whitespace=True)
        self._doc2features = _doc2features or _recipe
        self.pos = pos
        self.params = {"c1": c1, "c2": c2, "max_iterations": max_iter, "feature.possible_transitions": True}
        self.describe = (f"python-crfsuite lbfgs {self.params}; pythainlp thainer features"
                         f"{' + orchid_ud POS' if pos else ' (no POS)'} + words at ±2 + prefixes/suffixes 1-3; newmm")
        self.model_file = None

    def _pos(self, words: list[str]) -> list[str]:
        if not self.pos:
            return [""] * len(words)
        from pythainlp.tag import pos_tag

        return [p for _, p in pos_tag(words, engine="perceptron", corpus="orchid_ud")]

    def features(self, words: list[str]) -> list[dict]:
        doc = list(zip(words, self._pos(words)))
        out = []
        for i, w in enumerate(words):
            f = dict(self._doc2features(doc, i))
            for k in (-2, 2):
                j = i + k
                f[f"word[{k:+d}]"] = words[j] if 0 <= j < len(words) else ("<BOS>" if j < 0 else "<EOS>")
            for n in (1, 2, 3):
                f[f"prefix{n}"] = w[:n]
                f[f"suffix{n}"] = w[-n:]
            out.append({k: (v if isinstance(v, (str, bool, float, int)) else str(v)) for k, v in f.items()})
        return out

    def _train_tokens(self, text: str, ents: list[tuple]) -> tuple[list[str], list[str]]:
        """newmm tokens cut at gold boundaries, and their BIO labels."""
        cuts = sorted({0, len(text)} | {x for s, e, _ in ents for x in (s, e)})
        words, labels = [], []
        for a, b in zip(cuts, cuts[1:]):
            ent = next((l for s, e, l in ents if s <= a and b <= e), None)
            start_of = next((True for s, _, _ in ents if s == a), False)
            for k, w in enumerate(self._tok(text[a:b])):
                words.append(w)
                if ent is None:
                    labels.append("O")
                else:
                    labels.append(("B-" if start_of and k == 0 else "I-") + ent)
        return words, labels

    def fit(self, data) -> None:
        import tempfile

        import pycrfsuite

        trainer = pycrfsuite.Trainer(verbose=False)
        for text, ents in data:
            words, labels = self._train_tokens(text, ents)
            trainer.append(self.features(words), labels)
        trainer.set_params(self.params)
        self._dir = tempfile.TemporaryDirectory(prefix="thainer-crf-")
        self.model_file = str(Path(self._dir.name) / "model.crfsuite")
        trainer.train(self.model_file)

    def predict(self, texts: list[str]) -> list[list[tuple]]:
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(self.model_file)
        out = []
        for text in texts:
            words = self._tok(text)
            offs = _offsets(words)
            labels = tagger.tag(self.features(words)) if words else []
            out.append(_bio_to_spans(text, labels, offs))
        return out

    def boundary_share(self, data) -> tuple[int, int]:
        ok = n = 0
        for text, ents in data:
            offs = _offsets(self._tok(text))
            k, m = token_boundary_share(np.array([a for a, _ in offs]), np.array([b for _, b in offs]), ents)
            ok, n = ok + k, n + m
        return ok, n


def _recipe(doc, i):
    """PyThaiNLP's ThaiNER token features (used when ``pythainlp.tag.thainer._doc2features`` is missing)."""
    from pythainlp.corpus import thai_stopwords
    from pythainlp.util import is_thai

    stop = thai_stopwords()
    word, pos = doc[i]
    f = {"word.word": word, "word.stopword": word in stop, "word.isthai": is_thai(word),
         "word.isspace": word.isspace(), "postag": pos, "word.isdigit": word.isdigit()}
    if word.isdigit() and len(word) == 5:
        f["word.islen5"] = True
    for k, side in ((-1, "prev"), (1, "next")):
        j = i + k
        if 0 <= j < len(doc):
            w, p = doc[j]
            f.update({f"word.{side}word": w, f"word.{side}isspace": w.isspace(), f"word.{side}isthai": is_thai(w),
                      f"word.{side}stopword": w in stop, f"word.{side}postag": p, f"word.{side}wordisdigit": w.isdigit()})
        else:
            f["BOS" if k < 0 else "EOS"] = True
    return f


def _bio_to_spans(text: str, labels: list[str], offs: list[tuple[int, int]]) -> list[tuple]:
    """Character spans of BIO labels (an I- that does not continue its type opens a span), whitespace trimmed."""
    spans, cur = [], None
    for lab, (a, b) in zip(list(labels) + ["O"], offs + [(len(text), len(text))]):
        typ = lab[2:] if lab != "O" else None
        if cur is not None and (typ != cur[2] or lab.startswith("B-")):
            spans.append(cur)
            cur = None
        if typ is not None:
            cur = (cur[0], b, typ) if cur is not None else (a, b, typ)
    out = []
    for s, e, t in spans:
        seg = text[s:e]
        s2 = s + len(seg) - len(seg.lstrip())
        e2 = e - (len(seg) - len(seg.rstrip()))
        if s2 < e2:
            out.append((s2, e2, t))
    return out


# ---- run -----------------------------------------------------------------
def run(system, train, test) -> dict:
    t0 = time.perf_counter()
    system.fit(train)
    t1 = time.perf_counter()
    pred = system.predict([t for t, _ in test])
    t2 = time.perf_counter()
    ok, n = system.boundary_share(test)
    return {"system": system.name, "describe": system.describe, "train_seconds": round(t1 - t0, 2),
            "predict_seconds": round(t2 - t1, 2), "scores": score([e for _, e in test], pred),
            "test_boundary_share": ok / n if n else None}


def markdown(results: list[dict], n_train: int, n_test: int) -> str:
    lines = [f"ThaiNER 1.5 test ({n_test} paragraphs; trained on 1.5-train, {n_train} paragraphs): "
             "entity-level exact match on character offsets", "",
             "| system | type | P | R | F1 | support |", "|---|---|---|---|---|---|"]
    for r in results:
        for t in ("overall",) + TYPES:
            s = r["scores"][t]
            lines.append(f"| {r['system']} | {t} | {s['precision']:.4f} | {s['recall']:.4f} | {s['f1']:.4f} | "
                         f"{s['support']} |")
    lines += ["", "| system | train s | predict s | gold test spans on token boundaries |", "|---|---|---|---|"]
    for r in results:
        share = "n/a" if r["test_boundary_share"] is None else f"{r['test_boundary_share']:.4f}"
        lines.append(f"| {r['system']} | {r['train_seconds']} | {r['predict_seconds']} | {share} |")
    lines += [""] + [f"- {r['system']}: {r['describe']}" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="ThaiNER directory with 1.5-{train,test}.txt")
    ap.add_argument("--model", type=Path, default=None, help="model directory for tokenizer/registry/config "
                                                             "(default: $ASEANNER_MODEL or the bundled model)")
    ap.add_argument("--systems", default="aseanner,crf", help="comma-separated: aseanner, crf")
    ap.add_argument("--no-pos", action="store_true", help="CRF without POS features")
    ap.add_argument("--crf-iter", type=int, default=200, help="CRF L-BFGS iterations (default 200)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N train and test paragraphs")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)

    for split in ("train", "test"):
        if not (args.corpus / f"1.5-{split}.txt").is_file():
            print(f"thainer_bench: error: {args.corpus / f'1.5-{split}.txt'} not found (pass --corpus DIR)",
                  file=sys.stderr)
            return 1
    train = read_split(args.corpus / "1.5-train.txt", args.limit)
    test = read_split(args.corpus / "1.5-test.txt", args.limit)
    systems = []
    for name in [s.strip() for s in args.systems.split(",") if s.strip()]:
        if name == "aseanner":
            systems.append(AseannerSystem(args.model or default_model_dir()))
        elif name == "crf":
            try:
                import pycrfsuite  # noqa: F401
            except ImportError:
                print("thainer_bench: error: python-crfsuite is missing; pip install -e '.[bench]'", file=sys.stderr)
                return 1
            systems.append(CRFSystem(pos=not args.no_pos, max_iter=args.crf_iter))
        else:
            print(f"thainer_bench: error: unknown system {name!r} (aseanner, crf)", file=sys.stderr)
            return 2
    results = []
    for s in systems:
        print(f"[{time.strftime('%H:%M:%S')}] {s.name}: training on {len(train)} paragraphs", file=sys.stderr,
              flush=True)
        results.append(run(s, train, test))
    print(markdown(results, len(train), len(test)))
    if args.json:
        payload = {"benchmark": "ThaiNER 1.5 (original types PERSON/ORGANIZATION/LOCATION), train -> test",
                   "corpus": _rel(args.corpus), "train_paragraphs": len(train), "test_paragraphs": len(test),
                   "gold_test_entities": sum(len(e) for _, e in test), "limit": args.limit,
                   "matching": "entity-level exact match on (start, end, type) character offsets, micro average",
                   "python": platform.python_version(), "results": results,
                   "command": "python benchmarks/thainer_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Fit a :class:`~aseanner.model.Model` from gold records (no paths here; see bundle/cli).

Records with ``"sectors": null`` train the tagger only; they never count as
sector negatives. Synthetic records (``"synthetic": true``) are training
data only and are refused in dev/test.
"""

from __future__ import annotations

import difflib
import hashlib
import random
from dataclasses import replace
from typing import Callable, Iterable

import numpy as np
from sklearn.feature_extraction.text import TfidfTransformer

from .cues import CueMatcher
from .features import Tokens, paragraph_matrix
from .metrics import doc_key, score_by_language
from .model import Model
from .registry import Entry, Registry, name_key
from .resources import person_titles
from .sectors import SectorClassifier
from .spans import spans_to_tags, token_boundary_share
from .tagger import BIOTagger
from .taxonomy import ENTITY_LABELS, SECTOR_IDS
from .text import clean, normalize
from .tokenizer import Tokenizer

DEFAULT_CONFIG = {
    "token_buckets": 1 << 16,
    # a Latin word is one token (its piece, or one of 4 shape ids) with its first and last pieces as
    # features, not SentencePiece's fragments. python training/tagger_cv.py: entity F1 0.921 -> 0.924,
    # PERSON 0.849 -> 0.872, LOC 0.794 -> 0.811, ORG 0.900 -> 0.898; sectors (sector_rule_cv) unchanged
    "latin_words": True,
    "paragraph_buckets": 0,  # no piece bigrams for sectors: grouped 5-fold CV micro-F1 0.732 vs 0.725 with 2**17
    "tagger_C": 1.0,  # dev entity F1 (train-only fits): C 1.0 with ThaiNER weight 0.25 0.899; C 0.5, weight 0.5 0.894
    "tagger_max_iter": 300,
    "sectors_C": 4.0,
    # ThaiNER's spans follow its own conventions, not the guide's. Grouped 5-fold CV over train+dev of
    # rounds 1-7 (17,375 mentions): weight 0.25 entity F1 0.917, ORG 0.885, LOC 0.801, PERSON 0.869
    # (Thai 0.907, Khmer 0.838); 0.1: 0.920, 0.889, 0.812, 0.869 (0.901, 0.843). Dev, train-only fits:
    # 0.917 / 0.922 / 0.922 at 0.25 / 0.1 / 0 (0 drops Thai PERSON 0.896 -> 0.855)
    "ner_only_weight": 0.1,
    # the tagger is fitted on text whose registry lacks this seeded share of its organisation, person and
    # place names (no registry feature, no tokenizer cut: without_names), so that it learns to find the
    # names new text brings and the registry lacks. The registry was collected from corpora holding dev,
    # so plain dev rewards knowing names; "unlisted dev" scores dev with the registry lacking every name
    # dev tags as PERSON, LOC or id-less ORG. Train-only fits, plain / unlisted dev entity F1: none (rounds
    # 1-8) 0.919 / -; 0.5 of PERSON+LOC, registry features only (the previous model) 0.926 / 0.819 (ORG
    # 0.873 / 0.617); ORG+PERSON+LOC, registry features only: 0.5 0.926 / 0.851, 0.7 0.923 / 0.866, 0.8
    # 0.923 / 0.873; features and cuts: 0.5 0.922 / 0.855, 0.8 0.921 / 0.880 (ORG 0.865 / 0.801)
    "gaz_dropout": 0.8,
    "gaz_dropout_types": ["ORG", "PERSON", "LOC"],
    "o_floor": 0.99,
    # learned tag transitions in Viterbi, weighted (dev entity F1 with train-only fits: 0 0.899; with
    # unweighted counts 0.15 0.904, 0.25 0.907, 0.35 0.906; as shipped, 0.25: 0.906, PERSON 0.730 -> 0.770)
    "transition_weight": 0.25,
    # subtracted from the O log-probability in Viterbi (recall for precision). Tagger CV (18,065 mentions),
    # plain / unlisted entity F1: 0 0.918 / 0.869, 0.5 0.917 / 0.873, 0.75 0.915 / 0.875, 1 0.912 / 0.876;
    # ORG 0.882 -> 0.874 at 0.5 (Khmer ORG 0.839 -> 0.835): not worth it by default
    "o_penalty": 0.0,
    "cue_weight": 1.0,
    "cue_by_lang": True,  # Thai and Khmer cue counts in separate columns: grouped CV 0.810 vs 0.802, dev 0.802 vs 0.798
    # sector cues inside entity mentions (กระทรวงพลังงาน) counted apart from the others; gold mentions
    # in training, the tagger's in use. Grouped 5-fold CV 0.810 -> 0.818; leaving one year (Thai) or
    # one source (Khmer) out, dev paragraphs 0.755 -> 0.769
    "cue_split_mentions": True,
    # predicted PERSON spans lose leading titles (resources/person_titles.txt; the guide keeps titles
    # outside; no gold PERSON span of train+dev starts with one). Grouped 5-fold CV over train+dev of
    # rounds 1-6 (14,650 mentions): PERSON 0.865 -> 0.870 (Thai 0.892 -> 0.902), entities 0.920 -> 0.920
    "strip_titles": True,
    "refit_with_dev": True,  # after tuning thresholds on dev, fit again on train + dev
    # each label's dev-tuned threshold is pulled towards the one shared (micro-F1) threshold with the
    # weight of this many dev positives. Grouped 5-fold CV on train+dev, thresholds tuned on one
    # dev-sized fold and scored on another: raw per-label (0) 0.793 micro-F1, 20: 0.806, 40: 0.810,
    # one shared threshold 0.813; per-label was below shared in all five folds.
    "threshold_shrinkage": 40.0,
    # thresholds whose dev F1 is within this of the best count as ties, which go to sector_threshold
    # (same CV as above, with the cue split: 0 0.813, 0.01 0.816, 0.02 0.819; fixed 0.5 0.818)
    "threshold_tolerance": 0.01,
    # a sector whose cue word occurs outside entity mentions needs probability 0.3, other paragraphs the
    # tuned per-label thresholds (ties to 0.7). python training/sector_rule_cv.py, pooled micro-F1 leaving
    # one Thai year or Khmer source out of train+dev: cue lookup 0.805, model at 0.5 0.798, this rule 0.809;
    # grouped 5-fold CV by document: 0.805, 0.819, 0.818. The model alone learns what a group of documents
    # shares and loses to the cue lookup on unseen groups; the cue words carry over. Rerun on rounds 1-6
    # (train+dev 4,490 paragraphs): leaving a group out 0.779, 0.773, 0.785; grouped CV 0.779, 0.806, 0.801.
    "cue_threshold": 0.3,
    "sector_threshold": 0.7,
}


def split_by_document(records: list[dict], dev_share: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Move a seeded share of each language's documents (never single paragraphs) to dev.

    >>> recs = [{"id": f"d{i}#{j}", "lang": "th"} for i in range(10) for j in range(2)]
    >>> tr, dv = split_by_document(recs, 0.2, 1)
    >>> len(dv), {r["id"].split("#")[0] for r in dv} & {r["id"].split("#")[0] for r in tr}
    (4, set())
    """
    rng = random.Random(seed)
    docs: dict[str, list[str]] = {}
    for r in records:
        if not r.get("synthetic"):
            docs.setdefault(r.get("lang", "th"), [])
            key = doc_key(r["id"])
            if key not in docs[r.get("lang", "th")]:
                docs[r.get("lang", "th")].append(key)
    dev_docs: set[str] = set()
    for lang in sorted(docs):
        keys = sorted(docs[lang])
        rng.shuffle(keys)
        dev_docs.update(keys[: max(1, round(len(keys) * dev_share))] if len(keys) > 1 else [])
    train = [r for r in records if doc_key(r["id"]) not in dev_docs]
    dev = [r for r in records if doc_key(r["id"]) in dev_docs]
    return train, dev


def check_labels(records: list[dict]) -> None:
    """Raise ``ValueError`` naming any sector or entity label the model does not know."""
    bad_s = sorted({s for r in records for s in (r.get("sectors") or []) if s not in SECTOR_IDS})
    bad_e = sorted({e["label"] for r in records for e in r["entities"] if e["label"] not in ENTITY_LABELS})
    if bad_s or bad_e:
        raise ValueError(f"unknown label(s) in training data: sectors {bad_s}, entities {bad_e}; "
                         f"use the ids of the annotation guide (aseanner validate FILE lists them)")


class GoldViews:
    """Normalised views of gold records (``.views``) and their spans in view offsets (``.spans``)."""

    def __init__(self, records: list[dict]):
        self.views = []
        self.spans = []
        for r in records:
            nt = normalize(r["text"])
            self.views.append(nt.text)
            spans = []
            for e in r["entities"]:
                a, b = nt.to_view(e["start"], e["end"])
                if a < b:
                    spans.append((a, b, e["label"]))
            self.spans.append(spans)


def encode_views(model: Model, views: list[str], block: int = 2000) -> Tokens:
    """:meth:`Model.encode` over many paragraphs, in blocks, with paragraph indices over all of them."""
    parts = []
    for i in range(0, len(views), block):
        t = model.encode(views[i:i + block])
        hits = None if t.cue_hits is None else t.cue_hits + np.array([i, 0, 0, 0])
        parts.append(Tokens(t.ids, t.starts, t.ends, t.seq + i, t.shape, t.space_before, t.space_after, t.gaz,
                            hits, t.glue, t.para_km, t.sub))
    def cat(name):
        if not parts or getattr(parts[0], name) is None:
            return None
        return np.concatenate([getattr(p, name) for p in parts])

    return Tokens(*(cat(n) for n in ("ids", "starts", "ends", "seq", "shape", "space_before", "space_after", "gaz",
                                     "cue_hits", "glue", "para_km", "sub")))


def train_model(train: list[dict], dev: list[dict], tokenizer_bytes: bytes, registry: Registry,
                lexicon: list[str], seed: int = 13, config: dict | None = None, cues: CueMatcher | None = None,
                progress: Callable[[str], None] = lambda msg: None) -> tuple[Model, dict]:
    """Fit the tagger and the sector classifier; tune sector thresholds on ``dev``.

    With ``refit_with_dev`` (default), the model is then scored on ``dev``
    (``facts["dev_metrics"]``, held out) and fitted again on ``train + dev``,
    keeping the tuned thresholds. Returns the model and training facts
    (token-boundary share, counts).
    """
    unknown = sorted(set(config or {}) - set(DEFAULT_CONFIG))
    if unknown:
        # a misspelt key would otherwise be ignored and the default trained without a word
        named = [f"{k!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(k, DEFAULT_CONFIG, 1))
                 else repr(k) for k in unknown]
        raise ValueError(f"config has unknown key(s) {', '.join(named)}; the keys are those of "
                         f"aseanner.train.DEFAULT_CONFIG: {', '.join(DEFAULT_CONFIG)}")
    cfg = {**DEFAULT_CONFIG, **(config or {})}
    for name, recs in (("dev", dev),):
        syn = [r["id"] for r in recs if r.get("synthetic")]
        if syn:
            raise ValueError(f"synthetic records may not be in {name} data: {syn[:5]}; keep them in training files only")
    check_labels(train + dev)
    np.random.seed(seed)
    names = sorted({e.name for e in registry.entries} | set(lexicon))
    tokenizer = Tokenizer(tokenizer_bytes, names, latin_words=cfg["latin_words"])
    model = Model(tokenizer=tokenizer, registry=registry, idf=None, sectors=None, tagger=None, config=cfg,
                  cues=cues, titles=tuple(person_titles()) if cfg["strip_titles"] else ())

    # the tagger learns from text whose registry lacks a seeded share of the names, as new text's does;
    # the same names in both fits, so one view serves both
    hidden = hidden_names(model.registry, cfg["gaz_dropout"], tuple(cfg["gaz_dropout_types"]), seed)
    tagger_view = without_names(model, hidden)
    facts = _fit_parts(model, tagger_view, train, cfg, progress, len(hidden))
    dev_lab = [r for r in dev if r.get("sectors") is not None]
    if dev_lab:
        progress(f"tuning sector thresholds on {len(dev_lab):,} dev paragraphs")
        dtok = encode_views(model, GoldViews(dev_lab).views)
        Xd, cued = model.sector_inputs(dtok, len(dev_lab), model.mentions(dtok))  # the tagger's mentions, as in use
        Yd = np.array([[s in r["sectors"] for s in SECTOR_IDS] for r in dev_lab], dtype=float)
        model.sectors.tune_thresholds(Xd, Yd, shrinkage=cfg["threshold_shrinkage"],
                                      tolerance=cfg["threshold_tolerance"], cued=cued)
    if dev and cfg["refit_with_dev"]:
        # dev scores come from the model that never saw dev; the shipped one also learns from it
        progress("scoring dev, then refitting on training + dev data with the tuned thresholds")
        facts["dev_metrics"] = evaluate_records(model, dev)
        thresholds = model.sectors.thresholds_.copy()
        _fit_parts(model, tagger_view, train + dev, cfg, progress, len(hidden))
        model.sectors.thresholds_ = thresholds
    return model, facts


def without_names(model: Model, names: Iterable[str]) -> Model:
    """``model`` as if its registry lacked ``names``: they give no registry feature, tokenizer cut or link.

    A name missing from the registry is what new text brings; training hides
    a share of the registry this way (``gaz_dropout``), and
    ``training/tagger_cv.py`` scores held-out documents with their own names
    hidden. The fitted parts are shared with ``model``, not copied.

    >>> from aseanner.registry import Entry
    >>> reg = Registry([Entry("CA", "COUNTRY", "th", "แคนาดา"), Entry("", "PERSON", "th", "นายก")])
    >>> m = Model(tokenizer=Tokenizer(b"", ["แคนาดา", "นายก", "ฯ"]), registry=reg, idf=None, sectors=None,
    ...           tagger=None, config={})
    >>> less = without_names(m, ["แคนาดา"])
    >>> [e.name for e in less.registry.entries], less.tokenizer.lexicon
    (['นายก'], ['นายก', 'ฯ'])
    """
    gone = {name_key(n) for n in names}
    if not gone:
        return model
    listed = {e.name for e in model.registry.entries if name_key(e.name) in gone}
    registry = Registry(e for e in model.registry.entries if e.name not in listed)
    lexicon = [w for w in model.tokenizer.lexicon if w not in listed]  # boundary words that are no name stay
    tokenizer = Tokenizer(model.tokenizer.model_bytes, lexicon, latin_words=model.tokenizer.latin_words)
    return replace(model, registry=registry, tokenizer=tokenizer)


def unlisted_names(records: list[dict]) -> set[str]:
    """The names ``records`` tag as PERSON, LOC or ORG without an id: what new text would not find listed.

    Scoring records with :func:`without_names` of these shows the tagger on
    names the registry lacks (the registry was collected from corpora that
    hold the labelled documents). States and linked organisations stay.

    >>> sorted(unlisted_names([{"text": "Ann Lee, Canada, UN", "entities": [
    ...     {"start": 0, "end": 7, "label": "PERSON"}, {"start": 9, "end": 15, "label": "COUNTRY", "id": "CA"},
    ...     {"start": 17, "end": 19, "label": "ORG", "id": "UN"}]}]))
    ['Ann Lee']
    """
    return {r["text"][e["start"]:e["end"]] for r in records for e in r["entities"]
            if e["label"] in ("PERSON", "LOC") or (e["label"] == "ORG" and not e.get("id"))}


def hidden_names(registry: Registry, share: float, types: tuple[str, ...], seed: int) -> frozenset[str]:
    """A seeded ``share`` of the registry's names of ``types``, chosen by a stable hash of seed and name.

    The same name is hidden in every paragraph, as a name missing from the
    registry is at prediction time.

    >>> reg = Registry([Entry("", "ORG", "en", f"Org {i}") for i in range(1000)])
    >>> [len(hidden_names(reg, share, ("ORG",), 13)) for share in (0.0, 1.0)], len(hidden_names(reg, 1.0, ("LOC",), 13))
    ([0, 1000], 0)
    >>> hidden_names(reg, 0.3, ("ORG",), 13) == hidden_names(reg, 0.3, ("ORG",), 13) != hidden_names(reg, 0.3, ("ORG",), 14)
    True
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"gaz_dropout must be a share in [0, 1], got {share!r}; pass e.g. 0.3, or 0 to hide none")
    cut = int(round(share * 2**32))
    return frozenset(n for n in {clean(e.name) for e in registry.entries if e.type in types}
                     if n and int.from_bytes(hashlib.sha256(f"{seed}\t{n}".encode()).digest()[:4], "big") < cut)


def _paragraph_bounds(tok: Tokens, n: int) -> np.ndarray:
    """Rows ``[first, end)`` of each paragraph's tokens."""
    return np.stack([np.searchsorted(tok.seq, np.arange(n), side="left"),
                     np.searchsorted(tok.seq, np.arange(n), side="right")], axis=1)


def _fit_parts(model: Model, tagger_view: Model, train: list[dict], cfg: dict, progress: Callable[[str], None],
               n_hidden: int) -> dict:
    """Fit ``model``'s tagger, TF-IDF and sector classifier on ``train``; return training facts.

    The tagger learns from ``train`` as ``tagger_view`` (``model`` without
    ``n_hidden`` registry names, see :func:`without_names`) encodes it.
    """
    tokenizer = model.tokenizer
    progress(f"tokenising {len(train)} training paragraphs")
    tv = GoldViews(train)
    tok = encode_views(model, tv.views)
    aligned = total = 0
    for i, (a, b) in enumerate(_paragraph_bounds(tok, len(train))):
        ok, n = token_boundary_share(tok.starts[a:b], tok.ends[a:b], tv.spans[i])
        aligned, total = aligned + ok, total + n
    ttok = encode_views(tagger_view, tv.views) if tagger_view is not model else tok
    tags = np.zeros(len(ttok.ids), dtype=np.int64)
    for i, (a, b) in enumerate(_paragraph_bounds(ttok, len(train))):
        tags[a:b] = spans_to_tags(ttok.starts[a:b], ttok.ends[a:b], tv.spans[i])[0]
    weights = np.array([cfg["ner_only_weight"] if r.get("sectors") is None else 1.0 for r in train])[ttok.seq]
    progress(f"fitting entity tagger on {len(tags):,} tokens ({total:,} gold spans, "
             f"{aligned / total if total else 1:.4f} on token boundaries; {n_hidden:,} registry names hidden)")
    X = model.token_features(ttok)
    model.tagger = BIOTagger(C=cfg["tagger_C"], max_iter=cfg["tagger_max_iter"], o_floor=cfg["o_floor"],
                             transition_weight=cfg["transition_weight"],
                             o_penalty=cfg["o_penalty"]).fit(X, tags, sample_weight=weights, seq=ttok.seq)
    del X, ttok

    labelled = [i for i, r in enumerate(train) if r.get("sectors") is not None]
    progress(f"fitting sector classifier on {len(labelled):,} paragraphs with sector labels")
    counts = paragraph_matrix(tok, len(train), tokenizer.n_ids, cfg["paragraph_buckets"])
    Y = np.full((len(train), len(SECTOR_IDS)), np.nan)
    for i in labelled:
        Y[i] = [s in train[i]["sectors"] for s in SECTOR_IDS]
    model.idf = TfidfTransformer(sublinear_tf=True).fit(counts[labelled]).idf_
    gold = [(p, s, e, label) for p, spans in enumerate(tv.spans) for s, e, label in spans]
    X = model.paragraph_features(tok, len(train), model.mentions(tok, gold))
    model.sectors = SectorClassifier(C=cfg["sectors_C"], threshold=cfg["sector_threshold"],
                                     cue_threshold=cfg["cue_threshold"]).fit(X, Y)
    return {"train_token_boundary_share": aligned / total if total else None, "train_gold_spans": total,
            "train_tokens": int(len(tags))}


def predict_records(model: Model, records: list[dict]) -> list[dict]:
    """Paragraph-level predictions in the gold format, paired by id."""
    out = []
    for r, (sectors, ents) in zip(records, model.predict_paragraphs([r["text"] for r in records])):
        out.append({"id": r["id"], "sectors": sectors, "entities": ents})
    return out


def evaluate_records(model: Model, records: list[dict]) -> dict:
    """Flat metrics of ``model`` on gold ``records`` (overall and per language)."""
    return score_by_language(records, predict_records(model, records))

"""Evaluate a model on gold records against a lookup baseline, with error lists (no printing).

:func:`evaluate` returns one plain dict (JSON-ready) that :mod:`aseanner.report`
renders::

    {"metrics":  flat metrics of the model (aseanner.metrics.score_by_language keys
                 plus tokens.boundary_share / tokens.aligned_spans / tokens.gold_spans),
     "baseline": the same keys for the lookup baseline (None when baseline=False),
     "errors":   {label: {"false_positives": [...], "false_negatives": [...],
                          "n_false_positives": int, "n_false_negatives": int}},
     "meta":     {"gold", "model", "seed", "command", "records", ...}}

Entity errors are grouped by mention text, most frequent first; each group
gives its first occurrence (record id, ``start``/``end`` into the record's
``text``, a ±40-character ``snippet`` and ``snippet_offset``, the index of
the snippet's first character in ``text``) and a ``cause``: ``wrong_label``
or ``wrong_boundary`` when a span of the other side overlaps it (``other``
names that span), else ``spurious`` (false positive) or ``missing`` (false
negative). Sector errors list paragraphs in gold order, the snippet centred
on the first cue word of the sector when there is one.

The baseline (:func:`baseline_predict`) is a pure lookup: every registry name
in the paragraph is an entity of the registry's type, and every sector one of
whose cue words (``resources/sector_cues.tsv``) occurs is predicted.

>>> from aseanner.registry import Registry, Entry
>>> reg = Registry([Entry("CA", "COUNTRY", "th", "แคนาดา"), Entry("ASEAN", "ORG", "th", "อาเซียน")])
>>> recs = [{"id": "d#0", "lang": "th", "text": "อาเซียน-แคนาดา ด้านสาธารณสุข", "sectors": ["health"], "entities": []}]
>>> pred = baseline_predict(recs, reg, cues=[("health", "th", "สาธารณสุข")])
>>> pred[0]["sectors"], [(e["start"], e["end"], e["label"], e["id"]) for e in pred[0]["entities"]]
(['health'], [(0, 7, 'ORG', 'ASEAN'), (8, 14, 'COUNTRY', 'CA')])
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from pathlib import Path
from typing import Iterable

from .gazetteer import _KHMER_CONT, _THAI_CONT, Gazetteer
from .metrics import doc_key, score_by_language
from .registry import Registry
from .spans import token_boundary_share
from .taxonomy import ENTITY_LABELS, LANGS, SECTOR_IDS
from .text import normalize

#: Characters of context on each side of an error in its snippet.
SNIPPET_CHARS = 40

# Marks that continue the cluster before them; leading vowels and the coeng bind to what follows.
_CONT_RE = re.compile(f"[{_THAI_CONT}{_KHMER_CONT}]")
_LEAD = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44\u17d2")

#: What the baseline is, for reports.
BASELINE_DESCRIPTION = ("lookup baseline: every registry name (leftmost-longest) is an entity of the registry's "
                        "type with its id; a sector is predicted when one of its cue words occurs")


# ---- baseline ------------------------------------------------------------
def _cue_matcher(cues):
    """A :class:`aseanner.cues.CueMatcher` from ``None`` (bundled TSV, read now), a path, rows or a matcher."""
    from .cues import CueMatcher, read_cues  # read lazily: the cue file is data, loaded at call time

    if isinstance(cues, CueMatcher):
        return cues
    if cues is None or isinstance(cues, (str, Path)):
        return CueMatcher(read_cues(cues))
    return CueMatcher(list(cues))


def baseline_predict(records: list[dict], registry: Registry, cues=None) -> list[dict]:
    """Lookup predictions (gold format, paired by id) for paragraph ``records``.

    ``cues``: ``None`` for ``aseanner/resources/sector_cues.tsv``, a TSV path
    (columns ``sector``, ``lang``, ``cue``), ``(sector, lang, cue)`` rows or a
    ``CueMatcher``. Offsets are found on the normalised view and mapped back
    to the record's ``text``; ``LOC`` names carry no id.
    """
    gazetteer = Gazetteer(registry)
    matcher = _cue_matcher(cues)
    out = []
    for r in records:
        nt = normalize(r["text"])
        ents = []
        for s, e, entry in gazetteer.find(nt.text):
            a, b = nt.to_original(s, e)
            cid = (entry.id or None) if entry.type in ("COUNTRY", "ORG") else None
            ents.append({"start": a, "end": b, "label": entry.type, "id": cid})
        found = {sector for _, _, sector in matcher.find(nt.text)}
        out.append({"id": r["id"], "sectors": [s for s in SECTOR_IDS if s in found], "entities": ents})
    return out


# ---- token boundaries ----------------------------------------------------
def boundary_counts(tokenizer, records: Iterable[dict]) -> tuple[int, int]:
    """``(aligned, total)`` gold spans whose both ends fall on ``tokenizer``'s token boundaries.

    Computed on the normalised view (spans mapped with ``to_view``), as training does.
    """
    aligned = total = 0
    for r in records:
        nt = normalize(r["text"])
        spans = []
        for e in r.get("entities") or []:
            a, b = nt.to_view(e["start"], e["end"])
            if a < b:
                spans.append((a, b, e["label"]))
        if not spans:
            continue
        starts, ends, _ = tokenizer.tokenize(nt.text)
        ok, n = token_boundary_share(starts, ends, spans)
        aligned, total = aligned + ok, total + n
    return aligned, total


def _put_boundary(out: dict, prefix: str, aligned: int | None, total: int | None) -> None:
    out[f"{prefix}tokens.boundary_share"] = aligned / total if aligned is not None and total else None
    out[f"{prefix}tokens.aligned_spans"] = aligned
    out[f"{prefix}tokens.gold_spans"] = total


def _with_boundaries(metrics: dict, records: list[dict], tokenizer) -> dict:
    langs = [l for l in LANGS if any(r.get("lang") == l for r in records)]
    for prefix, sub in [("", records)] + [(f"{l}.", [r for r in records if r.get("lang") == l]) for l in langs]:
        if tokenizer is None:
            _put_boundary(metrics, prefix, None, None)
        else:
            _put_boundary(metrics, prefix, *boundary_counts(tokenizer, sub))
    return metrics


# ---- error lists ---------------------------------------------------------
def _cut_ok(text: str, i: int) -> bool:
    """Whether a cut before ``text[i]`` keeps every Thai/Khmer cluster and combining mark whole."""
    if i <= 0 or i >= len(text):
        return True
    ch, prev = text[i], text[i - 1]
    return not (_CONT_RE.match(ch) or unicodedata.combining(ch) or prev in _LEAD)


def snippet(text: str, start: int, end: int, width: int = SNIPPET_CHARS) -> tuple[str, int]:
    """``(text[a:b], a)``: ``[start, end)`` with about ``width`` characters each side.

    The cuts never split a cluster (a tone mark or vowel from its consonant,
    a Khmer coeng from the consonant after it), so a cut moves outwards.

    >>> snippet("abcdefghij", 4, 6, width=2)
    ('cdefgh', 2)
    >>> snippet("ไทยกับจีน", 6, 9, width=2)  # 'ก|ับ' would split a vowel from its consonant
    ('กับจีน', 3)
    """
    a = max(0, start - width)
    while not _cut_ok(text, a):
        a -= 1
    b = min(len(text), end + width)
    while not _cut_ok(text, b):
        b += 1
    return text[a:b], a


def _ent_key(e: dict) -> tuple[int, int, str]:
    return e["start"], e["end"], e["label"]


def _cause(span: tuple[int, int, str], others: set, missing: bool) -> tuple[str, dict | None]:
    s, e, label = span
    over = sorted((o for o in others if o[0] < e and s < o[1]), key=lambda o: (o[0] != s or o[1] != e, o))
    if not over:
        return ("missing" if missing else "spurious"), None
    o = over[0]
    kind = "wrong_label" if (o[0], o[1]) == (s, e) else "wrong_boundary"
    return kind, {"start": o[0], "end": o[1], "label": o[2]}


def _entity_item(rec: dict, span: tuple, cause: str, other: dict | None) -> dict:
    text = rec["text"]
    snip, off = snippet(text, span[0], span[1])
    if other is not None:
        other = {**other, "text": text[other["start"]:other["end"]]}
    return {"id": rec["id"], "start": span[0], "end": span[1], "snippet": snip, "snippet_offset": off,
            "cause": cause, "other": other}


def _group(items: list[tuple[str, dict]], n: int) -> list[dict]:
    """Group ``(mention, item)`` by mention, most frequent first (ties: first seen)."""
    groups: "OrderedDict[str, list[dict]]" = OrderedDict()
    for mention, item in items:
        groups.setdefault(mention, []).append(item)
    ranked = sorted(groups.items(), key=lambda kv: -len(kv[1]))  # stable: first seen wins ties
    out = []
    for mention, its in ranked[:n]:
        first = its[0]
        out.append({"mention": mention, "count": len(its), **first,
                    "records": list(dict.fromkeys(i["id"] for i in its))[:5]})
    return out


def _sector_item(rec: dict, sector: str, matcher, gold: list[str], pred: list[str]) -> dict:
    text = rec["text"]
    nt = normalize(text)
    hit = next(((s, e) for s, e, sec in (matcher.find(nt.text) if matcher is not None else []) if sec == sector),
               None)
    if hit is not None:
        a, b = nt.to_original(*hit)
        snip, off = snippet(text, a, b)
        cue = {"start": a, "end": b, "text": text[a:b]}
    else:
        snip, off = snippet(text, 0, 0, width=2 * SNIPPET_CHARS)
        cue = None
    return {"id": rec["id"], "snippet": snip, "snippet_offset": off, "cue": cue,
            "gold": list(gold), "predicted": list(pred)}


def error_lists(gold: list[dict], pred: list[dict], n_errors: int = 10, cues=None) -> dict:
    """Commonest false positives and negatives per sector and entity label (see module doc).

    ``cues`` (rows, path or matcher; default none) only places sector snippets.

    >>> g = [{"id": "a#0", "lang": "th", "text": "ไทยกับจีน", "sectors": [], "entities": [
    ...       {"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"}]}]
    >>> p = [{"id": "a#0", "sectors": ["health"], "entities": [{"start": 6, "end": 9, "label": "COUNTRY", "id": "CN"}]}]
    >>> e = error_lists(g, p)
    >>> e["COUNTRY"]["false_positives"][0]["mention"], e["COUNTRY"]["false_negatives"][0]["cause"]
    ('จีน', 'missing')
    >>> e["health"]["n_false_positives"], e["ORG"]["false_negatives"]
    (1, [])
    """
    matcher = _cue_matcher(cues) if cues is not None else None
    by_id = {p["id"]: p for p in pred}
    sec_fp: dict = {s: [] for s in SECTOR_IDS}
    sec_fn: dict = {s: [] for s in SECTOR_IDS}
    ent_fp: dict = {l: [] for l in ENTITY_LABELS}
    ent_fn: dict = {l: [] for l in ENTITY_LABELS}
    for g in gold:
        p = by_id.get(g["id"], {"sectors": [], "entities": []})
        if g.get("sectors") is not None:
            gs, ps = list(g["sectors"]), list(p.get("sectors") or [])
            for s in SECTOR_IDS:
                if s in ps and s not in gs:
                    sec_fp[s].append(g)
                elif s in gs and s not in ps:
                    sec_fn[s].append(g)
        gspans = {_ent_key(e) for e in g.get("entities") or []}
        pspans = {_ent_key(e) for e in p.get("entities") or []}
        text = g["text"]
        for span in sorted(pspans - gspans):
            if span[2] in ent_fp:
                cause, other = _cause(span, gspans, missing=False)
                ent_fp[span[2]].append((text[span[0]:span[1]], _entity_item(g, span, cause, other)))
        for span in sorted(gspans - pspans):
            if span[2] in ent_fn:
                cause, other = _cause(span, pspans, missing=True)
                ent_fn[span[2]].append((text[span[0]:span[1]], _entity_item(g, span, cause, other)))
    out: dict = {}
    for s in SECTOR_IDS:
        pred_of = lambda r: (by_id.get(r["id"]) or {}).get("sectors") or []  # noqa: E731
        out[s] = {"false_positives": [_sector_item(r, s, matcher, r["sectors"], pred_of(r)) for r in sec_fp[s][:n_errors]],
                  "false_negatives": [_sector_item(r, s, matcher, r["sectors"], pred_of(r)) for r in sec_fn[s][:n_errors]],
                  "n_false_positives": len(sec_fp[s]), "n_false_negatives": len(sec_fn[s])}
    for l in ENTITY_LABELS:
        out[l] = {"false_positives": _group(ent_fp[l], n_errors), "false_negatives": _group(ent_fn[l], n_errors),
                  "n_false_positives": len(ent_fp[l]), "n_false_negatives": len(ent_fn[l])}
    return out


# ---- evaluation ----------------------------------------------------------
def score_predictions(gold: list[dict], pred: list[dict], tokenizer=None) -> dict:
    """Flat metrics of ``pred`` on ``gold`` plus the token-boundary share of ``tokenizer`` (None without one)."""
    return _with_boundaries(score_by_language(gold, pred), gold, tokenizer)


def evaluate(model, records: list[dict], *, baseline: bool = True, n_errors: int = 10,
             gold_path: str | Path | None = None, cues=None, unlisted: bool = False) -> dict:
    """Score ``model`` on gold paragraph ``records`` (see module doc for the result).

    ``cues`` overrides the baseline's cue words (default: the bundled
    ``sector_cues.tsv``); ``gold_path`` is only recorded in ``meta``. With
    ``unlisted``, the model and the baseline work as if the registry lacked
    every name the records tag as PERSON, LOC or ORG without id: the names new
    text brings (see :func:`aseanner.train.without_names`).
    """
    from .train import predict_records, unlisted_names, without_names

    manifest = getattr(model, "manifest", None) or {}
    path = getattr(model, "path", None)
    if unlisted:
        model = without_names(model, unlisted_names(records))
    pred = predict_records(model, records)
    metrics = score_predictions(records, pred, model.tokenizer)
    base = None
    try:
        matcher = _cue_matcher(cues)
    except FileNotFoundError:
        if baseline:
            raise
        matcher = None  # cues only place sector snippets then
    if baseline:
        base = score_predictions(records, baseline_predict(records, model.registry, matcher))
    from . import __version__

    meta = {
        "gold": str(gold_path) if gold_path is not None else None,
        "model": str(path) if path is not None else None,
        "seed": manifest.get("trained_at_seed"),
        "command": manifest.get("command"),
        "records": len(records),
        "documents": len({doc_key(r["id"]) for r in records}),
        "languages": {l: sum(r.get("lang") == l for r in records) for l in LANGS},
        "baseline": BASELINE_DESCRIPTION if baseline else None,
        "n_errors": n_errors,
        "aseanner": __version__,
    }
    if unlisted:
        meta["registry"] = ("without the gold file's own PERSON, LOC and id-less ORG names (model and baseline): "
                            "names new text brings")
    return {"metrics": metrics, "baseline": base, "errors": error_lists(records, pred, n_errors, matcher),
            "meta": meta}


def evaluate_file(gold_path: str | Path, model_dir: str | Path | None = None, **kw) -> dict:
    """:func:`evaluate` on a gold JSONL file (``DataError`` if it breaks the contract).

    ``model_dir`` defaults to :func:`aseanner.resources.default_model_dir`;
    keyword arguments go to :func:`evaluate`.
    """
    from .bundle import load
    from .data import read_jsonl
    from .resources import default_model_dir

    records = read_jsonl(gold_path)
    model = load(model_dir if model_dir is not None else default_model_dir())
    return evaluate(model, records, gold_path=gold_path, **kw)

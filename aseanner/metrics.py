"""Scores of predicted records against gold records, as one flat dict.

Keys are namespaced (``sectors.micro.f1``, ``entities.COUNTRY.f1``,
``linking.paragraph.partners.f1``, ``th.sectors.micro.f1``); a value is
``None`` where it is undefined (nothing predicted, nothing to find).
Gold records whose ``sectors`` is ``null`` are left out of sector scores.
``sectors.document.micro`` scores documents (records grouped by
:func:`doc_key`): a document's sectors are the union of its paragraphs', as
the annotation guide defines them and as :class:`aseanner.Document` reports them.

>>> gold = [{"id": "d#0", "lang": "th", "text": "แคนาดา", "sectors": ["health"],
...          "entities": [{"start": 0, "end": 6, "label": "COUNTRY", "id": "CA"}]}]
>>> pred = [{"id": "d#0", "sectors": ["health", "energy"], "entities": [{"start": 0, "end": 6, "label": "COUNTRY", "id": "CA"}]}]
>>> m = score(gold, pred)
>>> m["sectors.micro.precision"], m["entities.micro.f1"], m["linking.paragraph.partners.f1"]
(0.5, 1.0, 1.0)
>>> gold.append({"id": "d#1", "lang": "th", "text": "พลังงาน", "sectors": ["energy"], "entities": []})
>>> pred.append({"id": "d#1", "sectors": [], "entities": []})
>>> m = score(gold, pred)
>>> m["sectors.micro.recall"], m["sectors.document.micro.recall"], m["sectors.document.micro.precision"]
(0.5, 1.0, 1.0)
"""

from __future__ import annotations

from collections import defaultdict

from .taxonomy import ENTITY_LABELS, LANGS, SECTOR_IDS, is_partner


def prf(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """Precision, recall, F1; ``None`` where the denominator is zero.

    >>> prf(0, 0, 0)
    (None, None, None)
    >>> prf(1, 1, 0)
    (0.5, 1.0, 0.6666666666666666)
    """
    p = tp / (tp + fp) if tp + fp else None
    r = tp / (tp + fn) if tp + fn else None
    if p is None or r is None:
        f = None if (tp + fp + fn) == 0 or (p is None and r is None) else 0.0
    else:
        f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _put(out: dict, prefix: str, tp: int, fp: int, fn: int) -> None:
    p, r, f = prf(tp, fp, fn)
    out[f"{prefix}.precision"], out[f"{prefix}.recall"], out[f"{prefix}.f1"] = p, r, f
    out[f"{prefix}.support"] = tp + fn


def doc_key(record_id: str) -> str:
    """The document of a paragraph id (``doc#3`` -> ``doc``)."""
    return record_id.rsplit("#", 1)[0]


def _ids(entities: list[dict], partners_only: bool) -> set[str]:
    return {e["id"] for e in entities if e.get("label") in ("COUNTRY", "ORG") and e.get("id")
            and (not partners_only or is_partner(e["id"]))}


def _set_counts(pairs) -> tuple[int, int, int]:
    """tp, fp, fn pooled over ``(gold set, predicted set)`` pairs."""
    tp = fp = fn = 0
    for g, p in pairs:
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return tp, fp, fn


def score(gold: list[dict], pred: list[dict], prefix: str = "") -> dict:
    """Compare records paired by ``id`` (see module doc)."""
    by_id = {p["id"]: p for p in pred}
    out: dict = {}
    sec = {s: [0, 0, 0] for s in SECTOR_IDS}
    ent = {l: [0, 0, 0] for l in ENTITY_LABELS}
    lenient = [0, 0, 0, 0]  # right predictions, wrong predictions, found gold, all gold
    link_par = {False: [0, 0, 0], True: [0, 0, 0]}
    doc_gold: dict = defaultdict(lambda: {False: set(), True: set()})
    doc_pred: dict = defaultdict(lambda: {False: set(), True: set()})
    doc_sectors: dict = defaultdict(lambda: (set(), set()))  # document -> (gold, predicted) over labelled paragraphs
    n_sector_pars = mentions = 0
    for g in gold:
        p = by_id.get(g["id"], {"sectors": [], "entities": []})
        if g.get("sectors") is not None:
            n_sector_pars += 1
            gs, ps = set(g["sectors"]), set(p.get("sectors") or [])
            doc_sectors[doc_key(g["id"])][0].update(gs)
            doc_sectors[doc_key(g["id"])][1].update(ps)
            for s in SECTOR_IDS:
                sec[s][0] += s in gs and s in ps
                sec[s][1] += s in ps and s not in gs
                sec[s][2] += s in gs and s not in ps
        gspans = {(e["start"], e["end"], e["label"]) for e in g["entities"]}
        pspans = {(e["start"], e["end"], e["label"]) for e in p.get("entities", [])}
        mentions += len(gspans)
        for l in ENTITY_LABELS:
            gl = {x for x in gspans if x[2] == l}
            pl = {x for x in pspans if x[2] == l}
            ent[l][0] += len(gl & pl)
            ent[l][1] += len(pl - gl)
            ent[l][2] += len(gl - pl)
        # lenient: a prediction is right when it overlaps a gold span of the same label (precision),
        # a gold span is found when a prediction of its label overlaps it (recall)
        lenient[0] += sum(any(a < e and s < b and l == m for s, e, m in gspans) for a, b, l in pspans)
        lenient[1] += sum(not any(a < e and s < b and l == m for s, e, m in gspans) for a, b, l in pspans)
        lenient[2] += sum(any(a < e and s < b and l == m for a, b, m in pspans) for s, e, l in gspans)
        lenient[3] += len(gspans)
        for partners_only in (False, True):
            gi, pi = _ids(g["entities"], partners_only), _ids(p.get("entities", []), partners_only)
            link_par[partners_only][0] += len(gi & pi)
            link_par[partners_only][1] += len(pi - gi)
            link_par[partners_only][2] += len(gi - pi)
            doc_gold[doc_key(g["id"])][partners_only] |= gi
            doc_pred[doc_key(g["id"])][partners_only] |= pi
    tot = [sum(v[i] for v in sec.values()) for i in range(3)]
    _put(out, f"{prefix}sectors.micro", *tot)
    for s, (tp, fp, fn) in sec.items():
        _put(out, f"{prefix}sectors.{s}", tp, fp, fn)
    # macro over the labels present in gold; an undefined per-label value counts as 0
    present = [s for s in SECTOR_IDS if sec[s][0] + sec[s][2]]
    for m in ("precision", "recall", "f1"):
        vals = [out[f"{prefix}sectors.{s}.{m}"] or 0.0 for s in present]
        out[f"{prefix}sectors.macro.{m}"] = sum(vals) / len(vals) if vals else None
    _put(out, f"{prefix}sectors.document.micro", *_set_counts(doc_sectors.values()))
    etot = [sum(v[i] for v in ent.values()) for i in range(3)]
    _put(out, f"{prefix}entities.micro", *etot)
    for l, (tp, fp, fn) in ent.items():
        _put(out, f"{prefix}entities.{l}", tp, fp, fn)
    tp_p, fp, found, n_gold = lenient
    p = tp_p / (tp_p + fp) if tp_p + fp else None
    r = found / n_gold if n_gold else None
    out[f"{prefix}entities.lenient.precision"], out[f"{prefix}entities.lenient.recall"] = p, r
    out[f"{prefix}entities.lenient.f1"] = (None if p is None and r is None else
                                           2 * p * r / (p + r) if p and r else 0.0)
    out[f"{prefix}entities.lenient.support"] = n_gold
    for partners_only, name in ((False, "all"), (True, "partners")):
        _put(out, f"{prefix}linking.paragraph.{name}", *link_par[partners_only])
        _put(out, f"{prefix}linking.document.{name}",
             *_set_counts((doc_gold[d][partners_only], doc_pred[d][partners_only]) for d in doc_gold))
    out[f"{prefix}count.documents"] = len({doc_key(g["id"]) for g in gold})
    out[f"{prefix}count.paragraphs"] = len(gold)
    out[f"{prefix}count.sector_paragraphs"] = n_sector_pars
    out[f"{prefix}count.sector_documents"] = len(doc_sectors)
    out[f"{prefix}count.mentions"] = mentions
    return out


def score_by_language(gold: list[dict], pred: list[dict]) -> dict:
    """:func:`score` overall and per language (``th.``/``km.`` prefixes)."""
    out = score(gold, pred)
    for lang in LANGS:
        sub = [g for g in gold if g.get("lang") == lang]
        if sub:
            out.update(score(sub, pred, prefix=f"{lang}."))
    return out

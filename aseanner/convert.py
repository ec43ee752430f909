"""Importers: doccano, Label Studio, Prodigy and CoNLL BIO files -> gold records.

Every importer returns the records of the labelling contract (annotation
guide, section 1)::

    {"id", "lang", "text", "sectors", "entities": [{"start", "end", "label", "id"?}]}

and the list of :class:`Dropped` items: every span, sector, annotation or
task that was not converted, with where it was and why. Nothing is dropped
silently. Malformed input (invalid JSON, wrong top-level type, a record
without text) raises :class:`aseanner.data.DataError` whose problems name the
file, line, field, what is wrong and the fix.

>>> import json, os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "news.jsonl")
>>> row = {"text": "ASEAN กับแคนาดา", "label": [[0, 5, "ORGANIZATION"], [9, 15, "LOCATION"], [6, 9, "DATE"]]}
>>> with open(path, "w", encoding="utf-8") as fh:
...     _ = fh.write(json.dumps(row, ensure_ascii=False) + "\\n")
>>> records, dropped = convert("doccano", path)
>>> records[0]["id"], records[0]["lang"], records[0]["sectors"]
('news#1', 'th', None)
>>> records[0]["entities"]
[{'start': 0, 'end': 5, 'label': 'ORG', 'id': 'ASEAN'}, {'start': 9, 'end': 15, 'label': 'COUNTRY', 'id': 'CA'}]
>>> print(dropped[0])
news.jsonl:1: span [6, 9) 'กับ' labelled 'DATE': unknown entity label 'DATE'; map it to one of COUNTRY, ORG, PERSON, LOC in the mapping's "labels" (or to null to drop it on purpose)

Rules shared by all importers
-----------------------------
* Spans: offsets must be integers in range; when the source gives the span
  text it must equal ``text[start:end]`` (surrounding whitespace aside;
  Label Studio offsets counted in UTF-16 code units are recognised and
  converted to code points). Whitespace and invisible characters (U+200B,
  ...) at span edges are stripped. Overlapping or nested spans: the earlier
  (on a tie, the longer) span is kept, the other is dropped.
* Labels: the mapping's ``labels`` renames first; then a label equal to an
  entity label up to case is taken, and the aliases of
  :data:`DEFAULT_LABEL_ALIASES` (``LOCATION`` -> ``LOC``, ...) apply. Anything
  else is dropped. Sectors likewise through the mapping's ``sectors``.
* Ids: a ``COUNTRY`` without a valid id gets ``default_registry().lookup``
  of its text; without a registry entry it is dropped (the guide requires an
  ISO id). An ``ORG`` gets the registry id or ``None``. A ``LOC`` whose text
  the registry knows as a country becomes that ``COUNTRY``. A leading
  ``ประเทศ``/``ប្រទេស`` before a known country is moved out of the span
  (guide, section 3). ``PERSON`` and ``LOC`` carry no id.
* ``sectors`` is ``None`` (never labelled) when the file has no sector
  field at all; when some records of a file carry sectors, a record without
  them gets ``[]``. Sectors are listed in taxonomy order, once.
* ``id``: the record's own id (as a string) when it has one, else
  ``f"{stem}#{line}"`` (``stem`` = file name without suffix). A later record
  with an id already used is dropped.
* ``lang``: the record's ``lang`` when it is ``th``/``km``, else
  :func:`aseanner.text.detect_lang` of the text, with the language of the
  whole file as the default for Latin-only text.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .data import DataError, Problem
from .registry import Registry, default_registry
from .taxonomy import ENTITY_LABELS, LANGS, SECTOR_IDS
from .text import INVISIBLE_CHARS, detect_lang

__all__ = [
    "FORMATS",
    "DEFAULT_LABEL_ALIASES",
    "Dropped",
    "convert",
    "check_mapping",
    "load_mapping",
    "from_doccano",
    "from_labelstudio",
    "from_prodigy",
    "from_conll",
]

#: Formats :func:`convert` reads.
FORMATS: tuple[str, ...] = ("doccano", "labelstudio", "prodigy", "conll")

#: Entity label names of common NER corpora taken without a mapping (case-insensitive);
#: the mapping's ``labels`` wins over them.
DEFAULT_LABEL_ALIASES: dict[str, str] = {
    "ORGANIZATION": "ORG",
    "ORGANISATION": "ORG",
    "LOCATION": "LOC",
    "PER": "PERSON",
}

_STRIP = frozenset(INVISIBLE_CHARS)
_COUNTRY_CLASSIFIERS = ("ประเทศ", "ប្រទេស")
_LANG_ALIASES = {"th": "th", "tha": "th", "thai": "th", "km": "km", "khm": "km", "khmer": "km"}
#: Label Studio JSON-MIN keys that are never a choices field.
_MIN_META = frozenset({
    "id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time", "lang", "source",
    "para", "meta", "synthetic", "method", "title", "url", "date", "drafts", "predictions",
})


@dataclass(frozen=True)
class Dropped:
    """Something of the input that was not converted: where, what, and why."""

    where: str
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}: {self.why}"


# --------------------------------------------------------------------------- mapping


def check_mapping(mapping: object, path: str = "<mapping>") -> dict:
    """Validate a mapping ``{"labels": {...}, "sectors": {...}}``; raise :class:`DataError`.

    Targets must be entity labels (``labels``) or sector ids (``sectors``), or
    ``null`` to drop a label on purpose (still reported).

    >>> check_mapping({"labels": {"ORGANIZATION": "ORG"}})
    {'labels': {'ORGANIZATION': 'ORG'}, 'sectors': {}}
    """
    problems: list[Problem] = []

    def add(fld: str, msg: str, fix: str) -> None:
        problems.append(Problem(path, 0, None, fld, msg, fix))

    if mapping is None:
        return {"labels": {}, "sectors": {}}
    if not isinstance(mapping, dict):
        add("mapping", f"expected a JSON object, got {type(mapping).__name__}",
            'write {"labels": {"ORGANIZATION": "ORG"}, "sectors": {"economy": "trade_investment"}}')
        raise DataError(problems)
    for key in mapping:
        if key not in ("labels", "sectors"):
            near = difflib.get_close_matches(str(key), ["labels", "sectors"], n=1)
            add(str(key), f"unknown mapping key {key!r}",
                f"use {near[0]!r}" if near else 'use only "labels" and "sectors"')
    out: dict[str, dict[str, str | None]] = {}
    for key, allowed in (("labels", ENTITY_LABELS), ("sectors", SECTOR_IDS)):
        table = mapping.get(key, {})
        out[key] = {}
        if not isinstance(table, dict):
            add(key, f"{key} must be an object, got {type(table).__name__}", f'write "{key}": {{"source name": "target"}}')
            continue
        for src, dst in table.items():
            if dst is not None and dst not in allowed:
                near = difflib.get_close_matches(str(dst), list(allowed), n=1, cutoff=0.5)
                if isinstance(dst, str) and key == "labels":
                    alias = DEFAULT_LABEL_ALIASES.get(dst.upper(), dst.upper())
                    near = [alias] if alias in allowed else near
                elif isinstance(dst, str) and dst.casefold() in allowed:
                    near = [dst.casefold()]
                add(f"{key}.{src}", f"target {dst!r} is not one of {', '.join(allowed)}",
                    f"use {near[0]!r}" if near else f"use one of {', '.join(allowed)}, or null to drop it")
                continue
            out[key][str(src)] = dst
    if problems:
        raise DataError(problems)
    return out


def load_mapping(path: str | Path) -> dict:
    """Read and validate a JSON mapping file (see :func:`check_mapping`)."""
    text = _read_text(path)
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError([Problem(str(path), exc.lineno, None, "mapping", f"invalid JSON: {exc.msg} at column {exc.colno}",
                                 'write one JSON object: {"labels": {...}, "sectors": {...}}')]) from None
    return check_mapping(mapping, str(path))


def _mapped(kind: str, raw: str, table: dict, table_cf: dict) -> tuple[str | None, str] | None:
    """The mapping's answer for ``raw`` (exact key first, then case-insensitive), or ``None`` if unmapped."""
    for t, key in ((table, raw), (table_cf, raw.casefold())):
        if key in t:
            target = t[key]
            return (target, "") if target is not None else (None, f"{kind} {raw!r} is mapped to null")
    return None


class _Mapper:
    def __init__(self, mapping: dict | None):
        m = check_mapping(mapping)
        self.labels = m["labels"]
        self.labels_cf = {k.casefold(): v for k, v in self.labels.items()}
        self.sectors = m["sectors"]
        self.sectors_cf = {k.casefold(): v for k, v in self.sectors.items()}
        self.aliases_cf = {k.casefold(): v for k, v in DEFAULT_LABEL_ALIASES.items()}

    def label(self, raw: object) -> tuple[str | None, str]:
        """``(entity label, "")`` or ``(None, why)``."""
        if not isinstance(raw, str):
            return None, f"label {raw!r} is not a string"
        found = _mapped("label", raw, self.labels, self.labels_cf)
        if found is not None:
            return found
        if raw.upper() in ENTITY_LABELS:
            return raw.upper(), ""
        if raw.casefold() in self.aliases_cf:
            return self.aliases_cf[raw.casefold()], ""
        return None, (f"unknown entity label {raw!r}; map it to one of {', '.join(ENTITY_LABELS)} in the mapping's "
                      '"labels" (or to null to drop it on purpose)')

    def sector(self, raw: object) -> tuple[str | None, str]:
        """``(sector id, "")`` or ``(None, why)``."""
        if isinstance(raw, bool) or not isinstance(raw, (str, int)):
            return None, f"sector {raw!r} is not a string"
        raw = str(raw)
        found = _mapped("sector", raw, self.sectors, self.sectors_cf)
        if found is not None:
            return found
        if raw.casefold() in SECTOR_IDS:
            return raw.casefold(), ""
        near = difflib.get_close_matches(raw.casefold(), list(SECTOR_IDS), n=1, cutoff=0.5)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        return None, f'unknown sector {raw!r}{hint} Map it to a sector id in the mapping\'s "sectors"'

    def is_sector(self, raw: object) -> bool:
        return self.sector(raw)[0] is not None


# --------------------------------------------------------------------------- intermediate form


@dataclass
class _Span:
    start: Any
    end: Any
    labels: list  # one label, or several (Label Studio)
    given_text: Any = None


@dataclass
class _Raw:
    where: str
    line: int
    rid: str | None
    lang: str | None
    text: str
    spans: list[_Span] = field(default_factory=list)
    sectors: list | None = None
    key: Any = None  # duplicate-detection key (Prodigy _input_hash)
    item: int | None = None  # number of the record in a JSON list


class _Ctx:
    def __init__(self, path: str | Path, mapping: dict | None, registry: Registry | None):
        self.path = Path(path)
        self.name = self.path.name
        self.stem = self.path.stem
        self.mapper = _Mapper(mapping)
        self.registry = registry or default_registry()
        self.dropped: list[Dropped] = []
        self.problems: list[Problem] = []

    def where(self, line: int, item: int | None = None) -> str:
        """``file:line``, and the item number for records of a JSON list."""
        return f"{self.name}:{line}" + (f" (item {item})" if item is not None else "")

    def default_id(self, line: int, item: int | None = None) -> str:
        return f"{self.stem}#{item if item is not None else line}"

    def drop(self, where: str, what: str, why: str) -> None:
        self.dropped.append(Dropped(where, what, why))

    def problem(self, line: int, fld: str, msg: str, fix: str, rid: str | None = None) -> None:
        self.problems.append(Problem(str(self.path), line, rid, fld, msg, fix))

    def raise_problems(self) -> None:
        if self.problems:
            raise DataError(self.problems)


def _rid(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        return None
    return str(value)


def _lang(value: object) -> str | None:
    return _LANG_ALIASES.get(value.strip().casefold()) if isinstance(value, str) else None


def _utf16_to_cp(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Code-point offsets of UTF-16 offsets ``[start, end)``, or ``None``."""
    if all(ord(c) < 0x10000 for c in text):
        return None
    units, table = 0, {}
    for i, c in enumerate(text):
        table[units] = i
        units += 2 if ord(c) >= 0x10000 else 1
    table[units] = len(text)
    if start in table and end in table:
        return table[start], table[end]
    return None


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _STRIP):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _STRIP):
        end -= 1
    return start, end


def _finish_span(ctx: _Ctx, raw: _Raw, sp: _Span) -> dict | None:
    text, where = raw.text, raw.where
    s, e = sp.start, sp.end
    labels = sp.labels
    shown = labels[0] if len(labels) == 1 else labels
    what = f"span [{s}, {e})"
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (s, e)):
        ctx.drop(where, f"span [{s!r}, {e!r}) labelled {shown!r}", "start/end must be integer offsets")
        return None
    if 0 <= s < e <= len(text):
        what = f"span [{s}, {e}) {text[s:e]!r} labelled {shown!r}"
    else:
        what = f"span [{s}, {e}) labelled {shown!r}"
    given = sp.given_text
    if isinstance(given, str):
        if not (0 <= s < e <= len(text) and text[s:e].strip() == given.strip()):
            fixed = _utf16_to_cp(text, s, e)
            if fixed and text[fixed[0]:fixed[1]].strip() == given.strip():
                s, e = fixed
                what = f"span [{s}, {e}) {text[s:e]!r} labelled {shown!r}"
            elif 0 <= s < e <= len(text):
                ctx.drop(where, what, f"the source gives the span text {given!r} but text[{s}:{e}] is {text[s:e]!r}")
                return None
    if not (0 <= s < e <= len(text)):
        why = "empty or reversed span" if 0 <= s and e <= len(text) else f"out of range for text of length {len(text)}"
        ctx.drop(where, what, why)
        return None
    s, e = _strip_span(text, s, e)
    if s == e:
        ctx.drop(where, what, "the span is only whitespace")
        return None
    mapped: list[str] = []
    whys: list[str] = []
    for lab in labels:
        target, why = ctx.mapper.label(lab)
        if target is None:
            whys.append(why)
        elif target not in mapped:
            mapped.append(target)
    if not mapped:
        ctx.drop(where, what, "; ".join(whys) if whys else "the span has no label")
        return None
    if len(mapped) > 1:
        ctx.drop(where, what, f"the span has several labels ({', '.join(mapped)}); keep one in the source")
        return None
    label = mapped[0]
    reg = ctx.registry
    mention = text[s:e]
    if label in ("COUNTRY", "LOC") and reg.lookup(mention, "COUNTRY") is None:
        for cls in _COUNTRY_CLASSIFIERS:  # guide 3: ประเทศ/ប្រទេស stay outside the span
            if mention.startswith(cls):
                s2, e2 = _strip_span(text, s + len(cls), e)
                if s2 < e2 and reg.lookup(text[s2:e2], "COUNTRY"):
                    s, e, mention = s2, e2, text[s2:e2]
                break
    if label == "LOC":
        cid = reg.lookup(mention, "COUNTRY")
        if cid is not None:
            return {"start": s, "end": e, "label": "COUNTRY", "id": cid}
    if label == "COUNTRY":
        cid = reg.lookup(mention, "COUNTRY")
        if cid is None:
            ctx.drop(where, what, f"the registry has no country named {mention!r}, and the guide requires "
                                  "an ISO 3166-1 alpha-2 id; add the name to the registry or fix the span")
            return None
        return {"start": s, "end": e, "label": "COUNTRY", "id": cid}
    if label == "ORG":
        return {"start": s, "end": e, "label": "ORG", "id": reg.lookup(mention, "ORG")}
    return {"start": s, "end": e, "label": label}


def _finish(ctx: _Ctx, raws: list[_Raw], has_sectors: bool = False) -> list[dict]:
    """Turn parsed records into gold records, dropping (and reporting) what does not fit.

    ``has_sectors``: the file labels sectors, so a record without any has none (``[]``),
    rather than unlabelled sectors (``None``).
    """
    if has_sectors:
        for raw in raws:
            raw.sectors = raw.sectors if raw.sectors is not None else []
    default_lang = detect_lang("".join(r.text for r in raws)) if raws else "th"
    out: list[dict] = []
    seen_ids: dict[str, str] = {}
    seen_keys: dict[Any, str] = {}
    for raw in raws:
        rid = raw.rid if raw.rid is not None else ctx.default_id(raw.line, raw.item)
        if raw.key is not None and raw.key in seen_keys:
            ctx.drop(raw.where, f"record {rid!r}", f"the same input was already converted at {seen_keys[raw.key]}")
            continue
        if rid in seen_ids:
            ctx.drop(raw.where, f"record {rid!r}", f"duplicate id, first at {seen_ids[rid]}; give records unique ids")
            continue
        if not raw.text.strip():
            ctx.drop(raw.where, f"record {rid!r}", "the text is empty or only whitespace")
            continue
        ents = [ent for sp in raw.spans if (ent := _finish_span(ctx, raw, sp)) is not None]
        ents.sort(key=lambda d: (d["start"], -(d["end"] - d["start"])))
        kept: list[dict] = []
        for ent in ents:
            if kept and ent["start"] < kept[-1]["end"]:
                k = kept[-1]
                same = (ent["start"], ent["end"]) == (k["start"], k["end"])
                ctx.drop(raw.where, f"span [{ent['start']}, {ent['end']}) {raw.text[ent['start']:ent['end']]!r} "
                                    f"labelled {ent['label']!r}",
                         f"{'duplicates' if same else 'overlaps'} the {k['label']} span [{k['start']}, {k['end']}) "
                         f"{raw.text[k['start']:k['end']]!r}; spans are flat")
                continue
            kept.append(ent)
        sectors: list[str] | None = None
        if raw.sectors is not None:
            found = set()
            for s in raw.sectors:
                sid, why = ctx.mapper.sector(s)
                if sid is None:
                    ctx.drop(raw.where, f"sector {s!r}", why)
                else:
                    found.add(sid)
            sectors = [s for s in SECTOR_IDS if s in found]
        lang = raw.lang if raw.lang in LANGS else detect_lang(raw.text, default_lang)
        seen_ids[rid] = raw.where
        if raw.key is not None:
            seen_keys[raw.key] = raw.where
        out.append({"id": rid, "lang": lang, "text": raw.text, "sectors": sectors, "entities": kept})
    return out


# --------------------------------------------------------------------------- reading


def _read_text(path: str | Path) -> str:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DataError([Problem(str(path), 0, None, "file", "file not found", "check the path")]) from None
    except IsADirectoryError:
        raise DataError([Problem(str(path), 0, None, "file", "is a directory", "give the path of one file")]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError([Problem(str(path), line, None, "line", f"invalid UTF-8 at byte {exc.start}",
                                 "re-save the file as UTF-8")]) from None


def _json_list(ctx: _Ctx, text: str, fix_type: str) -> list[tuple[int, int | None, object]]:
    """``(line it starts on, item number, item)`` of a top-level JSON list; problems go to ``ctx``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        ctx.problem(exc.lineno, "file", f"invalid JSON: {exc.msg} at column {exc.colno}", fix_type)
        return []
    if not isinstance(data, list):
        ctx.problem(1, "file", f"the top level is a JSON {type(data).__name__}, expected a list", fix_type)
        return []
    decoder = json.JSONDecoder()
    ws = " \t\n\r"
    items: list[tuple[int, int | None, object]] = []
    i = text.index("[") + 1
    n = len(text)
    while True:
        while i < n and text[i] in ws:
            i += 1
        if i >= n or text[i] == "]":
            break
        obj, end = decoder.raw_decode(text, i)
        items.append((text.count("\n", 0, i) + 1, len(items) + 1, obj))
        i = end
        while i < n and text[i] in ws:
            i += 1
        if i < n and text[i] == ",":
            i += 1
    return items


def _json_records(ctx: _Ctx, fix: str) -> list[tuple[int, int | None, object]]:
    """``(line, item number or None, object)`` of a JSONL file, or of a JSON list when it starts with ``[``."""
    text = _read_text(ctx.path)
    if text.lstrip().startswith("["):
        return _json_list(ctx, text, "write a JSON list of objects or one JSON object per line (JSONL)")
    out = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            out.append((n, None, json.loads(line)))
        except json.JSONDecodeError as exc:
            ctx.problem(n, "line", f"invalid JSON: {exc.msg} at column {exc.colno}", fix)
    return out


def _need_object(ctx: _Ctx, line: int, obj: object, what: str = "record") -> bool:
    if isinstance(obj, dict):
        return True
    ctx.problem(line, what, f"expected a JSON object, got {type(obj).__name__}", "write one object per record")
    return False


def _need_text(ctx: _Ctx, line: int, obj: dict, key: str, fld: str, fix: str, rid: str | None = None) -> str | None:
    text = obj.get(key)
    if isinstance(text, str):
        return text
    if key not in obj:
        others = [k for k, v in obj.items() if isinstance(v, str)]
        hint = f" (string fields present: {', '.join(others)})" if others else ""
        ctx.problem(line, fld, f"missing text{hint}", fix, rid)
    else:
        ctx.problem(line, fld, f"text must be a string, got {type(text).__name__}", fix, rid)
    return None


def _spans_list(ctx: _Ctx, where: str, value: object, fld: str) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    ctx.drop(where, f"{fld} {value!r:.60}", f"{fld} must be a list, got {type(value).__name__}")
    return []


# --------------------------------------------------------------------------- doccano


def from_doccano(path: str | Path, mapping: dict | None = None, *, registry: Registry | None = None
                 ) -> tuple[list[dict], list[Dropped]]:
    """doccano JSONL (or JSON list) export.

    Text in ``text`` (or ``data``). Sectors: the strings of ``label`` (text
    classification) and ``cats`` (a list, or a dict of label -> score/bool,
    true or >= 0.5 counts). Spans: ``label: [[start, end, "LABEL"], ...]``
    (sequence labelling) and ``entities: [{"start_offset", "end_offset",
    "label"}]``. ``lang`` from the record or its ``meta``.
    """
    ctx = _Ctx(path, mapping, registry)
    fix = 'export from doccano as JSONL: one object per line with "text" and "label"'
    raws: list[_Raw] = []
    has_sectors = False
    for line, item, obj in _json_records(ctx, fix):
        if not _need_object(ctx, line, obj):
            continue
        rid = _rid(obj.get("id"))
        key = "text" if "text" in obj or not isinstance(obj.get("data"), str) else "data"
        text = _need_text(ctx, line, obj, key, "text", 'give every record its paragraph as "text"', rid)
        if text is None:
            continue
        where = ctx.where(line, item)
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        raw = _Raw(where, line, rid, _lang(obj.get("lang")) or _lang(meta.get("lang")), text, item=item)
        sectors: list | None = None
        label_value = obj.get("label")
        if isinstance(label_value, str):  # a single class written as a string
            label_value = [label_value]
        for k, item in enumerate(_spans_list(ctx, where, label_value, "label")):
            if isinstance(item, str):
                sectors = (sectors or []) + [item]
            elif isinstance(item, (list, tuple)) and len(item) == 3:
                raw.spans.append(_Span(item[0], item[1], [item[2]]))
            else:
                ctx.drop(where, f"label[{k}] {item!r:.60}", 'expected a sector string or [start, end, "LABEL"]')
        if "cats" in obj:
            cats = obj["cats"]
            sectors = sectors or []
            if isinstance(cats, list):
                sectors += cats
            elif isinstance(cats, dict):
                sectors += [c for c, v in cats.items() if v is True or (isinstance(v, (int, float)) and v >= 0.5)]
            elif isinstance(cats, str):
                sectors.append(cats)
            else:
                ctx.drop(where, f"cats {cats!r:.60}", "cats must be a list of sector names")
        for k, ent in enumerate(_spans_list(ctx, where, obj.get("entities"), "entities")):
            if not isinstance(ent, dict):
                ctx.drop(where, f"entities[{k}] {ent!r:.60}", 'expected {"start_offset", "end_offset", "label"}')
                continue
            s = ent.get("start_offset", ent.get("start"))
            e = ent.get("end_offset", ent.get("end"))
            raw.spans.append(_Span(s, e, [ent.get("label")], ent.get("text")))
        raw.sectors = sectors
        has_sectors = has_sectors or sectors is not None
        raws.append(raw)
    ctx.raise_problems()
    return _finish(ctx, raws, has_sectors), ctx.dropped


# --------------------------------------------------------------------------- Label Studio


def _ls_span_value(value: dict) -> tuple[Any, Any, list, Any]:
    labels = value.get("labels")
    if labels is None and "label" in value:
        labels = value["label"]
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list):
        labels = []
    return value.get("start"), value.get("end"), labels, value.get("text")


def _choices(value: object) -> list | None:
    """A choices value: a string, a list of strings, or ``{"choices": [...]}``; ``None`` if neither."""
    if isinstance(value, dict) and isinstance(value.get("choices"), list):
        return value["choices"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def from_labelstudio(path: str | Path, mapping: dict | None = None, *, registry: Registry | None = None,
                     text_field: str | None = None, spans_field: str | None = None,
                     choices_field: str | None = None) -> tuple[list[dict], list[Dropped]]:
    """Label Studio JSON export (tasks with ``data`` and ``annotations``) or JSON-MIN export.

    JSON: the text is ``data[text_field or "text"]``; the first annotation
    that is not ``was_cancelled`` is used (cancelled and further annotations
    are reported); ``labels`` results are spans, ``choices`` results sectors;
    ``spans_field``/``choices_field`` restrict them to one ``from_name``.

    JSON-MIN (flat rows): the spans field is ``spans_field`` or every field
    holding a list of objects with ``start``/``end``; the choices field is
    ``choices_field`` or every other field holding ``{"choices": [...]}`` or
    strings that are sector names (after the mapping). A choices value is a
    string for one choice and ``{"choices": [...]}`` for several. Other
    string fields are reported once as unused.
    """
    ctx = _Ctx(path, mapping, registry)
    fix = "export from Label Studio as JSON or JSON-MIN (a list of tasks)"
    items = _json_list(ctx, _read_text(ctx.path), fix)
    tkey = text_field or "text"
    raws: list[_Raw] = []
    has_sectors = False
    mins: list[tuple[int, int | None, dict]] = []
    for line, item, task in items:
        if not _need_object(ctx, line, task, "task"):
            continue
        if not any(k in task for k in ("data", "annotations", "completions")):
            mins.append((line, item, task))
            continue
        where = ctx.where(line, item)
        data = task.get("data")
        if not isinstance(data, dict):
            ctx.problem(line, "data", f"task data must be an object, got {type(data).__name__}",
                        f'export tasks with their text in data.{tkey}')
            continue
        rid = _rid(data.get("id")) or _rid(task.get("id"))
        text = _need_text(ctx, line, data, tkey, f"data.{tkey}",
                          f'put the paragraph in data.{tkey}, or pass text_field= the data key holding it', rid)
        if text is None:
            continue
        anns = task.get("annotations", task.get("completions"))
        if not isinstance(anns, list):
            anns = []
        used = None
        for k, ann in enumerate(anns):
            if not isinstance(ann, dict):
                ctx.drop(where, f"annotations[{k}]", "expected an object")
                continue
            label = f"annotation {ann.get('id', k)!r}"
            if ann.get("was_cancelled"):
                ctx.drop(where, label, "was_cancelled is true (skipped)")
            elif used is None:
                used = ann
            else:
                ctx.drop(where, label, "only the first annotation that was not cancelled is used")
        if used is None:
            ctx.drop(where, f"task {rid!r}", "it has no annotation that was not cancelled")
            continue
        raw = _Raw(where, line, rid, _lang(data.get("lang")), text, item=item)
        sectors: list | None = None
        results = used.get("result") if isinstance(used.get("result"), list) else []
        for k, res in enumerate(results):
            if not isinstance(res, dict):
                ctx.drop(where, f"result[{k}]", "expected an object")
                continue
            rtype, value, name = res.get("type"), res.get("value"), res.get("from_name")
            if rtype not in ("labels", "choices"):
                ctx.drop(where, f"result[{k}] of type {rtype!r}", "only labels and choices results are converted")
                continue
            if not isinstance(value, dict):
                ctx.drop(where, f"result[{k}]", f"a {rtype} result needs a value object")
                continue
            if rtype == "labels":
                if spans_field and name != spans_field:
                    ctx.drop(where, f"result[{k}] from {name!r}", f"spans are read from {spans_field!r} only")
                    continue
                s, e, labels, given = _ls_span_value(value)
                raw.spans.append(_Span(s, e, labels, given))
            elif rtype == "choices":
                if choices_field and name != choices_field:
                    ctx.drop(where, f"result[{k}] from {name!r}", f"sectors are read from {choices_field!r} only")
                    continue
                sectors = (sectors or []) + (_choices(value) or [])
        raw.sectors = sectors
        has_sectors = has_sectors or sectors is not None
        raws.append(raw)
    if mins:
        min_raws, min_sectors = _labelstudio_min(ctx, mins, tkey, spans_field, choices_field)
        raws += min_raws
        has_sectors = has_sectors or min_sectors
    ctx.raise_problems()
    raws.sort(key=lambda r: (r.line, r.item or 0))
    return _finish(ctx, raws, has_sectors), ctx.dropped


def _is_span_list(value: object) -> bool:
    return (isinstance(value, list) and bool(value)
            and all(isinstance(v, dict) and "start" in v and "end" in v for v in value))


def _labelstudio_min(ctx: _Ctx, rows: list[tuple[int, int | None, dict]], tkey: str, spans_field: str | None,
                     choices_field: str | None) -> tuple[list[_Raw], bool]:
    """JSON-MIN rows -> raw records; also whether the file has a choices field."""
    if spans_field:
        span_keys = [spans_field]
    else:
        span_keys = sorted({k for _, _, r in rows for k, v in r.items() if k != tkey and _is_span_list(v)})
    if choices_field:
        choice_keys = [choices_field]
    else:
        candidates = {k for _, _, r in rows for k in r} - set(span_keys) - {tkey} - _MIN_META
        choice_keys = []
        for k in sorted(candidates):
            vals = [r[k] for _, _, r in rows if k in r]
            is_dict = any(isinstance(v, dict) and isinstance(v.get("choices"), list) for v in vals)
            is_sector = any(ctx.mapper.is_sector(c) for v in vals for c in (_choices(v) or []))
            if is_dict or is_sector:
                choice_keys.append(k)
            elif any(isinstance(v, (str, list, dict)) and v for v in vals):
                sample = next(v for v in vals if isinstance(v, (str, list, dict)) and v)
                ctx.drop(ctx.name, f"field {k!r} (e.g. {sample!r:.40})",
                         "not read as spans or sectors: it holds no spans with start/end and none of its values "
                         f"is a sector id; pass spans_field= or choices_field={k!r}, or map its values in the "
                         "mapping's \"sectors\"")
    raws: list[_Raw] = []
    for line, item, row in rows:
        rid = _rid(row.get("id"))
        text = _need_text(ctx, line, row, tkey, tkey,
                          f'put the paragraph in "{tkey}", or pass text_field= the key holding it', rid)
        if text is None:
            continue
        where = ctx.where(line, item)
        raw = _Raw(where, line, rid, _lang(row.get("lang")), text, item=item)
        for key in span_keys:
            for k, item in enumerate(_spans_list(ctx, where, row.get(key), key)):
                if not isinstance(item, dict):
                    ctx.drop(where, f"{key}[{k}] {item!r:.60}", 'expected {"start", "end", "text", "labels"}')
                    continue
                s, e, labels, given = _ls_span_value(item)
                raw.spans.append(_Span(s, e, labels, given))
        for key in choice_keys:
            if key not in row or row[key] is None:
                continue
            got = _choices(row[key])
            if got is None:
                ctx.drop(where, f"{key} {row[key]!r:.60}", 'a choices field is a string or {"choices": [...]}')
                continue
            raw.sectors = (raw.sectors or []) + got
        raws.append(raw)
    return raws, bool(choice_keys)


# --------------------------------------------------------------------------- Prodigy


def from_prodigy(path: str | Path, mapping: dict | None = None, *, registry: Registry | None = None
                 ) -> tuple[list[dict], list[Dropped]]:
    """Prodigy JSONL (``prodigy db-out``): ``text``, ``spans``, multi-choice ``accept``.

    Only ``answer == "accept"`` is kept; rejected, ignored and unanswered
    tasks are reported. A binary ``label`` is not converted (reported). A
    second task with the same ``_input_hash`` is reported as a duplicate.
    """
    ctx = _Ctx(path, mapping, registry)
    fix = 'export with "prodigy db-out": one JSON object per line with "text"'
    raws: list[_Raw] = []
    has_sectors = False
    for line, item, obj in _json_records(ctx, fix):
        if not _need_object(ctx, line, obj, "task"):
            continue
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        rid = _rid(obj.get("id")) or _rid(meta.get("id"))
        text = _need_text(ctx, line, obj, "text", "text", 'give every task its paragraph as "text"', rid)
        if text is None:
            continue
        where = ctx.where(line, item)
        answer = obj.get("answer")
        if answer != "accept":
            why = f"answer is {answer!r}; only accepted tasks are kept" if answer else "the task has no answer"
            ctx.drop(where, f"task {rid or ctx.default_id(line, item)!r}", why)
            continue
        raw = _Raw(where, line, rid, _lang(obj.get("lang")) or _lang(meta.get("lang")), text,
                   key=obj.get("_input_hash"), item=item)
        for k, sp in enumerate(_spans_list(ctx, where, obj.get("spans"), "spans")):
            if not isinstance(sp, dict):
                ctx.drop(where, f"spans[{k}] {sp!r:.60}", 'expected {"start", "end", "label"}')
                continue
            raw.spans.append(_Span(sp.get("start"), sp.get("end"), [sp.get("label")], sp.get("text")))
        if "accept" in obj:
            acc = obj["accept"]
            raw.sectors = acc if isinstance(acc, list) else [acc]
            has_sectors = True
        if isinstance(obj.get("label"), str):
            ctx.drop(where, f"label {obj['label']!r}", "binary classification answers are not converted; "
                                                      "use a multi-choice task (accept)")
        raws.append(raw)
    ctx.raise_problems()
    return _finish(ctx, raws, has_sectors), ctx.dropped


# --------------------------------------------------------------------------- CoNLL


def _thai_khmer(ch: str) -> bool:
    return "\u0e00" <= ch <= "\u0e7f" or "\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff"


def _valid_tag(tag: str) -> bool:
    return tag == "O" or (len(tag) > 2 and tag[0] in "BIESLU" and tag[1] == "-")


def _conll_line(line: str) -> tuple[str, str] | None:
    """``(token, tag)`` of one token line, or ``None`` when it has no tag column."""
    if "\t" in line:
        cols = line.rstrip().split("\t")
        return cols[0], cols[-1].strip()
    rest = line.lstrip()
    if rest != line and not any(c.isspace() for c in rest.rstrip()):
        # A whitespace token: "<space> <tag>".
        return line[: len(line) - len(rest) - 1] or " ", rest.strip()
    cols = line.split()
    return (cols[0], cols[-1]) if len(cols) >= 2 else None


def _join_tokens(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Text and token offsets; see :func:`from_conll` for the rule."""
    explicit = any(t.isspace() for t in tokens)
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    prev: str | None = None
    for tok in tokens:
        if (not explicit and prev is not None and not tok.isspace() and not prev.isspace()
                and not _thai_khmer(prev[-1]) and not _thai_khmer(tok[0])):
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(tok)))
        parts.append(tok)
        pos += len(tok)
        prev = tok
    return "".join(parts), offsets


def from_conll(path: str | Path, mapping: dict | None = None, *, registry: Registry | None = None
               ) -> tuple[list[dict], list[Dropped]]:
    """CoNLL BIO: ``token<TAB>tag`` (or ``token tag``) per line, a blank line between sentences.

    The token is the first column and the tag the last, so ``token POS tag``
    files work too. ``-DOCSTART-`` lines and ``#`` comment lines are skipped.
    Tags are ``O``, ``B-X``, ``I-X`` (``E-``/``S-`` and ``L-``/``U-`` of
    BIOES/BILOU are read too; an ``I-`` that does not continue a span of the
    same type starts one). Each sentence is one record with id
    ``f"{stem}#{line of its first token}"`` and ``sectors`` ``None``.

    Text rule: a token that is whitespace (ThaiNER 1.3 writes the spaces of
    the text as tokens) is kept verbatim, and a sentence that has such tokens
    is joined without separators: its spaces are all explicit. In a sentence
    without whitespace tokens, two tokens are joined directly when the last
    character of the first or the first character of the second is Thai or
    Khmer, and with one space otherwise (Latin: ``EU rejects German call .``).
    Whitespace tokens at the start and end of a sentence are dropped.
    """
    ctx = _Ctx(path, mapping, registry)
    text = _read_text(ctx.path)
    sentences: list[tuple[int, list[tuple[int, str, str]]]] = []
    cur: list[tuple[int, str, str]] = []
    for n, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip() or line.startswith("-DOCSTART-"):
            if cur:
                sentences.append((cur[0][0], cur))
                cur = []
            continue
        parsed = _conll_line(line)
        if parsed is not None and not _valid_tag(parsed[1]) and line.startswith("#"):
            continue  # a comment line
        if parsed is None:
            ctx.problem(n, "line", f"one column only ({line!r:.60}), no tag",
                        "write token<TAB>tag, and a blank line between sentences")
            continue
        token, tag = parsed
        if not _valid_tag(tag):
            ctx.problem(n, "tag", f"tag {tag!r} is not O, B-LABEL or I-LABEL",
                        "put the BIO tag in the last column")
            continue
        if token == "":
            ctx.problem(n, "token", "empty token", "write the token before the tag (a space token as ' ')")
            continue
        cur.append((n, token, tag))
    if cur:
        sentences.append((cur[0][0], cur))
    ctx.raise_problems()
    raws: list[_Raw] = []
    for first, toks in sentences:
        while toks and toks[0][1].isspace():
            toks = toks[1:]
        while toks and toks[-1][1].isspace():
            toks = toks[:-1]
        where = ctx.where(first)
        if not toks:
            ctx.drop(where, "sentence", "it has only whitespace tokens")
            continue
        sent_text, offsets = _join_tokens([t for _, t, _ in toks])
        found: list[list] = []  # [start, end, type]
        open_span: list | None = None
        for (_n, _tok, tag), (ts, te) in zip(toks, offsets):
            if tag == "O":
                open_span = None
                continue
            prefix, typ = tag[0], tag[2:]
            if prefix in "BSU" or open_span is None or open_span[2] != typ:
                open_span = [ts, te, typ]
                found.append(open_span)
            open_span[1] = te
            if prefix in "ESLU":
                open_span = None
        raws.append(_Raw(where, first, None, None, sent_text, [_Span(s, e, [typ]) for s, e, typ in found]))
    return _finish(ctx, raws), ctx.dropped


# --------------------------------------------------------------------------- entry point

_IMPORTERS: dict[str, Callable[..., tuple[list[dict], list[Dropped]]]] = {
    "doccano": from_doccano,
    "labelstudio": from_labelstudio,
    "prodigy": from_prodigy,
    "conll": from_conll,
}


def convert(fmt: str, in_path: str | Path, mapping: dict | str | Path | None = None, *,
            registry: Registry | None = None, text_field: str | None = None, spans_field: str | None = None,
            choices_field: str | None = None) -> tuple[list[dict], list[Dropped]]:
    """Convert ``in_path`` from ``fmt`` (one of :data:`FORMATS`) to gold records.

    ``mapping`` is a dict (or the path of a JSON file) ``{"labels": {...},
    "sectors": {...}}``. ``text_field``, ``spans_field`` and ``choices_field``
    name Label Studio fields (auto-detected when not given). Returns the
    records and the dropped items; raises :class:`DataError` on malformed
    input and ``ValueError`` on an unknown format.
    """
    key = fmt.lower().replace("-", "").replace("_", "").replace(" ", "")
    if key not in _IMPORTERS:
        near = difflib.get_close_matches(key, FORMATS, n=1, cutoff=0.5)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(f"unknown format {fmt!r}{hint} Use one of {', '.join(FORMATS)}")
    if isinstance(mapping, (str, Path)):
        mapping = load_mapping(mapping)
    if key == "labelstudio":
        return from_labelstudio(in_path, mapping, registry=registry, text_field=text_field,
                                spans_field=spans_field, choices_field=choices_field)
    if text_field or spans_field or choices_field:
        raise ValueError("text_field, spans_field and choices_field apply to the labelstudio format only")
    return _IMPORTERS[key](in_path, mapping, registry=registry)

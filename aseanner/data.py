"""The labelled-data contract: read, write and validate JSONL gold files.

One record per line (annotation guide, section 1)::

    {"id": "seed-004#3", "lang": "th", "text": "...", "sectors": ["trade_investment"],
     "entities": [{"start": 12, "end": 19, "label": "COUNTRY", "id": "CA"}]}

``sectors`` may be ``null`` for records whose sectors were never labelled
(converted NER corpora): training treats them as missing, not as negative.
Extra keys (``source``, ``para``, ``synthetic``, ``method``) are kept.

Validation reports **every** problem with its file, line, record id and
field, what is wrong and how to fix it.

>>> problems = validate_record({"id": "x", "lang": "th", "text": "ไทย", "sectors": ["helth"], "entities": []})
>>> print(problems[0].message)
unknown sector id 'helth'; did you mean 'health'?
"""

from __future__ import annotations

import codecs
import difflib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .registry import Registry, default_registry
from .taxonomy import ENTITY_LABELS, LANGS, SECTOR_IDS


@dataclass(frozen=True)
class Problem:
    """One validation finding, located."""

    path: str
    line: int
    record_id: str | None
    field: str
    message: str
    fix: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        rid = f" [{self.record_id}]" if self.record_id is not None else ""
        return f"{self.path}:{self.line}:{rid} {self.severity}: {self.field}: {self.message} (fix: {self.fix})"


class DataError(ValueError):
    """Raised when gold data does not follow the contract; ``problems`` lists all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in labelled data:\n{shown}{more}")


@dataclass
class Report:
    """What :func:`validate_files` found: the valid records and every problem."""

    records: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def _closest(value: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(value, list(options), n=1, cutoff=0.5)
    return found[0] if found else None


def validate_record(rec: object, registry: Registry | None = None, *, path: str = "<record>",
                    line: int = 0) -> list[Problem]:
    """Every problem of one parsed record (not cross-record ones such as duplicate ids)."""
    registry = registry or default_registry()
    out: list[Problem] = []
    rid = rec.get("id") if isinstance(rec, dict) else None
    rid_s = rid if isinstance(rid, str) else None

    def add(fld: str, msg: str, fix: str, severity: str = "error") -> None:
        out.append(Problem(path, line, rid_s, fld, msg, fix, severity))

    if not isinstance(rec, dict):
        add("record", f"expected a JSON object, got {type(rec).__name__}", "write one object per line")
        return out
    if not isinstance(rid, str) or not rid:
        add("id", f"missing or non-string id ({rid!r})", 'give every record a unique string id such as "doc#3"')
    text = rec.get("text")
    if not isinstance(text, str):
        add("text", f"missing or non-string text ({type(text).__name__})", "set text to the paragraph string")
        text = None
    lang = rec.get("lang")
    if lang not in LANGS:
        add("lang", f"lang must be 'th' or 'km', got {lang!r}", "use the script of most letters: th or km")
    sectors = rec.get("sectors", [])
    if sectors is not None:
        if not isinstance(sectors, list):
            add("sectors", f"sectors must be a list, got {type(sectors).__name__}", "write sectors as a list of ids")
        else:
            for s in sectors:
                if s not in SECTOR_IDS:
                    near = _closest(str(s), SECTOR_IDS)
                    hint = f"; did you mean {near!r}?" if near else ""
                    add("sectors", f"unknown sector id {s!r}{hint}",
                        f"use one of the 15 ids: {', '.join(SECTOR_IDS)}" if not near else f"replace it with {near!r}")
            dup = [s for s, c in Counter(map(str, sectors)).items() if c > 1]
            if dup:
                add("sectors", f"sector(s) listed twice: {dup}", "list each sector once")
    entities = rec.get("entities", [])
    if not isinstance(entities, list):
        add("entities", f"entities must be a list, got {type(entities).__name__}", "write entities as a list of objects")
        return out
    spans = []
    for k, ent in enumerate(entities):
        fld = f"entities[{k}]"
        if not isinstance(ent, dict):
            add(fld, f"expected an object, got {type(ent).__name__}", 'write {"start", "end", "label", "id"}')
            continue
        start, end, label = ent.get("start"), ent.get("end"), ent.get("label")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
            add(fld, f"start/end must be integers, got {start!r}/{end!r}", "use code-point offsets into text")
            continue
        if text is not None:
            if start < 0 or end > len(text):
                add(fld, f"span [{start}, {end}) out of range for text of length {len(text)}",
                    "offsets are Python string indices into text, end exclusive")
                continue
            if end <= start:
                add(fld, f"span [{start}, {end}) is {'empty' if end == start else 'reversed'}",
                    "end must be greater than start")
                continue
            mention = text[start:end]
            if mention[0].isspace() or mention[-1].isspace():
                add(fld, f"span {mention!r} starts or ends on whitespace", "trim the span to the name")
            spans.append((start, end, k))
        if label not in ENTITY_LABELS:
            near = _closest(str(label), ENTITY_LABELS)
            add(fld, f"unknown entity label {label!r}" + (f"; did you mean {near!r}?" if near else ""),
                f"use one of {', '.join(ENTITY_LABELS)}")
            continue
        cid = ent.get("id")
        if label == "COUNTRY":
            if not (Registry.is_valid_country_id(cid) and registry.type_of(cid) == "COUNTRY"):
                add(fld, f"COUNTRY needs a valid ISO 3166-1 alpha-2 id, got {cid!r}",
                    "set id to the upper-case two-letter code, e.g. \"CA\"")
        elif label == "ORG":
            if cid is not None and not isinstance(cid, str):
                add(fld, f"ORG id must be a string or null, got {cid!r}", "use the registry id or null")
            elif cid is not None and registry.type_of(cid) != "ORG":
                add(fld, f"ORG id {cid!r} is not in the registry", "add it to the registry or use null",
                    severity="warning")
        elif cid is not None:
            add(fld, f"{label} mentions carry no id, got {cid!r}", "remove id or set it to null")
    spans.sort()
    for (s1, e1, k1), (s2, e2, k2) in zip(spans, spans[1:]):
        if s2 < e1:
            add(f"entities[{k2}]", f"span [{s2}, {e2}) overlaps entities[{k1}] [{s1}, {e1})",
                "spans are flat: keep one of them or split them")
    return out


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict | None, list[Problem]]]:
    """``(line number, record or None, parse problems)`` for every non-blank line.

    A UTF-8 byte-order mark at the start of the file (editors on Windows write
    one) is skipped, as ``utf-8-sig`` does.
    """
    data = Path(path).read_bytes()
    offset = 0
    if data.startswith(codecs.BOM_UTF8):
        data, offset = data[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
    for n, raw in enumerate(data.split(b"\n"), 1):
        line_start, offset = offset, offset + len(raw) + 1
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield n, None, [Problem(str(path), n, None, "line",
                                    f"invalid UTF-8 at byte {line_start + exc.start} (byte {exc.start} of the line)",
                                    "re-save the file as UTF-8")]
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield n, None, [Problem(str(path), n, None, "line", f"invalid JSON: {exc.msg} at column {exc.colno}",
                                    "write one complete JSON object per line")]
            continue
        yield n, rec, []


def validate_files(paths: Iterable[str | Path], registry: Registry | None = None) -> Report:
    """Read and check every record of every file; duplicate ids are checked across files."""
    registry = registry or default_registry()
    report = Report()
    seen: dict[str, tuple[str, int]] = {}
    for path in paths:
        for n, rec, problems in iter_jsonl(path):
            report.problems.extend(problems)
            if rec is None:
                continue
            found = validate_record(rec, registry, path=str(path), line=n)
            report.problems.extend(found)
            rid = rec.get("id") if isinstance(rec, dict) else None
            if isinstance(rid, str):
                if rid in seen:
                    p0, l0 = seen[rid]
                    report.problems.append(Problem(str(path), n, rid, "id", f"duplicate id, first at {p0}:{l0}",
                                                   "give every record a unique id"))
                else:
                    seen[rid] = (str(path), n)
            if not any(p.severity == "error" for p in found):
                report.records.append(rec)
    return report


def read_jsonl(paths: str | Path | Iterable[str | Path], registry: Registry | None = None) -> list[dict]:
    """Read gold records; raise :class:`DataError` listing every error if any."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    report = validate_files(paths, registry)
    if report.errors:
        raise DataError(report.errors)
    return report.records


def write_jsonl(records: Iterable[dict], path: str | Path) -> int:
    """Write records as UTF-8 JSONL; returns the number written."""
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n


def summarize(records: Iterable[dict]) -> dict:
    """Counts for a summary: records, paragraphs per language, sectors, entity labels.

    >>> summarize([{"lang": "th", "sectors": ["health"], "entities": [{"label": "ORG"}]}])["entities"]
    {'ORG': 1}
    """
    recs = list(records)
    sectors: Counter = Counter()
    ents: Counter = Counter()
    langs: Counter = Counter()
    for r in recs:
        langs[r.get("lang")] += 1
        sectors.update(r.get("sectors") or [])
        ents.update(e.get("label") for e in r.get("entities", []))
    return {
        "records": len(recs),
        "paragraphs_per_lang": dict(sorted(langs.items())),
        "sectors": {s: sectors[s] for s in SECTOR_IDS if sectors[s]},
        "entities": {l: ents[l] for l in ENTITY_LABELS if ents[l]},
    }

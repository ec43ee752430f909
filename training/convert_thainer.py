"""Convert ThaiNER 1.5 (inline tags) to the project's JSONL schema, keeping its split.

READS ../shared/corpora/thainer/1.5-{train,val,test}.txt; writes
training/data/thainer-{train,dev,test}.jsonl (committed, so a fresh clone
retrains without ../shared). ThaiNER is CC-BY 3.0 (wannaphong/thai-ner).

Mapping (corpus issue, item 4):
- PERSON -> PERSON, titles and honorifics stripped from the front;
- ORGANIZATION -> ORG, id from the registry or null (a state name -> COUNTRY);
- LOCATION -> COUNTRY with its ISO id when it names a state, else LOC;
  classifier words (ประเทศ, จังหวัด/จ., กรุง, อำเภอ/อ., ...) stripped from the front;
- every other type is dropped; every อาเซียน is ORG ASEAN, tagged or not;
- every other registry country name outside the tagged spans is COUNTRY: ThaiNER leaves
  nationalities and modifiers (ภาษาไทย, ผ้าไทย, ชาวจีน) untagged, the guide counts them;
- ``sectors`` is null: these records have no sector labels.

    python training/convert_thainer.py
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.data import write_jsonl  # noqa: E402
from aseanner.gazetteer import Gazetteer  # noqa: E402
from aseanner.registry import default_registry  # noqa: E402
from aseanner.text import normalize  # noqa: E402

NOT_COUNTRY = ("คู่ฟ้า", "รัฐ", "แลนด์")  # ไทยคู่ฟ้า (guide, section 5), ไทยรัฐ (a newspaper), ไทยแลนด์

SRC = ROOT.parent / "shared" / "corpora" / "thainer"
SPLITS = {"train": "1.5-train.txt", "dev": "1.5-val.txt", "test": "1.5-test.txt"}
TAG_RE = re.compile(r"\[([A-Z_]+)\](.*?)\[/\1\]", re.S)

TITLES = sorted("""นาย นางสาว นาง น.ส. นส. ด.ช. ด.ญ. ดร. ด.ร. น.พ. นพ. พ.ญ. พญ. ทพ. ทพญ. ภก. ภญ. ศ. รศ. ผศ. ศ.ดร. รศ.ดร.
ผศ.ดร. ศาสตราจารย์ รองศาสตราจารย์ ผู้ช่วยศาสตราจารย์ พล.อ. พล.ท. พล.ต. พ.อ. พ.ท. พ.ต. ร.อ. ร.ท. ร.ต. จ.ส.อ.
พล.ต.อ. พล.ต.ท. พล.ต.ต. พ.ต.อ. พ.ต.ท. พ.ต.ต. ร.ต.อ. ร.ต.ท. ร.ต.ต. ด.ต. จ.ส.ต. ส.ต.อ. พล.ร.อ. พล.อ.อ. พลเอก พลโท
พลตรี พันเอก พันโท พันตรี ร้อยเอก ร้อยโท ร้อยตรี พลตำรวจเอก พลตำรวจโท พลตำรวจตรี พันตำรวจเอก พันตำรวจโท
พันตำรวจตรี ฯพณฯ ม.ร.ว. ม.ร.ว ม.ล. หม่อมราชวงศ์ หม่อมหลวง คุณหญิง คุณ ท่าน พระ หลวงพ่อ หลวงปู่ พระครู พระมหา
เจ้าอาวาส สมเด็จ ว่าที่ร้อยตรี ว่าที่ร.ต. Mr. Mrs. Ms. Dr.""".split(), key=len, reverse=True)
TITLE_RE = re.compile(r"^(?:(?:" + "|".join(map(re.escape, TITLES)) + r")\s*)+")
LOC_PREFIXES = sorted(["ประเทศ", "จังหวัด", "จ.", "อำเภอ", "อ.", "ตำบล", "ต.", "ภูมิภาค", "ภาค", "กรุง"],
                      key=len, reverse=True)
KEEP_GRUNG = ("กรุงเทพ", "กรุงศรี")


def _strip_loc_prefix(text: str) -> int:
    """Characters to drop from the front of a LOCATION mention."""
    for p in LOC_PREFIXES:
        if text.startswith(p) and len(text) > len(p):
            if p == "กรุง" and text.startswith(KEEP_GRUNG):
                return 0
            rest = text[len(p):]
            return len(p) + (len(rest) - len(rest.lstrip()))
    return 0


_GAZ: dict[int, Gazetteer] = {}


def _gazetteer(registry) -> Gazetteer:
    if id(registry) not in _GAZ:
        _GAZ[id(registry)] = Gazetteer(registry)
    return _GAZ[id(registry)]


def convert_line(line: str, registry) -> tuple[str, list[dict]]:
    text_parts, ents, pos = [], [], 0
    cursor = 0
    for m in TAG_RE.finditer(line):
        text_parts.append(line[cursor:m.start()])
        pos += m.start() - cursor
        tag, inner = m.group(1), m.group(2)
        start = pos
        text_parts.append(inner)
        pos += len(inner)
        cursor = m.end()
        # trim surrounding whitespace
        lead = len(inner) - len(inner.lstrip())
        trail = len(inner) - len(inner.rstrip())
        s, e = start + lead, start + len(inner) - trail
        mention = inner.strip()
        if not mention:
            continue
        if tag == "PERSON":
            cut = TITLE_RE.match(mention)
            if cut and cut.end() < len(mention):
                s += cut.end()
            elif cut:
                continue  # a bare title is no name
            ents.append({"start": s, "end": e, "label": "PERSON"})
        elif tag in ("ORGANIZATION", "LOCATION"):
            if tag == "LOCATION":
                s += _strip_loc_prefix(mention)
            name = inner[s - start:e - start]
            entry = registry.entry(name)
            if entry is not None and entry.type == "COUNTRY" and entry.id:
                ents.append({"start": s, "end": e, "label": "COUNTRY", "id": entry.id})
            elif entry is not None and entry.type == "ORG" and entry.id:
                ents.append({"start": s, "end": e, "label": "ORG", "id": entry.id})
            elif tag == "ORGANIZATION":
                ents.append({"start": s, "end": e, "label": "ORG", "id": None})
            else:
                ents.append({"start": s, "end": e, "label": "LOC"})
    text_parts.append(line[cursor:])
    text = "".join(text_parts)
    # every อาเซียน is ORG ASEAN; inside a longer span the span already covers it
    for m in re.finditer("อาเซียน", text):
        if not any(x["start"] < m.end() and m.start() < x["end"] for x in ents):
            ents.append({"start": m.start(), "end": m.end(), "label": "ORG", "id": "ASEAN"})
    view = normalize(text)
    for a, b, entry in _gazetteer(registry).find(view.text):
        if entry.type != "COUNTRY" or not entry.id or view.text.startswith(NOT_COUNTRY, b):
            continue
        a, b = view.to_original(a, b)
        if not any(x["start"] < b and a < x["end"] for x in ents):
            ents.append({"start": a, "end": b, "label": "COUNTRY", "id": entry.id})
    ents.sort(key=lambda x: x["start"])
    return text, ents


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", type=Path, default=SRC)
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "data")
    args = ap.parse_args(argv)
    registry = default_registry()
    for split, fname in SPLITS.items():
        records = []
        raw = (args.src / fname).read_text(encoding="utf-8-sig").split("\n")
        for n, line in enumerate(raw):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            text, ents = convert_line(line, registry)
            if not text.strip():
                continue
            records.append({"id": f"thainer15-{split}-{n:05d}#0", "lang": "th", "text": text, "sectors": None,
                            "entities": ents, "source": f"thainer/{fname}:line{n + 1}", "para": 0,
                            "method": "converted from ThaiNER 1.5 by training/convert_thainer.py"})
        write_jsonl(records, args.out / f"thainer-{split}.jsonl")
        print(f"{split}: {len(records)} records, {sum(len(r['entities']) for r in records)} mentions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

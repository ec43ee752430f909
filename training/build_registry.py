"""Build ``aseanner/resources/registry.tsv`` from the gazetteers and the curated lists.

Reads ``../shared/corpora/gazetteers/`` (ISO 3166-1 and CLDR names in English,
Thai and Khmer; pass ``--gazetteers`` elsewhere) plus ``training/registry/*.tsv``
(news short forms and spelling variants of country names; organisations, curated,
from the train split of the labelled corpus, and checked against the raw corpora; places). Earlier sources win when two
give the same name: curated aliases, then organisations, then ISO, then CLDR.

    python training/build_registry.py
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.registry import Entry, name_key  # noqa: E402
from aseanner.text import clean  # noqa: E402

DEFAULT_GAZ = ROOT.parent / "shared" / "corpora" / "gazetteers"
OUT = ROOT / "aseanner" / "resources" / "registry.tsv"
CLDR_ORGS = {"EU": "EU", "UN": "UN"}


# Gazetteer names that running Khmer text mostly uses as ordinary words: ឆែក "check" (CZ), ស៊ីប inside
# ស៊ីបាន (CY), កាតា inside កាតាលីករ "catalyst" (QA), អេក្វាទ័រ "equator" (EC).
AMBIGUOUS = {"ឆែក", "ស៊ីប", "កាតា", "អេក្វាទ័រ"}


def _curated(path: Path, type_: str | None) -> list[Entry]:
    rows = (l for l in path.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#"))
    out = []
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        out.append(Entry(row["id"], type_ or row["type"], row["lang"], row["name"]))
    return out


def _usable(name: str) -> bool:
    # "Korea, Republic of" and "អាមេរិក (សហរដ្ឋ)" are index forms, never running text.
    return bool(name) and "," not in name and "(" not in name


def build(gaz: Path) -> list[Entry]:
    entries = _curated(ROOT / "training" / "registry" / "country_aliases.tsv", "COUNTRY")
    entries += _curated(ROOT / "training" / "registry" / "orgs.tsv", "ORG")
    for extra, type_ in (("orgs_from_corpus.tsv", "ORG"), ("orgs_more.tsv", "ORG"), ("orgs_general.tsv", "ORG"),
                         ("asean_bodies.tsv", "ORG"),
                         ("country_variants.tsv", "COUNTRY"), ("places.tsv", "LOC"), ("persons.tsv", "PERSON"),
                         ("persons_more.tsv", "PERSON")):
        if (ROOT / "training" / "registry" / extra).exists():
            entries += _curated(ROOT / "training" / "registry" / extra, type_)
    with open(gaz / "isocodes_iso3166_en_th_km.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            for col, lang in (("en_name", "en"), ("en_official_name", "en"), ("th", "th"),
                              ("th_official", "th"), ("km", "km"), ("km_official", "km")):
                if _usable(row[col]):
                    entries.append(Entry(row["alpha2"], "COUNTRY", lang, row[col]))
    with open(gaz / "cldr_territories_en_th_km.tsv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            code = row["code"]
            if code in CLDR_ORGS:
                type_, id_ = "ORG", CLDR_ORGS[code]
            elif code == "001":
                continue  # "world" is not an entity (guide, section 5)
            elif code.isdigit() or code in {"EZ", "QO"}:
                type_, id_ = "LOC", ""  # regions: places, not states
            elif len(code) == 2 and code.isalpha():
                type_, id_ = "COUNTRY", code
            else:
                continue
            for lang in ("en", "th", "km"):
                if _usable(row[lang]):
                    entries.append(Entry(id_, type_, lang, row[lang]))
    seen, unique = set(), []
    for e in entries:
        e = Entry(e.id, e.type, e.lang, clean(e.name))  # U+200B inside a name would never match a view
        if not e.name or e.name in AMBIGUOUS:
            continue
        key = (e.id, e.type, e.lang, name_key(e.name))
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gazetteers", type=Path, default=DEFAULT_GAZ)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    entries = build(args.gazetteers)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        fh.write("id\ttype\tlang\tname\n")
        for e in entries:
            fh.write(f"{e.id}\t{e.type}\t{e.lang}\t{e.name}\n")
    print(f"wrote {len(entries)} names of {len({e.id for e in entries if e.id})} ids to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Keep the rows of a candidate name list that real text uses and the registry lacks.

    python training/check_names.py --keep-long 12 CANDIDATES.tsv > kept.tsv      # reads ../shared/corpora

Candidate lists (``id <TAB> lang <TAB> name``, no header) are written from
general knowledge by annotator helpers (``training/registry/orgs_general.tsv``
says how). A row is kept when its cleaned name

- occurs at least ``--min-count`` times in the raw corpora
  (``../shared/corpora``: Khmer news, Khmer sentences, both ThaiGov files),
  a Latin name only as a whole word, or is at least ``--keep-long``
  characters long: the corpora are small (the Khmer news are 2,169
  articles), and a long official name cannot match inside other words by
  accident;
- is not already a name of the registry (``aseanner/resources/registry.tsv``),
  of any type: a name the registry gives another type keeps that type;
- is not a duplicate of an earlier kept row.

Kept rows go to standard output, a summary of what was kept and dropped to
standard error. Needs ``../shared``; the package never does.
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.gazetteer import _trie_pattern  # noqa: E402
from aseanner.registry import Registry  # noqa: E402
from aseanner.resources import resource_path  # noqa: E402
from aseanner.text import clean  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
SOURCES = ("khmer-news-2019.jsonl.xz", "khmer-sentences-rdlab.txt.xz", "thaigov-asean-2020-2024.jsonl.xz",
           "thaigov-sample-2020-2024.jsonl.xz")
_LATIN = "A-Za-z0-9\u00C0-\u024F"


def corpus_lines(corpora: Path):
    """Cleaned text of every document (JSONL ``text``) or line (plain text) of the raw corpora."""
    for name in SOURCES:
        with lzma.open(corpora / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                if name.endswith(".jsonl.xz"):
                    line = json.loads(line).get("text") or ""
                if line.strip():
                    yield clean(line)


def count_names(names: list[str], lines) -> Counter:
    """Occurrences of each name (leftmost-longest, Latin names as whole words only)."""
    latin = [n for n in names if n[0].isascii() or n[-1].isascii()]
    other = [n for n in names if n not in set(latin)]
    parts = []
    if other:
        parts.append(f"(?:{_trie_pattern(other)})")
    if latin:
        parts.append(f"(?<![{_LATIN}])(?:{_trie_pattern(latin)})(?![{_LATIN}])")
    rx = re.compile("|".join(parts)) if parts else None
    counts: Counter = Counter()
    if rx is None:
        return counts
    for line in lines:
        counts.update(m.group() for m in rx.finditer(line))
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("candidates", type=Path, nargs="+")
    ap.add_argument("--min-count", type=int, default=1)
    ap.add_argument("--keep-long", type=int, default=0, help="keep names this long without corpus evidence (0: never)")
    ap.add_argument("--corpora", type=Path, default=CORPORA)
    args = ap.parse_args(argv)
    known = {clean(e.name) for e in Registry.from_tsv([resource_path("registry.tsv")]).entries}
    rows, seen = [], set()
    bad = dup = in_registry = 0
    for path in args.candidates:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip() or raw.startswith("#"):
                continue
            fields = raw.split("\t")
            if len(fields) != 3 or fields[1] not in {"th", "km", "en"} or not fields[2].strip():
                bad += 1
                continue
            id_, lang, name = fields[0].strip(), fields[1], clean(fields[2].strip())
            if name in known:
                in_registry += 1
            elif (lang, name) in seen:
                dup += 1
            else:
                seen.add((lang, name))
                rows.append((id_, lang, name))
    counts = count_names(sorted({n for _, _, n in rows}), corpus_lines(args.corpora))
    kept = [r for r in rows if counts[r[2]] >= args.min_count or 0 < args.keep_long <= len(r[2])]
    for id_, lang, name in kept:
        print(f"{id_}\t{lang}\t{name}")
    by_lang = Counter(lang for _, lang, _ in kept)
    unseen = sum(counts[r[2]] < args.min_count for r in kept)
    print(f"{len(kept)} kept ({dict(sorted(by_lang.items()))}; {unseen} of them long names not in the corpora); "
          f"dropped: {len(rows) - len(kept)} not in the corpora, "
          f"{in_registry} already in the registry, {dup} duplicates, {bad} malformed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

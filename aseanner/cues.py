"""Sector cue words (``resources/sector_cues.tsv``): counts per paragraph and sector.

They give the sector model evidence that generalises beyond the training
paragraphs, and drive the lookup baseline of :mod:`aseanner.evaluate`.

>>> cm = CueMatcher([("health", "th", "สาธารณสุข"), ("agriculture_food", "th", "ความมั่นคงทางอาหาร"),
...                  ("political_security", "th", "ความมั่นคง")])
>>> cm.find("ความมั่นคงทางอาหารและสาธารณสุข")
[(0, 18, 'agriculture_food'), (21, 30, 'health')]
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

import numpy as np

from .gazetteer import END_GUARD, START_GUARD, _trie_pattern
from .resources import resource_path
from .taxonomy import SECTOR_IDS
from .text import clean


def read_cues(path=None) -> list[tuple[str, str, str]]:
    """``(sector, lang, cue)`` rows of a cue TSV (default: the bundled one)."""
    path = path or resource_path("sector_cues.tsv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = (l for l in fh if l.strip() and not l.startswith("#"))
        out = []
        for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["sector"] not in SECTOR_IDS:
                raise ValueError(f"{path}: unknown sector {row['sector']!r} for cue {row['cue']!r}")
            out.append((row["sector"], row["lang"], clean(row["cue"])))
    return out


class CueMatcher:
    """Leftmost-longest matcher of cue words; picklable as its rows."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        self.rows = list(rows)

    def __getstate__(self):
        return {"rows": self.rows}

    def __setstate__(self, state):
        self.rows = state["rows"]

    @property
    def _compiled(self):
        cached = self.__dict__.get("_re")
        if cached is None:
            self._sector = {}
            for sector, _, cue in self.rows:
                self._sector.setdefault(cue, SECTOR_IDS.index(sector))
            cues = [c for c in self._sector if c]
            cached = (re.compile(f"{START_GUARD}(?:{_trie_pattern(cues)}){END_GUARD}") if cues
                      else re.compile(r"(?!x)x"))
            self.__dict__["_re"] = cached
        return cached

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """``(start, end, sector)`` of every cue in ``text`` (a normalised view)."""
        rx = self._compiled
        return [(m.start(), m.end(), SECTOR_IDS[self._sector[m.group()]]) for m in rx.finditer(text)]

    def hits(self, text: str, par_start: np.ndarray) -> np.ndarray:
        """Cues in ``text`` (paragraphs starting at ``par_start``) as rows ``[paragraph, start, end, sector]``.

        ``start``/``end`` are offsets into the paragraph; ``sector`` indexes
        :data:`~aseanner.taxonomy.SECTOR_IDS`.

        >>> cm = CueMatcher([("health", "th", "สาธารณสุข")])
        >>> cm.hits("สาธารณสุข\\nด้านสาธารณสุข", np.array([0, 10])).tolist()
        [[0, 0, 9, 4], [1, 4, 13, 4]]
        """
        rx = self._compiled
        found = [(m.start(), m.end(), self._sector[m.group()]) for m in rx.finditer(text)]
        if not found:
            return np.zeros((0, 4), dtype=np.int64)
        arr = np.array(found, dtype=np.int64)
        par = np.searchsorted(par_start, arr[:, 0], side="right") - 1
        local = par_start[par]
        return np.stack([par, arr[:, 0] - local, arr[:, 1] - local, arr[:, 2]], axis=1)


@lru_cache(maxsize=1)
def default_cues() -> CueMatcher:
    return CueMatcher(read_cues())

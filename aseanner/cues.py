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

    def counts(self, text: str, par_start: np.ndarray, n: int) -> np.ndarray:
        """Cue counts, shape ``(n, 15)``, of paragraphs starting at ``par_start`` in ``text``."""
        rx = self._compiled
        out = np.zeros((n, len(SECTOR_IDS)), dtype=np.float32)
        hits = [(m.start(), self._sector[m.group()]) for m in rx.finditer(text)]
        if hits:
            pos = np.array([h[0] for h in hits])
            sec = np.array([h[1] for h in hits])
            par = np.searchsorted(par_start, pos, side="right") - 1
            np.add.at(out, (par, sec), 1.0)
        return out


@lru_cache(maxsize=1)
def default_cues() -> CueMatcher:
    return CueMatcher(read_cues())

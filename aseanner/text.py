"""Paragraphs, language by script, and a normalised view of text with an offset map.

Everything the models see is the *normalised view* of a paragraph: invisible
characters removed, unusual spaces turned into plain spaces, NFC applied.
:class:`NormalizedText` remembers where each character of the view came from,
so spans found in the view map back to the caller's original characters.

>>> nt = normalize("ក\u200bម្ពុជា")
>>> nt.text, nt.to_original(0, len(nt.text))
('កម្ពុជា', (0, 8))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

# Format characters that carry no letters; scraped Khmer is full of U+200B.
INVISIBLE_CHARS = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\ufeff"
)
_INVISIBLE_RE = re.compile("[" + re.escape(INVISIBLE_CHARS) + "]")
_SPACES = "\t\x0b\x0c\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE_TABLE = str.maketrans({c: " " for c in _SPACES})
_SPACES_RE = re.compile("[" + _SPACES + "]")

#: Code point ranges of Thai and of Khmer letters (Khmer symbols included): the one definition of a script.
THAI_RANGES = ((0x0E01, 0x0E5B),)
KHMER_RANGES = ((0x1780, 0x17FF), (0x19E0, 0x19FF))
_THAI_RE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in THAI_RANGES) + "]")
_KHMER_RE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in KHMER_RANGES) + "]")


@dataclass(frozen=True)
class NormalizedText:
    """A normalised view of ``original`` and the map back to it.

    ``starts[i]``/``ends[i]`` are the original offsets of view character ``i``;
    both are ``None`` when the view is the original itself.
    """

    original: str
    text: str
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span ``[start, end)`` (``start < end``) to original offsets."""
        if self.starts is None:
            return start, end
        return int(self.starts[start]), int(self.ends[end - 1])

    def to_view(self, start: int, end: int) -> tuple[int, int]:
        """Map an original span to the view characters it covers (``start < end``)."""
        if self.starts is None:
            return start, end
        a = int(np.searchsorted(self.starts, start, side="left"))
        b = int(np.searchsorted(self.ends, end, side="right"))
        return a, max(a, b)

    def to_original_many(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`to_original` for arrays of view spans."""
        if self.starts is None:
            return np.asarray(starts), np.asarray(ends)
        return self.starts[starts], self.ends[np.asarray(ends) - 1]


def _nfc_clusters(text: str) -> tuple[str, np.ndarray, np.ndarray]:
    """NFC per cluster (a base character and the marks after it), keeping a map."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        cluster = text[i:j]
        norm = unicodedata.normalize("NFC", cluster)
        out.append(norm)
        if len(norm) == len(cluster):
            # Same length: composition only reordered marks or changed nothing,
            # so each character keeps one original position.
            starts.extend(range(i, j))
            ends.extend(range(i + 1, j + 1))
        else:
            # Characters were merged or split: every view character covers the cluster.
            starts.extend([i] * len(norm))
            ends.extend([j] * len(norm))
        i = j
    return "".join(out), np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def normalize(text: str) -> NormalizedText:
    """Return the normalised view of ``text`` with its offset map.

    >>> normalize("abc").starts is None
    True
    >>> nt = normalize("e\u0301x")
    >>> nt.text == "\u00e9x", nt.to_original(0, 1)
    (True, (0, 2))
    """
    # translate() is slow on long text; most text has no unusual spaces at all
    view = text.translate(_SPACE_TABLE) if _SPACES_RE.search(text) else text
    has_invisible = _INVISIBLE_RE.search(view) is not None
    is_nfc = unicodedata.is_normalized("NFC", view)
    if not has_invisible and is_nfc:
        return NormalizedText(text, view)
    if has_invisible:
        keep = np.fromiter(
            (m.start() for m in _INVISIBLE_RE.finditer(view)), dtype=np.int64
        )
        index = np.delete(np.arange(len(view), dtype=np.int64), keep)
        view = _INVISIBLE_RE.sub("", view)
    else:
        index = np.arange(len(view), dtype=np.int64)
    starts, ends = index, index + 1
    if not is_nfc or not unicodedata.is_normalized("NFC", view):
        view, cs, ce = _nfc_clusters(view)
        if len(index):
            starts, ends = index[cs], index[ce - 1] + 1
    return NormalizedText(text, view, starts, ends)


def clean(text: str) -> str:
    """The normalised view alone (for matching names, not for offsets).

    >>> clean("សហរដ្ឋ\u200bអាមេរិក")
    'សហរដ្ឋអាមេរិក'
    """
    return normalize(text).text


@dataclass(frozen=True)
class Span:
    """A paragraph: ``text[start:end]`` of the caller's text."""

    start: int
    end: int


_LINE_RE = re.compile(r"[^\n]+")


def paragraphs(text: str) -> list[Span]:
    """Paragraph spans: non-empty lines, split on ``\\n``, a trailing ``\\r`` dropped.

    >>> [(p.start, p.end) for p in paragraphs("a\\n \\nb c\\r\\n")]
    [(0, 1), (4, 7)]
    """
    spans = []
    for m in _LINE_RE.finditer(text):
        start, end = m.span()
        if text[end - 1] == "\r":
            end -= 1
        if start < end and not text[start:end].isspace():
            spans.append(Span(start, end))
    return spans


def script_counts(text: str) -> tuple[int, int]:
    """Number of Thai and of Khmer letters in ``text``.

    >>> script_counts("ไทย កម្ពុជា")
    (3, 7)
    """
    return _THAI_RE.subn("", text)[1], _KHMER_RE.subn("", text)[1]


def detect_lang(text: str, default: str = "th") -> str:
    """``"th"`` or ``"km"`` by the script of most letters; ``default`` when neither occurs.

    >>> detect_lang("ASEAN กับแคนาดา"), detect_lang("អាស៊ាន"), detect_lang("ASEAN", "km")
    ('th', 'km', 'km')
    """
    th, km = script_counts(text)
    if th == km == 0:
        return default
    return "km" if km > th else "th"

"""SentencePiece pieces with character offsets into the normalised view.

Text is first cut into *segments*: runs of one script (Thai, Khmer, Latin,
digits) and single other characters, never crossing whitespace, and further
cut at every boundary-lexicon match (registry names, honorifics, classifier
words such as ``ประเทศ``/``ប្រទេស``), so that names start and end on token
boundaries. SentencePiece (identity normalisation, no dummy prefix) then
splits each segment; piece lengths give exact offsets because the model
never rewrites text. Characters the model does not know are mapped to one
placeholder first, one for one, so offsets stay exact.

The object pickles as the model's bytes plus the lexicon.
"""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np
import sentencepiece as spm

from .gazetteer import END_GUARD, START_GUARD, _trie_pattern

#: Stands in for characters outside the model's alphabet (one for one).
PLACEHOLDER = "\u25c6"

_SEGMENT_RE = re.compile(
    r"[\u0e01-\u0e4e]+"  # Thai letters and marks
    r"|[\u1780-\u17d3\u17dc\u17dd]+"  # Khmer letters and marks (punctuation ។ ៖ stands alone)
    r"|[A-Za-z\u00c0-\u024f]+"
    r"|[0-9\u0e50-\u0e59\u17e0-\u17e9]+"
    r"|\S"
)



def _segment_classes() -> np.ndarray:
    # the character classes of _SEGMENT_RE as a table (0 whitespace, 1 Thai, 2 Khmer, 3 Latin, 4 digit,
    # 5 any other character, a segment of its own); no character above U+3000 is whitespace
    table = np.full(0x3001, 5, dtype=np.int8)
    table[[c for c in range(0x3001) if chr(c).isspace()]] = 0
    for cls, pattern in ((1, r"[\u0e01-\u0e4e]"), (2, r"[\u1780-\u17d3\u17dc\u17dd]"), (3, r"[A-Za-z\u00c0-\u024f]"),
                         (4, r"[0-9\u0e50-\u0e59\u17e0-\u17e9]")):
        rx = re.compile(pattern)
        table[[c for c in range(0x3001) if rx.match(chr(c))]] = cls
    return table


_SEGMENT_CLASS = _segment_classes()


def segment_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the matches of ``_SEGMENT_RE`` in ``text``, without a Python loop.

    >>> [x.tolist() for x in segment_bounds("ไทย-US 2024 ก")]
    [[0, 3, 4, 7, 12], [3, 4, 6, 11, 13]]
    """
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = np.where(cp < len(_SEGMENT_CLASS), _SEGMENT_CLASS[np.minimum(cp, len(_SEGMENT_CLASS) - 1)], 5)
    if not len(cls):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    cut = np.empty(len(cls) + 1, dtype=bool)  # cut[i]: a segment boundary before character i
    cut[0] = cut[-1] = True
    cut[1:-1] = (cls[1:] != cls[:-1]) | (cls[1:] == 5)
    word = cls != 0
    starts = np.flatnonzero(cut[:-1] & word)
    ends = np.flatnonzero(cut[1:] & word) + 1
    return starts, ends


class Tokenizer:
    """Pieces with offsets; ``model_bytes`` is a trained SentencePiece model, ``lexicon`` the boundary words."""

    def __init__(self, model_bytes: bytes, lexicon: list[str] | None = None):
        self.model_bytes = model_bytes
        self.lexicon = sorted(set(lexicon or []))

    # Only the bytes travel in a pickle; the processor is rebuilt lazily.
    def __getstate__(self) -> dict:
        return {"model_bytes": self.model_bytes, "lexicon": self.lexicon}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @cached_property
    def sp(self) -> spm.SentencePieceProcessor:
        return spm.SentencePieceProcessor(model_proto=self.model_bytes)

    @cached_property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    @cached_property
    def piece_len(self) -> np.ndarray:
        sp = self.sp
        lens = np.array([len(sp.id_to_piece(i).replace("\u2581", "")) for i in range(sp.get_piece_size())])
        for i in range(sp.get_piece_size()):
            if sp.is_control(i) or sp.is_unknown(i):
                lens[i] = 0
        return lens.astype(np.int64)

    @cached_property
    def alphabet(self) -> frozenset[str]:
        sp = self.sp
        chars: set[str] = set()
        for i in range(sp.get_piece_size()):
            if not (sp.is_control(i) or sp.is_unknown(i)):
                chars.update(sp.id_to_piece(i))
        return frozenset(chars)

    @cached_property
    def _lexicon_re(self) -> re.Pattern | None:
        words = [w for w in self.lexicon if w]
        if not words:
            return None
        return re.compile(f"{START_GUARD}(?:{_trie_pattern(words)}){END_GUARD}")

    def lexicon_spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the leftmost-longest boundary-lexicon matches in ``text``."""
        if self._lexicon_re is None:
            return []
        return [m.span() for m in self._lexicon_re.finditer(text)]

    def segments(self, text: str, cuts: list[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Start and end offsets of the segments of ``text`` (see module doc).

        ``cuts`` are :meth:`lexicon_spans` of ``text`` when the caller already has them.
        """
        seg_s, seg_e = segment_bounds(text)
        if not len(seg_s):
            return seg_s, seg_e
        seg = np.stack([seg_s, seg_e], axis=1)
        if cuts is None:
            cuts = self.lexicon_spans(text)
        if not cuts:
            return seg[:, 0], seg[:, 1]
        points = np.unique(np.concatenate([seg.ravel(), np.array(cuts, dtype=np.int64).ravel()]))
        a, b = points[:-1], points[1:]
        # keep the pieces between cut points that lie inside a segment
        idx = np.searchsorted(seg[:, 0], a, side="right") - 1
        inside = (idx >= 0) & (b <= seg[np.maximum(idx, 0), 1])
        return a[inside], b[inside]

    def tokenize(self, text: str, cuts: list[tuple[int, int]] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(starts, ends, piece ids)`` of the pieces of normalised ``text`` (``cuts``: see :meth:`segments`)."""
        seg_s, seg_e = self.segments(text, cuts)
        if len(seg_s) == 0:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z
        unknown = set(text) - self.alphabet
        if len(unknown) > 16:
            text = text.translate({ord(c): PLACEHOLDER for c in unknown})
        else:
            for c in unknown:  # a few str.replace passes are faster than one dict-driven translate
                text = text.replace(c, PLACEHOLDER)
        # one thread: a thread pool per call costs more than it saves on paragraph-sized input
        pieces = self.sp.encode([text[s:e] for s, e in zip(seg_s.tolist(), seg_e.tolist())], num_threads=1)
        counts = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        ids = np.fromiter((i for p in pieces for i in p), dtype=np.int64, count=int(counts.sum()))
        lens = self.piece_len[ids]
        pos = np.cumsum(lens) - lens  # offset inside the concatenation of segments
        seg_len = seg_e - seg_s
        seg_concat_start = np.cumsum(seg_len) - seg_len
        shift = np.repeat(seg_s - seg_concat_start, counts)
        starts = pos + shift
        ends = starts + lens
        keep = lens > 0
        return starts[keep], ends[keep], ids[keep]

"""SentencePiece pieces with character offsets into the normalised view.

Text is first cut into *segments*: runs of one script (Thai, Khmer, Latin,
digits) and single other characters, never crossing whitespace, and further
cut at every boundary-lexicon match (registry names, honorifics, classifier
words such as ``ประเทศ``/``ប្រទេស``), so that names start and end on token
boundaries. SentencePiece (identity normalisation, no dummy prefix) then
splits each segment; piece lengths give exact offsets because the model
never rewrites text. Characters the model does not know are mapped to one
placeholder first, one for one, so offsets stay exact.

With ``latin_words`` a run of Latin letters is one token instead of
SentencePiece's fragments of it (trained on Thai and Khmer news, the model
cuts ``Patrick`` into ``P|at|r|ick``, which fills the tagger's context
window with fragments). The token's id is its own piece when the vocabulary
has the whole word, else one of four ids after the vocabulary for the word's
shape (``ASEAN``, ``Patrick``, ``of``, ``iPhone``); :meth:`Tokenizer.latin_subpieces`
gives the first and last SentencePiece piece of each such word as features.

The object pickles as the model's bytes plus the lexicon.
"""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np
import sentencepiece as spm

from .features import codepoints
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
_LATIN = 3  # the segment class of Latin letters


def _classes(cp: np.ndarray) -> np.ndarray:
    """Segment class of each code point (see _segment_classes)."""
    return np.where(cp < len(_SEGMENT_CLASS), _SEGMENT_CLASS[np.minimum(cp, len(_SEGMENT_CLASS) - 1)], 5)


def segment_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the matches of ``_SEGMENT_RE`` in ``text``, without a Python loop.

    >>> [x.tolist() for x in segment_bounds("ไทย-US 2024 ก")]
    [[0, 3, 4, 7, 12], [3, 4, 6, 11, 13]]
    """
    cls = _classes(codepoints(text))
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


#: Ids after the vocabulary for Latin words it lacks, by shape: all capitals, capitalised, lower case, other.
LATIN_SHAPES = 4
_LATIN_LETTERS = frozenset(map(chr, np.flatnonzero(_SEGMENT_CLASS == _LATIN).tolist()))


def latin_shape(word: str) -> int:
    """Shape code of a Latin word: 0 all capitals, 1 capital first, 2 lower case, 3 other.

    >>> [latin_shape(w) for w in ("ASEAN", "Patrick", "McKinsey", "of", "iPhone")]
    [0, 1, 1, 2, 3]
    """
    if word.isupper():
        return 0
    if word[0].isupper():
        return 1
    return 2 if word.islower() else 3


class Tokenizer:
    """Pieces with offsets; ``model_bytes`` is a trained SentencePiece model, ``lexicon`` the boundary words.

    ``latin_words``: one token per run of Latin letters (see the module doc).
    """

    def __init__(self, model_bytes: bytes, lexicon: list[str] | None = None, latin_words: bool = False):
        if not isinstance(latin_words, bool):
            raise TypeError(f"latin_words must be True or False, got {latin_words!r}")
        self.model_bytes = model_bytes
        self.lexicon = sorted(set(lexicon or []))
        self.latin_words = latin_words

    # Only the bytes travel in a pickle; the processor is rebuilt lazily.
    def __getstate__(self) -> dict:
        return {"model_bytes": self.model_bytes, "lexicon": self.lexicon, "latin_words": self.latin_words}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"latin_words": False, **state})

    @cached_property
    def sp(self) -> spm.SentencePieceProcessor:
        return spm.SentencePieceProcessor(model_proto=self.model_bytes)

    @cached_property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size()

    @cached_property
    def n_ids(self) -> int:
        """Number of distinct token ids: the vocabulary, then the Latin-word shape ids."""
        return self.vocab_size + (LATIN_SHAPES if self.latin_words else 0)

    @cached_property
    def _latin_ids(self) -> dict[str, int]:
        return {}

    def latin_id(self, word: str) -> int:
        """Token id of the Latin word ``word``: its piece if the vocabulary has it, else its shape's id."""
        cache = self._latin_ids
        i = cache.get(word)
        if i is None:
            sp = self.sp
            i = sp.piece_to_id(word)
            if i == sp.unk_id() or sp.is_control(i):
                i = self.vocab_size + latin_shape(word)
            if len(cache) < 100_000:  # a cache, not a leak on an endless stream of new words
                cache[word] = i
        return i

    def latin_subpieces(self, text: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """``(n, 2)``: the first and last SentencePiece piece of each token that is a Latin word, else -1."""
        out = np.full((len(starts), 2), -1, dtype=np.int64)
        if not len(starts):
            return out
        lat = np.flatnonzero(_classes(codepoints(text)[starts]) == _LATIN)
        if not len(lat):
            return out
        words = [text[a:b] for a, b in zip(starts[lat].tolist(), ends[lat].tolist())]
        unknown = set("".join(words)) - self.alphabet
        if unknown:
            table = {ord(c): PLACEHOLDER for c in unknown}
            words = [w.translate(table) for w in words]
        pieces = self.sp.encode(words, num_threads=1)
        out[lat, 0] = [p[0] for p in pieces]
        out[lat, 1] = [p[-1] for p in pieces]
        return out

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
        bounds = list(zip(seg_s.tolist(), seg_e.tolist()))
        words = [text[s:e] for s, e in bounds]
        unknown = set(text) - self.alphabet
        if unknown:  # characters the model lacks become the placeholder for SentencePiece only
            if len(unknown) > 16:
                text = text.translate({ord(c): PLACEHOLDER for c in unknown})
            else:
                for c in unknown:  # a few str.replace passes are faster than one dict-driven translate
                    text = text.replace(c, PLACEHOLDER)
            sp_words = [text[s:e] for s, e in bounds]
        else:
            sp_words = words
        latin = [w[0] in _LATIN_LETTERS for w in words] if self.latin_words else None
        # one thread: a thread pool per call costs more than it saves on paragraph-sized input
        if latin is not None and any(latin):
            encoded = iter(self.sp.encode([w for w, lat in zip(sp_words, latin) if not lat], num_threads=1))
            pieces = [[self.latin_id(w)] if lat else next(encoded) for w, lat in zip(words, latin)]
        else:
            latin = None
            pieces = self.sp.encode(sp_words, num_threads=1)
        counts = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        ids = np.fromiter((i for p in pieces for i in p), dtype=np.int64, count=int(counts.sum()))
        seg_len = seg_e - seg_s
        if latin is None:
            lens = self.piece_len[ids]
        else:  # a Latin word is one token as long as its segment
            is_latin = np.array(latin)
            lens = np.where(np.repeat(is_latin, counts), np.repeat(seg_len, counts),
                            self.piece_len[np.minimum(ids, self.vocab_size - 1)])
        pos = np.cumsum(lens) - lens  # offset inside the concatenation of segments
        seg_concat_start = np.cumsum(seg_len) - seg_len
        shift = np.repeat(seg_s - seg_concat_start, counts)
        starts = pos + shift
        ends = starts + lens
        keep = lens > 0
        return starts[keep], ends[keep], ids[keep]

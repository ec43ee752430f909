"""Feature matrices for both models: pure functions of token arrays, no I/O.

Every token row has the same fixed number of active features, one per block,
so the sparse matrix is built in one go from index arrays (no Python loop
over tokens): that is what keeps prediction fast.

Token blocks: piece id at offsets -4..+4; hashed piece bigrams left and
right; character shape of the token and its neighbours; spaces around it and
its neighbours; the token's place in a registry match (B/I x
COUNTRY/ORG/LOC/PERSON) for itself and its neighbours. Paragraph rows: counts of
piece unigrams (and optionally hashed bigrams).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .taxonomy import SECTOR_IDS
from .text import KHMER_RANGES, THAI_RANGES

N_SHAPES = 16
N_GAZ = 9  # O, B/I x COUNTRY/ORG/LOC/PERSON
GAZ_CODE = {"COUNTRY": 1, "ORG": 3, "LOC": 5, "PERSON": 7}
# +-4 pieces: dev entity F1 (train-only fits) 0.906 -> 0.907, PERSON 0.770 -> 0.800; ThaiNER test 0.742 -> 0.749
# (+-5: 0.908, 0.801, 0.752, but Khmer dev 0.890 -> 0.887)
WINDOW = (-4, -3, -2, -1, 0, 1, 2, 3, 4)


@dataclass(frozen=True)
class Tokens:
    """Tokens of a batch of paragraphs, flattened; offsets are into each paragraph's view."""

    ids: np.ndarray  # piece ids
    starts: np.ndarray
    ends: np.ndarray
    seq: np.ndarray  # paragraph index of each token
    shape: np.ndarray  # shape class of each token (see shape_classes)
    space_before: np.ndarray  # bool
    space_after: np.ndarray  # bool
    gaz: np.ndarray  # registry-match code of each token (0 = none)
    cue_hits: np.ndarray | None = None  # sector cues: rows [paragraph, start, end, sector] (see CueMatcher.hits)
    glue: np.ndarray | None = None  # bool: token continues the previous token's word (see glued)
    para_km: np.ndarray | None = None  # per paragraph: more Khmer than Thai letters (see paragraph_scripts)
    sub: np.ndarray | None = None  # (n, 2) first and last piece of Latin-word tokens, -1 elsewhere (Tokenizer.latin_subpieces)


def codepoints(text: str) -> np.ndarray:
    """Code points of ``text`` as a uint32 array (fast, no Python loop).

    Lone surrogates (e.g. text decoded with ``surrogateescape``) keep their code points.
    """
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def shape_classes(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Class of each token from its first character and its length.

    0-7 by script of the first character (Thai, Khmer, Latin upper, Latin
    lower, digit, punctuation/other, placeholder, Thai/Khmer digit) plus 8 for
    tokens longer than three characters.
    """
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    first = cp[starts]
    cls = np.full(len(starts), 5, dtype=np.int64)
    cls[(first >= 0x0E01) & (first <= 0x0E4E)] = 0
    cls[(first >= 0x1780) & (first <= 0x17DD)] = 1
    cls[(first >= 0x41) & (first <= 0x5A)] = 2
    cls[(first >= 0x61) & (first <= 0x7A)] = 3
    cls[(first >= 0x30) & (first <= 0x39)] = 4
    cls[first == 0x25C6] = 6
    cls[((first >= 0x0E50) & (first <= 0x0E59)) | ((first >= 0x17E0) & (first <= 0x17E9))] = 7
    return cls + 8 * ((ends - starts) > 3)


def _in(cp: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    out = np.zeros(len(cp), dtype=bool)
    for lo, hi in ranges:
        out |= (cp >= lo) & (cp <= hi)
    return out


# Characters that cannot begin a word: Thai following/above/below vowels, tone marks, thanthakhat,
# the abbreviation mark (it stays inside the name it shortens); Khmer dependent vowels, signs, coeng.
_NO_WORD_START = ((0x0E2F, 0x0E2F), (0x0E30, 0x0E30), (0x0E31, 0x0E3A), (0x0E45, 0x0E45), (0x0E47, 0x0E4E),
                  (0x17B4, 0x17D3), (0x17DD, 0x17DD))
# Characters that cannot end a word: Thai leading vowels, Khmer coeng.
_NO_WORD_END = ((0x0E40, 0x0E44), (0x17D2, 0x17D2))
_KHMER_CONSONANT = ((0x1780, 0x17A2),)
_KHMER_LETTER = ((0x1780, 0x17D3), (0x17DD, 0x17DD))
_KHMER_CODA_SIGN = ((0x17CB, 0x17CE),)  # bantoc, robat, toandakhiat, kakabat: no vowel of their own
_LATIN_ALNUM = ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x24F))


# One lookup table of the classes above (a bit each) instead of a comparison per range: the rules
# below run on every encode and on every predicted PERSON span.
_NO_WORD_START_BIT, _NO_WORD_END_BIT, _KHMER_CONSONANT_BIT, _KHMER_LETTER_BIT, _KHMER_CODA_SIGN_BIT, \
    _LATIN_ALNUM_BIT = (1 << i for i in range(6))


def _class_table() -> np.ndarray:
    table = np.zeros(0x1800, dtype=np.uint8)  # up to the end of the Khmer block; its last entry stays 0
    for bit, ranges in ((_NO_WORD_START_BIT, _NO_WORD_START), (_NO_WORD_END_BIT, _NO_WORD_END),
                        (_KHMER_CONSONANT_BIT, _KHMER_CONSONANT), (_KHMER_LETTER_BIT, _KHMER_LETTER),
                        (_KHMER_CODA_SIGN_BIT, _KHMER_CODA_SIGN), (_LATIN_ALNUM_BIT, _LATIN_ALNUM)):
        for lo, hi in ranges:
            table[lo:hi + 1] |= bit
    return table


_CLASS_TABLE = _class_table()


def _classes(cp: np.ndarray) -> np.ndarray:
    """The class bits of each code point (0 for any code point past the table)."""
    return _CLASS_TABLE[np.minimum(cp, len(_CLASS_TABLE) - 1)]


def paragraph_scripts(cp: np.ndarray, par_start: np.ndarray) -> np.ndarray:
    """Per paragraph starting at ``par_start`` in the text of ``cp``: more Khmer than Thai letters?

    The rule of :func:`aseanner.text.detect_lang`, for many paragraphs at once.

    >>> paragraph_scripts(codepoints("ไทย\\nខ្មែរ\\nASEAN"), np.array([0, 4, 10])).tolist()
    [False, True, False]
    """
    n = len(par_start)
    if n == 0:
        return np.zeros(0, dtype=bool)
    par = np.searchsorted(par_start, np.arange(len(cp)), side="right") - 1
    th = np.bincount(par, weights=_in(cp, THAI_RANGES), minlength=n)
    km = np.bincount(par, weights=_in(cp, KHMER_RANGES), minlength=n)
    return km > th


def glued(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Per token: does it continue the previous token's word, so no entity may start or end between them?

    True when the two touch inside one paragraph and the cut falls inside a
    Thai or Khmer syllable (before a dependent vowel or mark, after a leading
    vowel or coeng) or inside a run of Latin letters and digits. ``cp`` holds
    the code points the offsets index.

    >>> text = "Trudeau แปซิฟิก"
    >>> cp = codepoints(text)
    >>> glued(cp, np.array([0, 3, 8, 13]), np.array([3, 7, 13, 15]), np.zeros(4, dtype=int)).tolist()
    [False, True, False, True]
    """
    out = np.zeros(len(starts), dtype=bool)
    if len(starts) < 2:
        return out
    prev_end, cur_start = ends[:-1], starts[1:]
    touch = (prev_end == cur_start) & (seq[1:] == seq[:-1])
    out[1:] = touch & _cuts_inside(cp, cur_start)
    return out


def _khmer_coda(cp: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per position in ``at``: does ``cp[at]`` begin a bare final consonant that ends its word?

    A Khmer consonant with its subscripts (coeng + consonant) and at most one
    of the signs ់ ៌ ៍ ៎, but no vowel, followed by no Khmer letter (nor a
    list-marker full stop), closes the syllable before it: យ៉ា|ន, ពិសិ|ដ្ឋ,
    សាឡេ|ហ៍. SentencePiece may cut there; a name may not.

    >>> cp = codepoints("សឿ យ៉ាន ពិសិដ្ឋ។ ធំ")
    >>> _khmer_coda(cp, np.array([6, 12, 17])).tolist()
    [True, True, False]
    """
    at = np.asarray(at, dtype=np.int64)
    out = (_classes(cp[at]) & _KHMER_CONSONANT_BIT) > 0
    cand = np.flatnonzero(out)  # only these need the look-ahead (none in Thai or Latin text)
    if not len(cand):
        return out

    def code(i: np.ndarray) -> np.ndarray:  # code points at i, 0 past the end of the text
        return np.where(i < len(cp), cp[np.minimum(i, len(cp) - 1)], 0)

    k = at[cand] + 1
    for _ in range(2):  # at most two subscript consonants
        k = k + 2 * ((code(k) == 0x17D2) & ((_classes(code(k + 1)) & _KHMER_CONSONANT_BIT) > 0))
    k = k + ((_classes(code(k)) & _KHMER_CODA_SIGN_BIT) > 0)
    after = code(k)
    out[cand] = ((_classes(after) & _KHMER_LETTER_BIT) == 0) & (after != 0x2E)
    return out


def _cuts_inside(cp: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Per position in ``at`` (each > 0): would a cut before ``cp[at]`` fall inside a syllable or a Latin run?"""
    last, first = _classes(cp[at - 1]), _classes(cp[at])
    out = (((first & _NO_WORD_START_BIT) | (last & _NO_WORD_END_BIT)
            | (last & first & _LATIN_ALNUM_BIT)) > 0)
    maybe_coda = np.flatnonzero(~out & ((last & _KHMER_LETTER_BIT) > 0))
    if len(maybe_coda):
        out[maybe_coda] = _khmer_coda(cp, at[maybe_coda])
    return out


def cuts_word(text: str, i: int) -> bool:
    """Would a cut before ``text[i]`` fall inside a syllable or a Latin run (the rule of :func:`glued`)?

    >>> cuts_word("คุณากร", 3), cuts_word("นายสมชาย", 3), cuts_word("Mr.Smith", 3), cuts_word("យ៉ាន", 3)
    (True, False, False, True)
    """
    if not 0 < i < len(text):
        return False
    return bool(_cuts_inside(codepoints(text), np.array([i]))[0])


def gazetteer_codes(starts: np.ndarray, ends: np.ndarray, matches: list[tuple[int, int, str]]) -> np.ndarray:
    """Per token: 0, or B/I code of the registry match (type) that covers it."""
    codes = np.zeros(len(starts), dtype=np.int64)
    for s, e, type_ in matches:
        first = int(np.searchsorted(ends, s, side="right"))
        last = int(np.searchsorted(starts, e, side="left"))
        if first < last:
            base = GAZ_CODE[type_]
            codes[first] = base
            codes[first + 1:last] = base + 1
    return codes


def _shifted(values: np.ndarray, seq: np.ndarray, k: int, pad: int) -> np.ndarray:
    """``values[i + k]`` when that token is in the same paragraph, else ``pad``."""
    n = len(values)
    out = np.full(n, pad, dtype=np.int64)
    if k == 0:
        return values.astype(np.int64)
    if k > 0:
        same = seq[k:] == seq[:-k] if n > k else np.zeros(0, dtype=bool)
        out[:n - k][same] = values[k:][same]
    else:
        k = -k
        same = seq[:-k] == seq[k:] if n > k else np.zeros(0, dtype=bool)
        out[k:][same] = values[:-k][same]
    return out


def _hash_pair(a: np.ndarray, b: np.ndarray, buckets: int) -> np.ndarray:
    # A multiplicative hash of two ids; collisions only share weights.
    return ((a * 1_000_003 + b * 7_919 + 12_345) % buckets).astype(np.int64)


def token_matrix(tok: Tokens, n_ids: int, bigram_buckets: int) -> sp.csr_matrix:
    """One row per token (see module doc)."""
    n = len(tok.ids)
    v = n_ids + 1  # + padding id
    pad = n_ids
    cols = []
    base = 0
    for k in WINDOW:
        cols.append(base + _shifted(tok.ids, tok.seq, k, pad))
        base += v
    prev_id = _shifted(tok.ids, tok.seq, -1, pad)
    next_id = _shifted(tok.ids, tok.seq, 1, pad)
    cols.append(base + _hash_pair(prev_id, tok.ids, bigram_buckets))
    base += bigram_buckets
    cols.append(base + _hash_pair(tok.ids, next_id, bigram_buckets))
    base += bigram_buckets
    for k in (-1, 0, 1):
        cols.append(base + _shifted(tok.shape, tok.seq, k, N_SHAPES - 1))
        base += N_SHAPES
    for flags in (tok.space_before, tok.space_after):
        for k in (-1, 0, 1):
            cols.append(base + _shifted(flags.astype(np.int64), tok.seq, k, 2))
            base += 3
    for k in (-1, 0, 1):
        cols.append(base + _shifted(tok.gaz, tok.seq, k, 0))
        base += N_GAZ
    if tok.sub is not None:  # a Latin word's own pieces: what its one token id no longer tells
        for j in (0, 1):
            cols.append(base + np.where(tok.sub[:, j] < 0, pad, tok.sub[:, j]))
            base += v
    width = len(cols)
    indices = np.stack(cols, axis=1).ravel() if n else np.zeros(0, dtype=np.int64)
    indptr = np.arange(0, n * width + 1, width, dtype=np.int64)
    data = np.ones(n * width, dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(n, base))


def paragraph_dim(n_ids: int, bigram_buckets: int) -> int:
    """Number of columns of :func:`paragraph_matrix`."""
    return n_ids + bigram_buckets


def paragraph_matrix(tok: Tokens, n_paragraphs: int, n_ids: int, bigram_buckets: int) -> sp.csr_matrix:
    """Counts of piece unigrams and, if ``bigram_buckets`` > 0, hashed piece bigrams per paragraph.

    >>> t = Tokens(np.array([0, 1, 1]), np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([0, 0, 1]),
    ...            np.zeros(3, int), np.zeros(3, bool), np.zeros(3, bool), np.zeros(3, int))
    >>> paragraph_matrix(t, 2, 2, 0).toarray().tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    rows, cols = tok.seq, tok.ids
    if bigram_buckets:
        prev_id = _shifted(tok.ids, tok.seq, -1, n_ids)
        has_prev = prev_id != n_ids
        rows = np.concatenate([rows, tok.seq[has_prev]])
        cols = np.concatenate([cols, n_ids + _hash_pair(prev_id[has_prev], tok.ids[has_prev], bigram_buckets)])
    width = n_ids + bigram_buckets
    # counting sorted (row, column) keys builds canonical CSR directly; a COO round trip costs more
    keys, counts = np.unique(rows.astype(np.int64) * width + cols, return_counts=True)
    indptr = np.zeros(n_paragraphs + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // width, minlength=n_paragraphs), out=indptr[1:])
    m = sp.csr_matrix((counts.astype(np.float32), keys % width, indptr), shape=(n_paragraphs, width))
    m.has_canonical_format = True
    return m


def cue_counts(hits: np.ndarray, n_paragraphs: int, mentions: np.ndarray | None = None) -> np.ndarray:
    """Sector cue counts per paragraph from :meth:`CueMatcher.hits` rows, shape ``(n_paragraphs, 15)``.

    With ``mentions`` (rows ``[paragraph, start, end]`` of entity mentions that
    do not overlap) the shape is ``(n_paragraphs, 30)``: counts of cues outside
    any mention, then of cues inside one. The guide does not count a field
    that is only named in a job title or an organisation's name
    (กระทรวงพลังงาน), so the two are different evidence.

    >>> hits = np.array([[0, 0, 4, 1], [0, 10, 14, 1], [1, 2, 5, 0]])
    >>> cue_counts(hits, 2)[:, :2].tolist()
    [[0.0, 2.0], [1.0, 0.0]]
    >>> split = cue_counts(hits, 2, np.array([[0, 8, 20]]))
    >>> split[0, 1], split[0, 16], split[1, 0]
    (np.float32(1.0), np.float32(1.0), np.float32(1.0))
    """
    n_sectors = len(SECTOR_IDS)
    width = n_sectors * (1 if mentions is None else 2)
    out = np.zeros((n_paragraphs, width), dtype=np.float32)
    if hits is None or not len(hits):
        return out
    par, start, end, sector = hits[:, 0], hits[:, 1], hits[:, 2], hits[:, 3]
    col = sector.copy()
    if mentions is not None and len(mentions):
        # one global coordinate per paragraph position; mentions do not overlap, so the last one
        # starting at or before a cue is the only one that can contain it
        stride = int(max(end.max(), mentions[:, 2].max())) + 1
        m_start = mentions[:, 0] * stride + mentions[:, 1]
        m_end = mentions[:, 0] * stride + mentions[:, 2]
        order = np.argsort(m_start, kind="stable")
        m_start, m_end = m_start[order], m_end[order]
        g_start, g_end = par * stride + start, par * stride + end
        k = np.searchsorted(m_start, g_start, side="right") - 1
        inside = (k >= 0) & (g_end <= m_end[np.maximum(k, 0)])
        col = col + n_sectors * inside
    np.add.at(out, (par, col), 1.0)
    return out

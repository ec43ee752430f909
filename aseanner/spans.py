"""The one place that converts between character spans, token indices and BIO tags.

Tags are integer codes into :data:`TAGS`: 0 is ``O``, then ``B-``/``I-`` for
each entity label in :data:`aseanner.taxonomy.ENTITY_LABELS`.

>>> import numpy as np
>>> starts, ends = np.array([0, 4, 8]), np.array([3, 8, 10])
>>> tags, aligned = spans_to_tags(starts, ends, [(4, 10, "ORG")])
>>> [TAGS[t] for t in tags], aligned
(['O', 'B-ORG', 'I-ORG'], [True])
>>> tags_to_spans(tags)
[(1, 3, 'ORG')]
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from .taxonomy import ENTITY_LABELS

TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{l}" for l in ENTITY_LABELS for p in ("B", "I"))
N_TAGS = len(TAGS)
B_CODE = {l: 1 + 2 * k for k, l in enumerate(ENTITY_LABELS)}
I_CODE = {l: 2 + 2 * k for k, l in enumerate(ENTITY_LABELS)}
_LABEL_OF = {c: l for l, c in B_CODE.items()} | {c: l for l, c in I_CODE.items()}


def is_begin(code: int) -> bool:
    return code % 2 == 1


def spans_to_tags(starts: np.ndarray, ends: np.ndarray,
                  spans: list[tuple[int, int, str]]) -> tuple[np.ndarray, list[bool]]:
    """Tag tokens ``[starts[i], ends[i])`` from character spans.

    A token belongs to a span when it overlaps it. Returns the tags and, per
    span, whether both its boundaries fall on token boundaries.
    """
    tags = np.zeros(len(starts), dtype=np.int64)
    aligned = []
    for s, e, label in spans:
        first = int(np.searchsorted(ends, s, side="right"))
        last = int(np.searchsorted(starts, e, side="left"))
        ok = first < last and starts[first] == s and ends[last - 1] == e
        aligned.append(bool(ok))
        if first < last:
            tags[first] = B_CODE[label]
            tags[first + 1:last] = I_CODE[label]
    return tags, aligned


def tags_to_spans(tags: np.ndarray) -> list[tuple[int, int, str]]:
    """``(first token, last token + 1, label)`` of every entity in a valid BIO sequence.

    An ``I`` that does not continue its label starts a new span (repair, not crash).
    """
    out = []
    cur_start, cur_label = -1, None
    for i, code in enumerate(np.asarray(tags).tolist()):
        if code == 0:
            if cur_label is not None:
                out.append((cur_start, i, cur_label))
            cur_label = None
            continue
        label = _LABEL_OF[code]
        if is_begin(code) or label != cur_label:
            if cur_label is not None:
                out.append((cur_start, i, cur_label))
            cur_start, cur_label = i, label
    if cur_label is not None:
        out.append((cur_start, len(tags), cur_label))
    return out


def token_boundary_share(starts: np.ndarray, ends: np.ndarray, spans: list[tuple[int, int, str]]) -> tuple[int, int]:
    """``(aligned, total)``: spans whose both ends fall on token boundaries.

    >>> token_boundary_share(np.array([0, 2]), np.array([2, 4]), [(0, 2, "LOC"), (1, 4, "LOC")])
    (1, 2)
    """
    start_set, end_set = set(np.asarray(starts).tolist()), set(np.asarray(ends).tolist())
    ok = sum(1 for s, e, _ in spans if s in start_set and e in end_set)
    return ok, len(spans)


def title_pattern(titles: Iterable[str]) -> re.Pattern | None:
    """A regex for one or more of ``titles`` at the start of a text, with the spaces and dots after them.

    Longer titles are tried first (``นายแพทย์`` before ``นาย``); ``None`` for no titles.
    """
    alts = sorted({t for t in titles if t}, key=len, reverse=True)
    if not alts:
        return None
    return re.compile("(?:(?:" + "|".join(map(re.escape, alts)) + ")[\\s\u200b.]*)+")


def strip_title(text: str, start: int, end: int, pattern: re.Pattern | None) -> int:
    """The start of ``text[start:end]`` past leading titles; ``start`` when the titles are all there is.

    The guide keeps titles, ranks and honorifics outside PERSON spans.

    >>> rx = title_pattern(["นาย", "นายแพทย์", "ดร."])
    >>> text = "โดยนายแพทย์โอภาส การย์กวินพงศ์"
    >>> text[strip_title(text, 3, len(text), rx):]
    'โอภาส การย์กวินพงศ์'
    >>> strip_title("ดร. ", 0, 4, rx)
    0
    """
    if pattern is None:
        return start
    m = pattern.match(text, start, end)
    if m is None or m.end() >= end:
        return start
    return m.end()

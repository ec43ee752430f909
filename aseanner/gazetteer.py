"""Find registry names in running text (leftmost, longest, one regex built as a trie).

The matcher works on the normalised view (:func:`aseanner.text.normalize`);
callers map its offsets back. It never splits a Thai or Khmer cluster: a match
may not end before a dependent vowel, tone mark or coeng, nor start after one.

>>> from aseanner.registry import Registry, Entry
>>> g = Gazetteer(Registry([Entry("CA", "COUNTRY", "th", "แคนาดา"), Entry("ASEAN", "ORG", "th", "อาเซียน")]))
>>> [(s, e, x.id) for s, e, x in g.find("อาเซียน-แคนาดา")]
[(0, 7, 'ASEAN'), (8, 14, 'CA')]
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from .text import clean
from .registry import Entry, Registry, default_registry

# Marks that continue the cluster before them: Thai vowels/tone marks written
# after or above a consonant, Khmer dependent vowels, signs and the coeng.
_THAI_CONT = "\u0e30-\u0e3a\u0e45\u0e47-\u0e4e"
_KHMER_CONT = "\u17b6-\u17d3\u17dd"
_THAI_LEAD = "\u0e40-\u0e44"  # leading vowels belong to the consonant after them
_LATIN_WORD = "A-Za-z0-9"
_LATIN_WORD_RE = re.compile(f"[{_LATIN_WORD}]")

#: A Thai/Khmer name may not start inside a cluster...
START_GUARD = f"(?<![{_THAI_LEAD}\u17d2])(?![{_THAI_CONT}{_KHMER_CONT}])"
#: ...nor end inside one, nor before a consonant silenced by the karan (ลาว in คลาวด์).
END_GUARD = f"(?![{_THAI_CONT}{_KHMER_CONT}])(?![\u0e01-\u0e2e][\u0e30-\u0e39]?\u0e4c)"


def _trie_pattern(words: list[str]) -> str:
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            return "(?:" + body + ")?"
        return body

    return emit(trie)


class Gazetteer:
    """Leftmost-longest matcher over every name of a :class:`Registry`."""

    def __init__(self, registry: Registry):
        self.registry = registry
        names = {}
        for entry in registry.entries:
            name = clean(entry.name)  # the text it searches is a normalised view (no U+200B etc.)
            if name:
                names.setdefault(name, entry)
        self._entries = names

    @cached_property
    def _regex(self) -> re.Pattern:
        # compiled on first find(): half a second for the bundled registry, and prediction
        # usually takes its matches from the tokenizer's scan (among) instead
        latin = [n for n in self._entries if n[0].isascii() or n[-1].isascii()]
        other = [n for n in self._entries if n not in set(latin)]
        parts = []
        if other:
            parts.append(f"{START_GUARD}(?:{_trie_pattern(other)}){END_GUARD}")
        if latin:
            parts.append(f"(?<![{_LATIN_WORD}])(?:{_trie_pattern(latin)})(?![{_LATIN_WORD}])")
        return re.compile("|".join(parts) if parts else r"(?!x)x")

    def among(self, text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, Entry]]:
        """The registry names among candidate ``spans`` of ``text`` (e.g. a tokenizer's lexicon matches).

        Same as :meth:`find` when ``spans`` come from a leftmost-longest scan over a word list that
        contains every registry name, but without a second pass over the text.

        >>> g = Gazetteer(Registry([Entry("EU", "ORG", "en", "EU"), Entry("CA", "COUNTRY", "th", "แคนาดา")]))
        >>> [(s, e, x.id) for s, e, x in g.among("EU EUR แคนาดา", [(0, 2), (3, 5), (7, 13)])]
        [(0, 2, 'EU'), (7, 13, 'CA')]
        """
        out = []
        n = len(text)
        for s, e in spans:
            entry = self._entries.get(text[s:e])
            if entry is None:
                continue
            if text[s].isascii() or text[e - 1].isascii():
                # Latin names only as whole words, as in find()
                if (s > 0 and _LATIN_WORD_RE.match(text[s - 1])) or (e < n and _LATIN_WORD_RE.match(text[e])):
                    continue
            out.append((s, e, entry))
        return out

    def names(self) -> frozenset[str]:
        """Every name the gazetteer matches (cleaned)."""
        return frozenset(self._entries)

    def find(self, text: str) -> list[tuple[int, int, Entry]]:
        """``(start, end, entry)`` of every non-overlapping name in ``text``."""
        return [(m.start(), m.end(), self._entries[m.group()]) for m in self._regex.finditer(text)]


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """A matcher over the bundled registry (built once)."""
    return Gazetteer(default_registry())

"""Entity linking: a predicted mention's label and text -> (label, canonical id).

The registry is the authority on names it knows: a mention whose whole text
is a registry state or organisation takes that type and id, whatever the
tagger said. Otherwise an ``ORG`` keeps ``id=None``; a ``COUNTRY`` takes
the id of a state name found inside it (``ราชอาณาจักรไทย`` style official
forms the registry lacks), else keeps ``id=None``; a registry region is ``LOC``.

>>> from aseanner.registry import Registry, Entry
>>> from aseanner.gazetteer import Gazetteer
>>> reg = Registry([Entry("CA", "COUNTRY", "th", "แคนาดา"), Entry("", "LOC", "th", "ยุโรป")])
>>> find = Gazetteer(reg).find
>>> link("แคนาดา", "LOC", reg, find), link("ยุโรป", "COUNTRY", reg, find), link("ราชอาณาจักรแคนาดา", "COUNTRY", reg, find)
(('COUNTRY', 'CA'), ('LOC', None), ('COUNTRY', 'CA'))
"""

from __future__ import annotations

from typing import Callable

from .gazetteer import Entry
from .registry import Registry
from .text import clean


def link(text: str, label: str, registry: Registry,
         find: Callable[[str], list[tuple[int, int, Entry]]]) -> tuple[str, str | None]:
    """``(label, id)`` of a mention; ``find`` gives the registry names inside a text (:meth:`Gazetteer.find`)."""
    entry = registry.entry(text)
    if entry is not None:
        if entry.id and entry.type in ("COUNTRY", "ORG") and label != "PERSON":
            return entry.type, entry.id
        if entry.type == "LOC" and label in ("COUNTRY", "LOC"):
            return "LOC", None
    if label == "COUNTRY":
        inner = [m for m in find(clean(text)) if m[2].type == "COUNTRY" and m[2].id]
        if inner:
            longest = max(inner, key=lambda m: m[1] - m[0])
            return "COUNTRY", longest[2].id
        return "COUNTRY", None
    return label, None

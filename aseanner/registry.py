"""Canonical ids: names of states and organisations in Thai, Khmer and English -> ids.

The registry is data: ``aseanner/resources/registry.tsv`` (columns ``id``,
``type``, ``lang``, ``name``), rebuilt by ``training/build_registry.py``.
Users extend it with their own TSV files of the same columns
(:meth:`Registry.from_tsv`).

>>> lookup("สหรัฐฯ"), lookup("សហរដ្ឋ\u200bអាមេរិក"), lookup("Economic Cooperation Organization")
('US', 'US', 'ECO')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from .resources import resource_path
from .text import clean

REGISTRY_TYPES = ("COUNTRY", "ORG", "LOC", "PERSON")  # LOC and PERSON names carry no id
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_WS_RE = re.compile(r"\s+")
_ISO_RE = re.compile(r"^[A-Z]{2}$")
_ORG_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


def name_key(name: str) -> str:
    """The lookup key of a name: invisible characters, case, dashes and spaces folded.

    >>> name_key("UCLG  ASPAC") == name_key("uclg aspac")
    True
    """
    return _WS_RE.sub(" ", clean(name).translate(_DASHES)).strip().casefold()


@dataclass(frozen=True)
class Entry:
    """One name of one registry id."""

    id: str
    type: str
    lang: str
    name: str


class Registry:
    """Names -> canonical ids. The first entry for a name wins.

    >>> reg = Registry([Entry("CA", "COUNTRY", "th", "แคนาดา")])
    >>> reg.lookup("แคนาดา"), reg.type_of("CA"), reg.lookup("โลก")
    ('CA', 'COUNTRY', None)
    """

    def __init__(self, entries: Iterable[Entry]):
        self.entries: list[Entry] = []
        self._by_key: dict[str, Entry] = {}
        self._types: dict[str, str] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry) -> None:
        """Add one name; a name already known keeps its first id."""
        if entry.type not in REGISTRY_TYPES:
            raise ValueError(
                f"registry entry {entry.name!r}: type must be one of {REGISTRY_TYPES}, got {entry.type!r}"
            )
        key = name_key(entry.name)
        if not key:
            return
        self.entries.append(entry)
        self._by_key.setdefault(key, entry)
        if entry.id:
            self._types.setdefault(entry.id, entry.type)

    @classmethod
    def from_tsv(cls, paths: Iterable[str | Path]) -> "Registry":
        """Read registry TSV files (columns ``id type lang name`` in any order, named by a header line).

        Lines that are blank or start with ``#`` are skipped. Fields are split on
        tabs only, without quoting (a plain split: the bundled registry is read
        on every model load).
        """
        entries = []
        for path in paths:
            with open(path, encoding="utf-8", newline="") as fh:
                lines = ((n, line.rstrip("\r\n")) for n, line in enumerate(fh, 1)
                         if line.strip() and not line.startswith("#"))
                header = next(lines, None)
                if header is None:
                    continue
                names = header[1].split("\t")
                missing = [c for c in ("id", "type", "lang", "name") if c not in names]
                if missing:
                    raise ValueError(f"{path}: the header line must name the columns id, type, lang and name "
                                     f"(tab-separated), got {names!r}; add the missing {missing}")
                cols = [names.index(c) for c in ("id", "type", "lang", "name")]
                for n, line in lines:
                    fields = line.split("\t")
                    if len(fields) < len(names):
                        raise ValueError(f"{path}, line {n}: expected {len(names)} tab-separated fields "
                                         f"({', '.join(names)}), got {len(fields)} in {line!r}; separate them "
                                         "with tabs (an empty id is an empty field)")
                    entries.append(Entry(*(fields[i] for i in cols)))
        return cls(entries)

    def lookup(self, name: str, label: str | None = None) -> str | None:
        """Canonical id of ``name``, or ``None``; ``label`` restricts the type."""
        entry = self._by_key.get(name_key(name))
        if entry is None or not entry.id or (label is not None and entry.type != label):
            return None
        return entry.id

    def entry(self, name: str) -> Entry | None:
        """The registry entry of ``name`` (also for id-less LOC names), or ``None``."""
        return self._by_key.get(name_key(name))

    def type_of(self, canonical_id: str) -> str | None:
        """``COUNTRY`` or ``ORG`` for a known id, else ``None``."""
        return self._types.get(canonical_id)

    def ids(self, label: str | None = None) -> set[str]:
        """All known ids (of one type when ``label`` is given)."""
        return {i for i, t in self._types.items() if label is None or t == label}

    def names(self) -> list[Entry]:
        """Every entry, in file order."""
        return list(self.entries)

    @staticmethod
    def is_valid_country_id(canonical_id: object) -> bool:
        """ISO 3166-1 alpha-2 shape (two upper-case letters)."""
        return isinstance(canonical_id, str) and bool(_ISO_RE.match(canonical_id))

    @staticmethod
    def is_valid_org_id(canonical_id: object) -> bool:
        """Upper-case acronym with hyphens, as the guide asks."""
        return isinstance(canonical_id, str) and bool(_ORG_ID_RE.match(canonical_id))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry bundled with the package (read once)."""
    return Registry.from_tsv([resource_path("registry.tsv")])


def lookup(name: str) -> str | None:
    """Canonical id of a state or organisation name in the bundled registry.

    >>> lookup("អាស៊ាន"), lookup("nowhere")
    ('ASEAN', None)
    """
    return default_registry().lookup(name)

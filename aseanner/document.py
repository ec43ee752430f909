"""Result types of :func:`aseanner.predict`: Document, Paragraph, Entity, SectorScore.

>>> Document.empty().to_dict()
{'lang': 'th', 'sectors': [], 'entities': [], 'paragraphs': [], 'partners': []}
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SectorScore:
    """A predicted sector and its probability."""

    label: str
    score: float

    def to_dict(self) -> dict:
        return {"label": self.label, "score": round(float(self.score), 6)}


@dataclass(frozen=True)
class Entity:
    """A mention: ``text == input[start:end]``; ``id`` is its canonical id or ``None``."""

    start: int
    end: int
    label: str
    text: str
    id: str | None
    partner: bool
    score: float

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text,
                "id": self.id, "partner": self.partner, "score": round(float(self.score), 6)}


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's span in the input and its predicted sectors (highest score first)."""

    start: int
    end: int
    sectors: tuple[SectorScore, ...] = ()

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "sectors": [s.to_dict() for s in self.sectors]}


@dataclass(frozen=True)
class Document:
    """Everything predicted for one text."""

    lang: str
    sectors: tuple[SectorScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    partners: tuple[str, ...] = field(default=())

    @classmethod
    def empty(cls, lang: str = "th") -> "Document":
        return cls(lang=lang)

    def to_dict(self) -> dict:
        """The stable JSON shape (see README, "Output")."""
        return {
            "lang": self.lang,
            "sectors": [s.to_dict() for s in self.sectors],
            "entities": [e.to_dict() for e in self.entities],
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "partners": list(self.partners),
        }

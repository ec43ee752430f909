"""aseanner: cooperation sectors and linked partner entities in Thai and Khmer ASEAN news.

>>> import aseanner
>>> doc = aseanner.predict("อาเซียนและแคนาดาหารือความร่วมมือด้านสาธารณสุข")
>>> doc.lang, "CA" in doc.partners
('th', True)
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Iterator

from .document import Document, Entity, Paragraph, SectorScore

__version__ = "0.1.0"
__all__ = ["predict", "predict_many", "load", "Document", "Entity", "Paragraph", "SectorScore", "__version__"]

_default = None
_lock = threading.Lock()


def load(path: str | Path | None = None):
    """Load a model directory (verified against its manifest) and make it the default.

    ``None`` loads ``$ASEANNER_MODEL`` if set, else the model bundled with the package.
    """
    global _default
    from .bundle import load as _load
    from .resources import default_model_dir

    model = _load(path if path is not None else default_model_dir())
    with _lock:
        _default = model
    return model


def _model():
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from .bundle import load as _load
                from .resources import default_model_dir

                _default = _load(default_model_dir())
    return _default


def predict(text: str) -> Document:
    """Sectors and linked entities of one document (paragraphs are its non-empty lines).

    Raises ``TypeError`` for anything but ``str``; empty text gives an empty Document.
    """
    from .model import check_text

    check_text(text, "text")
    if not text.strip():
        from .text import detect_lang
        return Document.empty(detect_lang(text))
    return _model().predict(text)


def predict_many(texts: Iterable[str], batch_size: int = 64, n_jobs: int = 1) -> Iterator[Document]:
    """One Document per text, in order. ``n_jobs > 1`` predicts in worker processes."""
    from .parallel import predict_many as _pm

    return _pm(_model(), texts, batch_size=batch_size, n_jobs=n_jobs)

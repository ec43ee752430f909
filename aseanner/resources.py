"""Where bundled files live: the one resolver for package data and the default model.

>>> resource_path("registry.tsv").name
'registry.tsv'
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

#: Environment variable naming a model directory to use instead of the bundled one.
MODEL_ENV = "ASEANNER_MODEL"

#: The command that trains a model, quoted in errors about a missing model.
TRAIN_COMMAND = "python training/train.py --out models"


def resource_path(name: str) -> Path:
    """Path of a data file bundled in ``aseanner/resources``."""
    return Path(str(resources.files("aseanner") / "resources" / name))


def boundary_words() -> list[str]:
    """The tokenizer's boundary lexicon (``resources/boundary_words.txt``, ``#`` lines are comments).

    >>> "ประเทศ" in boundary_words()
    True
    """
    return _word_list("boundary_words.txt")


def person_titles() -> list[str]:
    """Titles, ranks and honorifics kept outside PERSON spans (``resources/person_titles.txt``).

    >>> "ឯកឧត្តម" in person_titles()
    True
    """
    return _word_list("person_titles.txt")


def _word_list(name: str) -> list[str]:
    """The non-empty lines of a bundled word list; lines starting with ``#`` are comments."""
    text = resource_path(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def bundled_model_dir() -> Path:
    """The directory of the default model shipped in the wheel (repo: ``models/``)."""
    return Path(str(resources.files("aseanner.models")))


def default_model_dir() -> Path:
    """``$ASEANNER_MODEL`` when set, else the bundled model directory."""
    env = os.environ.get(MODEL_ENV)
    return Path(env) if env else bundled_model_dir()

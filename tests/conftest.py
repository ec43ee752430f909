"""Shared fixtures: tiny in-repo data, a tiny trained model, the bundled default model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
TOKENIZER = ROOT / "training" / "tokenizer" / "aseanner-sp.model"


def run_cli(*args: str, input: str | None = None, env: dict | None = None, cwd: str | Path | None = None):
    """Run ``python -m aseanner ARGS`` in a subprocess; returns the CompletedProcess."""
    import os
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "aseanner", *args], input=input, capture_output=True,
                          text=True, env=full_env, cwd=cwd or ROOT, timeout=600)


@pytest.fixture(scope="session")
def cli():
    """``cli(*args, input=None, env=None, cwd=None)`` runs ``python -m aseanner`` in a subprocess."""
    return run_cli


@pytest.fixture(scope="session")
def tiny_records() -> list[dict]:
    return [json.loads(l) for l in (FIXTURES / "tiny.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]


@pytest.fixture(scope="session")
def tiny_model(tiny_records):
    """A model trained in seconds on the tiny fixture (pipeline checks, not accuracy)."""
    from aseanner.cues import default_cues
    from aseanner.registry import default_registry
    from aseanner.train import train_model

    model, _ = train_model(tiny_records, [], TOKENIZER.read_bytes(), default_registry(), ["นาย", "លោក", "กรุง"],
                           seed=1, config={"tagger_max_iter": 50}, cues=default_cues())
    return model


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    from aseanner.bundle import save

    return save(tiny_model, tmp_path_factory.mktemp("tiny") / "model", {"note": "test fixture"})


@pytest.fixture(scope="session")
def default_model():
    """The model bundled with the package (what users get)."""
    import aseanner

    return aseanner.load()

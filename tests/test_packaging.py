"""The wheel carries the model and resources; a fresh virtual environment runs it from elsewhere."""

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True, timeout=600)
    (whl,) = out.glob("aseanner-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_contains_models_and_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    model_files = {p.name for p in (ROOT / "models").iterdir() if p.is_file() and p.suffix != ".pyc"}
    assert {f"aseanner/models/{n}" for n in model_files} <= names
    assert {"aseanner/models/manifest.json", "aseanner/models/model.joblib", "aseanner/models/tokenizer.model"} <= names
    # every bundled resource (aseanner train reads boundary_words.txt, prediction person_titles.txt)
    resources = {p.name for p in (ROOT / "aseanner" / "resources").iterdir() if p.is_file()}
    assert {"registry.tsv", "sector_cues.tsv", "boundary_words.txt", "person_titles.txt"} <= resources
    assert {f"aseanner/resources/{n}" for n in resources} <= names
    assert not any(n.startswith(("training/", "seeds/", "tests/")) for n in names)


@pytest.mark.slow
def test_fresh_venv_install_runs_from_another_directory(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True,
                   text=True, timeout=1200)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ASEANNER_MODEL")}
    code = ("import aseanner, json; from aseanner.resources import bundled_model_dir; "
            "d = aseanner.predict('อาเซียนและแคนาดาหารือความร่วมมือ'); "
            "print(json.dumps({'dir': str(bundled_model_dir()), 'partners': d.partners}))")
    res = subprocess.run([str(py), "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert "site-packages" in out["dir"] and out["partners"] == ["CA"]
    cli = subprocess.run([str(env_dir / "bin" / "aseanner"), "predict", "--compact", "ជប៉ុន"], cwd=elsewhere,
                         env=env, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0 and json.loads(cli.stdout)["partners"] == ["JP"]

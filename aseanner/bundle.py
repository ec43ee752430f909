"""Save and load a model directory: verify every file's sha256 before unpickling anything.

A model directory holds ``manifest.json``, ``tokenizer.model`` (SentencePiece),
``registry.tsv``, ``model.joblib`` (the fitted estimators). Joblib files are
pickles and execute code when loaded: only load models from a trusted source.
Saving writes to a temporary sibling directory and renames it into place, so
an interrupted save leaves the previous model intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import warnings
from pathlib import Path

import joblib
import sentencepiece

from .model import Model
from .registry import Registry
from .resources import TRAIN_COMMAND
from .tokenizer import Tokenizer

MANIFEST = "manifest.json"
# 2: sector IDF as an array; 3: sector cue_threshold; 4: token features over +-4 pieces; 5: Latin words as tokens
FORMAT_VERSION = 5


class ModelIntegrityError(RuntimeError):
    """A model file is missing, truncated or altered; nothing was unpickled."""


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict:
    from importlib.metadata import version  # not sklearn.__version__: importing sklearn is slower than a model load

    from . import __version__
    return {"aseanner": __version__, "python": platform.python_version(), "scikit-learn": version("scikit-learn"),
            "sentencepiece": sentencepiece.__version__, "joblib": joblib.__version__}


def save(model: Model, out_dir: str | Path, manifest_extra: dict | None = None) -> Path:
    """Write ``model`` to ``out_dir`` atomically; returns the directory."""
    out = Path(out_dir).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a model directory is meant to be shared
        (tmp / "tokenizer.model").write_bytes(model.tokenizer.model_bytes)
        with open(tmp / "registry.tsv", "w", encoding="utf-8", newline="") as fh:
            fh.write("id\ttype\tlang\tname\n")
            for e in model.registry.entries:
                fh.write(f"{e.id}\t{e.type}\t{e.lang}\t{e.name}\n")
        joblib.dump({"format": FORMAT_VERSION, "idf": model.idf, "sectors": model.sectors,
                     "tagger": model.tagger, "config": model.config, "lexicon": model.tokenizer.lexicon,
                     "cues": model.cues, "titles": model.titles},
                    tmp / "model.joblib", compress=3)
        files = {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in sorted(tmp.iterdir())}
        manifest = {"format": FORMAT_VERSION, "versions": versions(), "files": files, **(manifest_extra or {})}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        # keep package files such as models/__init__.py that live beside the model
        if out.exists():
            for p in out.iterdir():
                if p.suffix == ".py" and not (tmp / p.name).exists():
                    shutil.copy2(p, tmp / p.name)
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_manifest(model_dir: str | Path) -> dict:
    path = Path(model_dir) / MANIFEST
    if not path.is_file():
        if not Path(model_dir).exists():
            raise FileNotFoundError(f"no model at {model_dir}; train one with: {TRAIN_COMMAND} "
                                    f"(or: aseanner train --data FILE --out DIR)")
        raise FileNotFoundError(f"{path} is missing: {model_dir} is not a model directory; "
                                f"train one with: {TRAIN_COMMAND}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelIntegrityError(f"{path} is not valid JSON ({exc}); the model directory is damaged") from exc
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if (not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values())
            or not isinstance(manifest.get("versions", {}), dict)):
        raise ModelIntegrityError(f"{path} is not a model manifest (expected an object with \"files\" "
                                  f"{{name: {{\"sha256\", \"bytes\"}}}} and \"versions\"); "
                                  f"the model directory is damaged")
    return manifest


def verify(model_dir: str | Path, manifest: dict) -> None:
    """Check every file listed in the manifest against its sha256; raise on the first bad one."""
    files = manifest.get("files") or {}
    for name in ("tokenizer.model", "registry.tsv", "model.joblib"):
        if name not in files:
            raise ModelIntegrityError(f"{Path(model_dir) / MANIFEST} does not list {name}; the manifest is damaged")
    for name, info in files.items():
        path = Path(model_dir) / name
        if not path.is_file():
            raise ModelIntegrityError(f"{path} is missing (listed in the manifest); nothing was loaded")
        if path.stat().st_size != info.get("bytes") or sha256_file(path) != info.get("sha256"):
            raise ModelIntegrityError(f"{path} does not match its sha256 in the manifest (truncated or altered); "
                                      f"nothing was loaded. Re-install the package or retrain the model")


def _check_versions(manifest: dict) -> None:
    saved = manifest.get("versions", {})
    now = versions()
    for lib in ("scikit-learn", "sentencepiece"):
        if saved.get(lib) and saved[lib] != now[lib]:
            warnings.warn(f"model was saved with {lib} {saved[lib]} but {lib} {now[lib]} is installed; "
                          f"predictions may differ. Retrain ({TRAIN_COMMAND}) or install {lib}=={saved[lib]}",
                          UserWarning, stacklevel=3)


def load(model_dir: str | Path) -> Model:
    """Load a model directory after verifying every file (see module doc)."""
    model_dir = Path(model_dir)
    manifest = read_manifest(model_dir)
    if manifest.get("format") != FORMAT_VERSION:
        raise ModelIntegrityError(f"{model_dir / MANIFEST} has format {manifest.get('format')!r}, this aseanner "
                                  f"reads format {FORMAT_VERSION}; retrain the model ({TRAIN_COMMAND}) or "
                                  f"install the aseanner version that wrote it")
    verify(model_dir, manifest)
    _check_versions(manifest)
    parts = joblib.load(model_dir / "model.joblib")
    registry = Registry.from_tsv([model_dir / "registry.tsv"])
    tokenizer = Tokenizer((model_dir / "tokenizer.model").read_bytes(), parts["lexicon"],
                          latin_words=parts["config"].get("latin_words", False))
    model = Model(tokenizer=tokenizer, registry=registry, idf=parts["idf"], sectors=parts["sectors"],
                  tagger=parts["tagger"], config=parts["config"], cues=parts.get("cues"),
                  titles=tuple(parts.get("titles", ())))
    model.manifest = manifest
    model.path = model_dir
    return model

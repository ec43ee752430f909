#!/usr/bin/env python
"""Performance benchmark of aseanner against the tools users would otherwise pick.

Run from the repository root (reads real text from ``../shared/corpora`` by
default, i.e. the ``shared/`` folder beside the repository; see ``--corpora``)::

    python benchmarks/bench.py                      # full run, ~6-9 min
    python benchmarks/bench.py --quick              # smoke run, ~1 min
    python benchmarks/bench.py --json reports/bench.json

What is measured (everything single process, pinned to one CPU, after a
warm-up, ``--reps`` repetitions, the median reported), unless said otherwise:

* **Throughput of ``aseanner.predict``** (characters/s and documents/s),
  one call per document, on a fixed seeded sample of real news documents per
  language (``--docs``, default 300): Thai from both ThaiGov files
  (``thaigov-asean-2020-2024`` and ``thaigov-sample-2020-2024``, pooled),
  Khmer from ``khmer-news-2019``; and on the seeds (``seeds/*.txt``).
* **Peers on the same text**: PyThaiNLP ``word_tokenize(engine="newmm")``
  alone on the Thai sample; khmer-nltk ``word_tokenize`` alone on the Khmer
  sample (slow: ``--knltk-docs`` limits it to the first N documents of the
  sample). For the Khmer ratio, aseanner and khmer-nltk are timed in turns on
  exactly the same documents (aseanner, khmer-nltk, aseanner, ...) and the
  goal uses the median of the per-turn ratios: this VM's speed drifts by a
  quarter between runs, and a ratio of two medians taken a minute apart
  inherits that drift.
* **A CRF NER peer** in the style of PyThaiNLP's ThaiNER tagger (per
  paragraph: newmm words, perceptron POS tags ``orchid_ud``, ThaiNER's
  feature dicts ``pythainlp.tag.thainer._doc2features``, python-crfsuite
  tagging). By default it is the ``CRFSystem`` of
  ``benchmarks/thainer_bench.py`` (the ThaiNER accuracy benchmark; its
  features add the words at +-2 and 1-3 char affixes), trained here on the
  first ``--crf-train-lines`` paragraphs of ``thainer/1.5-train.txt`` with
  ``--crf-iters`` L-BFGS iterations, because that script keeps its model only
  while it runs; ``--crf-source local`` (or a missing/incompatible
  thainer_bench.py) uses plain ThaiNER features trained the same way. The
  trained ``.crfsuite`` file is cached under ``$TMPDIR/aseanner-bench/``.
  Only prediction speed is measured, on the first ``--crf-docs`` documents of
  the Thai sample (aseanner is timed on the same documents).
* **Cold model load**: a fresh interpreter per repetition runs
  ``import aseanner; aseanner.load()`` (the time from before the import to
  after the load; interpreter start-up not included; one untimed run first
  so the OS file cache is warm).
* **Peak RSS** of a fresh interpreter that loads the model and predicts both
  samples (then, reported separately, also one ~1 M-char document per
  language). It is the peak RSS of the child's own address space, ``VmHWM``
  from ``/proc/self/status``; ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` is
  used only where that file does not exist, because on Linux ``ru_maxrss``
  survives ``execve`` and so reports this (much bigger) parent's peak. The
  raw ``ru_maxrss`` is kept in the JSON for reference.
* **Model size on disk**: all files of the model directory except
  ``__init__.py`` and ``__pycache__``.
* **Cost against document length**: documents of ~1 K, 10 K, 100 K and 1 M
  *characters* made by concatenating whole real paragraphs (one per line),
  per language; at least ``--length-budget`` characters per size (several
  disjoint documents for the small sizes); time per character of each. The
  cost is "flat" when the 1 M per-character time is at most 1.5x the 10 K one.
* **``predict_many`` with ``n_jobs=2`` vs ``n_jobs=1``** on one list (the Thai
  then the Khmer sample), ``batch_size=64``; this part runs on all CPUs the
  script was started with (not pinned).

Pinning: the script pins itself to one CPU (``--cpu``, default 0; ``-1``
turns it off) with ``os.sched_setaffinity``, which is what ``taskset -c 0``
does, and lifts the pin only for the ``n_jobs`` comparison. Running the whole
script under ``taskset -c 0`` instead leaves one CPU for ``n_jobs=2`` too
(the script warns).

Every timing also records the CPU seconds of the process (plus its reaped
workers for ``n_jobs``): ``CPU/wall`` well below 1 means other work on the
machine took the CPU, and ``chars/CPU-s`` is then the steadier figure; the
load average at start and end is printed too. The goals use wall time.

Child interpreters import the same ``aseanner`` as this process (its parent
folder is put first on ``PYTHONPATH``) and honour ``$ASEANNER_MODEL``, so a
checkout or model elsewhere can be measured, e.g.
``PYTHONPATH=/tmp/head ASEANNER_MODEL=$PWD/models python benchmarks/bench.py``.

Units: MB = 10**6 bytes; chars = Python ``str`` characters (code points).

Output: a Markdown report on stdout (progress goes to stderr); ``--json FILE``
writes every number, the raw repetition times, the samples' ids and the
machine (platform, CPU model, cores, Python and library versions, git
commit, date). ``--fail-on-goal`` exits with status 1 when a goal is missed.

Goals, printed with pass/FAIL next to the results (see :data:`GOALS`):
predict >= 300,000 chars/s per language; Thai predict faster than newmm
alone; Khmer predict >= 5x khmer-nltk; 1 M per-char time <= 1.5x the 10 K
one; cold load <= 0.5 s; model files <= 25 MB; peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import importlib.util
import json
import lzma
import math
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
THAI_FILES = ("thaigov-asean-2020-2024.jsonl.xz", "thaigov-sample-2020-2024.jsonl.xz")
KHMER_FILES = ("khmer-news-2019.jsonl.xz",)
THAINER_TRAIN = Path("thainer") / "1.5-train.txt"
MB = 1_000_000

#: (key, description, threshold); evaluated in :func:`evaluate_goals`.
GOALS = {
    "predict_th": ("aseanner.predict Thai chars/s", 300_000),
    "predict_km": ("aseanner.predict Khmer chars/s", 300_000),
    "th_vs_newmm": ("Thai predict / newmm alone (chars/s ratio)", 1.0),
    "km_vs_knltk": ("Khmer predict / khmer-nltk (chars/s ratio)", 5.0),
    "flat_th": ("Thai per-char time 1 M / 10 K", 1.5),
    "flat_km": ("Khmer per-char time 1 M / 10 K", 1.5),
    "load": ("cold model load, s", 0.5),
    "model_size": ("model files, MB", 25.0),
    "rss": ("peak RSS while predicting the samples, MB", 300.0),
}

_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data

def read_jsonl_xz(path: Path) -> list[dict]:
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_corpus(corpora: Path, files: tuple[str, ...]) -> list[dict]:
    """Records with non-blank ``text`` from ``files``, each tagged with its file."""
    docs = []
    for name in files:
        for k, rec in enumerate(read_jsonl_xz(corpora / name)):
            text = rec.get("text") or ""
            if text.strip():
                docs.append({"id": f"{name}:{rec.get('id', k)}", "text": text})
    return docs


def sample_docs(docs: list[dict], n: int, seed: int) -> list[dict]:
    return random.Random(seed).sample(docs, min(n, len(docs)))


def paragraph_pool(docs: list[dict], seed: int) -> list[str]:
    """All non-blank lines of ``docs``, shuffled with ``seed``."""
    pool = [line.strip() for d in docs for line in d["text"].split("\n") if line.strip()]
    random.Random(seed).shuffle(pool)
    return pool


def build_length_docs(pool: list[str], target: int, count: int, start: int) -> tuple[list[str], int]:
    """``count`` documents of >= ``target`` chars from consecutive paragraphs of ``pool``.

    Returns the documents and the next unused pool index (wraps around when
    the pool runs out, so the same paragraph may then appear twice).
    """
    out, i = [], start
    for _ in range(count):
        parts, size = [], 0
        while size < target:
            p = pool[i % len(pool)]
            i += 1
            parts.append(p)
            size += len(p) + 1
        out.append("\n".join(parts))
    return out, i


def chars(texts: list[str]) -> int:
    return sum(len(t) for t in texts)


# ---------------------------------------------------------------- timing

def _cpu_s(children: bool) -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    total = r.ru_utime + r.ru_stime
    if children:  # worker processes count once reaped (the pool joins them before returning)
        c = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += c.ru_utime + c.ru_stime
    return total


def timed(fn, reps: int, children: bool = False) -> dict:
    """Wall-clock and CPU seconds (this process, plus reaped children if asked) of ``reps`` runs."""
    wall, cpu = [], []
    for _ in range(reps):
        c = _cpu_s(children)
        t = time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(_cpu_s(children) - c)
    return {"wall": wall, "cpu": cpu}


def throughput(texts: list[str], times: dict, **extra) -> dict:
    """Rates from the median wall time; ``cpu_share`` = median CPU / median wall time.

    A ``cpu_share`` well below 1 (single process) means the process waited for
    the CPU: other work on the machine slowed this measurement.
    """
    med = statistics.median(times["wall"])
    cpu = statistics.median(times["cpu"])
    n_chars = chars(texts)
    return {"docs": len(texts), "chars": n_chars, "times_s": times["wall"], "median_s": med,
            "cpu_times_s": times["cpu"], "cpu_median_s": cpu, "cpu_share": cpu / med if med else None,
            "chars_per_s": n_chars / med if med else math.inf,
            "docs_per_s": len(texts) / med if med else math.inf,
            "chars_per_cpu_s": n_chars / cpu if cpu else math.inf, **extra}


def loop(fn, texts: list[str]):
    def run():
        for t in texts:
            fn(t)
    return run


def run_child(code: str, *args: str) -> str:
    """Run ``code`` in a fresh interpreter that imports the same aseanner as this process."""
    import aseanner
    env = dict(os.environ)
    pkg_root = str(Path(aseanner.__file__).resolve().parents[1])
    env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=tempfile.gettempdir(), env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"child failed ({out.returncode}): {out.stderr[-2000:]}")
    return out.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------- CRF peer

def _thainer_bench():
    """``benchmarks/thainer_bench.py`` as a module (it holds the CRF recipe both benchmarks share)."""
    spec = importlib.util.spec_from_file_location("_thainer_bench", Path(__file__).with_name("thainer_bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def thainer_features(tagged: list[tuple[str, str]]) -> list[dict]:
    """PyThaiNLP ThaiNER's own feature dicts for (word, POS) pairs."""
    try:
        from pythainlp.tag.thainer import _doc2features
    except ImportError:  # private helper moved: the same recipe, kept in thainer_bench.py
        _doc2features = _thainer_bench()._recipe
    return [_doc2features(tagged, i) for i in range(len(tagged))]


POS_CORPUS = "orchid_ud"
_TAG_RE = re.compile(r"\[(/?)([A-Za-z_]+)\]")


def thainer_sentences(path: Path, max_lines: int, seed: int) -> list[tuple[list[str], list[str]]]:
    """(newmm tokens, BIO labels) of ThaiNER 1.5 lines with inline ``[TYPE]...[/TYPE]`` tags."""
    from pythainlp.tokenize import word_tokenize

    lines = [l.rstrip("\n").lstrip("\ufeff") for l in path.read_text(encoding="utf-8").split("\n")]
    lines = [l for l in lines if l.strip()]
    if max_lines and len(lines) > max_lines:
        lines = random.Random(seed).sample(lines, max_lines)
    out = []
    for line in lines:
        toks, labels, label, pos = [], [], None, 0
        for m in list(_TAG_RE.finditer(line)) + [None]:
            seg = line[pos:m.start()] if m else line[pos:]
            if seg:
                words = word_tokenize(seg, engine="newmm", keep_whitespace=True)
                for j, w in enumerate(words):
                    toks.append(w)
                    labels.append("O" if label is None else f"{'B' if j == 0 else 'I'}-{label}")
            if m is None:
                break
            label = None if m.group(1) else m.group(2).upper()
            pos = m.end()
        if toks:
            out.append((toks, labels))
    return out


def _cache_dir() -> Path:
    d = Path(tempfile.gettempdir()) / "aseanner-bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _file_key(*parts) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:16]


def train_crf_local(corpora: Path, max_lines: int, iters: int, seed: int):
    """Fallback CRF peer: plain ThaiNER features, trained here and cached. Returns (ner, info)."""
    import pycrfsuite
    from pythainlp import __version__ as ptv
    from pythainlp.tag import pos_tag
    from pythainlp.tokenize import word_tokenize

    src = corpora / THAINER_TRAIN
    st = src.stat()
    path = _cache_dir() / f"thainer-crf-local-{_file_key(st.st_size, st.st_mtime_ns, max_lines, iters, seed, ptv, POS_CORPUS, 'v1')}.crfsuite"
    info = {"source": "trained by bench.py (ThaiNER features, orchid_ud POS, newmm)", "train_file": str(src),
            "train_lines": max_lines, "iterations": iters, "path": str(path), "cached": path.exists()}
    if not path.exists():
        log(f"training the CRF peer on {max_lines} ThaiNER lines, {iters} iterations (cached afterwards)")
        t = time.perf_counter()
        trainer = pycrfsuite.Trainer(verbose=False)
        for toks, labels in thainer_sentences(src, max_lines, seed):
            trainer.append(thainer_features(pos_tag(toks, engine="perceptron", corpus=POS_CORPUS)), labels)
        trainer.set_params({"c1": 0.1, "c2": 0.1, "max_iterations": iters, "feature.possible_transitions": True})
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        trainer.train(str(tmp))
        os.replace(tmp, path)
        info["train_seconds"] = round(time.perf_counter() - t, 1)
    tok = lambda s: word_tokenize(s, engine="newmm", keep_whitespace=True)  # noqa: E731
    feats = lambda words: thainer_features(pos_tag(words, engine="perceptron", corpus=POS_CORPUS))  # noqa: E731
    return _crf_ner(str(path), tok, feats), info


def crf_from_thainer_bench(corpora: Path, max_lines: int, iters: int):
    """The CRF system of ``benchmarks/thainer_bench.py`` (the ThaiNER accuracy benchmark), or None.

    That script defines ``CRFSystem`` (newmm + PyThaiNLP ThaiNER features +
    orchid_ud POS + words at +-2 and affixes, python-crfsuite) and ``read_split``
    but keeps its trained file only while it runs, so it is trained here on the
    first ``max_lines`` paragraphs of ``1.5-train`` with ``iters`` iterations
    and its model file cached under the temp dir (keyed by the script's text).
    Its own feature and tokeniser functions are used to predict, so the speed
    measured is that of the CRF whose accuracy that benchmark reports.
    """
    path = Path(__file__).with_name("thainer_bench.py")
    if not path.is_file():
        return None
    try:
        mod = _thainer_bench()
        system = mod.CRFSystem(pos=True, max_iter=iters)
        tok, feats = system._tok, system.features
        src = corpora / THAINER_TRAIN
        key = _file_key(hashlib.sha256(path.read_bytes()).hexdigest(), src.stat().st_size, max_lines, iters)
        cached = _cache_dir() / f"thainer-crf-bench-{key}.crfsuite"
        info = {"source": "benchmarks/thainer_bench.py CRFSystem (trained by bench.py, cached)",
                "describe": getattr(system, "describe", ""), "train_file": str(src), "train_lines": max_lines,
                "iterations": iters, "path": str(cached), "cached": cached.exists()}
        if not cached.exists():
            log(f"training thainer_bench.CRFSystem on {max_lines} ThaiNER paragraphs, {iters} iterations "
                f"(cached afterwards)")
            t = time.perf_counter()
            system.fit(mod.read_split(src, max_lines))
            tmp = cached.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(Path(system.model_file).read_bytes())
            os.replace(tmp, cached)
            info["train_seconds"] = round(time.perf_counter() - t, 1)
        return _crf_ner(str(cached), tok, feats), info
    except Exception as exc:  # another developer's script: never let it break this one
        log(f"benchmarks/thainer_bench.py not usable ({type(exc).__name__}: {exc}); training a CRF here")
        return None


def _crf_ner(model_path: str, tok, feats):
    """The peer's per-document function: per paragraph, tokens -> feature dicts -> CRF tags."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(model_path)

    def ner(text: str) -> list[list[str]]:
        out = []
        for para in text.split("\n"):
            if para.strip():
                words = tok(para)
                out.append(tagger.tag(feats(words)) if words else [])
        return out

    return ner


# ---------------------------------------------------------------- machine

def machine_facts(orig_cpus: set[int]) -> dict:
    from importlib.metadata import PackageNotFoundError, version
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libs = {}
    for name in ("aseanner", "pythainlp", "khmer-nltk", "python-crfsuite", "numpy", "scipy", "scikit-learn",
                 "sentencepiece", "joblib"):
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = None, None
    return {"date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "platform": platform.platform(), "machine": platform.machine(), "cpu_model": cpu,
            "cpu_count": os.cpu_count(), "cpus_available": len(orig_cpus),
            "python": platform.python_version(), "python_implementation": platform.python_implementation(),
            "libraries": libs, "git_commit": commit, "git_dirty_tracked": dirty,
            "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "env": {k: os.environ.get(k) for k in ("ASEANNER_MODEL", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}}


def model_size(model_dir: Path) -> dict:
    files = {str(p.relative_to(model_dir)): p.stat().st_size for p in sorted(model_dir.rglob("*"))
             if p.is_file() and p.name != "__init__.py" and "__pycache__" not in p.parts}
    return {"dir": str(model_dir), "files": files, "bytes": sum(files.values()), "mb": sum(files.values()) / MB}


# ---------------------------------------------------------------- child processes

LOAD_CODE = ("import json, time; t=time.perf_counter(); import aseanner; t1=time.perf_counter(); "
             "import aseanner.bundle; t2=time.perf_counter(); aseanner.load(); t3=time.perf_counter(); "
             "aseanner.predict('\u0e2d\u0e32\u0e40\u0e0b\u0e35\u0e22\u0e19'); t4=time.perf_counter(); "
             "print(json.dumps({'total': t3-t, 'import_aseanner': t1-t, 'import_bundle_deps': t2-t1, 'load': t3-t2, "
             "'first_predict': t4-t3}))")

RSS_CODE = r"""
import json, resource, sys
def mb():
    # Peak RSS of this process. On Linux ru_maxrss survives execve, so a child of a big
    # parent would report the parent's peak: read the new address space's VmHWM instead.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1e6 if sys.platform == "darwin" else r * 1024 / 1e6
base = mb()
import aseanner
aseanner.load()
loaded = mb()
data = json.load(open(sys.argv[1], encoding="utf-8"))
for t in data["sample"]:
    aseanner.predict(t)
sample = mb()
for t in data["long"]:
    aseanner.predict(t)
r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"interpreter_mb": base, "after_load_mb": loaded, "after_sample_mb": sample, "after_1mb_docs_mb": mb(),
                  "ru_maxrss_mb_raw": r / 1e6 if sys.platform == "darwin" else r * 1024 / 1e6}))
"""


# ---------------------------------------------------------------- goals & report

def evaluate_goals(res: dict) -> list[dict]:
    out = []

    def add(key, value, passed, note=""):
        desc, thr = GOALS[key]
        out.append({"goal": key, "what": desc, "value": value, "threshold": thr,
                    "passed": None if value is None else bool(passed), "note": note})

    p = res.get("predict", {})
    for lang in ("th", "km"):
        v = p.get(lang, {}).get("chars_per_s")
        add(f"predict_{lang}", v, v is not None and v >= GOALS[f"predict_{lang}"][1])
    peers = res.get("peers", {})
    if "newmm" in peers:
        r = p["th"]["chars_per_s"] / peers["newmm"]["chars_per_s"]
        add("th_vs_newmm", r, r > 1.0, "same Thai sample")
    else:
        add("th_vs_newmm", None, False, "not run")
    if "khmer_nltk" in peers:
        k = peers["khmer_nltk"]
        r = k["median_turn_ratio"]
        same = k["docs"] == p["km"]["docs"]
        add("km_vs_knltk", r, r >= 5.0, ("same Khmer sample" if same else f"first {k['docs']} docs of the Khmer sample")
            + ", timed in turns, median of the per-turn ratios")
    else:
        add("km_vs_knltk", None, False, "not run")
    lengths = res.get("length", {})
    for lang in ("th", "km"):
        ratio = lengths.get(lang, {}).get("ratio_largest_to_10k")
        largest = lengths.get(lang, {}).get("largest_target")
        note = ("not run" if largest is None else "" if largest == 1_000_000
                else f"largest size run: {largest:,} chars (not 1 M)")
        add(f"flat_{lang}", ratio, ratio is not None and ratio <= 1.5, note)
    load = res.get("cold_load", {}).get("median_s")
    add("load", load, load is not None and load <= 0.5)
    size = res.get("model_size", {}).get("mb")
    add("model_size", size, size is not None and size <= 25.0)
    rss = res.get("rss", {}).get("after_sample_mb")
    add("rss", rss, rss is not None and rss <= 300.0)
    return out


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    return f"{v:,.{digits}f}"


def _share(r: dict) -> str:
    return "–" if r.get("cpu_share") is None else f"{r['cpu_share']:.2f}"


def _load(avg) -> str:
    return "–" if not avg else f"{avg[0]:.2f}"


def markdown(res: dict) -> str:
    m = res["machine"]
    cfg = res["config"]
    L = [f"## aseanner benchmark ({m['date']})", "",
         f"{m['cpu_model']}, {m['cpu_count']} CPUs ({m['cpus_available']} available); "
         f"single-process parts pinned to CPU {cfg['pinned_cpu'] if cfg['pinned_cpu'] is not None else '– (not pinned)'}; "
         f"Python {m['python']}; aseanner {m['libraries'].get('aseanner')}, pythainlp {m['libraries'].get('pythainlp')}, "
         f"khmer-nltk {m['libraries'].get('khmer-nltk')}, python-crfsuite {m['libraries'].get('python-crfsuite')}; "
         f"git {str(m['git_commit'])[:10]}{' (tracked files modified)' if m['git_dirty_tracked'] else ''}; "
         f"aseanner from {res.get('model', {}).get('aseanner_path')}, model {res.get('model', {}).get('dir')} "
         f"(model.joblib sha256 {str(res.get('model', {}).get('model_sha256'))[:12]}); "
         f"median of {cfg['reps']} reps{' (QUICK MODE)' if cfg['quick'] else ''}; "
         f"load average at start/end {_load(m.get('loadavg_at_start'))} / {_load(m.get('loadavg_at_end'))} "
         f"(other work on the machine skews the numbers).", "",
         "### Throughput (one call per document)", "",
         "| text | tool | docs | chars | median s | chars/s | docs/s | CPU/wall | chars/CPU-s |",
         "|---|---|--:|--:|--:|--:|--:|--:|--:|"]

    def row(text, tool, r, cps=None):
        L.append(f"| {text} | {tool} | {r['docs']} | {r['chars']:,} | {r['median_s']:.3f} | "
                 f"{fmt(cps if cps is not None else r['chars_per_s'])} | {fmt(r['docs_per_s'], 1)} | "
                 f"{_share(r)} | {fmt(r['chars_per_cpu_s'])} |")

    p, peers = res.get("predict", {}), res.get("peers", {})
    names = {"th": "Thai news", "km": "Khmer news", "seeds": "seeds (th+km)"}
    for key in ("th", "km", "seeds"):
        if key in p:
            row(names[key], "aseanner.predict", p[key])
    if "newmm" in peers:
        row("Thai news", "pythainlp newmm (tokenise only)", peers["newmm"])
    if "khmer_nltk" in peers:
        k = peers["khmer_nltk"]
        text = "Khmer news" + ("" if k["docs"] == p["km"]["docs"] else f" (first {k['docs']})")
        row(text, "khmer-nltk word_tokenize (tokenise only)", k)
        row(text, "aseanner.predict, in turns with khmer-nltk", k["aseanner_same_docs"])
    if "crf" in peers:
        c = peers["crf"]
        row(f"Thai news (first {c['docs']})", "CRF NER peer (newmm+POS+ThaiNER feats+crfsuite)", c)
        if c["docs"] != p["th"]["docs"]:
            row(f"Thai news (first {c['docs']})", "aseanner.predict", c["aseanner_same_docs"])
    L += ["", "CPU/wall: median CPU time / median wall time of the process; below ~0.95 other work "
          "on the machine took CPU from it, and chars/CPU-s is then the steadier figure.", ""]
    if "crf" in peers:
        L += [f"CRF peer model: {peers['crf']['model']['source']} ({peers['crf']['model']['path']}).", ""]

    lengths = res.get("length", {})
    if lengths:
        L += ["### Cost against document length (aseanner.predict)", "",
              "| lang | target chars | docs | chars | median s | µs/char | chars/s | vs 10 K | CPU/wall |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for lang, r in lengths.items():
            base = next((s["us_per_char"] for s in r["sizes"] if s["target"] == 10_000), None)
            for s in r["sizes"]:
                rel = f"{s['us_per_char'] / base:.2f}x" if base else "–"
                L.append(f"| {lang} | {s['target']:,} | {s['docs']} | {s['chars']:,} | {s['median_s']:.3f} | "
                         f"{s['us_per_char']:.3f} | {fmt(s['chars_per_s'])} | {rel} | {_share(s)} |")
        L.append("")

    pm = res.get("predict_many")
    if pm:
        L += ["### predict_many (Thai + Khmer samples, batch_size=%d, %d CPUs available)" % (pm["batch_size"], pm["cpus"]), "",
              "| n_jobs | docs | chars | median s | chars/s | speed-up | CPU s (all processes) | chars per CPU-s |",
              "|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for j in ("1", "2"):
            r = pm[j]
            L.append(f"| {j} | {r['docs']} | {r['chars']:,} | {r['median_s']:.3f} | {fmt(r['chars_per_s'])} | "
                     f"{r['chars_per_s'] / pm['1']['chars_per_s']:.2f}x | {r['cpu_median_s']:.2f} | "
                     f"{fmt(r['chars_per_cpu_s'])} |")
        L += ["", "A speed-up near 1x with the CPU seconds unchanged means the workers did not get two CPUs "
              "(see the load average), not that the parallel code is slow.", ""]

    L += ["### Footprint", "", "| measure | value |", "|---|--:|"]
    cl = res.get("cold_load")
    if cl:
        L.append(f"| cold `import aseanner; aseanner.load()` (median of {len(cl['times_s'])}) | {cl['median_s']:.3f} s |")
        b = cl["breakdown_median_s"]
        L.append(f"| … of which `import aseanner` / import of bundle deps (sklearn, joblib, sentencepiece…) / `load()` | "
                 f"{b['import_aseanner']:.3f} / {b['import_bundle_deps']:.3f} / {b['load']:.3f} s |")
        L.append(f"| first `predict` of a one-word text after the load (lazy set-up; not in the goal) | "
                 f"{b['first_predict']:.3f} s |")
    rss = res.get("rss")
    if rss:
        L.append(f"| peak RSS: bare interpreter / after load / after predicting the samples | "
                 f"{rss['interpreter_mb']:.0f} / {rss['after_load_mb']:.0f} / {rss['after_sample_mb']:.0f} MB |")
        L.append(f"| peak RSS after also predicting one ~1 M-char document per language | {rss['after_1mb_docs_mb']:.0f} MB |")
    ms = res.get("model_size")
    if ms:
        L.append(f"| model files ({', '.join(ms['files'])}) | {ms['mb']:.2f} MB |")
    L.append("")

    L += ["### Goals", "", "| goal | measured | target | result |", "|---|--:|--:|---|"]
    for g in res["goals"]:
        key = g["goal"]
        v = g["value"]
        if key.startswith("predict_"):
            val, thr = fmt(v), f">= {g['threshold']:,}"
        elif key in ("th_vs_newmm",):
            val, thr = (f"{v:.2f}x" if v is not None else "–"), "> 1x"
        elif key == "km_vs_knltk":
            val, thr = (f"{v:.2f}x" if v is not None else "–"), ">= 5x"
        elif key.startswith("flat_"):
            val, thr = (f"{v:.2f}x" if v is not None else "–"), "<= 1.5x"
        elif key == "load":
            val, thr = (f"{v:.3f} s" if v is not None else "–"), "<= 0.5 s"
        else:
            val, thr = (f"{v:.1f} MB" if v is not None else "–"), f"<= {g['threshold']:g} MB"
        result = "n/a" if g["passed"] is None else ("pass" if g["passed"] else "**FAIL**")
        note = f" ({g['note']})" if g["note"] else ""
        L.append(f"| {g['what']}{note} | {val} | {thr} | {result} |")
    L.append("")
    return "\n".join(L)


# ---------------------------------------------------------------- main

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA,
                    help="folder of the shared corpora (default: ../shared/corpora beside the repo)")
    ap.add_argument("--docs", type=int, help="documents per language in the sample (default 300; quick 20)")
    ap.add_argument("--reps", type=int, help="timed repetitions, median reported (default 5; quick 1)")
    ap.add_argument("--seed", type=int, default=20240601, help="sampling seed (default 20240601)")
    ap.add_argument("--knltk-docs", type=int,
                    help="khmer-nltk on the first N docs of the Khmer sample (default: all; quick 10)")
    ap.add_argument("--crf-docs", type=int, help="CRF peer on the first N docs of the Thai sample (default 100; quick 10)")
    ap.add_argument("--crf-source", choices=("auto", "local"), default="auto",
                    help="auto: the CRF of benchmarks/thainer_bench.py when usable, else one trained here; "
                         "local: always the plain ThaiNER-feature CRF trained here")
    ap.add_argument("--crf-train-lines", type=int, help="ThaiNER lines to train the CRF peer on (default 2000; quick 300)")
    ap.add_argument("--crf-iters", type=int, help="CRF training iterations (default 50; quick 10)")
    ap.add_argument("--lengths", help="document sizes in chars, comma-separated (default 1000,10000,100000,1000000)")
    ap.add_argument("--length-budget", type=int,
                    help="at least this many chars per size in the length test (default 200000; quick 20000)")
    ap.add_argument("--batch-size", type=int, default=64, help="predict_many batch size (default 64)")
    ap.add_argument("--cpu", type=int, default=0, help="pin single-process parts to this CPU (-1: no pinning)")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: "
                    "peers,crf,knltk,length,parallel,load,rss")
    ap.add_argument("--json", type=Path, help="write all results as JSON to this file")
    ap.add_argument("--quick", action="store_true", help="fast smoke run (few docs, 1 rep, no 1 M doc)")
    ap.add_argument("--fail-on-goal", action="store_true", help="exit 1 when a goal is missed")
    a = ap.parse_args(argv)
    q = a.quick
    defaults = {"docs": (300, 20), "reps": (5, 1), "knltk_docs": (None, 10), "crf_docs": (100, 10),
                "crf_train_lines": (2000, 300), "crf_iters": (50, 10),
                "lengths": ("1000,10000,100000,1000000", "1000,10000,100000"), "length_budget": (200_000, 20_000)}
    for k, (full, quick) in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, quick if q else full)
    a.lengths = [int(x) for x in str(a.lengths).split(",") if x.strip()]
    a.skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    if a.docs < 1 or a.reps < 1:
        ap.error("--docs and --reps must be >= 1")
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    orig_cpus = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set(range(os.cpu_count() or 1))
    pinned = None
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        pinned = args.cpu if args.cpu in orig_cpus else min(orig_cpus)
    if len(orig_cpus) < 2 and "parallel" not in args.skip:
        log("warning: only one CPU available to this process (taskset?): n_jobs=2 cannot run in parallel")

    def pin():
        if pinned is not None:
            os.sched_setaffinity(0, {pinned})

    def unpin():
        if pinned is not None:
            os.sched_setaffinity(0, orig_cpus)

    pin()
    reps = args.reps
    res: dict = {"machine": machine_facts(orig_cpus),
                 "config": {"reps": reps, "docs_per_language": args.docs, "seed": args.seed, "quick": args.quick,
                            "pinned_cpu": pinned, "corpora": str(args.corpora), "thai_files": THAI_FILES,
                            "khmer_files": KHMER_FILES, "lengths": args.lengths, "length_budget": args.length_budget,
                            "batch_size": args.batch_size, "skip": sorted(args.skip)}}

    log("reading corpora")
    th_all = load_corpus(args.corpora, THAI_FILES)
    km_all = load_corpus(args.corpora, KHMER_FILES)
    th_s, km_s = sample_docs(th_all, args.docs, args.seed), sample_docs(km_all, args.docs, args.seed)
    th, km = [d["text"] for d in th_s], [d["text"] for d in km_s]
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    res["samples"] = {"th_ids": [d["id"] for d in th_s], "km_ids": [d["id"] for d in km_s],
                      "th_chars": chars(th), "km_chars": chars(km), "seed_files": len(seeds),
                      "seed_chars": chars(seeds)}

    import aseanner
    from aseanner.resources import default_model_dir

    t = time.perf_counter()
    model = aseanner.load()
    res["in_process_load_s"] = time.perf_counter() - t
    manifest = getattr(model, "manifest", {}) or {}
    res["model"] = {"aseanner_path": str(Path(aseanner.__file__).resolve().parent), "dir": str(default_model_dir()),
                    "model_sha256": (manifest.get("files", {}).get("model.joblib") or {}).get("sha256"),
                    "trained_command": manifest.get("command")}

    # --- aseanner.predict
    log(f"aseanner.predict: {len(th)} Thai docs ({chars(th):,} chars), {len(km)} Khmer ({chars(km):,}), "
        f"{len(seeds)} seeds; {reps} reps")
    for text in th[:10] + km[:10] + seeds:  # warm-up
        aseanner.predict(text)
    res["predict"] = {}
    for key, texts in (("th", th), ("km", km), ("seeds", seeds)):
        res["predict"][key] = throughput(texts, timed(loop(aseanner.predict, texts), reps))
        log(f"  {key}: {res['predict'][key]['chars_per_s']:,.0f} chars/s")

    # --- peers
    res["peers"] = {}
    if "peers" not in args.skip:
        from pythainlp.tokenize import word_tokenize as newmm_tokenize

        newmm = lambda t: newmm_tokenize(t, engine="newmm")  # noqa: E731
        log("pythainlp newmm on the Thai sample")
        loop(newmm, th[:10])()
        res["peers"]["newmm"] = throughput(th, timed(loop(newmm, th), reps))
        log(f"  newmm: {res['peers']['newmm']['chars_per_s']:,.0f} chars/s")

        def add_same_docs(peer: dict, same: dict | None, sub: list[str]) -> None:
            """Record aseanner.predict on the peer's documents (measured again when the peer ran on a subset)."""
            same = same or throughput(sub, timed(loop(aseanner.predict, sub), reps))
            peer.update(aseanner_same_docs_median_s=same["median_s"], aseanner_same_docs_chars_per_s=same["chars_per_s"],
                        aseanner_same_docs=same)

        if "knltk" not in args.skip:
            import logging
            from khmernltk import word_tokenize as km_tokenize
            logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
            sub = km[:args.knltk_docs] if args.knltk_docs else km
            log(f"khmer-nltk on {len(sub)} Khmer docs ({chars(sub):,} chars)")
            loop(km_tokenize, sub[:3])()
            turns = {"aseanner": {"wall": [], "cpu": []}, "knltk": {"wall": [], "cpu": []}}
            for _ in range(reps):  # in turns, so that both see the same machine (see the module doc)
                for name, fn in (("aseanner", aseanner.predict), ("knltk", km_tokenize)):
                    t1 = timed(loop(fn, sub), 1)
                    turns[name]["wall"] += t1["wall"]
                    turns[name]["cpu"] += t1["cpu"]
            k = throughput(sub, turns["knltk"])
            add_same_docs(k, throughput(sub, turns["aseanner"]), sub)
            k["turn_ratios"] = [b / a for a, b in zip(turns["aseanner"]["wall"], turns["knltk"]["wall"])]
            k["median_turn_ratio"] = statistics.median(k["turn_ratios"])
            res["peers"]["khmer_nltk"] = k
            log(f"  khmer-nltk: {k['chars_per_s']:,.0f} chars/s; aseanner in the same turns "
                f"{k['aseanner_same_docs_chars_per_s']:,.0f}; median ratio {k['median_turn_ratio']:.2f}x")

        if "crf" not in args.skip:
            found = None if args.crf_source == "local" else crf_from_thainer_bench(
                args.corpora, args.crf_train_lines, args.crf_iters)
            ner, info = found if found else train_crf_local(args.corpora, args.crf_train_lines, args.crf_iters,
                                                            args.seed)
            sub = th[:args.crf_docs]
            log(f"CRF NER peer on {len(sub)} Thai docs ({chars(sub):,} chars)")
            loop(ner, sub[:3])()
            c = throughput(sub, timed(loop(ner, sub), reps), model=info)
            c["entity_tokens_last_rep"] = sum(1 for d in sub for para in ner(d) for tag in para if tag != "O")
            add_same_docs(c, res["predict"]["th"] if len(sub) == len(th) else None, sub)
            res["peers"]["crf"] = c
            log(f"  CRF peer: {c['chars_per_s']:,.0f} chars/s")

    # --- length
    long_docs = {}
    if "length" not in args.skip:
        res["length"] = {}
        for lang, docs in (("th", th_all), ("km", km_all)):
            pool = paragraph_pool(docs, args.seed)
            nxt, sizes = 0, []
            built = {}
            for target in args.lengths:
                count = max(1, math.ceil(args.length_budget / target))
                built[target], nxt = build_length_docs(pool, target, count, nxt)
            log(f"length test {lang}: " + ", ".join(f"{len(v)}x{k:,}" for k, v in built.items()))
            aseanner.predict(built[args.lengths[0]][0])  # warm-up
            for target, texts in built.items():
                times = timed(loop(aseanner.predict, texts), reps)
                per_char = [t / chars(texts) for t in times["wall"]]
                r = throughput(texts, times, target=target)
                r["us_per_char"] = statistics.median(per_char) * 1e6
                sizes.append(r)
                log(f"  {target:>9,}: {r['us_per_char']:.3f} µs/char")
            by = {s["target"]: s["us_per_char"] for s in sizes}
            largest = max(by)
            res["length"][lang] = {"sizes": sizes, "largest_target": largest,
                                   "ratio_largest_to_10k": by[largest] / by[10_000] if 10_000 in by else None,
                                   "pool_paragraphs": len(pool), "pool_wrapped": nxt > len(pool)}
            if largest >= 1_000_000:
                long_docs[lang] = built[largest][0]

    # --- predict_many
    if "parallel" not in args.skip:
        unpin()
        docs = th + km
        log(f"predict_many n_jobs=1 vs 2 on {len(docs)} docs, {len(orig_cpus)} CPUs")
        pm = {"batch_size": args.batch_size, "cpus": len(orig_cpus)}
        for j in (1, 2):
            run = lambda: sum(1 for _ in aseanner.predict_many(docs, batch_size=args.batch_size, n_jobs=j))  # noqa: E731
            for _ in aseanner.predict_many(docs[:2 * args.batch_size], batch_size=args.batch_size, n_jobs=j):
                pass  # warm-up
            pm[str(j)] = throughput(docs, timed(run, reps, children=True))
            log(f"  n_jobs={j}: {pm[str(j)]['chars_per_s']:,.0f} chars/s")
        res["predict_many"] = pm
        pin()

    # --- subprocess measurements (inherit the pin)
    if "load" not in args.skip:
        log(f"cold load in {reps} fresh interpreters")
        run_child(LOAD_CODE)  # warm the OS file cache
        runs = [json.loads(run_child(LOAD_CODE)) for _ in range(reps)]
        res["cold_load"] = {"times_s": [r["total"] for r in runs],
                            "median_s": statistics.median(r["total"] for r in runs),
                            "breakdown_median_s": {k: statistics.median(r[k] for r in runs)
                                                   for k in ("import_aseanner", "import_bundle_deps", "load", "first_predict")},
                            "command": "import aseanner; aseanner.load()"}
        log(f"  {res['cold_load']['median_s']:.3f} s")
    if "rss" not in args.skip:
        log("peak RSS in a fresh interpreter")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
            json.dump({"sample": th + km, "long": list(long_docs.values())}, fh, ensure_ascii=False)
        try:
            res["rss"] = json.loads(run_child(RSS_CODE, fh.name))
        finally:
            os.unlink(fh.name)
        res["rss"]["long_docs_chars"] = [len(t) for t in long_docs.values()]
        log(f"  {res['rss']['after_sample_mb']:.0f} MB")
    res["model_size"] = model_size(default_model_dir())

    res["goals"] = evaluate_goals(res)
    res["total_seconds"] = time.perf_counter() - _T0
    res["machine"]["loadavg_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    report = markdown(res)
    print(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    log(f"done in {res['total_seconds']:.0f} s")
    missed = [g["goal"] for g in res["goals"] if g["passed"] is False]
    return 1 if (args.fail_on_goal and missed) else 0


if __name__ == "__main__":
    sys.exit(main())

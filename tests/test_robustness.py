"""Robustness under bad input, and safe model loading.

* ``predict`` never crashes on a ``str`` (any Unicode, script mixes, lone
  surrogates, very long runs and lines) and its offsets always index the input;
* wrong argument types raise a ``TypeError`` naming argument, expected and received type;
* a damaged model directory is refused before anything is unpickled;
* training fails safe: bad data writes nothing, a killed run leaves the old model intact;
* predictions are the same from threads, worker processes and sequential calls.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sentencepiece
import sklearn
from hypothesis import example, given, settings
from hypothesis import strategies as st

import aseanner
from aseanner import bundle
from aseanner.bundle import ModelIntegrityError

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny.jsonl"
TOKENIZER = "training/tokenizer/aseanner-sp.model"
TRAIN_CONFIG = '{"tagger_max_iter": 30}'

# ---- alphabets and strategies -----------------------------------------------
THAI = [chr(c) for c in range(0x0E01, 0x0E5C)]
KHMER = [chr(c) for c in range(0x1780, 0x1800)]
LATIN = list("ABCXYZabcxyzéÉ0123456789.,;:-()\"'")
SPACES = [" ", " ", "\n", "\r", "\r\n", "\t", "\u00a0", "\u3000", "\u2028"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff"]
CONTROL = ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85"]
BARE_MARKS = ["\u0e48", "\u0e49", "\u0e31", "\u17c9", "\u17d2", "\u0301", "\u0308"]
# words the model knows (so entities are found) and clusters that NFC rewrites
WORDS = ["อาเซียน", "แคนาดา", "ญี่ปุ่น", "ไทย", "กรุงจาการ์ตา", "นายดอน", "สาธารณสุข", "ความร่วมมือ",
         "កម្ពុជា", "ជប៉ុន", "កាណាដា", "អាស៊ាន", "លោក", "ពាណិជ្ជកម្ម", "ASEAN", "Canada", "Japan",
         "e\u0301", "\u17c1\u17b8", "\u17c1\u17b6", "\u0e4d\u0e32", "ญี่\u200bปุ่น", "ក\u200bម្ពុជា"]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "\udcff"]

ALPHABET = THAI + KHMER + LATIN + SPACES + ZERO_WIDTH + CONTROL + BARE_MARKS
MIXED = st.lists(st.one_of(st.sampled_from(ALPHABET), st.sampled_from(WORDS)), max_size=120).map("".join)
# all of Unicode, categories Cs (surrogates) included; surrogates are rare in the full range, so add them
ANY_CHAR = st.one_of(st.characters(exclude_categories=()),
                     st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()))
ANY_TEXT = st.text(ANY_CHAR, max_size=200)
ORDINARY_TEXT = st.one_of(st.text(st.characters(exclude_categories=("Cs",)), max_size=200), MIXED)
WITH_SURROGATE = st.tuples(MIXED, st.sampled_from(SURROGATES), MIXED).map("".join)

PROPERTY = settings(max_examples=150, deadline=None, database=None)
SMALL_PROPERTY = settings(max_examples=60, deadline=None, database=None)


def check_document(text: str, doc) -> dict:
    """Assert the offset contract of one result; return its to_dict()."""
    d = doc.to_dict()
    n = len(text)
    prev_end = 0
    for p in d["paragraphs"]:
        assert prev_end <= p["start"] < p["end"] <= n, (p, prev_end, n)  # in the text, ordered, disjoint
        seg = text[p["start"]:p["end"]]
        assert "\n" not in seg and not seg.isspace()
        prev_end = p["end"]
    for e in d["entities"]:
        assert 0 <= e["start"] < e["end"] <= n, e
        assert text[e["start"]:e["end"]] == e["text"], e
        assert any(p["start"] <= e["start"] and e["end"] <= p["end"] for p in d["paragraphs"]), e
    assert d["partners"] == sorted({e["id"] for e in d["entities"] if e["partner"]})
    return d


def check_predict(text: str) -> dict:
    d = check_document(text, aseanner.predict(text))
    assert aseanner.predict(text).to_dict() == d  # deterministic
    return d


# ---- 1. predict never crashes on a str ----------------------------------------
@PROPERTY
@given(ANY_TEXT)
@example("")
@example("\x00")
@example("\ud800")
@example("ก\udfff\nข")
@example("\u0e48\u17c9\u0301")
@example("\r\r\n\n\r")
def test_any_unicode_text(default_model, text):
    check_predict(text)


@PROPERTY
@given(MIXED)
@example("\u200bแคนาดา\u200b\r\nកម្ពុជា\u200bនិង ជប៉ុន\x00")
@example("e\u0301 \u17c1\u17b8ASEAN\u0e48\u0e48")
def test_thai_khmer_latin_mixes(default_model, text):
    check_predict(text)


@SMALL_PROPERTY
@given(WITH_SURROGATE)
def test_lone_surrogates_inside_text(default_model, text):
    check_predict(text)


@pytest.mark.parametrize("text", ["\ud800", "แคนาดา\ud800", "ASEAN \udfff Japan\nកម្ពុជា\udc80",
                                  "\udbff\udfff", "ญี่ปุ่น\u200b\ud800\u0e48"])
def test_lone_surrogate_examples(default_model, text):
    d = check_predict(text)
    json.dumps(d)  # ASCII JSON escapes lone surrogates


@SMALL_PROPERTY
@given(ORDINARY_TEXT)
@example("อาเซียนและแคนาดาหารือความร่วมมือด้านสาธารณสุข\nកម្ពុជា\u200bនិង ជប៉ុន")
def test_results_are_json(default_model, text):
    d = aseanner.predict(text).to_dict()
    s = json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert json.loads(s.encode("utf-8").decode("utf-8")) == d


@SMALL_PROPERTY
@given(st.lists(MIXED, max_size=6))
def test_block_size_does_not_change_results(default_model, texts):
    """Paragraphs are processed in blocks: tiny blocks must give the same Documents."""
    import aseanner.model

    expected = [d.to_dict() for d in aseanner.predict_many(texts)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(aseanner.model, "BLOCK_CHARS", 16)
        docs = list(aseanner.predict_many(texts, batch_size=2))
    assert [d.to_dict() for d in docs] == expected
    for text, doc in zip(texts, docs):
        check_document(text, doc)


@pytest.mark.parametrize("char", ["ก", "a"])
def test_one_megabyte_run_of_one_character(default_model, char):
    text = char * 1_000_000
    d = check_document(text, aseanner.predict(text))
    assert [(p["start"], p["end"]) for p in d["paragraphs"]] == [(0, len(text))]


def test_lines_of_100k_characters(default_model):
    thai = ("อาเซียนและแคนาดาหารือความร่วมมือด้านสาธารณสุข " * 3000)[:100_000]
    khmer = ("កម្ពុជា\u200bនិង ជប៉ុន ពង្រឹងកិច្ចសហប្រតិបត្តិការ " * 3000)[:100_000]
    latin = ("ASEAN and Japan e\u0301\x00 " * 5000)[:100_000]
    text = "\n".join([thai, khmer, "", latin]) + "\r\n"
    d = check_predict(text)
    assert len(d["paragraphs"]) == 3
    assert {"CA", "JP"} <= set(d["partners"])


MEMORY_SCRIPT = textwrap.dedent("""
    import json, resource, sys
    import aseanner
    aseanner.load()
    aseanner.predict("อาเซียนและแคนาดา")  # warm caches
    texts = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    texts += ["កម្ពុជា\\u200bនិង\\u200bជប៉ុន ពង្រឹង\\u200bកិច្ចសហប្រតិបត្តិការ", "ASEAN and Canada discuss health."]
    para = " ".join(texts)
    n = int(sys.argv[2])
    doc = "\\n".join([para] * (n // (len(para) + 1) + 1))[:n]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    d = aseanner.predict(doc)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert d.paragraphs[-1].end <= len(doc)
    print(json.dumps({"chars": len(doc), "before_kb": before, "after_kb": after,
                      "entities": len(d.entities), "paragraphs": len(d.paragraphs)}))
""")


@pytest.mark.slow
def test_ten_megabyte_document_memory_is_bounded():
    """10 million characters of news paragraphs: peak RSS grows < 300 MB (blocks of paragraphs)."""
    res = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(TINY), str(10_000_000)], capture_output=True,
                         text=True, cwd=ROOT, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    m = json.loads(res.stdout.strip().splitlines()[-1])
    assert m["chars"] == 10_000_000
    growth_mb = (m["after_kb"] - m["before_kb"]) / 1024  # ru_maxrss is in KiB on Linux
    assert growth_mb < 300, f"peak RSS grew by {growth_mb:.0f} MB predicting {m}"


# ---- 2. wrong types --------------------------------------------------------------
@pytest.mark.parametrize("bad", [None, b"\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2", bytearray(b"abc"), ["ไทย"],
                                 ("ไทย",), {"text": "ไทย"}])
def test_predict_wrong_type(bad):
    got = type(bad).__name__
    with pytest.raises(TypeError, match=rf"^text must be str, got {got}\b"):
        aseanner.predict(bad)


def test_predict_bytes_error_says_how_to_fix():
    with pytest.raises(TypeError, match=r"text must be str, got bytes.*decode"):
        aseanner.predict("ไทย".encode("utf-8"))


@pytest.mark.parametrize("bad", ["ไทย", "", b"bytes", None, 42])
def test_predict_many_wants_an_iterable_of_str(bad):
    got = type(bad).__name__
    with pytest.raises(TypeError, match=rf"texts must be an iterable of str, got {got}\b"):
        list(aseanner.predict_many(bad))


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("texts, k, got", [
    (["ไทย", b"bytes"], 1, "bytes"),
    ([None], 0, "NoneType"),
    (("a", "b", ["nested"]), 2, "list"),
])
def test_predict_many_names_the_bad_element(texts, k, got, n_jobs):
    with pytest.raises(TypeError, match=rf"texts\[{k}\] must be str, got {got}\b"):
        list(aseanner.predict_many(texts, n_jobs=n_jobs))


def test_predict_many_checks_elements_of_a_generator(tiny_model):
    gen = (t for t in ["แคนาดา", "ญี่ปุ่น", b"\xff"])
    with pytest.raises(TypeError, match=r"texts\[2\] must be str, got bytes"):
        list(tiny_model.predict_many(gen))


# ---- 3. safe loading ---------------------------------------------------------------
@pytest.fixture
def model_copy(tiny_model_dir, tmp_path) -> Path:
    return Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))


@pytest.fixture
def no_unpickling(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("joblib.load was called on a model that failed verification")

    monkeypatch.setattr(bundle.joblib, "load", refuse)


def _manifest(d: Path) -> dict:
    return json.loads((d / "manifest.json").read_text(encoding="utf-8"))


def _write_manifest(d: Path, m) -> None:
    (d / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.mark.parametrize("name", ["model.joblib", "tokenizer.model", "registry.tsv"])
def test_one_changed_byte_is_refused(model_copy, no_unpickling, name):
    path = model_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=rf"{name}.*sha256"):
        bundle.load(model_copy)


@pytest.mark.parametrize("name", ["model.joblib", "tokenizer.model"])
def test_truncated_file_is_refused(model_copy, no_unpickling, name):
    path = model_copy / name
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ModelIntegrityError, match=rf"{name}.*truncated or altered"):
        bundle.load(model_copy)


@pytest.mark.parametrize("name", ["model.joblib", "tokenizer.model", "registry.tsv"])
def test_missing_file_is_refused(model_copy, no_unpickling, name):
    (model_copy / name).unlink()
    with pytest.raises(ModelIntegrityError, match=rf"{name} is missing"):
        bundle.load(model_copy)


def test_missing_manifest(model_copy, no_unpickling):
    (model_copy / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"manifest\.json is missing.*training/train\.py"):
        bundle.load(model_copy)


def test_sha_edited_in_manifest_is_refused(model_copy, no_unpickling):
    m = _manifest(model_copy)
    m["files"]["model.joblib"]["sha256"] = "0" * 64
    _write_manifest(model_copy, m)
    with pytest.raises(ModelIntegrityError, match=r"model\.joblib does not match its sha256"):
        bundle.load(model_copy)


def test_unlisted_model_file_is_refused(model_copy, no_unpickling):
    m = _manifest(model_copy)
    del m["files"]["model.joblib"]
    _write_manifest(model_copy, m)
    with pytest.raises(ModelIntegrityError, match=r"manifest\.json does not list model\.joblib"):
        bundle.load(model_copy)


@pytest.mark.parametrize("content", [
    pytest.param(lambda raw, m: raw[: len(raw) // 2], id="truncated-json"),
    pytest.param(lambda raw, m: b"\xff\xfe" + raw, id="not-utf8"),
    pytest.param(lambda raw, m: b"[]", id="json-list"),
    pytest.param(lambda raw, m: b'"model"', id="json-string"),
    pytest.param(lambda raw, m: json.dumps({**m, "files": ["model.joblib"]}).encode(), id="files-is-a-list"),
    pytest.param(lambda raw, m: json.dumps({**m, "files": {k: v["sha256"] for k, v in m["files"].items()}}).encode(),
                 id="file-entry-is-a-string"),
    pytest.param(lambda raw, m: json.dumps({**m, "versions": ["scikit-learn"]}).encode(), id="versions-is-a-list"),
])
def test_damaged_manifest_is_refused(model_copy, no_unpickling, content):
    path = model_copy / "manifest.json"
    raw = path.read_bytes()
    path.write_bytes(content(raw, json.loads(raw)))
    with pytest.raises(ModelIntegrityError, match=r"manifest\.json"):
        bundle.load(model_copy)


@pytest.mark.parametrize("lib, installed", [("scikit-learn", sklearn.__version__),
                                            ("sentencepiece", sentencepiece.__version__)])
def test_other_library_version_warns(model_copy, tiny_model, lib, installed):
    m = _manifest(model_copy)
    m["versions"][lib] = "0.0.1"  # the manifest is not in its own sha list: nothing else to recompute
    _write_manifest(model_copy, m)
    with pytest.warns(UserWarning, match=rf"{lib} 0\.0\.1 but {lib} {re.escape(installed)} is installed"):
        model = bundle.load(model_copy)
    text = "อาเซียนและแคนาดาหารือ\nកម្ពុជា និង ជប៉ុន"
    assert model.predict(text).to_dict() == tiny_model.predict(text).to_dict()


def test_same_versions_do_not_warn(model_copy, recwarn):
    bundle.load(model_copy)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning) and "was saved with" in str(w.message)]


def test_missing_model_directory(tmp_path, monkeypatch):
    where = tmp_path / "no-such-model"
    with pytest.raises(FileNotFoundError, match=rf"{re.escape(str(where))}.*python training/train\.py --out models"):
        bundle.load(where)
    monkeypatch.setenv("ASEANNER_MODEL", str(where))
    before = aseanner._default
    with pytest.raises(FileNotFoundError, match=rf"{re.escape(str(where))}.*train"):
        aseanner.load()
    assert aseanner._default is before  # a failed load keeps the current default


def test_empty_directory_is_not_a_model(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"manifest\.json is missing.*not a model directory.*train"):
        bundle.load(tmp_path)


# ---- 4. training fails safe ------------------------------------------------------------
def _train(cli, data: Path, out: Path):
    return cli("train", "--data", str(data), "--out", str(out), "--tokenizer", TOKENIZER, "--config", TRAIN_CONFIG)


def test_invalid_training_data_lists_every_error(cli, tiny_records, tmp_path):
    good = json.dumps(tiny_records[0], ensure_ascii=False)
    lines = [
        good,
        json.dumps({"id": "bad-1", "lang": "th", "text": "ไทย", "sectors": ["helth"], "entities": []}),
        json.dumps({"id": "bad-2", "lang": "th", "text": "ไทย", "sectors": [],
                    "entities": [{"start": 0, "end": 9, "label": "COUNTRY", "id": "TH"}]}),
        '{"id": "bad-3", "lang": "th", "text": ',
    ]
    data = tmp_path / "broken.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "model"
    res = _train(cli, data, out)
    assert res.returncode == 1, res.stderr
    err = res.stderr
    assert "Traceback" not in err
    assert "3 problem(s)" in err
    assert "broken.jsonl:2: [bad-1]" in err and "unknown sector id 'helth'" in err
    assert "broken.jsonl:3: [bad-2]" in err and "out of range" in err
    assert "broken.jsonl:4:" in err and "invalid JSON" in err
    assert "nothing was written" in err
    assert not out.exists() and not out.parent.exists()


def test_unknown_sector_label_is_named(cli, tiny_records, tmp_path):
    recs = [dict(r) for r in tiny_records]
    recs[0]["sectors"] = ["space_tourism"]
    data = tmp_path / "labels.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    out = tmp_path / "model"
    res = _train(cli, data, out)
    assert res.returncode == 1, res.stderr
    assert "space_tourism" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


def _tree_digest(d: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def test_killed_training_leaves_previous_model_intact(tiny_model_dir, tiny_model, tmp_path):
    parent = tmp_path / "models"
    parent.mkdir()
    out = Path(shutil.copytree(tiny_model_dir, parent / "model"))
    before = _tree_digest(out)
    proc = subprocess.Popen([sys.executable, "-m", "aseanner", "train", "--data", "training/data/train.jsonl",
                             "--out", str(out), "--tokenizer", TOKENIZER], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    fitting = threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if "fitting" in line:
                fitting.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        fitting.wait(timeout=60)  # normally a few seconds; kill part-way in any case
        assert proc.poll() is None, f"training ended before it could be killed: {''.join(lines)}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert _tree_digest(out) == before
    texts = ["อาเซียนและแคนาดาหารือความร่วมมือ", "កម្ពុជា និង ជប៉ុន\nนายดอน ปรมัตถ์วินัย"]
    loaded = bundle.load(out)
    assert [d.to_dict() for d in loaded.predict_many(texts)] == [d.to_dict() for d in tiny_model.predict_many(texts)]
    assert [p.name for p in parent.iterdir() if not p.name.startswith(".")] == ["model"]


def test_interrupted_save_keeps_previous_model(tiny_model_dir, tiny_model, tmp_path, monkeypatch):
    parent = tmp_path / "models"
    parent.mkdir()
    out = Path(shutil.copytree(tiny_model_dir, parent / "model"))
    before = _tree_digest(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle.joblib, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):
        bundle.save(tiny_model, out)
    assert _tree_digest(out) == before
    assert [p.name for p in parent.iterdir()] == ["model"]  # the temporary directory was removed too
    bundle.load(out)


# ---- 5. concurrency ------------------------------------------------------------------
def _concurrency_texts(tiny_records) -> list[str]:
    base = [r["text"] for r in tiny_records]
    extra = ["อาเซียน-แคนาดา หารือความร่วมมือด้านสาธารณสุขและการค้า",
             "กระทรวงการต่างประเทศไทยและญี่ปุ่นลงนามความตกลงด้านพลังงาน",
             "កម្ពុជា\u200bនិង ជប៉ុន ពង្រឹងកិច្ចសហប្រតិបត្តិការពាណិជ្ជកម្ម",
             "អាស៊ាន និង កាណាដា ពិភាក្សាអំពីសុខាភិបាល",
             "", "ASEAN and Japan\n\nกรุงจาการ์ตา"]
    texts = base + extra
    texts += ["\n".join(base[:3]), "\r\n".join(extra[:3])]
    assert len(texts) >= 16
    return texts


def test_predict_from_eight_threads(tiny_records):
    texts = _concurrency_texts(tiny_records)
    aseanner.load()  # a fresh default model: its lazy parts are built while threads race
    barrier = threading.Barrier(8)

    def run(k: int) -> list[dict]:
        barrier.wait()
        order = texts[k:] + texts[:k]
        got = {t: aseanner.predict(t).to_dict() for t in order}
        return [got[t] for t in texts]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, range(8)))
    sequential = [aseanner.predict(t).to_dict() for t in texts]
    for r in results:
        assert r == sequential


def test_predict_many_two_jobs_equals_one(default_model, tiny_records):
    texts = _concurrency_texts(tiny_records) * 2
    one = [d.to_dict() for d in aseanner.predict_many(texts, n_jobs=1)]
    two = [d.to_dict() for d in aseanner.predict_many(texts, batch_size=3, n_jobs=2)]
    assert two == one
    assert len(one) == len(texts)


"""The public API exactly as documented: predict, predict_many, load, Document.to_dict."""

import json

import pytest

import aseanner

TEXT = ("อาเซียน-แคนาดา หารือความร่วมมือด้านสาธารณสุขและการค้า\n\n"
        "កម្ពុជា\u200bនិង ជប៉ុន ពង្រឹងកិច្ចសហប្រតិបត្តិការពាណិជ្ជកម្ម\n")


def test_public_names():
    assert set(aseanner.__all__) >= {"predict", "predict_many", "load", "Document"}


def test_to_dict_shape_and_offsets(default_model):
    d = aseanner.predict(TEXT).to_dict()
    assert set(d) == {"lang", "sectors", "entities", "paragraphs", "partners"}
    assert d["lang"] in ("th", "km")
    for s in d["sectors"]:
        assert set(s) == {"label", "score"} and isinstance(s["score"], float)
    scores = [s["score"] for s in d["sectors"]]
    assert scores == sorted(scores, reverse=True)
    for e in d["entities"]:
        assert set(e) == {"start", "end", "label", "text", "id", "partner", "score"}
        assert 0 <= e["start"] < e["end"] <= len(TEXT)
        assert TEXT[e["start"]:e["end"]] == e["text"]
        assert e["label"] in ("COUNTRY", "ORG", "PERSON", "LOC")
        assert e["partner"] == (e["id"] is not None and e["id"] != "ASEAN"
                                and e["id"] not in {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"})
    first, second = TEXT.split("\n\n")
    assert [(p["start"], p["end"]) for p in d["paragraphs"]] == [
        (0, len(first)), (len(first) + 2, len(first) + 2 + len(second.rstrip("\n")))]
    assert d["partners"] == sorted({e["id"] for e in d["entities"] if e["partner"]})
    json.dumps(d)


def test_linking_on_clear_names(default_model):
    d = aseanner.predict(TEXT).to_dict()
    ids = {(e["text"], e["id"]) for e in d["entities"]}
    assert ("แคนาดา", "CA") in ids and ("อาเซียน", "ASEAN") in ids
    # the zero-width space before និង stays outside the span and offsets still index the input
    assert ("កម្ពុជា", "KH") in ids and ("ជប៉ុន", "JP") in ids
    assert {"CA", "JP"} <= set(d["partners"])


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_text_gives_empty_document(text):
    d = aseanner.predict(text).to_dict()
    assert d == {"lang": "th", "sectors": [], "entities": [], "paragraphs": [], "partners": []}


@pytest.mark.parametrize("bad", [None, b"bytes", ["list"], 3])
def test_non_str_raises_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=f"text must be str, got {type(bad).__name__}"):
        aseanner.predict(bad)


def test_predict_many_order_and_equality(default_model):
    texts = ["แคนาดา", "", "ជប៉ុន", TEXT, "ASEAN and Japan"]
    many = [d.to_dict() for d in aseanner.predict_many(texts, batch_size=2)]
    one = [aseanner.predict(t).to_dict() for t in texts]
    assert many == one


def test_predict_many_rejects_a_string():
    with pytest.raises(TypeError, match="texts must be an iterable of str, got str"):
        aseanner.predict_many("แคนาดา")
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, got int"):
        list(aseanner.predict_many(["a", 1]))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        aseanner.predict_many(["a"], batch_size=0)


def test_load_other_model_and_env(tiny_model_dir, monkeypatch):
    m = aseanner.load(tiny_model_dir)
    assert m.path == tiny_model_dir
    try:
        assert aseanner.predict("แคนาดา").lang == "th"
    finally:
        aseanner.load()  # back to the bundled default for other tests
    monkeypatch.setenv("ASEANNER_MODEL", str(tiny_model_dir))
    from aseanner.resources import default_model_dir
    assert default_model_dir() == tiny_model_dir


def test_missing_model_names_path_and_command(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no model at .*nowhere.*training/train.py"):
        aseanner.load(tmp_path / "nowhere")


def test_cli_predict_argument_file_stdin_jsonl(cli, tmp_path):
    res = cli("predict", "--compact", "อาเซียนและแคนาดา")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["partners"] == ["CA"]
    f = tmp_path / "in.txt"
    f.write_text("ญี่ปุ่น\n", encoding="utf-8")
    assert json.loads(cli("predict", "--file", str(f)).stdout)["entities"][0]["id"] == "JP"
    assert json.loads(cli("predict", input="ญี่ปุ่น").stdout)["entities"][0]["id"] == "JP"
    lines = cli("predict", "--jsonl", input='{"text": "ญี่ปุ่น"}\n{"text": "កាណាដា"}\n').stdout.splitlines()
    assert [json.loads(l)["partners"] for l in lines] == [["JP"], ["CA"]]

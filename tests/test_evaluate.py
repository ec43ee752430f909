"""aseanner.evaluate: metrics of hand-made predictions, the lookup baseline, error lists, the CLI.

Everything but the CLI test that loads the default model (about 4 s) works on tiny
hand-computed fixtures (a stub model, a six-name registry), not on the
trained model, so the expected numbers are exact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aseanner.data import DataError
from aseanner.evaluate import (baseline_predict, boundary_counts, error_lists, evaluate, evaluate_file,
                               score_predictions, snippet)
from aseanner.registry import Entry, Registry
from aseanner.taxonomy import ENTITY_LABELS, SECTOR_IDS

ROOT = Path(__file__).resolve().parents[1]

# Thai: "ASEAN-Canada discuss health and food security in Bangkok" (offsets checked below).
T = "อาเซียน-แคนาดา หารือด้านสาธารณสุขและความมั่นคงทางอาหาร ที่กรุงเทพฯ"
# Khmer with a zero-width space inside "Cambodia" (scraped Khmer is full of U+200B).
K = "កម្ពុ\u200bជា និង ជប៉ុន ពិភាក្សាអំពីសុខាភិបាល"

REGISTRY = Registry([
    Entry("ASEAN", "ORG", "th", "อาเซียน"),
    Entry("CA", "COUNTRY", "th", "แคนาดา"),
    Entry("KH", "COUNTRY", "km", "កម្ពុជា"),
    Entry("JP", "COUNTRY", "km", "ជប៉ុន"),
    Entry("", "LOC", "th", "กรุงเทพฯ"),
    Entry("TH", "COUNTRY", "th", "ไทย"),
])
CUES = [("health", "th", "สาธารณสุข"), ("health", "km", "សុខាភិបាល"),
        ("political_security", "th", "ความมั่นคง"), ("agriculture_food", "th", "ความมั่นคงทางอาหาร")]

GOLD = [
    {"id": "d1#0", "lang": "th", "text": T, "sectors": ["health", "agriculture_food"], "entities": [
        {"start": 0, "end": 7, "label": "ORG", "id": "ASEAN"},
        {"start": 8, "end": 14, "label": "COUNTRY", "id": "CA"},
        {"start": 58, "end": 66, "label": "LOC", "id": None}]},
    {"id": "d2#0", "lang": "km", "text": K, "sectors": ["health"], "entities": [
        {"start": 0, "end": 8, "label": "COUNTRY", "id": "KH"},
        {"start": 13, "end": 18, "label": "COUNTRY", "id": "JP"}]},
]


def test_fixture_offsets_are_code_points_of_multibyte_text():
    assert [T[e["start"]:e["end"]] for e in GOLD[0]["entities"]] == ["อาเซียน", "แคนาดา", "กรุงเทพฯ"]
    assert [K[e["start"]:e["end"]] for e in GOLD[1]["entities"]] == ["កម្ពុ\u200bជា", "ជប៉ុន"]
    assert len(T.encode("utf-8")) > 2 * len(T)


# ---- metrics of hand-made predictions --------------------------------------
def test_perfect_predictions_score_one_and_undefined_labels_are_none():
    pred = [{"id": g["id"], "sectors": list(g["sectors"]), "entities": [dict(e) for e in g["entities"]]} for g in GOLD]
    m = score_predictions(GOLD, pred)
    assert m["sectors.micro.f1"] == 1.0 and m["entities.micro.f1"] == 1.0
    assert m["th.entities.micro.support"] == 3 and m["km.entities.micro.support"] == 2
    # a label absent from gold and never predicted: undefined everywhere, left out of the macro average
    assert (m["sectors.energy.precision"], m["sectors.energy.recall"], m["sectors.energy.f1"]) == (None, None, None)
    assert m["sectors.macro.f1"] == 1.0
    assert m["entities.PERSON.f1"] is None and m["entities.PERSON.support"] == 0
    # no tokenizer: boundary share keys exist and are None
    assert m["tokens.boundary_share"] is None and m["km.tokens.gold_spans"] is None


def test_no_predictions_zero_division_gives_none_precision():
    pred = [{"id": g["id"], "sectors": [], "entities": []} for g in GOLD]
    m = score_predictions(GOLD, pred)
    assert m["entities.micro.precision"] is None
    assert m["entities.micro.recall"] == 0.0 and m["entities.micro.f1"] == 0.0
    assert m["sectors.micro.precision"] is None and m["sectors.micro.recall"] == 0.0
    assert m["linking.paragraph.partners.precision"] is None and m["linking.paragraph.partners.recall"] == 0.0


def test_no_gold_entities_and_a_label_absent_from_gold():
    gold = [{"id": "x#0", "lang": "th", "text": "ประชุมวันนี้", "sectors": [], "entities": []}]
    nothing = score_predictions(gold, [{"id": "x#0", "sectors": [], "entities": []}])
    assert nothing["entities.micro.f1"] is None and nothing["sectors.micro.f1"] is None
    assert nothing["sectors.macro.f1"] is None and nothing["count.mentions"] == 0
    spurious = score_predictions(gold, [{"id": "x#0", "sectors": ["health"],
                                         "entities": [{"start": 0, "end": 6, "label": "PERSON", "id": None}]}])
    # predicted but absent from gold: precision 0, recall undefined, F1 0
    assert (spurious["entities.PERSON.precision"], spurious["entities.PERSON.recall"],
            spurious["entities.PERSON.f1"]) == (0.0, None, 0.0)
    assert (spurious["sectors.health.precision"], spurious["sectors.health.recall"]) == (0.0, None)


def test_hand_computed_partial_scores():
    pred = [
        {"id": "d1#0", "sectors": ["health", "political_security"], "entities": [
            {"start": 0, "end": 7, "label": "ORG", "id": "ASEAN"},        # tp
            {"start": 8, "end": 14, "label": "LOC", "id": None},          # wrong label: fp LOC, fn COUNTRY
            {"start": 58, "end": 65, "label": "LOC", "id": None}]},       # wrong boundary: fp + fn LOC
        {"id": "d2#0", "sectors": [], "entities": [
            {"start": 0, "end": 8, "label": "COUNTRY", "id": "KH"}]},     # tp; JP missed
    ]
    m = score_predictions(GOLD, pred)
    assert m["entities.micro.precision"] == pytest.approx(2 / 4)
    assert m["entities.micro.recall"] == pytest.approx(2 / 5)
    assert m["entities.COUNTRY.recall"] == pytest.approx(1 / 3) and m["entities.COUNTRY.precision"] == 1.0
    assert m["entities.LOC.precision"] == 0.0 and m["entities.LOC.recall"] == 0.0
    assert m["entities.lenient.precision"] == pytest.approx(3 / 4)  # the LOC boundary error overlaps
    assert m["sectors.micro.precision"] == pytest.approx(1 / 2) and m["sectors.micro.recall"] == pytest.approx(1 / 3)
    assert m["km.sectors.micro.precision"] is None and m["km.sectors.micro.recall"] == 0.0


def test_document_sectors_are_the_union_of_their_paragraphs():
    gold = [{"id": "a#0", "lang": "th", "text": "x", "sectors": ["health"], "entities": []},
            {"id": "a#1", "lang": "th", "text": "y", "sectors": ["energy"], "entities": []},
            {"id": "a#2", "lang": "th", "text": "z", "sectors": None, "entities": []},
            {"id": "b#0", "lang": "km", "text": "w", "sectors": ["tourism"], "entities": []}]
    pred = [{"id": "a#0", "sectors": ["energy"], "entities": []},   # wrong paragraph, right document
            {"id": "a#1", "sectors": ["msme"], "entities": []},
            {"id": "a#2", "sectors": ["health"], "entities": []},   # unlabelled paragraph: adds nothing
            {"id": "b#0", "sectors": [], "entities": []}]
    m = score_predictions(gold, pred)
    assert m["sectors.micro.precision"] == 0.0 and m["sectors.micro.recall"] == 0.0
    # documents a: gold {health, energy}, predicted {energy, msme}; b: gold {tourism}, nothing predicted
    assert m["sectors.document.micro.precision"] == pytest.approx(1 / 2)
    assert m["sectors.document.micro.recall"] == pytest.approx(1 / 3)
    assert m["sectors.document.micro.support"] == 3 and m["count.sector_documents"] == 2
    assert m["th.sectors.document.micro.f1"] == pytest.approx(1 / 2) and m["km.sectors.document.micro.f1"] == 0.0


def test_records_without_sector_labels_are_left_out_of_sector_scores_and_errors():
    gold = [dict(GOLD[0], sectors=None)]
    pred = [{"id": "d1#0", "sectors": ["energy"], "entities": []}]
    assert score_predictions(gold, pred)["sectors.micro.precision"] is None
    assert error_lists(gold, pred)["energy"]["n_false_positives"] == 0


# ---- token boundaries ------------------------------------------------------
class CharTokenizer:
    """Every non-space character is a token."""

    def tokenize(self, text):
        idx = np.array([i for i, c in enumerate(text) if not c.isspace()], dtype=np.int64)
        return idx, idx + 1, np.zeros(len(idx), dtype=np.int64)


class SpaceTokenizer:
    """Whitespace-separated words are tokens."""

    def tokenize(self, text):
        import re
        spans = [m.span() for m in re.finditer(r"\S+", text)]
        return (np.array([a for a, _ in spans], dtype=np.int64), np.array([b for _, b in spans], dtype=np.int64),
                np.zeros(len(spans), dtype=np.int64))


def test_boundary_share_is_computed_on_the_normalised_view():
    # the Khmer gold span [0, 8) covers a U+200B; in the view it is [0, 7): still aligned
    assert boundary_counts(CharTokenizer(), GOLD) == (5, 5)
    # whitespace words: อาเซียน-แคนาดา is one word, so both names miss a boundary; so does กรุงเทพฯ ("ที่กรุงเทพฯ")
    assert boundary_counts(SpaceTokenizer(), GOLD) == (2, 5)
    m = score_predictions(GOLD, [], SpaceTokenizer())
    assert m["tokens.boundary_share"] == pytest.approx(2 / 5)
    assert (m["th.tokens.aligned_spans"], m["th.tokens.gold_spans"]) == (0, 3)
    assert m["km.tokens.boundary_share"] == 1.0


def test_boundary_share_without_gold_spans_is_none():
    gold = [{"id": "x#0", "lang": "km", "text": "ប្រជុំ", "sectors": [], "entities": []}]
    m = score_predictions(gold, [], CharTokenizer())
    assert m["tokens.boundary_share"] is None and m["tokens.gold_spans"] == 0


# ---- baseline --------------------------------------------------------------
def test_baseline_on_a_tiny_registry_maps_offsets_back_to_the_original():
    pred = baseline_predict(GOLD, REGISTRY, cues=CUES)
    assert [p["id"] for p in pred] == ["d1#0", "d2#0"]
    th = [(e["start"], e["end"], e["label"], e["id"]) for e in pred[0]["entities"]]
    assert th == [(0, 7, "ORG", "ASEAN"), (8, 14, "COUNTRY", "CA"), (58, 66, "LOC", None)]
    km = [(e["start"], e["end"], e["label"], e["id"]) for e in pred[1]["entities"]]
    assert km == [(0, 8, "COUNTRY", "KH"), (13, 18, "COUNTRY", "JP")]  # [0, 8) includes the U+200B
    # leftmost-longest cues: ความมั่นคงทางอาหาร is agriculture_food, not political_security
    assert pred[0]["sectors"] == ["health", "agriculture_food"]
    assert pred[1]["sectors"] == ["health"]
    m = score_predictions(GOLD, pred)
    assert m["entities.micro.f1"] == 1.0 and m["sectors.micro.f1"] == 1.0


def test_baseline_reads_a_cue_tsv_at_call_time(tmp_path):
    path = tmp_path / "cues.tsv"
    path.write_text("# comment\nsector\tlang\tcue\nenergy\tth\tแคนาดา\n", encoding="utf-8")
    pred = baseline_predict(GOLD[:1], REGISTRY, cues=path)
    assert pred[0]["sectors"] == ["energy"]
    path.write_text("sector\tlang\tcue\nenergy\tth\tไม่มี\n", encoding="utf-8")
    assert baseline_predict(GOLD[:1], REGISTRY, cues=str(path))[0]["sectors"] == []


def test_baseline_rejects_an_unknown_sector_in_the_cue_file(tmp_path):
    path = tmp_path / "cues.tsv"
    path.write_text("sector\tlang\tcue\nhelth\tth\tสาธารณสุข\n", encoding="utf-8")
    with pytest.raises(ValueError, match="helth"):
        baseline_predict(GOLD, REGISTRY, cues=path)


def test_baseline_with_the_bundled_cues_and_no_names():
    pred = baseline_predict([{"id": "z#0", "lang": "th", "text": "ความร่วมมือด้านการท่องเที่ยว", "entities": []}],
                            Registry([]))
    assert pred[0]["entities"] == [] and "tourism" in pred[0]["sectors"]


# ---- error lists -----------------------------------------------------------
def test_error_lists_group_by_mention_and_name_the_cause():
    text = "ไทย ไทย ไทย จีน " + "ก" * 60 + " แคนาดา"
    gold = [{"id": "e#0", "lang": "th", "text": text, "sectors": ["health"], "entities": [
        {"start": 12, "end": 15, "label": "COUNTRY", "id": "CN"},
        {"start": 77, "end": 83, "label": "COUNTRY", "id": "CA"}]},
            {"id": "e#1", "lang": "th", "text": "ไทย", "sectors": [], "entities": []}]
    pred = [{"id": "e#0", "sectors": ["energy"], "entities": [
        {"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"},
        {"start": 4, "end": 7, "label": "COUNTRY", "id": "TH"},
        {"start": 8, "end": 11, "label": "COUNTRY", "id": "TH"},
        {"start": 12, "end": 15, "label": "ORG", "id": None},
        {"start": 77, "end": 82, "label": "COUNTRY", "id": None}]},
            {"id": "e#1", "sectors": [], "entities": [{"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"}]}]
    err = error_lists(gold, pred, n_errors=10)
    assert set(err) == set(SECTOR_IDS) | set(ENTITY_LABELS)
    fp = err["COUNTRY"]["false_positives"]
    assert [(g["mention"], g["count"]) for g in fp] == [("ไทย", 4), ("แคนาด", 1)]  # most frequent first
    assert fp[0]["records"] == ["e#0", "e#1"] and fp[0]["cause"] == "spurious"
    assert fp[1]["cause"] == "wrong_boundary" and fp[1]["other"]["text"] == "แคนาดา"
    fn = {g["mention"]: g for g in err["COUNTRY"]["false_negatives"]}
    assert fn["จีน"]["cause"] == "wrong_label" and fn["จีน"]["other"]["label"] == "ORG"
    assert err["ORG"]["false_positives"][0]["cause"] == "wrong_label"
    assert err["COUNTRY"]["n_false_positives"] == 5 and err["COUNTRY"]["n_false_negatives"] == 2
    # snippets: ±40 characters, offsets into the record text
    for g in fp + err["COUNTRY"]["false_negatives"]:
        rec_text = text if g["id"] == "e#0" else "ไทย"
        assert rec_text[g["start"]:g["end"]] == g["mention"]
        off = g["snippet_offset"]
        assert g["snippet"] == rec_text[off:off + len(g["snippet"])]
        assert off <= g["start"] and g["end"] <= off + len(g["snippet"])
        assert g["start"] - off <= 41 and off + len(g["snippet"]) - g["end"] <= 41
    late = fn["แคนาดา"]
    assert late["snippet_offset"] >= 77 - 41 and late["snippet"].endswith("แคนาดา")
    # sectors: paragraphs, with the gold and predicted sets
    assert [i["id"] for i in err["energy"]["false_positives"]] == ["e#0"]
    assert err["health"]["false_negatives"][0]["predicted"] == ["energy"]
    assert err["PERSON"] == {"false_positives": [], "false_negatives": [], "n_false_positives": 0,
                             "n_false_negatives": 0}


def test_error_lists_are_cut_at_n_errors_but_count_everything():
    gold = [{"id": f"n#{i}", "lang": "th", "text": f"ชื่อ{i:02d}", "sectors": ["health"], "entities": []} for i in range(5)]
    pred = [{"id": f"n#{i}", "sectors": [], "entities": [{"start": 0, "end": 6, "label": "PERSON", "id": None}]}
            for i in range(5)]
    err = error_lists(gold, pred, n_errors=2)
    assert len(err["PERSON"]["false_positives"]) == 2 and err["PERSON"]["n_false_positives"] == 5
    assert len(err["health"]["false_negatives"]) == 2 and err["health"]["n_false_negatives"] == 5


def test_sector_snippet_is_centred_on_the_cue():
    text = "ก" * 100 + " สาธารณสุข " + "ข" * 100
    gold = [{"id": "s#0", "lang": "th", "text": text, "sectors": ["health"], "entities": []}]
    item = error_lists(gold, [{"id": "s#0", "sectors": [], "entities": []}], cues=CUES)["health"]["false_negatives"][0]
    assert item["cue"] == {"start": 101, "end": 110, "text": "สาธารณสุข"}
    assert "สาธารณสุข" in item["snippet"] and item["snippet_offset"] == 61


def test_missing_prediction_for_a_gold_record_counts_as_empty():
    err = error_lists(GOLD, [])
    assert err["COUNTRY"]["n_false_negatives"] == 3 and err["health"]["n_false_negatives"] == 2


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="กขคเแัิ่้ำាិ្ក ab", min_size=1, max_size=120), st.data())
def test_snippet_contains_the_span_and_never_splits_a_cluster(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    snip, off = snippet(text, start, end, width=5)
    assert text[off:off + len(snip)] == snip
    assert off <= start and end <= off + len(snip)
    marks = "ัิ่้ำាិ"
    assert off == 0 or (text[off] not in marks and text[off - 1] not in "เแ្")
    b = off + len(snip)
    assert b == len(text) or (text[b] not in marks and text[b - 1] not in "เแ្")


# ---- evaluate() with a stub model ---------------------------------------------
class StubModel:
    """What evaluate() needs of a Model: canned predictions, a tokenizer, a registry, a manifest."""

    def __init__(self, predictions):
        self.predictions = predictions
        self.tokenizer = CharTokenizer()
        self.registry = REGISTRY
        self.manifest = {"trained_at_seed": 7, "command": "aseanner train --data x.jsonl --out m"}
        self.path = Path("/somewhere/model")

    def predict_paragraphs(self, texts):
        return [self.predictions[t] for t in texts]


def test_evaluate_result_shape_meta_and_baseline():
    model = StubModel({T: (["health"], [{"start": 0, "end": 7, "label": "ORG", "id": "ASEAN"}]),
                       K: ([], [{"start": 13, "end": 18, "label": "COUNTRY", "id": "JP"}])})
    res = evaluate(model, GOLD, n_errors=3, gold_path="gold.jsonl", cues=CUES)
    assert set(res) == {"metrics", "baseline", "errors", "meta"}
    assert set(res["metrics"]) == set(res["baseline"])
    assert res["metrics"]["entities.micro.precision"] == 1.0
    assert res["metrics"]["entities.micro.recall"] == pytest.approx(2 / 5)
    assert res["metrics"]["tokens.boundary_share"] == 1.0 and res["baseline"]["tokens.boundary_share"] is None
    assert res["baseline"]["entities.micro.f1"] == 1.0 and res["baseline"]["sectors.micro.f1"] == 1.0
    meta = res["meta"]
    assert (meta["gold"], meta["model"], meta["seed"], meta["records"]) == ("gold.jsonl", "/somewhere/model", 7, 2)
    assert meta["command"].startswith("aseanner train") and meta["languages"] == {"th": 1, "km": 1}
    assert res["errors"]["COUNTRY"]["n_false_negatives"] == 2
    json.loads(json.dumps(res, allow_nan=False))  # plain JSON values only


def test_evaluate_without_baseline_and_without_a_manifest():
    model = StubModel({T: ([], []), K: ([], [])})
    model.manifest, model.path = None, None
    res = evaluate(model, GOLD, baseline=False)
    assert res["baseline"] is None and res["meta"]["seed"] is None and res["meta"]["model"] is None
    assert res["metrics"]["entities.micro.precision"] is None


def test_evaluate_file_raises_data_error_before_loading_any_model(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "a#0", "lang": "xx", "text": "ไทย", "sectors": ["helth"], "entities": []}) + "\n",
                   encoding="utf-8")
    with pytest.raises(DataError) as info:
        evaluate_file(bad, tmp_path / "no-model-here")
    assert len(info.value.problems) == 2


# ---- CLI -----------------------------------------------------------------
def _cli(*args, cwd=ROOT):
    env = {k: v for k, v in os.environ.items()}
    return subprocess.run([sys.executable, "-m", "aseanner", "evaluate", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _write_gold(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_cli_bad_arguments_exit_2(tmp_path):
    assert _cli().returncode == 2  # no gold file
    gold = _write_gold(tmp_path / "g.jsonl", GOLD)
    r = _cli(gold, "--no-such-option")
    assert r.returncode == 2 and "usage" in r.stderr


def test_cli_invalid_records_exit_1(tmp_path):
    bad = _write_gold(tmp_path / "bad.jsonl", [dict(GOLD[0], entities=[{"start": 5, "end": 2, "label": "ORG"}])])
    r = _cli(bad)
    assert r.returncode == 1 and "bad.jsonl" in r.stderr and r.stdout == ""
    missing = _cli(tmp_path / "absent.jsonl")
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_cli_unloadable_model_exit_1(tmp_path):
    gold = _write_gold(tmp_path / "g.jsonl", GOLD)
    r = _cli(gold, "--model", tmp_path / "nothing")
    assert r.returncode == 1 and "no model" in r.stderr


def test_cli_default_model_exit_0_and_writes_reports(tmp_path):
    gold = _write_gold(tmp_path / "g.jsonl", GOLD)
    out = {ext: tmp_path / f"r.{ext}" for ext in ("json", "md", "html")}
    r = _cli(gold, "--json", out["json"], "--markdown", out["md"], "--html", out["html"])
    assert r.returncode == 0, r.stderr
    assert "sectors micro" in r.stdout and "COUNTRY" in r.stdout
    res = json.loads(out["json"].read_text(encoding="utf-8"))
    assert res["meta"]["records"] == 2 and set(res["metrics"]) == set(res["baseline"])
    assert 0.0 <= res["metrics"]["tokens.boundary_share"] <= 1.0
    assert out["md"].read_text(encoding="utf-8").startswith("# aseanner evaluation")
    assert out["html"].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_unlisted_scores_as_if_the_registry_lacked_the_gold_names(tmp_path):
    tiny = ROOT / "tests" / "fixtures" / "tiny.jsonl"
    plain, unlisted = tmp_path / "plain.json", tmp_path / "unlisted.json"
    assert _cli(tiny, "--json", plain).returncode == 0
    r = _cli(tiny, "--unlisted", "--json", unlisted, "--markdown", tmp_path / "u.md")
    assert r.returncode == 0, r.stderr
    p, u = (json.loads(f.read_text(encoding="utf-8")) for f in (plain, unlisted))
    assert "registry" not in p["meta"] and "without the gold file's own" in u["meta"]["registry"]
    assert "without the gold file's own" in (tmp_path / "u.md").read_text(encoding="utf-8")
    # the lookup finds the fixture's person and place by their registry names, and neither once unlisted
    assert p["baseline"]["entities.PERSON.f1"] == p["baseline"]["entities.LOC.f1"] == 1.0
    assert u["baseline"]["entities.PERSON.f1"] == u["baseline"]["entities.LOC.f1"] == 0.0
    assert u["baseline"]["entities.COUNTRY.f1"] == p["baseline"]["entities.COUNTRY.f1"]  # states stay listed

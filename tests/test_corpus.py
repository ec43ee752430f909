"""The labelled corpus: valid, split by document, synthetic kept out of evaluation, card up to date."""

import json
import re
from pathlib import Path

import pytest

from aseanner.data import read_jsonl, validate_files
from aseanner.metrics import doc_key

DATA = Path(__file__).resolve().parents[1] / "training" / "data"
SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "gold.jsonl"


@pytest.fixture(scope="module")
def splits():
    return {name: read_jsonl(DATA / f"{name}.jsonl") for name in ("train", "dev", "test", "synthetic")}


def test_every_data_file_validates():
    # one call for the corpus (ids unique across its files); agreement passes repeat ids by design
    assert validate_files(sorted(DATA.glob("*.jsonl"))).errors == []
    for path in sorted((DATA / "agreement").glob("*.jsonl")):
        assert validate_files([path]).errors == []


def test_splits_are_disjoint_by_document(splits):
    docs = {k: {doc_key(r["id"]) for r in v} for k, v in splits.items()}
    assert not docs["train"] & docs["dev"]
    assert not docs["train"] & docs["test"]
    assert not docs["dev"] & docs["test"]
    sources = {k: {r["source"].rsplit(":", 1)[0] + ":" + r["source"].rsplit(":", 1)[1] for r in v}
               for k, v in splits.items() if k != "synthetic"}
    assert not sources["train"] & sources["test"] and not sources["dev"] & sources["test"]


def test_test_split_holds_at_least_15_percent_of_each_languages_documents(splits):
    for lang in ("th", "km"):
        n = {k: len({doc_key(r["id"]) for r in splits[k] if r["lang"] == lang}) for k in ("train", "dev", "test")}
        assert n["test"] / sum(n.values()) >= 0.15, (lang, n)


def test_no_synthetic_record_in_dev_or_test(splits):
    assert all(r.get("synthetic") is True for r in splits["synthetic"])
    for name in ("train", "dev", "test"):
        assert not any(r.get("synthetic") for r in splits[name])
        assert not any(r["id"].startswith("syn-") for r in splits[name])


def test_seeds_are_never_training_or_dev_data(splits):
    seed_texts = {r["text"] for r in read_jsonl(SEEDS)}
    for name in ("train", "dev", "synthetic"):
        assert not seed_texts & {r["text"] for r in splits[name] if len(r["text"]) > 40}


def test_every_record_keeps_its_source(splits):
    for name in ("train", "dev", "test"):
        for r in splits[name]:
            assert re.match(r"^[\w.-]+\.(jsonl|txt)\.xz:.+", r["source"]) and isinstance(r["para"], int)


def test_data_card_counts_match_the_files():
    import importlib.util

    card = (DATA / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)\n```\s*\n<!-- counts:end -->", card, re.S)
    assert block, "data card has no generated counts; run python training/data_card.py"
    spec = importlib.util.spec_from_file_location("data_card", DATA.parent / "data_card.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert json.loads(block.group(1))["counts"] == json.loads(json.dumps(mod.counts()))


def test_corpus_size_targets(splits):
    real = splits["train"] + splits["dev"] + splits["test"]
    assert sum(r["lang"] == "th" for r in real) >= 800
    assert sum(r["lang"] == "km" for r in real) >= 500


def test_thainer_conversion_adds_untagged_country_names_as_the_guide_counts_them():
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "training"))
    from convert_thainer import convert_line

    from aseanner.registry import default_registry

    text, ents = convert_line("[PERSON]นายสมชาย ใจดี[/PERSON] สอนภาษาไทยและอ่านไทยรัฐที่[LOCATION]กรุงโตเกียว[/LOCATION]",
                              default_registry())
    got = [(text[e["start"]:e["end"]], e["label"], e.get("id")) for e in ents]
    # title and classifier stripped; ภาษาไทย gives TH; the newspaper ไทยรัฐ gives nothing
    assert got == [("สมชาย ใจดี", "PERSON", None), ("ไทย", "COUNTRY", "TH"), ("โตเกียว", "LOC", None)]


def _build_corpus():
    import sys

    root = Path(__file__).parents[1]
    for p in (root / "training", root / "training" / "annotation"):
        sys.path.insert(0, str(p))
    import build_corpus

    return build_corpus


def test_a_later_round_never_moves_an_earlier_document_between_splits():
    bc = _build_corpus()
    assert [bc.round_of(n) for n in ("th07", "km14", "th25", "km30", "th41")] == [1, 2, 3, 4, 5]

    def recs(lang, docs, paras=2):
        return [{"id": f"{lang}-{d}#{j}", "lang": lang} for d in docs for j in range(paras)]

    early = recs("th", range(40)) + recs("km", range(30))
    before = bc.split(early, {1: early}, 13, 0.2, 0.15)
    # round 4 brings new documents and one more paragraph of an early document
    late = recs("th", range(40, 60)) + recs("km", range(30, 45)) + [{"id": "th-3#7", "lang": "th"}]
    after = bc.split(early + late, {1: early, 4: late}, 13, 0.2, 0.15)
    where = {r["id"]: name for name, rs in after.items() for r in rs}
    for name, rs in before.items():
        assert all(where[r["id"]] == name for r in rs)
    assert where["th-3#7"] == where["th-3#0"]
    new_docs = {doc_key(r["id"]) for r in late} - {doc_key(r["id"]) for r in early}
    test_docs = {doc_key(r["id"]) for r in after["test"]} & new_docs
    assert len(test_docs) == round(20 * 0.2) + round(15 * 0.2)  # the new documents get the same shares
    assert sum(len(v) for v in after.values()) == len(early) + len(late)


def test_registry_knows_every_named_organisation_of_the_train_split(splits):
    # build_corpus.py adds these names (orgs_from_corpus.tsv) and build_registry.py bundles them;
    # a name lost between the two (e.g. compared uncleaned) would fail here
    from aseanner.registry import default_registry

    reg = default_registry()
    missing = []
    for r in splits["train"]:
        for e in r["entities"]:
            if e["label"] == "ORG" and e.get("id") and reg.type_of(e["id"]) in (None, "ORG"):
                name = r["text"][e["start"]:e["end"]]
                if reg.lookup(name) != e["id"]:
                    missing.append((name, e["id"]))
    assert not missing, f"rerun training/build_corpus.py and training/build_registry.py: {missing[:5]}"

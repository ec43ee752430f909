"""Model directories: save -> load round trip, manifest, atomic replacement, retraining pipeline."""

import json
import os
import numpy as np

import pytest

from aseanner.bundle import MANIFEST, load, save, sha256_file


def _dicts(model, texts):
    return [d.to_dict() for d in model.predict_many(texts)]


TEXTS = ["อาเซียนและแคนาดาหารือความร่วมมือด้านสาธารณสุข", "កម្ពុជា និង ជប៉ុន ពង្រឹងពាណិជ្ជកម្ម", ""]


def test_save_load_round_trip_predicts_the_same(tiny_model, tiny_model_dir):
    loaded = load(tiny_model_dir)
    assert _dicts(loaded, TEXTS) == _dicts(tiny_model, TEXTS)
    assert loaded.titles == tiny_model.titles and "ឯកឧត្តម" in loaded.titles


def test_manifest_lists_every_file_with_its_sha256(tiny_model_dir):
    manifest = json.loads((tiny_model_dir / MANIFEST).read_text(encoding="utf-8"))
    files = {p.name for p in tiny_model_dir.iterdir() if p.name != MANIFEST}
    assert set(manifest["files"]) == files
    for name, info in manifest["files"].items():
        assert info["sha256"] == sha256_file(tiny_model_dir / name)
    assert set(manifest["versions"]) >= {"aseanner", "python", "scikit-learn", "sentencepiece"}
    assert manifest["note"] == "test fixture"


def test_save_replaces_atomically_and_leaves_no_temp(tiny_model, tmp_path):
    out = tmp_path / "m"
    save(tiny_model, out)
    (out / "__init__.py").write_text("# package marker\n")
    before = sha256_file(out / "model.joblib")
    save(tiny_model, out, {"second": True})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]
    assert (out / "__init__.py").exists()  # files of the package directory survive
    assert json.loads((out / MANIFEST).read_text())["second"] is True
    assert sha256_file(out / "model.joblib") == before  # same model, same bytes


def test_cli_train_on_fixture_then_predict_with_it(cli, tmp_path):
    out = tmp_path / "retrained"
    res = cli("train", "--data", "tests/fixtures/tiny.jsonl", "--out", str(out), "--seed", "3",
              "--tokenizer", "training/tokenizer/aseanner-sp.model", "--config", '{"tagger_max_iter": 40}')
    assert res.returncode == 0, res.stderr
    assert "fitting entity tagger" in res.stderr and "model written to" in res.stderr
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["trained_at_seed"] == 3
    assert manifest["data"]["train"][0]["records"] == 8
    assert manifest["data"]["train"][0]["sha256"] == sha256_file("tests/fixtures/tiny.jsonl")
    assert set(manifest["thresholds"]) == set(manifest["labels"]["sectors"]) and len(manifest["thresholds"]) == 15
    assert "dev" in manifest["metrics"]
    pred = cli("predict", "--model", str(out), "--compact", "แคนาดา")
    assert pred.returncode == 0 and json.loads(pred.stdout)["lang"] == "th"
    pred_env = cli("predict", "--compact", "แคนาดา", env={"ASEANNER_MODEL": str(out)})
    assert pred_env.stdout == pred.stdout


def test_training_is_reproducible(tiny_records, tmp_path):
    from aseanner.cues import default_cues
    from aseanner.registry import default_registry
    from aseanner.train import train_model

    tok = (os.path.join(os.path.dirname(__file__), "..", "training", "tokenizer", "aseanner-sp.model"))
    a, _ = train_model(tiny_records, [], open(tok, "rb").read(), default_registry(), [], seed=5,
                       config={"tagger_max_iter": 30}, cues=default_cues())
    b, _ = train_model(tiny_records, [], open(tok, "rb").read(), default_registry(), [], seed=5,
                       config={"tagger_max_iter": 30}, cues=default_cues())
    save(a, tmp_path / "a")
    save(b, tmp_path / "b")
    assert _dicts(a, TEXTS) == _dicts(b, TEXTS)


def test_unknown_label_in_training_data_is_named(tiny_records):
    from aseanner.train import check_labels

    bad = [{**tiny_records[0], "sectors": ["space_travel"]}]
    with pytest.raises(ValueError, match="space_travel"):
        check_labels(bad)


def test_synthetic_records_refused_in_dev(tiny_records):
    from aseanner.registry import default_registry
    from aseanner.train import train_model

    with pytest.raises(ValueError, match="synthetic records may not be in dev"):
        train_model(tiny_records, tiny_records[:1], b"", default_registry(), [])


def test_refit_with_dev_scores_dev_first_then_learns_from_it(tiny_records):
    from aseanner.cues import default_cues
    from aseanner.registry import default_registry
    from aseanner.train import evaluate_records, train_model

    tok = open(os.path.join(os.path.dirname(__file__), "..", "training", "tokenizer", "aseanner-sp.model"), "rb").read()
    # the fixture is synthetic; only this pipeline check lets one of its documents act as dev data
    dev = [{k: v for k, v in r.items() if k != "synthetic"} for r in tiny_records if r["id"].startswith("tiny-th-2#")]
    train = [r for r in tiny_records if not r["id"].startswith("tiny-th-2#")]
    cfg = {"tagger_max_iter": 30}
    refit, facts = train_model(train, dev, tok, default_registry(), [], seed=5, config=cfg, cues=default_cues())
    plain, plain_facts = train_model(train, dev, tok, default_registry(), [], seed=5,
                                     config={**cfg, "refit_with_dev": False}, cues=default_cues())
    # dev is scored by the model that never saw it, and the tuned thresholds are kept
    assert facts["dev_metrics"] == evaluate_records(plain, dev)
    assert "dev_metrics" not in plain_facts
    assert refit.sectors.thresholds_.tolist() == plain.sectors.thresholds_.tolist()
    # ...then the saved model has learned from dev too
    assert not np.allclose(refit.tagger.coef_, plain.tagger.coef_)


def test_loading_and_predicting_never_import_sklearn(tiny_model_dir):
    # importing scikit-learn takes longer than the whole load budget; only fitting needs it
    import subprocess
    import sys

    code = ("import sys, aseanner; m = aseanner.load(sys.argv[1]); d = m.predict('อาเซียนและแคนาดา'); "
            "assert d.entities, d; print(sorted(k for k in sys.modules if k.split('.')[0] == 'sklearn'))")
    res = subprocess.run([sys.executable, "-c", code, str(tiny_model_dir)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_cli_train_adds_a_users_names_to_the_registry(cli, tmp_path):
    from aseanner.bundle import load

    names = tmp_path / "names.tsv"
    names.write_text("id\ttype\tlang\tname\nZZORG\tORG\tth\tองค์การทดสอบสมมุติ\nJP\tCOUNTRY\tth\tแคนาดา\n",
                     encoding="utf-8")
    out = tmp_path / "with-names"
    res = cli("train", "--data", "tests/fixtures/tiny.jsonl", "--out", str(out), "--add-names", str(names),
              "--tokenizer", "training/tokenizer/aseanner-sp.model", "--config", '{"tagger_max_iter": 40}')
    assert res.returncode == 0, res.stderr
    model = load(out)
    assert model.registry.lookup("องค์การทดสอบสมมุติ") == "ZZORG"
    assert model.registry.lookup("แคนาดา") == "JP"  # the user's entry wins over the registry's CA
    assert model.registry.lookup("ญี่ปุ่น") == "JP" and len(model.registry.entries) > 1000  # the rest is kept

    bad = tmp_path / "bad.tsv"
    bad.write_text("id\ttype\tlang\tname\nCanada\tCOUNTRY\ten\tKanada\n", encoding="utf-8")
    res = cli("train", "--data", "tests/fixtures/tiny.jsonl", "--out", str(tmp_path / "never"), "--add-names", str(bad))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "'Kanada' (COUNTRY, id 'Canada')" in res.stderr and "ISO 3166-1 alpha-2" in res.stderr
    assert not (tmp_path / "never").exists()
    short = tmp_path / "short.tsv"
    short.write_text("id\ttype\tlang\tname\nORG\tth\tชื่อ\n", encoding="utf-8")
    res = cli("train", "--data", "tests/fixtures/tiny.jsonl", "--out", str(tmp_path / "never"), "--add-names", str(short))
    assert res.returncode == 1 and "line 2: expected 4 tab-separated fields" in res.stderr

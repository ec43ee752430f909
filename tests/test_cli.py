"""The command line under bad arguments and bad files: usage errors exit 2, file problems exit 1.

Every failure is one readable message naming what is wrong, never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import aseanner

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "tests" / "fixtures" / "tiny.jsonl")
SUBCOMMANDS = ["predict", "validate", "convert", "train", "evaluate"]


def assert_one_line_error(res, *names: str) -> str:
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert res.stdout == ""
    return lines[0]


# ---- bad usage: usage text and exit 2 ---------------------------------------------
@pytest.mark.parametrize("args, message", [
    pytest.param((), "the following arguments are required: command", id="no-subcommand"),
    pytest.param(("frobnicate",), "invalid choice: 'frobnicate'", id="unknown-subcommand"),
    pytest.param(("predict", "--frobnicate", "x"), "unrecognized arguments: --frobnicate", id="unknown-option"),
    pytest.param(("--frobnicate", "predict", "x"), "unrecognized arguments: --frobnicate",
                 id="unknown-top-level-option"),
    pytest.param(("convert", "in.jsonl", "out.jsonl"), "the following arguments are required: --from",
                 id="convert-without-from"),
    pytest.param(("convert", "--from", "excel", "in.jsonl", "out.jsonl"), "invalid choice: 'excel'",
                 id="convert-unknown-format"),
    pytest.param(("train", "--out", "x"), "the following arguments are required: --data", id="train-without-data"),
    pytest.param(("predict", "--jobs", "two", "x"), "'two'", id="jobs-not-an-int"),
])
def test_bad_arguments_print_usage_and_exit_2(cli, args, message):
    res = cli(*args)
    assert res.returncode == 2, res.stderr
    assert "usage:" in res.stderr and message in res.stderr
    assert "Traceback" not in res.stderr
    assert res.stdout == ""


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_predict_jobs_must_be_positive(cli, jobs):
    res = cli("predict", "--jsonl", "--jobs", jobs, input='{"text": "ไทย"}\n')
    assert res.returncode == 2, res.stderr
    assert "usage:" in res.stderr and "--jobs" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("config", ["{not json", "[1, 2]"])
def test_train_config_must_be_a_json_object(cli, tmp_path, config):
    out = tmp_path / "model"
    res = cli("train", "--data", TINY, "--out", str(out), "--config", config)
    assert res.returncode == 2, res.stderr
    assert "usage:" in res.stderr and "--config" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_train_config_with_a_misspelt_key_names_it_and_the_likely_one(cli, tmp_path):
    out = tmp_path / "model"
    res = cli("train", "--data", TINY, "--out", str(out), "--config", '{"tagger_c": 2}')
    assert res.returncode == 1, res.stderr
    assert "unknown key(s) 'tagger_c' (did you mean 'tagger_C'?)" in res.stderr
    assert "nothing was written" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


# ---- missing and unreadable files: one line naming the file, exit 1 ---------------------
@pytest.mark.parametrize("args", [
    pytest.param(("predict", "--file", "{d}/missing.txt"), id="predict-file"),
    pytest.param(("predict", "--jsonl", "--file", "{d}/missing.jsonl"), id="predict-jsonl-file"),
    pytest.param(("validate", "{d}/missing.jsonl"), id="validate"),
    pytest.param(("validate", TINY, "{d}/missing.jsonl"), id="validate-second-file"),
    pytest.param(("evaluate", "{d}/missing.jsonl"), id="evaluate"),
    pytest.param(("convert", "--from", "doccano", "{d}/missing.jsonl", "{d}/out.jsonl"), id="convert"),
    pytest.param(("train", "--data", "{d}/missing.jsonl", "--out", "{d}/model"), id="train"),
    pytest.param(("train", "--data", TINY, "--out", "{d}/model", "--registry", "{d}/missing.tsv"), id="train-registry"),
    pytest.param(("train", "--data", TINY, "--out", "{d}/model", "--add-names", "{d}/missing.tsv"), id="train-add-names"),
])
def test_missing_file_is_named(cli, tmp_path, args):
    args = [a.format(d=tmp_path) for a in args]
    res = cli(*args)
    assert_one_line_error(res, "missing.")
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "model").exists()


@pytest.fixture
def bad_utf8(tmp_path) -> Path:
    p = tmp_path / "latin1.txt"
    p.write_bytes("ASEAN et le Canada: coopération\n".encode("latin-1"))
    return p


def test_predict_file_not_utf8_is_named(cli, bad_utf8):
    res = cli("predict", "--file", str(bad_utf8))
    assert_one_line_error(res, str(bad_utf8))


def test_predict_text_that_names_a_file_predicts_the_text_and_says_how_to_read_the_file(cli, tmp_path):
    p = tmp_path / "article.txt"
    p.write_text("ไทยและแคนาดา\n", encoding="utf-8")
    res = cli("predict", "--compact", "article.txt", cwd=tmp_path)
    assert res.returncode == 0
    assert json.loads(res.stdout)["paragraphs"] == [{"start": 0, "end": 11, "sectors": []}]  # the 11 characters of the name
    assert "predict --file article.txt" in res.stderr
    res = cli("predict", "--compact", "--file", "article.txt", cwd=tmp_path)
    assert [e["id"] for e in json.loads(res.stdout)["entities"]] == ["TH", "CA"] and res.stderr == ""
    # a text far longer than any file name is only text (checking it as a path raised "File name too long")
    long_text = "ไทยและแคนาดา " * 100
    res = cli("predict", "--compact", long_text, cwd=tmp_path)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert len(json.loads(res.stdout)["entities"]) == 200


def test_predict_jsonl_file_not_utf8_is_named(cli, bad_utf8):
    res = cli("predict", "--jsonl", "--file", str(bad_utf8))
    assert_one_line_error(res, str(bad_utf8))


@pytest.mark.parametrize("args", [
    pytest.param(("predict", "--file", "{d}"), id="predict"),
    pytest.param(("validate", "{d}"), id="validate"),
    pytest.param(("evaluate", "{d}"), id="evaluate"),
    pytest.param(("convert", "--from", "conll", "{d}", "out.jsonl"), id="convert"),
])
def test_directory_instead_of_file_is_named(cli, tmp_path, args):
    d = tmp_path / "adir"
    d.mkdir()
    res = cli(*[a.format(d=d) for a in args])
    assert_one_line_error(res, str(d))


@pytest.mark.parametrize("flag", ["--json", "--markdown", "--html"])
def test_evaluate_report_path_in_a_missing_folder_is_named_before_evaluating(cli, tmp_path, flag):
    out = tmp_path / "no-such-dir" / "report"
    res = cli("evaluate", TINY, flag, str(out))
    assert_one_line_error(res, str(out))
    assert res.stdout == ""  # nothing was evaluated first
    res = cli("evaluate", TINY, flag, str(tmp_path))
    assert_one_line_error(res, "is a directory")


def test_jsonl_with_a_byte_order_mark_is_read(cli, tmp_path):
    src = tmp_path / "bom.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + Path(TINY).read_bytes())
    res = cli("validate", str(src))
    assert res.returncode == 0 and res.stdout.startswith("OK:"), res.stdout + res.stderr
    res = cli("predict", "--jsonl", input="\ufeff" + json.dumps({"text": "ไทยและแคนาดา"}, ensure_ascii=False) + "\n")
    assert res.returncode == 0, res.stderr
    assert [e["id"] for e in json.loads(res.stdout)["entities"]] == ["TH", "CA"]


def test_convert_to_unwritable_output_is_named(cli, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "แคนาดา", "label": [[0, 6, "COUNTRY"]]}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    out = tmp_path / "no-such-dir" / "out.jsonl"
    res = cli("convert", "--from", "doccano", str(src), str(out))
    assert_one_line_error(res, str(out))


def test_predict_with_missing_model_names_path_and_command(cli, tmp_path):
    where = tmp_path / "no-model"
    res = cli("predict", "--model", str(where), "ไทย")
    assert_one_line_error(res, str(where), "train")


def test_predict_with_tampered_model_names_the_file(cli, tiny_model_dir, tmp_path):
    d = Path(shutil.copytree(tiny_model_dir, tmp_path / "model"))
    p = d / "model.joblib"
    data = bytearray(p.read_bytes())
    data[100] ^= 0xFF
    p.write_bytes(bytes(data))
    res = cli("predict", "--model", str(d), "ไทย")
    assert_one_line_error(res, "model.joblib", "sha256")
    res = cli("predict", input="ไทย", env={"ASEANNER_MODEL": str(d)})
    assert_one_line_error(res, "model.joblib", "sha256")


# ---- --help and --version -------------------------------------------------------------
@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_each_subcommand_has_help(cli, sub):
    res = cli(sub, "--help")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("usage:") and f"aseanner {sub}" in res.stdout


def test_top_level_help_lists_subcommands(cli):
    res = cli("--help")
    assert res.returncode == 0 and res.stdout.startswith("usage:")
    for sub in SUBCOMMANDS:
        assert sub in res.stdout


def test_version(cli):
    res = cli("--version")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"aseanner {aseanner.__version__}"


# ---- predict --jsonl with bad lines ------------------------------------------------------
def test_predict_jsonl_invalid_json_line_is_named(cli):
    res = cli("predict", "--jsonl", input='{"text": "ไทย"}\n{"text": "แคนาดา"\n\n{"txt": "ญี่ปุ่น"}\n')
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2, res.stderr
    assert "<stdin>: line 2: invalid JSON" in lines[0]
    assert "<stdin>: line 4: expected an object with a string 'text'" in lines[1]
    assert res.stdout == ""  # nothing is predicted when any line is bad


def test_predict_jsonl_file_invalid_line_names_file_and_line(cli, tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text('{"text": "ไทย"}\n[1, 2\n', encoding="utf-8")
    res = cli("predict", "--jsonl", "--file", str(f))
    assert_one_line_error(res, str(f), "line 2", "invalid JSON")

"""The data contract: every validation error, located, with a fix; the validate command."""

import json

import pytest

from aseanner.data import DataError, read_jsonl, summarize, validate_files, validate_record, write_jsonl

GOOD = {"id": "d#0", "lang": "th", "text": "อาเซียน-แคนาดา หารือ", "sectors": ["health"],
        "entities": [{"start": 0, "end": 7, "label": "ORG", "id": "ASEAN"},
                     {"start": 8, "end": 14, "label": "COUNTRY", "id": "CA"}]}


def problems(**changes):
    rec = {**GOOD, **changes}
    return [(p.field, p.message, p.severity) for p in validate_record(rec)]


def test_good_record_has_no_problem():
    assert validate_record(GOOD) == []


@pytest.mark.parametrize("changes,field,needle", [
    ({"text": None}, "text", "missing or non-string text"),
    ({"text": 5}, "text", "non-string text (int)"),
    ({"lang": "en"}, "lang", "lang must be 'th' or 'km', got 'en'"),
    ({"sectors": ["helth"]}, "sectors", "did you mean 'health'"),
    ({"sectors": "health"}, "sectors", "must be a list"),
    ({"entities": [{"start": 0, "end": 99, "label": "ORG", "id": "ASEAN"}]}, "entities[0]", "out of range"),
    ({"entities": [{"start": 3, "end": 3, "label": "ORG", "id": None}]}, "entities[0]", "is empty"),
    ({"entities": [{"start": 5, "end": 2, "label": "ORG", "id": None}]}, "entities[0]", "is reversed"),
    ({"entities": [{"start": 8, "end": 15, "label": "COUNTRY", "id": "CA"}]}, "entities[0]", "starts or ends on whitespace"),
    ({"entities": [{"start": 0, "end": 7, "label": "NORP", "id": None}]}, "entities[0]", "unknown entity label 'NORP'"),
    ({"entities": [{"start": 8, "end": 14, "label": "COUNTRY"}]}, "entities[0]", "valid ISO 3166-1 alpha-2 id, got None"),
    ({"entities": [{"start": 8, "end": 14, "label": "COUNTRY", "id": "ca"}]}, "entities[0]", "got 'ca'"),
    ({"entities": [{"start": 8, "end": 14, "label": "COUNTRY", "id": "XX"}]}, "entities[0]", "got 'XX'"),
    ({"entities": [{"start": "0", "end": 7, "label": "ORG", "id": None}]}, "entities[0]", "must be integers"),
    ({"entities": [{"start": 0, "end": 7, "label": "PERSON", "id": "X"}]}, "entities[0]", "carry no id"),
])
def test_each_error(changes, field, needle):
    found = problems(**changes)
    assert any(f == field and needle in m and s == "error" for f, m, s in found), found


def test_overlapping_spans():
    found = problems(entities=[{"start": 0, "end": 9, "label": "ORG", "id": None},
                               {"start": 8, "end": 14, "label": "COUNTRY", "id": "CA"}])
    assert any("overlaps entities[0]" in m for _, m, _ in found)


def test_unknown_org_id_is_a_warning_not_an_error():
    found = problems(entities=[{"start": 0, "end": 7, "label": "ORG", "id": "NOT-AN-ORG"}])
    assert found == [("entities[0]", "ORG id 'NOT-AN-ORG' is not in the registry", "warning")]


def test_null_sectors_mean_unlabelled_and_are_valid():
    assert validate_record({**GOOD, "sectors": None}) == []


BROKEN = [
    b'{"id": "a#0", "lang": "th", "text": "\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2", "sectors": [], "entities": []}',
    b'{"id": "a#1", "lang": "xx", "text": "abc", "sectors": ["tradee"], "entities": []}',
    b'not json at all',
    b'{"id": "a#0", "lang": "th", "text": "abc", "sectors": [], "entities": []}',
    b'{"id": "a#3", "lang": "th", "text": "ab\xff", "sectors": [], "entities": []}',
    b'{"id": "a#4", "lang": "km", "sectors": [], "entities": [{"start": 0, "end": 1, "label": "X"}]}',
]


def test_broken_file_reports_every_problem_with_lines(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"\n".join(BROKEN) + b"\n")
    report = validate_files([path])
    where = sorted((p.line, p.field) for p in report.errors)
    assert where == [(2, "lang"), (2, "sectors"), (3, "line"), (4, "id"), (5, "line"), (6, "entities[0]"), (6, "text")]
    utf8 = next(p for p in report.errors if p.line == 5)
    assert "invalid UTF-8 at byte" in utf8.message and "re-save" in utf8.fix
    dup = next(p for p in report.errors if p.field == "id")
    assert "duplicate id, first at" in dup.message and dup.record_id == "a#0"
    assert str(report.errors[0]).startswith(f"{path}:2: [a#1] error: ")
    with pytest.raises(DataError, match="problem"):
        read_jsonl(path)


def test_cli_validate_broken_file_exit_1_one_line_per_problem(tmp_path, cli):
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"\n".join(BROKEN) + b"\n")
    res = cli("validate", str(path))
    assert res.returncode == 1
    lines = [l for l in res.stdout.splitlines() if l.strip()]
    assert len(lines) == 7 and all(l.startswith(str(path) + ":") for l in lines)
    assert "7 error(s)" in res.stderr


def test_cli_validate_seeds_gold_ok(cli):
    res = cli("validate", "seeds/gold.jsonl")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "OK: 54 records" in res.stdout and "'km': 17" in res.stdout and "'th': 37" in res.stdout


def test_write_read_round_trip(tmp_path):
    path = tmp_path / "x.jsonl"
    assert write_jsonl([GOOD, {**GOOD, "id": "d#1"}], path) == 2
    assert read_jsonl(path) == [GOOD, {**GOOD, "id": "d#1"}]
    assert summarize(read_jsonl(path)) == {"records": 2, "paragraphs_per_lang": {"th": 2},
                                           "sectors": {"health": 2}, "entities": {"COUNTRY": 2, "ORG": 2}}

"""Importers of aseanner.convert: doccano, Label Studio (JSON, JSON-MIN), Prodigy, CoNLL BIO."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from aseanner.convert import Dropped, check_mapping, convert, load_mapping
from aseanner.data import DataError, validate_record

# Thai: "Thailand and Canada discuss health cooperation with ASEAN in Bangkok" (62 code points).
T = "ไทยและแคนาดาหารือความร่วมมือด้านสาธารณสุขกับ ASEAN ที่กรุงเทพฯ"
# Khmer: "Cambodia and Japan discuss health in Phnom Penh" (49 code points).
K = "កម្ពុជា និង ជប៉ុន ពិភាក្សាអំពីសុខាភិបាល នៅភ្នំពេញ"

T_ENTS = [
    {"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"},
    {"start": 6, "end": 12, "label": "COUNTRY", "id": "CA"},
    {"start": 45, "end": 50, "label": "ORG", "id": "ASEAN"},
    {"start": 54, "end": 62, "label": "LOC"},
]
K_ENTS = [
    {"start": 0, "end": 7, "label": "COUNTRY", "id": "KH"},
    {"start": 12, "end": 17, "label": "COUNTRY", "id": "JP"},
    {"start": 42, "end": 49, "label": "LOC"},
]


def test_fixture_texts_are_multibyte_and_offsets_hold():
    assert len(T) == 62 and len(T.encode("utf-8")) > 2 * len(T)
    assert len(K) == 49 and len(K.encode("utf-8")) > 2 * len(K)
    assert [T[e["start"]:e["end"]] for e in T_ENTS] == ["ไทย", "แคนาดา", "ASEAN", "กรุงเทพฯ"]
    assert [K[e["start"]:e["end"]] for e in K_ENTS] == ["កម្ពុជា", "ជប៉ុន", "ភ្នំពេញ"]


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def jsonl(rows: list) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


def assert_valid(records: list[dict]) -> None:
    for rec in records:
        assert set(rec) == {"id", "lang", "text", "sectors", "entities"}
        errors = [p for p in validate_record(rec) if p.severity == "error"]
        assert errors == [], errors
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))


def whys(dropped: list[Dropped]) -> list[tuple[str, str, str]]:
    return [(d.where, d.what, d.why) for d in dropped]


# --------------------------------------------------------------------------- doccano


def test_doccano_sequence_labelling_and_entities(tmp_path):
    path = write(tmp_path, "news.jsonl", jsonl([
        {"text": T, "label": [[0, 3, "LOCATION"], [6, 12, "COUNTRY"], [45, 51, "ORGANIZATION"],
                              [54, 62, "LOCATION"], [32, 41, "TOPIC"]]},
        "",
        {"id": "k-1", "lang": "km", "text": K, "entities": [
            {"id": 5, "start_offset": 0, "end_offset": 7, "label": "COUNTRY"},
            {"id": 6, "start_offset": 12, "end_offset": 17, "label": "LOCATION"},
            {"id": 7, "start_offset": 42, "end_offset": 49, "label": "LOC"}], "relations": []},
    ]))
    records, dropped = convert("doccano", path)
    assert records == [
        {"id": "news#1", "lang": "th", "text": T, "sectors": None, "entities": T_ENTS},
        {"id": "k-1", "lang": "km", "text": K, "sectors": None, "entities": K_ENTS},
    ]
    assert whys(dropped) == [("news.jsonl:1", "span [32, 41) 'สาธารณสุข' labelled 'TOPIC'",
                              "unknown entity label 'TOPIC'; map it to one of COUNTRY, ORG, PERSON, LOC in the "
                              "mapping's \"labels\" (or to null to drop it on purpose)")]
    assert_valid(records)


def test_doccano_classification_sectors_with_mapping(tmp_path):
    path = write(tmp_path, "cls.jsonl", jsonl([
        {"id": 7, "text": T, "label": ["health", "economy", "Tourism"]},
        {"id": 8, "text": K, "label": ["weather"]},
        {"text": "ASEAN", "label": [[0, 5, "ORG"]]},
    ]))
    records, dropped = convert("doccano", path, {"sectors": {"economy": "trade_investment"}})
    assert [(r["id"], r["lang"], r["sectors"], r["entities"]) for r in records] == [
        ("7", "th", ["trade_investment", "tourism", "health"], []),
        ("8", "km", [], []),
        ("cls#3", "th", [], [{"start": 0, "end": 5, "label": "ORG", "id": "ASEAN"}]),
    ]
    assert len(dropped) == 1
    assert dropped[0].where == "cls.jsonl:2" and dropped[0].what == "sector 'weather'"
    assert_valid(records)


def test_doccano_cats_and_json_list(tmp_path):
    path = write(tmp_path, "export.json", json.dumps([
        {"id": 1, "text": K, "entities": [{"start_offset": 12, "end_offset": 17, "label": "COUNTRY"}],
         "cats": ["health", "tourism"]},
        {"text": T, "cats": {"health": 0.9, "energy": 0.1, "tourism": True}},
    ], ensure_ascii=False, indent=1))
    records, dropped = convert("doccano", path)
    assert records == [{"id": "1", "lang": "km", "text": K, "sectors": ["tourism", "health"],
                        "entities": [{"start": 12, "end": 17, "label": "COUNTRY", "id": "JP"}]},
                       {"id": "export#2", "lang": "th", "text": T, "sectors": ["tourism", "health"], "entities": []}]
    assert dropped == []
    assert_valid(records)


def test_doccano_malformed_raises_with_lines(tmp_path):
    path = write(tmp_path, "bad.jsonl", jsonl([
        {"text": T, "label": []},
        '{"text": "ไทย",',
        {"id": "a", "label": []},
        "[1, 2]",
    ]))
    with pytest.raises(DataError) as info:
        convert("doccano", path)
    problems = info.value.problems
    assert [(p.line, p.field) for p in problems] == [(2, "line"), (3, "text"), (4, "record")]
    assert "invalid JSON" in problems[0].message and problems[0].fix
    assert problems[1].message == "missing text (string fields present: id)" and problems[1].record_id == "a"
    assert "bad.jsonl:2:" in str(info.value) and "bad.jsonl:3:" in str(info.value)


def test_span_checks_strip_overlap_range_registry(tmp_path):
    path = write(tmp_path, "spans.jsonl", jsonl([{"id": "s", "text": T, "label": [
        [0, 3, "COUNTRY"],
        [1, 5, "LOC"],          # overlaps the first
        [44, 51, "ORG"],        # " ASEAN " -> stripped to [45, 50)
        [60, 70, "LOC"],        # out of range
        [3, 3, "ORG"],          # empty
        ["a", 5, "ORG"],        # not an integer
        [12, 17, "COUNTRY"],    # หารือ: no ISO id in the registry
        [17, 28, "ORG"],        # ความร่วมมือ: ORG unknown to the registry -> id None
        [45, 50, "PERSON"],     # duplicate offsets of the ORG span
    ]}]))
    records, dropped = convert("doccano", path)
    assert records[0]["entities"] == [
        {"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"},
        {"start": 17, "end": 28, "label": "ORG", "id": None},
        {"start": 45, "end": 50, "label": "ORG", "id": "ASEAN"},
    ]
    got = {d.what: d.why for d in dropped}
    assert len(dropped) == 6
    assert got["span [1, 5) 'ทยแล' labelled 'LOC'"] == "overlaps the COUNTRY span [0, 3) 'ไทย'; spans are flat"
    assert got["span [60, 70) labelled 'LOC'"] == "out of range for text of length 62"
    assert got["span [3, 3) labelled 'ORG'"] == "empty or reversed span"
    assert got["span ['a', 5) labelled 'ORG'"] == "start/end must be integer offsets"
    assert "no country named 'หารือ'" in got["span [12, 17) 'หารือ' labelled 'COUNTRY'"]
    assert got["span [45, 50) 'ASEAN' labelled 'PERSON'"].startswith("duplicates the ORG span [45, 50)")
    assert all(d.where == "spans.jsonl:1" for d in dropped)
    assert_valid(records)


def test_country_classifier_word_moves_out_of_span(tmp_path):
    text = "ประเทศไทยและประเทศญี่ปุ่น"
    path = write(tmp_path, "cls.jsonl", jsonl([{"id": "c", "text": text,
                                                "label": [[0, 9, "LOCATION"], [12, 25, "COUNTRY"]]}]))
    records, dropped = convert("doccano", path)
    assert records[0]["entities"] == [{"start": 6, "end": 9, "label": "COUNTRY", "id": "TH"},
                                      {"start": 18, "end": 25, "label": "COUNTRY", "id": "JP"}]
    assert dropped == []
    assert_valid(records)


def test_duplicate_ids_are_dropped(tmp_path):
    path = write(tmp_path, "dup.jsonl", jsonl([{"id": "x", "text": T, "label": []},
                                               {"id": "x", "text": K, "label": []}]))
    records, dropped = convert("doccano", path)
    assert [r["text"] for r in records] == [T]
    assert whys(dropped) == [("dup.jsonl:2", "record 'x'", "duplicate id, first at dup.jsonl:1; give records unique ids")]


# --------------------------------------------------------------------------- mapping


MAPPING = {"labels": {"NATION": "COUNTRY", "AGENCY": "ORG", "PLACE": "LOC", "EVENT": None},
           "sectors": {"economy": "trade_investment"}}


def test_mapping_renames_labels(tmp_path):
    path = write(tmp_path, "m.jsonl", jsonl([{"id": "m", "text": T, "label": [
        [0, 3, "NATION"], [6, 12, "nation"], [45, 50, "AGENCY"], [54, 62, "PLACE"], [12, 17, "EVENT"], "economy"]}]))
    mapping_file = write(tmp_path, "mapping.json", json.dumps(MAPPING))
    for mapping in (MAPPING, str(mapping_file)):
        records, dropped = convert("doccano", path, mapping)
        assert records == [{"id": "m", "lang": "th", "text": T, "sectors": ["trade_investment"], "entities": T_ENTS}]
        assert whys(dropped) == [("m.jsonl:1", "span [12, 17) 'หารือ' labelled 'EVENT'",
                                  "label 'EVENT' is mapped to null")]
        assert_valid(records)
    # Without the mapping the same labels are unknown and reported, never silently lost.
    records, dropped = convert("doccano", path)
    assert records[0]["entities"] == [] and records[0]["sectors"] == []
    assert len(dropped) == 6 and all("unknown" in d.why for d in dropped)


def test_invalid_mapping_raises():
    with pytest.raises(DataError) as info:
        check_mapping({"label": {}, "labels": {"X": "ORGANISATION"}, "sectors": {"e": "economy"}})
    fields = [p.field for p in info.value.problems]
    assert fields == ["label", "labels.X", "sectors.e"]
    assert info.value.problems[0].fix == "use 'labels'"
    assert info.value.problems[1].fix == "use 'ORG'"


def test_load_mapping_invalid_json(tmp_path):
    path = write(tmp_path, "map.json", '{\n  "labels": {"A": "ORG",}\n}')
    with pytest.raises(DataError) as info:
        load_mapping(path)
    assert info.value.problems[0].line == 2


# --------------------------------------------------------------------------- Label Studio JSON


def ls_span(start, end, text, label):
    return {"value": {"start": start, "end": end, "text": text, "labels": [label]},
            "from_name": "label", "to_name": "text", "type": "labels"}


def ls_choices(*choices):
    return {"value": {"choices": list(choices)}, "from_name": "sector", "to_name": "text", "type": "choices"}


LS_TASKS = [
    {"id": 1, "data": {"text": T}, "annotations": [
        {"id": 10, "was_cancelled": True, "result": [ls_span(0, 3, "ไทย", "PERSON")]},
        {"id": 11, "was_cancelled": False, "result": [
            ls_span(0, 3, "ไทย", "COUNTRY"), ls_span(6, 12, "แคนาดา", "LOCATION"), ls_span(45, 50, "ASEAN", "ORG"),
            ls_span(54, 62, "กรุงเทพฯ", "LOC"), ls_choices("health", "tourism"),
            {"value": {"text": ["note"]}, "from_name": "notes", "to_name": "text", "type": "textarea"}]},
        {"id": 12, "result": [ls_span(0, 3, "ไทย", "ORG")]},
    ]},
    {"id": 2, "data": {"text": K, "lang": "km"}, "annotations": [{"id": 20, "result": [
        ls_span(0, 7, "កម្ពុជា", "COUNTRY"), ls_span(12, 17, "ថៃ", "COUNTRY"), ls_span(42, 49, "ភ្នំពេញ", "LOC")]}]},
    {"id": 3, "data": {"text": "ASEAN"}, "annotations": [{"id": 30, "was_cancelled": True, "result": []}]},
]


def test_labelstudio_json(tmp_path):
    path = write(tmp_path, "ls.json", json.dumps(LS_TASKS, ensure_ascii=False))
    records, dropped = convert("labelstudio", path)
    assert records == [
        {"id": "1", "lang": "th", "text": T, "sectors": ["tourism", "health"], "entities": T_ENTS},
        {"id": "2", "lang": "km", "text": K, "sectors": [],
         "entities": [K_ENTS[0], K_ENTS[2]]},
    ]
    assert whys(dropped) == [
        ("ls.json:1 (item 1)", "annotation 10", "was_cancelled is true (skipped)"),
        ("ls.json:1 (item 1)", "annotation 12", "only the first annotation that was not cancelled is used"),
        ("ls.json:1 (item 1)", "result[5] of type 'textarea'", "only labels and choices results are converted"),
        ("ls.json:1 (item 3)", "annotation 30", "was_cancelled is true (skipped)"),
        ("ls.json:1 (item 3)", "task '3'", "it has no annotation that was not cancelled"),
        ("ls.json:1 (item 2)", "span [12, 17) 'ជប៉ុន' labelled 'COUNTRY'",
         "the source gives the span text 'ថៃ' but text[12:17] is 'ជប៉ុន'"),
    ]
    assert_valid(records)


def test_labelstudio_cancelled_annotation_is_skipped(tmp_path):
    task = {"id": 9, "data": {"text": T}, "annotations": [
        {"id": 1, "was_cancelled": True, "result": [ls_span(0, 3, "ไทย", "COUNTRY"), ls_choices("energy")]},
        {"id": 2, "was_cancelled": False, "result": [ls_span(6, 12, "แคนาดา", "COUNTRY")]}]}
    path = write(tmp_path, "one.json", json.dumps([task], ensure_ascii=False, indent=2))
    records, dropped = convert("label-studio", path)
    assert records[0]["entities"] == [{"start": 6, "end": 12, "label": "COUNTRY", "id": "CA"}]
    assert records[0]["sectors"] is None  # the only choices were in the cancelled annotation
    assert [d.what for d in dropped] == ["annotation 1"] and dropped[0].where == "one.json:2 (item 1)"
    assert_valid(records)


def test_labelstudio_utf16_offsets_are_converted(tmp_path):
    text = "🇹🇭 ไทย กับ ASEAN"  # the flag is two code points outside the BMP: 4 UTF-16 units
    task = {"id": 1, "data": {"text": text}, "annotations": [{"id": 1, "result": [
        ls_span(5, 8, "ไทย", "COUNTRY"), ls_span(13, 18, "ASEAN", "ORG")]}]}
    path = write(tmp_path, "emoji.json", json.dumps([task], ensure_ascii=False))
    records, dropped = convert("labelstudio", path)
    assert records[0]["entities"] == [{"start": 3, "end": 6, "label": "COUNTRY", "id": "TH"},
                                      {"start": 11, "end": 16, "label": "ORG", "id": "ASEAN"}]
    assert dropped == []
    assert_valid(records)


def test_labelstudio_malformed(tmp_path):
    wrong_type = write(tmp_path, "obj.json", json.dumps({"data": {"text": T}}, ensure_ascii=False))
    with pytest.raises(DataError) as info:
        convert("labelstudio", wrong_type)
    assert info.value.problems[0].line == 1
    assert "top level is a JSON dict, expected a list" in info.value.problems[0].message
    assert "JSON-MIN" in info.value.problems[0].fix

    no_text = write(tmp_path, "notext.json", '[\n {"id": 1, "data": {"text": "ไทย"}, "annotations": []},\n'
                                             ' {"id": 2, "data": {"title": "x"}, "annotations": []}\n]\n')
    with pytest.raises(DataError) as info:
        convert("labelstudio", no_text)
    (problem,) = info.value.problems
    assert (problem.line, problem.field, problem.record_id) == (3, "data.text", "2")
    assert problem.message == "missing text (string fields present: title)"
    assert "notext.json:3:" in str(info.value)

    broken = write(tmp_path, "broken.json", '[\n {"id": 1,\n  "data": {"text": "ไทย"}\n')
    with pytest.raises(DataError) as info:
        convert("labelstudio", broken)
    assert info.value.problems[0].line == 4 and "invalid JSON" in info.value.problems[0].message


# --------------------------------------------------------------------------- Label Studio JSON-MIN


def test_labelstudio_json_min_choice_string_vs_dict(tmp_path):
    rows = [
        {"id": 1, "text": T, "ner": [{"start": 0, "end": 3, "text": "ไทย", "labels": ["COUNTRY"]},
                                     {"start": 45, "end": 50, "text": "ASEAN", "labels": ["ORG"]}],
         "sector": "health", "annotator": 1, "annotation_id": 5, "created_at": "2024-01-01T00:00:00Z",
         "lead_time": 3.5},
        {"id": 2, "text": K, "ner": [{"start": 12, "end": 17, "text": "ជប៉ុន", "labels": ["COUNTRY"]}],
         "sector": {"choices": ["health", "tourism"]}, "annotator": 1, "annotation_id": 6,
         "created_at": "2024-01-01T00:00:00Z", "lead_time": 1.0},
        {"id": 3, "text": "ASEAN", "note": "checked"},
    ]
    path = write(tmp_path, "min.json", json.dumps(rows, ensure_ascii=False, indent=1))
    records, dropped = convert("labelstudio", path)
    assert records == [
        {"id": "1", "lang": "th", "text": T, "sectors": ["health"],
         "entities": [T_ENTS[0], T_ENTS[2]]},
        {"id": "2", "lang": "km", "text": K, "sectors": ["tourism", "health"], "entities": [K_ENTS[1]]},
        {"id": "3", "lang": "th", "text": "ASEAN", "sectors": [], "entities": []},
    ]
    assert len(dropped) == 1 and dropped[0].what == "field 'note' (e.g. 'checked')"
    assert_valid(records)


def test_labelstudio_json_min_named_fields_and_mapping(tmp_path):
    rows = [{"id": 1, "body": T, "spans": [{"start": 6, "end": 12, "text": "แคนาดา", "labels": ["NATION"]}],
             "topic": "economy"},
            {"id": 2, "body": T, "spans": [], "topic": {"choices": ["economy", "health"]}}]
    path = write(tmp_path, "min2.json", json.dumps(rows, ensure_ascii=False))
    records, dropped = convert("labelstudio", path, MAPPING, text_field="body")
    assert [(r["sectors"], r["entities"]) for r in records] == [
        (["trade_investment"], [{"start": 6, "end": 12, "label": "COUNTRY", "id": "CA"}]),
        (["trade_investment", "health"], []),
    ]
    assert dropped == []
    assert_valid(records)
    # Named explicitly but without the mapping: the values are reported as unknown sectors.
    records, dropped = convert("labelstudio", path, None, text_field="body", spans_field="spans",
                               choices_field="topic")
    assert [r["sectors"] for r in records] == [[], ["health"]]
    assert sorted(d.what for d in dropped) == ["sector 'economy'", "sector 'economy'", "span [6, 12) 'แคนาดา' "
                                                                                       "labelled 'NATION'"]


# --------------------------------------------------------------------------- Prodigy


def test_prodigy(tmp_path):
    path = write(tmp_path, "prodigy.jsonl", jsonl([
        {"text": T, "meta": {"id": "p-1"}, "_input_hash": 1, "answer": "accept", "accept": ["health", "tourism"],
         "options": [{"id": "health", "text": "Health"}, {"id": "tourism", "text": "Tourism"}],
         "spans": [{"start": 0, "end": 3, "label": "COUNTRY", "text": "ไทย", "token_start": 0, "token_end": 0},
                   {"start": 6, "end": 12, "label": "LOCATION"}]},
        {"text": K, "_input_hash": 7, "answer": "reject", "spans": [], "accept": []},
        {"text": K, "_input_hash": 8, "answer": "ignore", "spans": [], "accept": []},
        {"text": K, "_input_hash": 2, "answer": "accept", "accept": [],
         "spans": [{"start": 0, "end": 7, "label": "COUNTRY", "text": "កម្ពុជា"},
                   {"start": 12, "end": 17, "label": "COUNTRY", "text": "ចិន"}]},
        {"text": T, "_input_hash": 1, "answer": "accept", "accept": ["energy"], "spans": []},
    ]))
    records, dropped = convert("prodigy", path)
    assert records == [
        {"id": "p-1", "lang": "th", "text": T, "sectors": ["tourism", "health"], "entities": T_ENTS[:2]},
        {"id": "prodigy#4", "lang": "km", "text": K, "sectors": [], "entities": [K_ENTS[0]]},
    ]
    assert whys(dropped) == [
        ("prodigy.jsonl:2", "task 'prodigy#2'", "answer is 'reject'; only accepted tasks are kept"),
        ("prodigy.jsonl:3", "task 'prodigy#3'", "answer is 'ignore'; only accepted tasks are kept"),
        ("prodigy.jsonl:4", "span [12, 17) 'ជប៉ុន' labelled 'COUNTRY'",
         "the source gives the span text 'ចិន' but text[12:17] is 'ជប៉ុន'"),
        ("prodigy.jsonl:5", "record 'prodigy#5'", "the same input was already converted at prodigy.jsonl:1"),
    ]
    assert_valid(records)


def test_prodigy_malformed(tmp_path):
    path = write(tmp_path, "bad.jsonl", jsonl([{"text": T, "answer": "accept"}, {"answer": "accept", "spans": []}]))
    with pytest.raises(DataError) as info:
        convert("prodigy", path)
    assert [(p.line, p.field) for p in info.value.problems] == [(2, "text")]
    assert "bad.jsonl:2:" in str(info.value)


# --------------------------------------------------------------------------- CoNLL


THAINER = [
    "-DOCSTART-\tO",           # 1
    "",                        # 2
    "# a comment line",        # 3
    "ไทย\tB-LOCATION",         # 4  sentence 1 (ThaiNER 1.3 style: spaces are tokens)
    "และ\tO",
    "แคนาดา\tB-LOCATION",
    "หารือ\tO",
    "ความร่วมมือ\tO",
    "ด้าน\tO",
    "สาธารณสุข\tO",
    "กับ\tO",
    " \tO",
    "ASEAN\tB-ORGANIZATION",
    " \tO",
    "ที่\tO",
    "กรุงเทพ\tB-LOCATION",
    "ฯ\tI-LOCATION",
    " \tO",                    # 18 trailing space token: dropped from the sentence
    "",                        # 19
    "EU\tNNP\tB-ORGANIZATION",  # 20 sentence 2: Latin, three columns
    "meets\tVBZ\tO",
    "Japan\tNNP\tB-LOCATION",
    "in\tIN\tO",
    "Jakarta\tNNP\tB-LOCATION",
    "today\tNN\tB-DATE",
    "",                        # 26
    "",
    "កម្ពុជា\tB-LOCATION",      # 28 sentence 3: Khmer without space tokens
    "និង\tO",
    "ជប៉ុន\tB-LOCATION",
]


def test_conll_thainer(tmp_path):
    path = write(tmp_path, "thainer.conll", "\n".join(THAINER) + "\n")
    records, dropped = convert("conll", path)
    assert records == [
        {"id": "thainer#4", "lang": "th", "text": T, "sectors": None, "entities": T_ENTS},
        {"id": "thainer#20", "lang": "th", "text": "EU meets Japan in Jakarta today", "sectors": None,
         "entities": [{"start": 0, "end": 2, "label": "ORG", "id": "EU"},
                      {"start": 9, "end": 14, "label": "COUNTRY", "id": "JP"},
                      {"start": 18, "end": 25, "label": "LOC"}]},
        {"id": "thainer#28", "lang": "km", "text": "កម្ពុជានិងជប៉ុន", "sectors": None,
         "entities": [{"start": 0, "end": 7, "label": "COUNTRY", "id": "KH"},
                      {"start": 10, "end": 15, "label": "COUNTRY", "id": "JP"}]},
    ]
    assert whys(dropped) == [("thainer.conll:20", "span [26, 31) 'today' labelled 'DATE'",
                              "unknown entity label 'DATE'; map it to one of COUNTRY, ORG, PERSON, LOC in the "
                              "mapping's \"labels\" (or to null to drop it on purpose)")]
    assert_valid(records)


def test_conll_space_separated_with_space_token_and_mapping(tmp_path):
    path = write(tmp_path, "sp.txt", "ASEAN B-AGENCY\n  O\nแคนาดา B-NATION\nกับ O\nนาย O\nสมชาย B-PER\nใจดี I-PER\n")
    records, dropped = convert("conll", path, MAPPING)
    assert records == [{"id": "sp#1", "lang": "th", "text": "ASEAN แคนาดากับนายสมชายใจดี", "sectors": None,
                        "entities": [{"start": 0, "end": 5, "label": "ORG", "id": "ASEAN"},
                                     {"start": 6, "end": 12, "label": "COUNTRY", "id": "CA"},
                                     {"start": 18, "end": 27, "label": "PERSON"}]}]
    assert dropped == []
    assert_valid(records)


def test_conll_malformed(tmp_path):
    path = write(tmp_path, "bad.conll", "ไทย\tB-LOCATION\nแคนาดา\n\nASEAN\tB_ORG\n")
    with pytest.raises(DataError) as info:
        convert("conll", path)
    assert [(p.line, p.field) for p in info.value.problems] == [(2, "line"), (4, "tag")]
    assert "bad.conll:2:" in str(info.value) and "token<TAB>tag" in info.value.problems[0].fix


# --------------------------------------------------------------------------- API


def test_dropped_is_frozen_and_printable():
    d = Dropped("f.jsonl:3", "sector 'x'", "unknown")
    assert str(d) == "f.jsonl:3: sector 'x': unknown"
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.why = "other"  # type: ignore[misc]


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="did you mean 'conll'"):
        convert("connl", tmp_path / "x")
    with pytest.raises(DataError) as info:
        convert("prodigy", tmp_path / "missing.jsonl")
    assert info.value.problems[0].message == "file not found"

"""Normalised view and offset map, paragraphs, language by script."""

import unicodedata

import pytest

from aseanner.text import detect_lang, normalize, paragraphs


@pytest.mark.parametrize("text", [
    "ក\u200bម្ពុជា",                  # zero-width space inside a Khmer word
    "\ufeffอาเซียน\u200d-แคนาดา",     # BOM and zero-width joiner
    "ASEAN\u00a0กับ\u2009Canada",      # unusual spaces
    unicodedata.normalize("NFD", "Café ผู้นำ"),  # decomposed Latin
    "ก\u0e48\u0e38",                   # Thai marks in non-canonical order (NFC reorders them)
])
def test_view_maps_every_character_back(text):
    nt = normalize(text)
    assert "\u200b" not in nt.text and "\ufeff" not in nt.text
    assert unicodedata.is_normalized("NFC", nt.text)
    for i in range(len(nt.text)):
        a, b = nt.to_original(i, i + 1)
        assert 0 <= a < b <= len(text)
    a, b = nt.to_original(0, len(nt.text))
    assert text[a:b].strip("\ufeff\u200b\u200d") == text.strip("\ufeff\u200b\u200d")


def test_span_in_view_points_at_original_characters():
    text = "ประเทศ\u200bแคน\u200bาดา และ"
    nt = normalize(text)
    s = nt.text.index("แคนาดา")
    a, b = nt.to_original(s, s + len("แคนาดา"))
    assert text[a:b] == "แคน\u200bาดา"
    assert nt.to_view(a, b) == (s, s + 6)


def test_composed_character_covers_its_whole_cluster():
    text = "xe\u0301y"
    nt = normalize(text)
    assert nt.text == "x\u00e9y"
    assert nt.to_original(1, 2) == (1, 3)


def test_identity_when_nothing_to_normalise():
    nt = normalize("อาเซียน ASEAN")
    assert nt.starts is None and nt.text == "อาเซียน ASEAN"


def test_paragraphs_are_non_blank_lines_with_offsets():
    text = "หัวข้อ\r\n\n   \nย่อหน้า สอง\n"
    spans = paragraphs(text)
    assert [text[p.start:p.end] for p in spans] == ["หัวข้อ", "ย่อหน้า สอง"]


@pytest.mark.parametrize("text,expected", [("อาเซียน", "th"), ("អាស៊ាន", "km"), ("ASEAN ក ข ค", "th"), ("", "th")])
def test_detect_lang(text, expected):
    assert detect_lang(text) == expected

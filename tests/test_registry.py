"""Canonical ids in three scripts, normal forms, extension by users."""

import unicodedata
from pathlib import Path

import pytest

from aseanner.gazetteer import Gazetteer, default_gazetteer
from aseanner.registry import Entry, Registry, default_registry, lookup


@pytest.mark.parametrize("name,cid", [
    ("สหรัฐฯ", "US"), ("อเมริกา", "US"), ("สหรัฐอเมริกา", "US"),
    ("សហរដ្ឋអាមេរិក", "US"), ("សហរដ្ឋ\u200bអាមេរិក", "US"),
    ("United States", "US"), ("Economic Cooperation Organization", "ECO"),
    ("ยูเอสเอด", "USAID"), ("USAID", "USAID"), ("UCLG ASPAC", "UCLG-ASPAC"),
    ("แคนาดา", "CA"), ("កាណាដា", "CA"), ("Canada", "CA"),
    ("อาเซียน", "ASEAN"), ("អាស៊ាន", "ASEAN"), ("ASEAN Secretariat", "ASEAN"),
    ("ราชอาณาจักรกัมพูชา", "KH"), ("ព្រះរាជាណាចក្រកម្ពុជា", "KH"), ("สาธารณรัฐเกาหลี", "KR"),
    # ASEAN's own bodies take the id ASEAN (guide, section 4)
    ("คณะกรรมาธิการระหว่างรัฐบาลอาเซียนว่าด้วยสิทธิมนุษยชน", "ASEAN"), ("AICHR", "ASEAN"),
    ("មជ្ឈមណ្ឌលអាស៊ានសម្រាប់ថាមពល", "ASEAN"), ("ASEAN Centre for Energy", "ASEAN"),
])
def test_lookup_three_scripts(name, cid):
    assert lookup(name) == cid


def test_lookup_ignores_case_spacing_dashes_and_normal_form():
    assert lookup("economic  cooperation organization") == "ECO"
    assert lookup("uclg\u2013aspac") == "UCLG-ASPAC"
    assert lookup(unicodedata.normalize("NFD", "Côte d'Ivoire")) == lookup("Côte d'Ivoire") == "CI"


def test_asean_bodies_are_asean_and_never_partners():
    from aseanner.taxonomy import is_partner
    bodies = [e for e in default_registry().entries if e.id == "ASEAN"]
    assert len(bodies) > 100 and {e.lang for e in bodies} == {"en", "th", "km"}
    assert not any(is_partner(e.id) for e in bodies)


def test_unknown_and_generic_names_have_no_id():
    assert lookup("ประเทศสมาชิก") is None
    assert lookup("อาเซียนพลัส") is None


def test_every_iso_country_has_en_th_km_names():
    reg = default_registry()
    for cid in ("AZ", "CU", "ZA", "TL", "NZ"):
        langs = {e.lang for e in reg.entries if e.id == cid}
        assert {"en", "th", "km"} <= langs, cid


def test_users_extend_the_registry_with_a_tsv(tmp_path):
    extra = tmp_path / "mine.tsv"
    extra.write_text("id\ttype\tlang\tname\nMEKONG-INST\tORG\tth\tสถาบันแม่โขง\n", encoding="utf-8")
    from aseanner.resources import resource_path
    reg = Registry.from_tsv([resource_path("registry.tsv"), extra])
    assert reg.lookup("สถาบันแม่โขง") == "MEKONG-INST"
    assert reg.type_of("MEKONG-INST") == "ORG"
    assert reg.lookup("สหรัฐฯ") == "US"


def test_registry_tsv_columns_follow_the_header_and_bad_rows_say_where(tmp_path):
    good = tmp_path / "good.tsv"
    good.write_text("# mine\nname\tlang\ttype\tid\nสถาบันแม่โขง\tth\tORG\tMEKONG-INST\n\nยุโรป\tth\tLOC\t\n",
                    encoding="utf-8")
    reg = Registry.from_tsv([good])
    assert [(e.id, e.type, e.lang, e.name) for e in reg.entries] == [
        ("MEKONG-INST", "ORG", "th", "สถาบันแม่โขง"), ("", "LOC", "th", "ยุโรป")]
    short = tmp_path / "short.tsv"
    short.write_text("id\ttype\tlang\tname\nCA\tCOUNTRY\tth\tแคนาดา\nUS COUNTRY th สหรัฐฯ\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"short.tsv, line 3: expected 4 tab-separated fields .* got 1"):
        Registry.from_tsv([short])
    headless = tmp_path / "headless.tsv"
    headless.write_text("CA\tCOUNTRY\tth\tแคนาดา\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header line must name the columns id, type, lang and name"):
        Registry.from_tsv([headless])


def test_bad_registry_type_is_an_error():
    with pytest.raises(ValueError, match="type must be one of"):
        Registry([Entry("X", "CITY", "en", "Xville")])


def test_gazetteer_splits_compounds_and_respects_clusters():
    g = default_gazetteer()
    found = [(s, e, x.id) for s, e, x in g.find("อาเซียน-แคนาดา")]
    assert found == [(0, 7, "ASEAN"), (8, 14, "CA")]
    # ลาว inside คลาวด์ ("cloud") ends before a silenced consonant: not a name
    assert not [x for x in g.find("คลาวด์") if x[2].id == "LA"]


def test_gazetteer_latin_needs_word_boundaries():
    reg = Registry([Entry("US", "COUNTRY", "en", "US")])
    g = Gazetteer(reg)
    assert [m[:2] for m in g.find("US and USB")] == [(0, 2)]


def test_person_names_are_registry_entries_without_ids():
    reg = Registry([Entry("", "PERSON", "km", "ហ៊ុន សែន"), Entry("KH", "COUNTRY", "km", "កម្ពុជា")])
    found = [(s, e, x.type) for s, e, x in Gazetteer(reg).find("លោកហ៊ុន សែនមកពីកម្ពុជា")]
    assert found == [(3, 11, "PERSON"), (15, 22, "COUNTRY")]
    assert reg.lookup("ហ៊ុន សែន") is None  # people are never linked


def test_bundled_registry_names_match_normalised_text():
    # a U+200B inside a name would never match: the text searched is a normalised view
    from aseanner.text import clean

    bad = [e.name for e in default_registry().entries if clean(e.name) != e.name]
    assert bad == []
    assert not any(e.name == "ពិភពលោក" for e in default_registry().entries)  # "world" is no entity


def test_gazetteer_among_equals_find_on_lexicon_matches():
    from aseanner.tokenizer import Tokenizer
    from pathlib import Path

    reg = Registry([Entry("CA", "COUNTRY", "th", "แคนาดา"), Entry("EU", "ORG", "en", "EU"),
                    Entry("ASEAN", "ORG", "th", "อาเซียน")])
    tok_bytes = (Path(__file__).parents[1] / "training" / "tokenizer" / "aseanner-sp.model").read_bytes()
    tok = Tokenizer(tok_bytes, [e.name for e in reg.entries] + ["ประเทศ"])
    g = Gazetteer(reg)
    for text in ("อาเซียน-แคนาดา และ EU กับ EUROPE", "ประเทศแคนาดาEU", "คลาวด์ ลาว"):
        assert g.among(text, tok.lexicon_spans(text)) == g.find(text)


def test_check_names_keeps_names_real_text_uses_or_long_ones(tmp_path, capsys):
    import json
    import lzma
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "training"))
    import check_names

    counts = check_names.count_names(["ABA", "ABA Bank", "ធនាគារ"], ["ABA Bank and ABAX", "ធនាគារជាតិ ABA"])
    # leftmost-longest; a Latin name only as a whole word; Khmer and Thai names anywhere
    assert counts == {"ABA Bank": 1, "ABA": 1, "ធនាគារ": 1}

    corpora = tmp_path / "corpora"
    corpora.mkdir()
    texts = {"khmer-news-2019.jsonl.xz": [json.dumps({"text": "ធនាគារ\u200bតេស្តសាកល្បង បានប្រកាស"})],
             "khmer-sentences-rdlab.txt.xz": ["កាលពីម្សិលមិញ"],
             "thaigov-asean-2020-2024.jsonl.xz": [json.dumps({"text": "กรมทดสอบสมมุติ แถลง"})],
             "thaigov-sample-2020-2024.jsonl.xz": [json.dumps({"text": None})]}
    for name, lines in texts.items():
        with lzma.open(corpora / name, "wt", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    cand = tmp_path / "cand.tsv"
    cand.write_text("\tkm\tធនាគារតេស្តសាកល្បង\n\tth\tกรมทดสอบสมมุติ\n\tth\tกรมที่ไม่มีในข่าว\n"
                    "\tth\tสำนักงานที่ไม่มีในข่าวแต่ชื่อยาว\n\tth\tแคนาดา\n\tkm\tធនាគារតេស្តសាកល្បង\nbad\n", encoding="utf-8")
    assert check_names.main([str(cand), "--corpora", str(corpora), "--keep-long", "20"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["\tkm\tធនាគារតេស្តសាកល្បង", "\tth\tกรมทดสอบสมมุติ", "\tth\tสำนักงานที่ไม่มีในข่าวแต่ชื่อยาว"]
    assert "1 not in the corpora, 1 already in the registry, 1 duplicates, 1 malformed" in err

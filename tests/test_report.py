"""aseanner.report: text table, JSON, Markdown and self-contained HTML from an evaluation result.

The results are built from tiny hand-made gold/prediction records (no model),
with None values, Thai/Khmer snippets and characters that need escaping.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from aseanner import report
from aseanner.evaluate import error_lists, score_predictions
from aseanner.taxonomy import ENTITY_LABELS, SECTOR_IDS

# "Thailand <b>&</b> Canada | Khmer: Cambodia" with markup-like and Markdown-special characters
T = 'ไทย <script>alert("x")</script> & แคนาดา | ความร่วมมือด้านสาธารณสุข *ด่วน* [link](javascript:x)'
K = "កម្ពុជា និង ជប៉ុន ពិភាក្សាអំពីសុខាភិបាល"
GOLD = [
    {"id": "a#0", "lang": "th", "text": T, "sectors": ["health"], "entities": [
        {"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"},
        {"start": T.index("แคนาดา"), "end": T.index("แคนาดา") + 6, "label": "COUNTRY", "id": "CA"}]},
    {"id": "b#0", "lang": "km", "text": K, "sectors": [], "entities": [
        {"start": 0, "end": 7, "label": "COUNTRY", "id": "KH"}]},
]
PRED = [
    {"id": "a#0", "sectors": ["energy"], "entities": [
        {"start": 0, "end": 3, "label": "COUNTRY", "id": "TH"},
        {"start": 4, "end": 12, "label": "ORG", "id": None}]},       # '<script>' as an ORG
    {"id": "b#0", "sectors": [], "entities": [
        {"start": 12, "end": 17, "label": "PERSON", "id": None}]},
]


def make_result(baseline: bool = True) -> dict:
    metrics = score_predictions(GOLD, PRED)
    metrics.update({"tokens.boundary_share": 0.5, "tokens.aligned_spans": 1, "tokens.gold_spans": 2})
    base = score_predictions(GOLD, [{"id": g["id"], "sectors": [], "entities": []} for g in GOLD]) if baseline else None
    return {"metrics": metrics, "baseline": base, "errors": error_lists(GOLD, PRED),
            "meta": {"gold": "gold <&>.jsonl", "model": "models", "seed": 13, "command": "aseanner train --out m",
                     "records": 2, "documents": 2, "languages": {"th": 1, "km": 1}, "baseline": "lookup"}}


class StrictParser(HTMLParser):
    """Records every start/end tag and fails on unbalanced nesting of non-void elements."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "path", "circle"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.attrs, self.text = [], [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> StrictParser:
    p = StrictParser()
    p.feed(html)
    p.close()
    assert not p.errors, p.errors[:5]
    assert p.stack == [], p.stack
    return p


# ---- text table ------------------------------------------------------------
def test_table_rows_and_none_values():
    text = report.table(make_result())
    for row in ("sectors micro", "sectors macro", "th sectors micro", "km sectors micro", "documents: sectors micro",
                "entities micro (strict)",
                "entities lenient (overlap)", "paragraph partners", "document all", "token boundary share",
                *SECTOR_IDS, *ENTITY_LABELS):
        assert row in text, row
    energy = next(l for l in text.splitlines() if l.startswith("energy "))
    assert energy.split()[1:4] == ["0.000", "-", "0.000"]  # predicted, absent from gold: recall undefined
    assert next(l for l in text.splitlines() if l.startswith("tourism ")).split()[1:4] == ["-", "-", "-"]


def test_table_is_fixed_width():
    text = report.table(make_result())
    block = text.split("\n\n")[1].splitlines()  # the sector section
    rows = [l for l in block if "|" in l]
    assert len({len(l) for l in rows}) == 1


def test_table_without_baseline_has_no_baseline_columns():
    with_b, without = report.table(make_result()), report.table(make_result(baseline=False))
    assert "baseline" in with_b.split("Sectors")[1] and "baseline  " not in without
    line = next(l for l in without.splitlines() if l.startswith("COUNTRY "))
    assert len(line.split()) == 1 + 3 + 1 + 1  # name, P R F1, "|", support


def test_table_of_an_empty_result():
    assert report.table({"metrics": {}, "baseline": None, "errors": {}, "meta": {}}) == "\n"


# ---- JSON ------------------------------------------------------------------
def test_json_round_trips_with_null():
    res = make_result()
    text = report.to_json(res)
    back = json.loads(text)
    assert back == res
    assert '"sectors.tourism.precision": null' in text
    assert "NaN" not in text and "แคนาดา" in text  # UTF-8, not \\u escapes


def test_json_refuses_nan():
    with pytest.raises(ValueError):
        report.to_json({"metrics": {"x": float("nan")}})


# ---- Markdown --------------------------------------------------------------
def test_markdown_tables_and_error_lists():
    md = report.to_markdown(make_result())
    assert md.startswith("# aseanner evaluation")
    assert "| label | P | R | F1 | baseline P | baseline R | baseline F1 | support |" in md
    assert "| COUNTRY | 1.000 | 0.333 | 0.500 | n/a | 0.000 | 0.000 | 3 |" in md
    assert "## Errors of the model" in md and "### ORG" in md and "### PERSON" in md
    # the FP '<script>' is bolded and escaped; table-breaking pipes are escaped
    org = md.split("### ORG")[1].split("###")[0]
    assert "**\\<script\\>**" in org and "\\|" in org and "(spurious)" in org
    assert "ជប៉ុន" in md.split("### PERSON")[1]
    assert "No errors:" in md and "tourism" in md.split("No errors:")[1]
    # every table row has the same number of cells as its header
    for block in re.findall(r"(?:^\|.*\|$\n?)+", md, flags=re.M):
        counts = {len(re.findall(r"(?<!\\)\|", l)) for l in block.strip().splitlines()}
        assert len(counts) == 1, block


def test_markdown_without_baseline():
    md = report.to_markdown(make_result(baseline=False))
    assert "| baseline P" not in md and " baseline P |" not in md and "| COUNTRY | 1.000 | 0.333 | 0.500 | 3 |" in md


# ---- HTML ------------------------------------------------------------------
def test_html_parses_and_is_self_contained():
    html = report.to_html(make_result())
    p = parse(html)
    assert html.startswith("<!DOCTYPE html>") and p.tags[0] == "html"
    assert "http://" not in html and "https://" not in html
    assert not any(name in ("src", "href") for name, _ in p.attrs)
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    assert p.tags.count("svg") == 2 and "style" in p.tags


def test_html_escapes_text_and_highlights_mentions():
    html = report.to_html(make_result())
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "gold &lt;&amp;&gt;.jsonl" in html
    assert "<mark>&lt;script&gt;</mark>" in html and "<mark>ជប៉ុន</mark>" in html
    text = "".join(parse(html).text)
    assert 'ไทย <script>alert("x")</script> & แคนาดา' in text  # the snippet reads back exactly


def test_html_charts_show_model_and_baseline_side_by_side():
    html = report.to_html(make_result())
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    sectors, entities = svgs
    assert ">model<" in sectors and ">baseline<" in sectors
    for s in SECTOR_IDS:
        assert f">{s}<" in sectors
    for l in ENTITY_LABELS:
        assert f">{l}<" in entities
    assert "n/a" in sectors  # undefined values are written, not drawn
    # P, R and F1 bars for the model's COUNTRY: 1.0, 1/3 and 0.5 of the 220 px track
    assert 'width="220.0"' in entities and 'width="73.3"' in entities and 'width="110.0"' in entities
    no_base = re.findall(r"<svg.*?</svg>", report.to_html(make_result(baseline=False)), flags=re.S)[0]
    assert ">baseline<" not in no_base


def test_html_of_an_empty_result_parses():
    html = report.to_html({"metrics": {}, "baseline": None, "errors": {}, "meta": {}})
    parse(html)
    assert "<svg" not in html


def test_make_reports_writes_the_test_split_also_with_its_names_unlisted(tiny_model_dir, tmp_path, capsys):
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "reports"))
    import make_reports

    assert make_reports.main(["--model", str(tiny_model_dir), "--out", str(tmp_path), "--errors", "2"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{n}.{ext}" for n in ("seeds", "test", "test-unlisted") for ext in ("json", "md", "html"))
    plain = json.loads((tmp_path / "test.json").read_text(encoding="utf-8"))
    unlisted = json.loads((tmp_path / "test-unlisted.json").read_text(encoding="utf-8"))
    assert "registry" not in plain["meta"] and "without the gold file's own" in unlisted["meta"]["registry"]
    assert unlisted["meta"]["model"] == plain["meta"]["model"] == str(tiny_model_dir)
    # the lookup finds the test split's people by their registry names, and none once they are unlisted
    assert plain["baseline"]["entities.PERSON.f1"] > 0.3
    assert unlisted["baseline"]["entities.PERSON.f1"] == 0.0
    # states stay listed
    assert unlisted["baseline"]["entities.COUNTRY.f1"] > 0.9
    assert "== test-unlisted: training/data/test.jsonl" in capsys.readouterr().out

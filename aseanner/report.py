"""Render an :func:`aseanner.evaluate.evaluate` result: text table, JSON, Markdown, HTML (no I/O).

Every renderer takes the result dict and returns a string; the caller writes
it. Undefined values (``None``: nothing predicted or nothing to find) show
as ``-`` in the text table, ``n/a`` in Markdown and HTML, and ``null`` in JSON.
The HTML page is self-contained: inline CSS and inline SVG charts, no
scripts, fonts or images from anywhere else, every text escaped.

>>> res = {"metrics": {"sectors.micro.precision": 0.5, "sectors.micro.recall": None,
...                    "sectors.micro.f1": None, "sectors.micro.support": 0}, "baseline": None,
...        "errors": {}, "meta": {"records": 1}}
>>> "sectors micro" in table(res), '"sectors.micro.recall": null' in to_json(res)
(True, True)
"""

from __future__ import annotations

import json
import re
from html import escape

from .taxonomy import ENTITY_LABELS, LANGS, SECTOR_IDS

METRICS = ("precision", "recall", "f1")
_SHORT = {"precision": "P", "recall": "R", "f1": "F1"}


# ---- what is shown -------------------------------------------------------
def _langs(m: dict) -> list[str]:
    return [l for l in LANGS if f"{l}.count.paragraphs" in m]


def _sections(result: dict) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """``(section id, title, [(row name, metric prefix)])`` for the P/R/F1 tables."""
    m = result.get("metrics") or {}
    langs = _langs(m)
    sectors = [("sectors micro", "sectors.micro"), ("sectors macro", "sectors.macro")]
    sectors += [(f"{l} sectors {avg}", f"{l}.sectors.{avg}") for l in langs for avg in ("micro", "macro")]
    sectors += [("documents: sectors micro", "sectors.document.micro")]
    sectors += [(f"{l} documents: sectors micro", f"{l}.sectors.document.micro") for l in langs]
    sectors += [(s, f"sectors.{s}") for s in SECTOR_IDS]
    ents = [("entities micro (strict)", "entities.micro"), ("entities lenient (overlap)", "entities.lenient")]
    ents += [(f"{l} entities {kind}", f"{l}.entities.{key}") for l in langs
             for kind, key in (("micro (strict)", "micro"), ("lenient", "lenient"))]
    ents += [(l, f"entities.{l}") for l in ENTITY_LABELS]
    link = [(f"{level} {who}", f"linking.{level}.{who}") for level in ("paragraph", "document")
            for who in ("all", "partners")]
    link += [(f"{l} {level} {who}", f"{l}.linking.{level}.{who}") for l in langs
             for level in ("paragraph", "document") for who in ("all", "partners")]
    return [("sectors", "Sectors (multi-label; per paragraph, and per document as the union of its paragraphs)", sectors),
            ("entities", "Entities (strict = exact span and label; lenient = overlap, same label)", ents),
            ("linking", "Linking (canonical ids of COUNTRY/ORG; partners exclude ASEAN and members)", link)]


def _per_label(section: str) -> list[tuple[str, str]]:
    if section == "sectors":
        return [(s, f"sectors.{s}") for s in SECTOR_IDS]
    if section == "entities":
        return [(l, f"entities.{l}") for l in ENTITY_LABELS]
    return []


def _extra_rows(result: dict) -> list[tuple[str, object]]:
    """``(name, value)`` rows for the model's token boundaries and the gold counts."""
    m = result.get("metrics") or {}
    rows = []
    for prefix in [""] + [f"{l}." for l in _langs(m)]:
        name = f"{prefix[:-1]} " if prefix else ""
        if f"{prefix}tokens.boundary_share" in m:
            rows.append((f"{name}token boundary share",
                         m.get(f"{prefix}tokens.boundary_share")))
            rows.append((f"{name}  aligned / gold spans",
                         _ratio(m.get(f"{prefix}tokens.aligned_spans"), m.get(f"{prefix}tokens.gold_spans"))))
    for prefix in [""] + [f"{l}." for l in _langs(m)]:
        name = f"{prefix[:-1]} " if prefix else ""
        for key in ("documents", "paragraphs", "sector_documents", "sector_paragraphs", "mentions"):
            k = f"{prefix}count.{key}"
            if k in m:
                rows.append((f"{name}{key.replace('_', ' ')}", m.get(k)))
    return rows


def _ratio(a, b) -> str | None:
    return None if a is None or b is None else f"{a}/{b}"


def _num(v, none: str = "-") -> str:
    if v is None:
        return none
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _meta_lines(result: dict) -> list[tuple[str, str]]:
    meta = result.get("meta") or {}
    out = []
    for key, name in (("gold", "gold"), ("model", "model"), ("seed", "training seed"), ("command", "training command"),
                      ("records", "records"), ("documents", "documents"), ("baseline", "baseline"),
                      ("registry", "registry")):
        if meta.get(key) is not None:
            out.append((name, str(meta[key])))
    langs = meta.get("languages")
    if langs:
        out.append(("paragraphs per language", ", ".join(f"{k} {v}" for k, v in langs.items())))
    return out


# ---- text table ----------------------------------------------------------
def table(result: dict) -> str:
    """A fixed-width text table: model vs baseline P/R/F1 and support, then boundaries and counts."""
    m = result.get("metrics") or {}
    b = result.get("baseline")
    lines = [f"{k}: {v}" for k, v in _meta_lines(result)]
    sections = _sections(result)
    w = max(len(n) for _, _, rows in sections for n, _ in rows) + 2
    cols = ["P", "R", "F1"]
    head = f"{'':<{w}}" + "".join(f"{c:>7}" for c in cols) + "  |" + (
        "".join(f"{c:>7}" for c in cols) + "  |" if b is not None else "") + f"{'support':>9}"
    group = f"{'':<{w}}{'model':^21}  |" + (f"{'baseline':^21}  |" if b is not None else "") + " " * 9
    for _, title, rows in sections:
        present = [(n, k) for n, k in rows if f"{k}.f1" in m]
        if not present:
            continue
        lines += ["", title, group, head, "-" * len(head)]
        for name, key in present:
            line = f"{name:<{w}}" + "".join(f"{_num(m.get(f'{key}.{x}')):>7}" for x in METRICS) + "  |"
            if b is not None:
                line += "".join(f"{_num(b.get(f'{key}.{x}')):>7}" for x in METRICS) + "  |"
            lines.append(line + f"{_num(m.get(f'{key}.support')):>9}")
    extra = _extra_rows(result)
    if extra:
        we = max(len(n) for n, _ in extra) + 2
        lines += ["", "Token boundaries (gold spans on the model tokenizer's boundaries) and counts", "-" * (we + 12)]
        for name, v in extra:
            lines.append(f"{name:<{we}}{_num(v):>12}")
    return "\n".join(lines).lstrip("\n") + "\n"


# ---- JSON ----------------------------------------------------------------
def _json_default(o):
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def to_json(result: dict) -> str:
    """The whole result as JSON (``None`` -> ``null``; NaN is refused)."""
    return json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False, default=_json_default) + "\n"


# ---- Markdown ------------------------------------------------------------
_MD_SPECIAL = "\\`*_[]<>|#"


def _md(text: object) -> str:
    s = re.sub(r"\s+", " ", str(text))
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in s)


def _md_snippet(item: dict, start: int | None, end: int | None) -> str:
    snip, off = item.get("snippet", ""), item.get("snippet_offset", 0)
    if start is None or end is None or not (off <= start <= end <= off + len(snip)):
        return _md(snip)
    a, b = start - off, end - off
    return f"{_md(snip[:a])}**{_md(snip[a:b])}**{_md(snip[b:])}"


def _cause_text(item: dict, kind: str) -> str:
    """``wrong_boundary: gold has LOC [3, 9) ...`` (false positives) / ``model predicted ...`` (negatives)."""
    cause = item.get("cause")
    other = item.get("other")
    if other:
        side = "gold has" if kind == "false_positives" else "model predicted"
        return (f"{cause}: {side} {other.get('label')} [{other.get('start')}, {other.get('end')}) "
                f"{other.get('text', '')!s}").rstrip()
    return str(cause) if cause else ""


def to_markdown(result: dict) -> str:
    """The tables of :func:`table` in Markdown, then the error lists with snippets."""
    m = result.get("metrics") or {}
    b = result.get("baseline")
    out = ["# aseanner evaluation", ""]
    out += [f"- **{_md(k)}**: {_md(v)}" for k, v in _meta_lines(result)]
    for _, title, rows in _sections(result):
        present = [(n, k) for n, k in rows if f"{k}.f1" in m]
        if not present:
            continue
        out += ["", f"## {_md(title)}", ""]
        head = "| label | P | R | F1 |" + (" baseline P | baseline R | baseline F1 |" if b is not None else "") + " support |"
        out += [head, "|" + "---|" * (head.count("|") - 1)]
        for name, key in present:
            cells = [_num(m.get(f"{key}.{x}"), "n/a") for x in METRICS]
            if b is not None:
                cells += [_num(b.get(f"{key}.{x}"), "n/a") for x in METRICS]
            cells.append(_num(m.get(f"{key}.support"), "n/a"))
            out.append(f"| {_md(name)} | " + " | ".join(cells) + " |")
    extra = _extra_rows(result)
    if extra:
        out += ["", "## Token boundaries and counts", "", "| | value |", "|---|---|"]
        for name, v in extra:
            out.append(f"| {_md(name.strip())} | {_num(v, 'n/a')} |")
    errors = result.get("errors") or {}
    if errors:
        out += ["", "## Errors of the model", "",
                "Entities: grouped by mention, most frequent first, first occurrence shown; "
                "sectors: paragraphs in gold order. Offsets are into the record's text."]
        clean = [l for l in _error_labels(errors) if not _has_errors(errors[l])]
        for label in _error_labels(errors):
            e = errors[label]
            if not _has_errors(e):
                continue
            out += ["", f"### {_md(label)}"]
            for kind, title in (("false_positives", "False positives"), ("false_negatives", "False negatives")):
                items = e.get(kind) or []
                total = e.get(f"n_{kind}", len(items))
                if not total:
                    continue
                out += ["", f"{title} ({len(items)} shown of {total}):", ""]
                for it in items:
                    out.append("- " + _md_item(it, kind))
        if clean:
            out += ["", "No errors: " + ", ".join(_md(l) for l in clean) + "."]
    return "\n".join(out) + "\n"


def _error_labels(errors: dict) -> list[str]:
    order = list(SECTOR_IDS) + list(ENTITY_LABELS)
    return [l for l in order if l in errors] + sorted(l for l in errors if l not in order)


def _has_errors(e: dict) -> bool:
    return bool(e.get("n_false_positives") or e.get("n_false_negatives") or e.get("false_positives")
                or e.get("false_negatives"))


def _md_item(it: dict, kind: str) -> str:
    if "mention" in it:
        cause = _cause_text(it, kind)
        return (f"`{_md(it['mention'])}` ×{it.get('count', 1)}: {_md(it.get('id'))} [{it.get('start')}, {it.get('end')}): "
                f"…{_md_snippet(it, it.get('start'), it.get('end'))}…" + (f" ({_md(cause)})" if cause else ""))
    cue = it.get("cue") or {}
    return (f"{_md(it.get('id'))}: …{_md_snippet(it, cue.get('start'), cue.get('end'))}… "
            f"(gold: {_md(', '.join(it.get('gold') or []) or 'none')}; "
            f"predicted: {_md(', '.join(it.get('predicted') or []) or 'none')})")


# ---- HTML ----------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans Thai","Noto Sans Khmer",sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.2em .55em;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{background:#f3f3f3}td.na{color:#999}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;font-size:.9em}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;word-break:break-all}
svg{display:block;margin:.5em 0 1em}svg text{font-size:9px;fill:#333}
.snip{font-size:.95em}mark{background:#ffe58a;padding:0 .1em}
details{margin:.3em 0}summary{cursor:pointer;font-weight:600}
ul.err li{margin:.25em 0}.muted{color:#777;font-size:.9em}
"""
_COLORS = {"precision": "#4e79a7", "recall": "#f28e2b", "f1": "#59a14f"}


def _h(text: object) -> str:
    return escape(str(text), quote=True)


def _td(v) -> str:
    return '<td class="na">n/a</td>' if v is None else f"<td>{_h(_num(v))}</td>"


def _html_table(m: dict, b: dict | None, rows: list[tuple[str, str]]) -> str:
    head = "<tr><th>label</th><th>P</th><th>R</th><th>F1</th>"
    if b is not None:
        head += "<th>baseline P</th><th>baseline R</th><th>baseline F1</th>"
    head += "<th>support</th></tr>"
    body = []
    for name, key in rows:
        cells = "".join(_td(m.get(f"{key}.{x}")) for x in METRICS)
        if b is not None:
            cells += "".join(_td(b.get(f"{key}.{x}")) for x in METRICS)
        cells += _td(m.get(f"{key}.support"))
        body.append(f"<tr><td>{_h(name)}</td>{cells}</tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def svg_bars(rows: list[tuple[str, str]], m: dict, b: dict | None, title: str) -> str:
    """An inline SVG: per label, bars of P, R and F1 for the model and (beside it) the baseline.

    >>> s = svg_bars([("health", "sectors.health")], {"sectors.health.f1": 0.5}, None, "t")
    >>> s.startswith("<svg") and "n/a" in s and s.count("<rect") == 7  # legend 3, tracks 3, bar 1
    True
    """
    label_w, bar_w, gap, bh, pad = 150, 220, 44, 11, 9
    panels = [("model", m)] + ([("baseline", b)] if b is not None else [])
    width = label_w + len(panels) * (bar_w + gap)
    top = 34
    group_h = 3 * bh + pad
    height = top + len(rows) * group_h + 6
    out = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" font-size="9" '
           f'aria-label="{_h(title)}"><title>{_h(title)}</title>']
    for i, metric in enumerate(METRICS):  # legend
        x = label_w + i * 70
        out.append(f'<rect x="{x}" y="2" width="10" height="10" fill="{_COLORS[metric]}"/>'
                   f'<text x="{x + 14}" y="11">{_SHORT[metric]}</text>')
    for p, (pname, _) in enumerate(panels):
        px = label_w + p * (bar_w + gap)
        out.append(f'<text x="{px}" y="28" font-weight="bold">{_h(pname)}</text>')
    for r, (name, key) in enumerate(rows):
        y0 = top + r * group_h
        out.append(f'<text x="0" y="{y0 + 1.5 * bh + 3}">{_h(name)}</text>')
        for p, (pname, vals) in enumerate(panels):
            px = label_w + p * (bar_w + gap)
            for k, metric in enumerate(METRICS):
                y = y0 + k * bh
                v = vals.get(f"{key}.{metric}")
                out.append(f'<rect x="{px}" y="{y}" width="{bar_w}" height="{bh - 1}" fill="#f0f0f0"/>')
                if v is None:
                    out.append(f'<text x="{px + 2}" y="{y + bh - 2}" fill="#999">n/a</text>')
                    continue
                w = max(0.0, min(1.0, float(v))) * bar_w
                out.append(f'<rect x="{px}" y="{y}" width="{w:.1f}" height="{bh - 1}" fill="{_COLORS[metric]}">'
                           f'<title>{_h(f"{name} {pname} {_SHORT[metric]} {v:.3f}")}</title></rect>')
                out.append(f'<text x="{px + w + 3:.1f}" y="{y + bh - 2}">{_h(f"{v:.2f}")}</text>')
    out.append("</svg>")
    return "".join(out)


def _html_snippet(it: dict, start, end) -> str:
    snip, off = it.get("snippet", ""), it.get("snippet_offset", 0)
    if start is None or end is None or not (off <= start <= end <= off + len(snip)):
        return _h(snip)
    a, b = start - off, end - off
    return f"{_h(snip[:a])}<mark>{_h(snip[a:b])}</mark>{_h(snip[b:])}"


def _html_item(it: dict, kind: str) -> str:
    if "mention" in it:
        cause = _cause_text(it, kind)
        return (f"<li><b>{_h(it['mention'])}</b> ×{_h(it.get('count', 1))} "
                f"<span class=\"muted\">{_h(it.get('id'))} [{_h(it.get('start'))}, {_h(it.get('end'))})"
                + (f" · {_h(cause)}" if cause else "") + "</span><br>"
                f"<span class=\"snip\">…{_html_snippet(it, it.get('start'), it.get('end'))}…</span></li>")
    cue = it.get("cue") or {}
    return (f"<li><span class=\"muted\">{_h(it.get('id'))} · gold: {_h(', '.join(it.get('gold') or []) or 'none')}"
            f" · predicted: {_h(', '.join(it.get('predicted') or []) or 'none')}</span><br>"
            f"<span class=\"snip\">…{_html_snippet(it, cue.get('start'), cue.get('end'))}…</span></li>")


def to_html(result: dict) -> str:
    """A self-contained HTML page: meta, tables, SVG charts per label and the error lists."""
    m = result.get("metrics") or {}
    b = result.get("baseline")
    meta = result.get("meta") or {}
    title = "aseanner evaluation" + (f": {meta['gold']}" if meta.get("gold") else "")
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_h(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
             f"<h1>{_h(title)}</h1>"]
    lines = _meta_lines(result)
    if lines:
        parts.append('<dl class="meta">' + "".join(f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in lines) + "</dl>")
    for sid, stitle, rows in _sections(result):
        present = [(n, k) for n, k in rows if f"{k}.f1" in m]
        if not present:
            continue
        parts.append(f"<h2>{_h(stitle)}</h2>")
        per_label = _per_label(sid)
        if per_label:
            parts.append(svg_bars(per_label, m, b, f"{stitle}: precision, recall and F1 per label"))
        parts.append(_html_table(m, b, present))
    extra = _extra_rows(result)
    if extra:
        parts.append("<h2>Token boundaries and counts</h2>")
        head = "<tr><th></th><th>value</th></tr>"
        body = "".join(f"<tr><td>{_h(n.strip())}</td>{_td(v)}</tr>" for n, v in extra)
        parts.append(f"<table><thead>{head}</thead><tbody>{body}</tbody></table>")
    errors = result.get("errors") or {}
    if errors:
        parts.append("<h2>Errors of the model</h2>")
        parts.append('<p class="muted">Entities: grouped by mention, most frequent first, first occurrence shown '
                     "(the mention is highlighted); sectors: paragraphs in gold order, the sector's first cue "
                     "word highlighted when there is one. Offsets are into the record's text.</p>")
        clean = []
        for label in _error_labels(errors):
            e = errors[label]
            if not _has_errors(e):
                clean.append(label)
                continue
            nfp, nfn = e.get("n_false_positives", 0), e.get("n_false_negatives", 0)
            parts.append(f"<details><summary>{_h(label)}: {_h(nfp)} false positive(s), "
                         f"{_h(nfn)} false negative(s)</summary>")
            for kind, ktitle in (("false_positives", "False positives"), ("false_negatives", "False negatives")):
                items = e.get(kind) or []
                total = e.get(f"n_{kind}", len(items))
                if not total:
                    continue
                parts.append(f"<h3>{_h(ktitle)} ({_h(len(items))} shown of {_h(total)})</h3>")
                parts.append('<ul class="err">' + "".join(_html_item(it, kind) for it in items) + "</ul>")
            parts.append("</details>")
        if clean:
            parts.append(f'<p class="muted">No errors: {_h(", ".join(clean))}.</p>')
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"

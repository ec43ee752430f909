"""Measure the SentencePiece vocabulary sizes side by side and record the sweep.

For each ``training/tokenizer/sp-<V>.model`` (trained by
``python training/train_tokenizer.py --sweep 4000,8000,16000,23000``), train
the whole pipeline on the training data and score it on dev: share of gold
spans on token boundaries, tokens per character, prediction speed, dev sector
micro-F1 and entity F1. Writes ``training/tokenizer/sweep.json``; the chosen
size is copied to ``aseanner-sp.model`` by hand (see the README there).

    python training/tokenizer_sweep.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.cues import default_cues  # noqa: E402
from aseanner.data import read_jsonl  # noqa: E402
from aseanner.registry import default_registry  # noqa: E402
from aseanner.resources import boundary_words  # noqa: E402
from aseanner.spans import token_boundary_share  # noqa: E402
from aseanner.text import normalize  # noqa: E402
from aseanner.train import evaluate_records, train_model  # noqa: E402

D = ROOT / "training" / "data"


def main() -> int:
    train = read_jsonl([D / "train.jsonl", D / "synthetic.jsonl", D / "thainer-train.jsonl"])
    dev = read_jsonl(D / "dev.jsonl")
    lexicon = boundary_words()
    results = []
    for path in sorted((ROOT / "training" / "tokenizer").glob("sp-*.model"), key=lambda p: int(p.stem[3:])):
        t0 = time.time()
        model, facts = train_model(train, dev, path.read_bytes(), default_registry(), lexicon, seed=13,
                                   cues=default_cues())
        aligned = total = tokens = chars = 0
        for r in read_jsonl([D / "train.jsonl", D / "dev.jsonl"]):
            nt = normalize(r["text"])
            starts, ends, _ = model.tokenizer.tokenize(nt.text)
            spans = [(*nt.to_view(e["start"], e["end"]), e["label"]) for e in r["entities"]]
            ok, n = token_boundary_share(starts, ends, spans)
            aligned, total, tokens, chars = aligned + ok, total + n, tokens + len(starts), chars + len(nt.text)
        t1 = time.time()
        list(model.predict_many([r["text"] for r in dev] * 5))
        speed = 5 * sum(len(r["text"]) for r in dev) / (time.time() - t1)
        m = evaluate_records(model, dev)
        row = {"vocab": model.tokenizer.vocab_size, "file": path.name,
               "gold_spans_on_token_boundaries": round(aligned / total, 4), "tokens_per_char": round(tokens / chars, 4),
               "dev_sector_micro_f1": round(m["sectors.micro.f1"], 4), "dev_entity_f1": round(m["entities.micro.f1"], 4),
               "dev_linking_f1": round(m["linking.paragraph.all.f1"], 4), "predict_chars_per_s": round(speed),
               "train_seconds": round(t1 - t0, 1)}
        print(json.dumps(row), flush=True)
        results.append(row)
    out = ROOT / "training" / "tokenizer" / "sweep.json"
    out.write_text(json.dumps({"command": "python training/tokenizer_sweep.py", "results": results}, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

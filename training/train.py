"""Train the default model from the committed data and seed (reproduces models/).

    python training/train.py                 # writes models/ (the bundled default)
    python training/train.py --out /tmp/m    # elsewhere

Uses the committed tokenizer (training/tokenizer/aseanner-sp.model), the
bundled registry, training/data/{train,synthetic,thainer-train}.jsonl for
training, training/data/dev.jsonl for threshold tuning, and scores
training/data/test.jsonl, seeds/gold.jsonl and ThaiNER's test split into the
manifest. Same as ``aseanner train`` with these arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aseanner.cli import main as cli_main  # noqa: E402

D = "training/data"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="models")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    cmd = ["train", "--data", f"{D}/train.jsonl", "--data", f"{D}/synthetic.jsonl", "--data", f"{D}/thainer-train.jsonl",
           "--dev", f"{D}/dev.jsonl", "--test", f"{D}/test.jsonl", "--test", "seeds/gold.jsonl",
           "--test", f"{D}/thainer-test.jsonl", "--tokenizer", "training/tokenizer/aseanner-sp.model",
           "--out", args.out, "--seed", str(args.seed)]
    cmd += ["--record-command", f"python training/train.py --out {args.out} --seed {args.seed}"]
    return cli_main(cmd)


if __name__ == "__main__":
    raise SystemExit(main())

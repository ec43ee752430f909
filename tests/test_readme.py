"""The README's set-up commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_commands_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Set up on a fresh machine.*?```bash\n(.*?)```", readme, re.S).group(1)
    commands = [l for l in block.splitlines() if l.strip()]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for cmd in commands:
        assert cmd in ci
    assert '"$rc" -eq 5' in ci

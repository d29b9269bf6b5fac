"""The README's example runs as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, f"no python example in {README}"
    example = blocks[0]
    assert len(example.strip().splitlines()) <= 5, "the example stays at five lines"
    exec(compile(example, str(README), "exec"), {"__name__": "__readme__"})
    assert "webp" in capsys.readouterr().out

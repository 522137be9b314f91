"""The README's and the docs' Python code blocks run as written."""

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _blocks():
    for doc in DOCS:
        for i, code in enumerate(FENCE.findall(doc.read_text(encoding="utf-8"))):
            yield pytest.param(doc, code, id=f"{doc.name}-{i}")


@pytest.mark.parametrize(("doc", "code"), list(_blocks()))
def test_code_block_runs(doc, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    runpy.run_path(str(script), run_name="__main__")


def test_readme_states_the_two_setup_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make app" in text and "make test" in text

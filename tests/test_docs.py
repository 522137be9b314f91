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


GUIDES = ["outcomes", "decisions", "models", "cea", "voi", "thresholds", "dashboard"]
LINK = re.compile(r"\]\(((?!https?://|#)[^)\s]+)\)")


@pytest.mark.parametrize("name", GUIDES)
def test_every_layer_guide_has_an_executed_snippet(name):
    text = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    assert FENCE.search(text), f"docs/{name}.md has no ```python block for the tests to run"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_and_images_exist(doc):
    missing = [
        target
        for target in LINK.findall(doc.read_text(encoding="utf-8"))
        if not (doc.parent / target.split("#")[0]).exists()
    ]
    assert not missing, f"{doc.name} links to missing files: {missing}"


@pytest.mark.parametrize("name", ["decision_curve.png", "ceac.png", "dashboard.png"])
def test_readme_picture_is_committed_and_under_300_kb(name):
    path = ROOT / "docs" / "images" / name
    assert f"docs/images/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert path.stat().st_size < 300 * 1024

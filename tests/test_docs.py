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


API = ROOT / "docs" / "api"
PAGE_MODULE = re.compile(r"^\.\. automodule:: (\S+)", re.M)


def test_every_public_module_has_an_api_page_listed_in_the_api_index():
    import decisionkit

    index = (API / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   (\S+)$", index, flags=re.M))
    pages = {p.stem for p in API.glob("*.rst")} - {"index"}
    assert listed == pages, "docs/api/index.rst must list exactly the pages in docs/api/"
    documented = {
        m for p in API.glob("*.rst") for m in PAGE_MODULE.findall(p.read_text(encoding="utf-8"))
    }
    public = {"decisionkit", "decisionkit.exceptions", "decisionkit.utility"}
    public |= {f"decisionkit.{name}" for name in decisionkit._LAZY}
    assert public <= documented, f"no API page for {sorted(public - documented)}"


def test_site_checker_reports_an_incomplete_site(tmp_path):
    """`make docs` (run by CI) builds the site with -W, then docs/check_site.py checks it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_site", ROOT / "docs" / "check_site.py")
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "cea.html").write_text("decisionkit.cea.analyze", encoding="utf-8")
    (tmp_path / "page.html").write_text('<script src="https://cdn.example/x.js">', "utf-8")
    problems = checker.check(tmp_path)
    assert not any("autodoc" in p for p in problems)  # the API page is there
    assert any("voi.md" in p for p in problems)  # no guide was built
    assert any("01_treat_or_not.py" in p for p in problems)  # no gallery
    assert any("page.html loads a script" in p for p in problems)

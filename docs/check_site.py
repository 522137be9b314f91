"""Check a built docs site: the API pages rendered, every guide and the example gallery exist.

Run by ``make docs`` after Sphinx (which already fails on any warning: ``-W``), and so by CI
(``.ci/run``): ``python docs/check_site.py docs/_build/html``.
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def check(site: Path) -> list[str]:
    """Problems found in the built site (empty when it is complete)."""
    problems = []
    cea = site / "api" / "cea.html"
    if not cea.exists() or "decisionkit.cea.analyze" not in cea.read_text(encoding="utf-8"):
        problems.append("api/cea.html does not document decisionkit.cea.analyze (autodoc)")
    for guide in sorted(DOCS.glob("*.md")):
        if not (site / f"{guide.stem}.html").exists():
            problems.append(f"guide {guide.name} is not in the site")
    for example in sorted((DOCS.parent / "examples").glob("[0-9][0-9]_*.py")):
        if not (site / "_examples" / f"{example.stem}.html").exists():
            problems.append(f"example {example.name} is not in the gallery")
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if '<script src="http' in text or '<link rel="stylesheet" href="http' in text:
            problems.append(f"{page.relative_to(site)} loads a script or style from the web")
    return problems


if __name__ == "__main__":
    found = check(Path(sys.argv[1]))
    for problem in found:
        print("docs site:", problem, file=sys.stderr)
    sys.exit(1 if found else 0)

"""The dashboard uses decisionkit's public API only (no maths in apps, no private modules).

A page that imports ``decisionkit._format`` or ``decisionkit.voi._evsi`` depends on names the
package may rename without notice; the wheel ships apps/ beside the package, so such a page
would break for users on the next refactor. The apps' own helpers (``_layout``, ``_data``, ...)
are not decisionkit modules and are not checked.
"""

import ast
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "apps"


def _private(path: str) -> str | None:
    """The dotted path up to its first private part (``_x``; not dunders such as __version__)."""
    parts = path.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            return ".".join(parts[: i + 1])
    return None


def private_imports(source: str) -> list[str]:
    """Every ``decisionkit`` path the source imports or reaches that has a private part.

    Covers ``import decisionkit._x``, ``from decisionkit import _x``, ``from decisionkit.a._b
    import c``, and attribute access through a name bound to a decisionkit module
    (``import decisionkit as dk; dk._x.f()``).
    """
    tree = ast.parse(source)
    found: set[str] = set()
    aliases: dict[str, str] = {}  # local name -> the decisionkit module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "decisionkit":
                    if private := _private(a.name):
                        found.add(private)
                    aliases[a.asname or "decisionkit"] = a.name if a.asname else "decisionkit"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] != "decisionkit":
                continue
            for a in node.names:
                path = f"{node.module}.{a.name}"
                if private := _private(path):
                    found.add(private)
                aliases[a.asname or a.name] = path
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain = []
            inner: ast.expr = node
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in aliases:
                path = ".".join([aliases[inner.id], *reversed(chain)])
                if private := _private(path):
                    found.add(private)
    return sorted(found)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from decisionkit import _format as fmt", ["decisionkit._format"]),
        ("import decisionkit._format", ["decisionkit._format"]),
        ("from decisionkit.voi._evsi import is_study", ["decisionkit.voi._evsi"]),
        ("from decisionkit.voi import _evsi", ["decisionkit.voi._evsi"]),
        ("import decisionkit as dk\nx = dk._format.money(1)", ["decisionkit._format"]),
        ("from decisionkit import voi\nvoi._evsi.is_study(1)", ["decisionkit.voi._evsi"]),
        ("from decisionkit import formatting as fmt\nfrom _layout import safe", []),
        ("import decisionkit as dk\ndk.__version__, dk.decide", []),
        ("from pandas import _libs", []),  # other packages are not this test's business
    ],
)
def test_the_check_finds_private_decisionkit_paths(source, expected):
    # the checker itself, on sources with a known answer: the test below cannot pass vacuously
    assert private_imports(source) == expected


def test_apps_import_only_public_decisionkit_modules():
    files = sorted(APP_DIR.rglob("*.py"))
    assert len(files) > 10  # the pages were found
    bad = {
        str(f.relative_to(APP_DIR)): paths
        for f in files
        if (paths := private_imports(f.read_text(encoding="utf-8")))
    }
    assert bad == {}, f"apps/ reaches private decisionkit modules: {bad}"

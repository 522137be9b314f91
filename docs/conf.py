"""Sphinx configuration of the decisionkit documentation site (``make docs``).

The site has three parts: the guides (every ``docs/*.md``, MyST Markdown, picked up by a glob
so new guides need no edit here), the API reference (``docs/api/*.rst``, one page per public
module, built from the numpydoc docstrings) and the worked examples (one page per
``examples/NN_*.py``, generated below at build time from the script's docstring, its source and
the figures ``make docs`` writes to ``docs/_examples/<name>/`` by running it with ``--fast``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(REPO))  # document this checkout even without an editable install

import importlib  # noqa: E402

import decisionkit  # noqa: E402

# Public names such as ``dk.utility`` are attributes of the package (some load lazily) and not
# always importable as ``decisionkit.<name>`` modules; register each under its public name so the
# API pages and object names use what users type.
for _name in sorted({"utility", *getattr(decisionkit, "_LAZY", {})}):
    _public = f"decisionkit.{_name}"
    try:
        importlib.import_module(_public)
    except ImportError:
        sys.modules[_public] = getattr(decisionkit, _name)

project = "decisionkit"
author = "decisionkit developers"
copyright = "decisionkit developers"
release = decisionkit.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # serves MathJax from _static: the site reads offline, no CDN
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "images/*.py", "Thumbs.db", ".DS_Store"]

# autodoc + numpydoc: document what each public module lists in __all__, in source order
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections already state the types
autosummary_generate = False
numpydoc_show_class_members = False  # autodoc's :members: lists them once
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()  # ruff's pydocstyle (numpy) checks the style

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # guides start at "#" and may skip levels in side notes

html_theme = "furo"
html_title = f"decisionkit {release}"
html_static_path: list[str] = []

# The worked examples -------------------------------------------------------------------------

EXAMPLES = REPO / "examples"
GALLERY = DOCS / "_examples"  # generated, git-ignored


def _example_page(script: Path) -> str:
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or script.stem
    title, _, body = doc.strip().partition("\n")
    number = int(script.stem[:2])
    lines = [
        f"# {number}. {title.strip()}",
        "",
        body.strip(),
        "",
        f"Run it: `decisionkit examples --run {number}` (add `--fast` for a quick run), or "
        f"open `examples/{script.name}` as a notebook (`# %%` cells).",
        "",
    ]
    figures = sorted((GALLERY / script.stem).glob("*.png"))
    if figures:
        lines += ["## Figures", ""]
        for fig in figures:
            lines += [
                f"```{{figure}} {script.stem}/{fig.name}",
                ":width: 90%",
                "",
                fig.stem.replace("_", " "),
                "```",
                "",
            ]
    lines += [
        "## The script",
        "",
        f"```{{literalinclude}} ../../examples/{script.name}",
        ":language: python",
        "```",
        "",
    ]
    return "\n".join(lines)


def _write_gallery(app) -> None:
    """Write one page per example and the gallery index into docs/_examples/."""
    log = logging.getLogger("decisionkit.docs")
    GALLERY.mkdir(exist_ok=True)
    scripts = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    for script in scripts:
        if app.config.dk_require_example_figures and not any((GALLERY / script.stem).glob("*.png")):
            log.warning(
                f"no figures for {script.name} in {GALLERY / script.stem}; `make docs` runs "
                "the examples (--fast) to make them"
            )
        page = GALLERY / f"{script.stem}.md"
        text = _example_page(script)
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")
    index = [
        "# Worked examples",
        "",
        "Healthcare case studies, each a runnable script in `examples/` that prints its",
        "recommendation and draws its figures (shown here from a `--fast` run, few draws).",
        "",
        "```{toctree}",
        ":maxdepth: 1",
        "",
        *[script.stem for script in scripts],
        "```",
        "",
    ]
    (GALLERY / "index.md").write_text("\n".join(index), encoding="utf-8")


def _skip_sklearn_plumbing(app, what, name, obj, skip, options):
    """Leave out the ``set_<method>_request`` methods scikit-learn adds to every estimator.

    scikit-learn's metadata routing generates them on each BaseEstimator subclass (the PyMC
    models are estimators, so ``clone`` works); they are not decisionkit API, and their
    docstrings refer to scikit-learn's own glossary, which this site does not have.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    """Register the example gallery generator and its strictness setting."""
    app.add_config_value("dk_require_example_figures", True, "env", [bool])
    app.connect("builder-inited", _write_gallery)
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)

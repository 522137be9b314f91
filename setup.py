"""The one build setting pyproject.toml cannot express: ship apps/ and examples/ in the wheel.

Everything else (metadata, dependencies, extras, the ``decisionkit`` command) is declared in
pyproject.toml. The Streamlit dashboard (``apps/``) and the worked examples (``examples/``) stay
at the top of the repository, where contributors edit and run them; setuptools maps them into
the distribution as the packages ``decisionkit._apps`` and ``decisionkit._examples`` (with their
non-Python files, e.g. ``apps/.streamlit/config.toml``, as package data), so an installed wheel
has them next to ``decisionkit/cli.py``, where ``decisionkit app`` and ``decisionkit examples``
look first. The file lists are computed here, so a page or example added later ships without
editing this file; ``tests/test_wheel.py`` checks the wheel against ``git ls-files``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
SHIPPED = {"decisionkit._apps": "apps", "decisionkit._examples": "examples"}
SKIP = {"__pycache__", "output"}  # byte code and the examples' generated figures


def _shipped_tree(package: str, folder: str) -> tuple[dict[str, str], list[str]]:
    """Packages (one per non-hidden folder) and the non-Python files of ``folder``."""
    root = HERE / folder
    packages: dict[str, str] = {}
    data: list[str] = []
    for path in sorted([root, *root.rglob("*")]):
        rel = path.relative_to(root)
        if SKIP.intersection(rel.parts):
            continue
        hidden = any(part.startswith(".") for part in rel.parts)
        if path.is_dir() and not hidden:
            packages[".".join([package, *rel.parts])] = Path(folder, *rel.parts).as_posix()
        elif path.is_file() and (hidden or path.suffix not in {".py", ".pyc"}):
            data.append(rel.as_posix())
    return packages, data


package_dir: dict[str, str] = {}
package_data: dict[str, list[str]] = {"decisionkit": ["datasets/data/*", "py.typed"]}
for name, folder in SHIPPED.items():
    found, files = _shipped_tree(name, folder)
    package_dir.update(found)
    package_data[name] = files

packages = [
    p
    for p in find_namespace_packages(include=["decisionkit", "decisionkit.*"])
    if "__pycache__" not in p
]
setup(
    packages=sorted(set(packages) | set(package_dir)),
    package_dir=package_dir,
    package_data=package_data,
)

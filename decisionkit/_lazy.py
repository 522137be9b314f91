"""Lazy public names: a package lists what it exports and loads each on first access.

Used by every ``__init__`` that re-exports from modules with heavy dependencies (PyMC,
scikit-learn, scipy), so importing the package stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    namespace: dict[str, Any],
    *,
    attributes: Mapping[str, str] = {},
    modules: Mapping[str, str] = {},
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for lazily loaded names.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (for the error message).
    namespace : dict
        The package's ``globals()``; a loaded name is cached there.
    attributes : mapping of name to module path
        Names defined in the given module (``getattr(module, name)``).
    modules : mapping of name to module path
        Names that are whole modules.
    """

    def __getattr__(name: str) -> Any:
        if name in attributes:
            value = getattr(importlib.import_module(attributes[name]), name)
        elif name in modules:
            value = importlib.import_module(modules[name])
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(attributes) | set(modules))

    return __getattr__, __dir__

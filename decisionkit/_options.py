"""Library-wide options: ``dk.set_options(working_memory=...)``, the one memory setting.

Every chunked computation (the decision kernel over a utility grid, the CEA interval tables,
per-patient thresholds, capacity plans, risk predictions, the scale helpers) sizes its blocks
from ``working_memory``: the number of megabytes a block of float64 working values may take, as
scikit-learn's ``working_memory`` does. Use it as a function (sets the option until changed) or
as a context manager (restores the previous value on exit), like xarray's ``set_options``.
"""

from __future__ import annotations

from typing import Any

from decisionkit._validation import check_number, fail, validate_params

__all__ = ["chunk_values", "get_options", "set_options"]

_DEFAULTS = {"working_memory": 32.0}
_OPTIONS: dict[str, Any] = dict(_DEFAULTS)  # process-wide, so worker threads see it too


def _current() -> dict[str, Any]:
    return _OPTIONS


def get_options() -> dict[str, Any]:
    """The current options (a copy)."""
    return dict(_current())


class set_options:
    """Set decisionkit options, globally or inside a ``with`` block.

    Parameters
    ----------
    working_memory : float, optional
        Megabytes of float64 working values a chunked computation may hold at once
        (default 32). Lower it on small machines, raise it to trade memory for fewer passes.
        The results do not depend on it.

    Examples
    --------
    >>> import decisionkit as dk
    >>> with dk.set_options(working_memory=8):
    ...     dk.get_options()["working_memory"]
    8.0
    >>> dk.get_options()["working_memory"]
    32.0
    """

    @validate_params()
    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(_DEFAULTS))
        if unknown:
            raise fail(unknown[0], f"one of the options {sorted(_DEFAULTS)}", options[unknown[0]])
        checked = {}
        if "working_memory" in options:
            checked["working_memory"] = check_number(
                options["working_memory"], "working_memory", low=0.0, low_inclusive=False
            )
        self._previous = get_options()
        _current().update(checked)

    def __enter__(self) -> set_options:
        return self

    def __exit__(self, *exc: object) -> None:
        _OPTIONS.clear()
        _OPTIONS.update(self._previous)


def chunk_values(per_item: int = 1) -> int:
    """How many items of ``per_item`` float64 values fit in the working memory (at least 1)."""
    budget = int(_current()["working_memory"] * 2**20 // 8)
    return max(1, budget // max(1, int(per_item)))

"""Private helpers shared by the PyMC models: sampler settings, seeds, fitted-state checks."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from decisionkit._validation import check_number, check_random_state, fail
from decisionkit.exceptions import NotFittedError

__all__ = [
    "check_sampler_settings",
    "progressbar_on",
    "require_fitted",
    "sampler_seeds",
]


def check_sampler_settings(obj: Any, caller: str) -> None:
    """Validate the common sampler settings stored on a model."""
    for name, low in (("draws", 1), ("tune", 0), ("chains", 1), ("cores", 1)):
        check_number(getattr(obj, name), name, caller, low=low, integer=True)
    check_number(
        obj.target_accept, "target_accept", caller, low=0.5, high=1.0, high_inclusive=False
    )
    if obj.progressbar is not None and not isinstance(obj.progressbar, bool):
        raise fail("progressbar", caller, "True, False or None (on in a terminal)", obj.progressbar)
    check_random_state(obj.random_seed, caller)


def progressbar_on(setting: bool | None) -> bool:
    """``None`` means: show the progress bar when stderr is a terminal."""
    if setting is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return setting


def sampler_seeds(random_seed: Any, caller: str) -> tuple[int, int, np.random.Generator]:
    """Two integer seeds (sampling, posterior predictive) and a Generator, all from one seed.

    An int seed gives the same three every time; a Generator is advanced.
    """
    rng = check_random_state(random_seed, caller)
    seeds = rng.integers(0, 2**31 - 1, size=2)
    return int(seeds[0]), int(seeds[1]), rng


def require_fitted(obj: Any, method: str) -> None:
    """Raise NotFittedError when ``obj.fit()`` has not been called."""
    if getattr(obj, "idata_", None) is None:
        raise NotFittedError(
            f"This {type(obj).__name__} is not fitted yet; call fit() before {method}()."
        )

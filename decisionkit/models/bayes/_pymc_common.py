"""Private helpers of BayesianModel: the progress-bar default and seeds derived from one seed."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from decisionkit._validation import check_random_state

__all__ = ["progressbar_on", "sampler_seeds"]


def progressbar_on(setting: bool | None) -> bool:
    """``None`` means: show the progress bar when stderr is a terminal."""
    if setting is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return setting


def sampler_seeds(random_seed: Any) -> tuple[int, int, np.random.Generator]:
    """Two integer seeds (sampling, posterior predictive) and a Generator, all from one seed.

    An int seed gives the same three every time; a Generator is advanced.
    """
    rng = check_random_state(random_seed)
    seeds = rng.integers(0, 2**31 - 1, size=2)
    return int(seeds[0]), int(seeds[1]), rng

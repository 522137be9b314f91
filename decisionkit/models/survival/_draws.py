"""SurvivalDraws: survival curves over PSA draws, with the parameters that produced them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from decisionkit._validation import validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["SurvivalDraws"]


@dataclass(frozen=True, eq=False)
class SurvivalDraws:
    r"""Survival curves :math:`S_s(t)` for draws :math:`s` on a grid of times (immutable).

    The common currency between survival models (which produce it through
    ``draw_survival(times, *, n_draws, random_seed=None, covariates=None)``) and models that
    use survival curves (partitioned survival). ``parameters`` holds, per draw, the model
    parameters that produced the curve, so they can become PSA inputs for EVPPI.

    Parameters
    ----------
    times : array of shape (n_times,)
        Non-negative, strictly increasing times in years.
    survival : array of shape (n_draws, n_times)
        Survival probabilities in [0, 1], non-increasing in time for every draw.
    parameters : DataFrame, optional
        One row per draw (default: an empty frame with ``n_draws`` rows).

    Examples
    --------
    >>> import numpy as np
    >>> from decisionkit.models.survival import SurvivalDraws
    >>> t = np.linspace(0, 5, 6)
    >>> rate = np.array([[0.2], [0.3]])
    >>> sd = SurvivalDraws(t, np.exp(-rate * t))
    >>> sd.n_draws, sd.n_times
    (2, 6)
    """

    times: np.ndarray
    survival: np.ndarray
    parameters: pd.DataFrame | None = None

    @validate_params()
    def __post_init__(self) -> None:
        times = np.array(self.times, dtype=float, copy=True)
        surv = np.array(self.survival, dtype=float, copy=True)
        where = "SurvivalDraws"
        if times.ndim != 1 or times.size == 0:
            raise ValidationError(f"{where}: 'times' must be a non-empty 1-D array of years.")
        if not np.all(np.isfinite(times)) or times[0] < 0 or np.any(np.diff(times) <= 0):
            raise ValidationError(
                f"{where}: 'times' must be finite, non-negative and strictly increasing."
            )
        if surv.ndim == 1:
            surv = surv[None, :]
        if surv.ndim != 2 or surv.shape[1] != times.size:
            raise ValidationError(
                f"{where}: 'survival' must have shape (n_draws, {times.size}) to match "
                f"'times'; got shape {np.shape(self.survival)}."
            )
        if not np.all(np.isfinite(surv)) or surv.min() < 0 or surv.max() > 1:
            raise ValidationError(f"{where}: survival probabilities must lie in [0, 1].")
        if np.any(np.diff(surv, axis=1) > 1e-12):
            raise ValidationError(f"{where}: survival curves must not increase over time.")
        params = self.parameters
        if params is None:
            params = pd.DataFrame(index=pd.RangeIndex(surv.shape[0]))
        elif not isinstance(params, pd.DataFrame) or len(params) != surv.shape[0]:
            raise ValidationError(
                f"{where}: 'parameters' must be a DataFrame with one row per draw "
                f"({surv.shape[0]} rows)."
            )
        else:
            params = params.reset_index(drop=True).copy()
        times.flags.writeable = False
        surv.flags.writeable = False
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "survival", surv)
        object.__setattr__(self, "parameters", params)

    @property
    def n_draws(self) -> int:
        """Number of draws (rows of ``survival``)."""
        return int(self.survival.shape[0])

    @property
    def n_times(self) -> int:
        """Number of time points."""
        return int(self.times.size)

    def mean(self) -> np.ndarray:
        """Mean survival curve over draws, shape (n_times,)."""
        return self.survival.mean(axis=0)

r"""Curves built from fitted survival models: external evidence on the hazard.

Each object here wraps fitted models and exposes the same ``draw_survival`` (plus
``survival``, ``predict`` and ``rmst``) as a fitted model, so they compose
(``BackgroundMortality(TreatmentWaning(...), ...)``) and feed a partitioned survival model.
They work on cumulative-hazard increments over a fine internal grid (the requested times plus
steps of at most ``1/12`` of a year): over each step :math:`[t_k, t_{k+1})`,

* :class:`BackgroundMortality` (general population mortality as a floor):
  :math:`\Delta H = \max(\Delta H_{model}, \Delta H_{pop})`, with :math:`H_{pop}` from a
  :class:`~decisionkit.models.LifeTable` at the cohort's age and sex, so the extrapolated
  hazard never falls below that of the general population (NICE DSU TSD 21).
* :class:`TreatmentWaning`: :math:`\Delta H = \Delta H_{ref}\,
  (\Delta H_{trt} / \Delta H_{ref})^{w(t)}`, i.e. the hazard ratio against the reference
  curve tapers as :math:`HR(t)^{w(t)}` with :math:`w = 1` before ``start``, falling linearly
  to 0 at ``end`` and 0 after: the treatment effect wanes to none.

References
----------
Rutherford, M. J., Lambert, P. C., Sweeting, M. J. et al. (2020). NICE DSU Technical Support
Document 21: flexible methods for survival analysis.
Latimer, N. R. and Adler, A. I. (2022). Extrapolation beyond the end of trials to estimate
long term survival and cost effectiveness. *BMJ Medicine* 1, e000094.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.models.survival._predict import check_times

__all__ = ["BackgroundMortality", "DerivedCurve", "TreatmentWaning"]

_UNITS = {"years": 1.0, "months": 1 / 12, "weeks": 7 / 365.25, "days": 1 / 365.25}
_MIN_S = 1e-300


def years_per_unit(time_unit: Any) -> float:
    """Years in one unit of the model's time scale."""
    if isinstance(time_unit, str):
        if time_unit not in _UNITS:
            raise fail("time_unit", "one of " + ", ".join(map(repr, _UNITS)), time_unit)
        return _UNITS[time_unit]
    return check_number(time_unit, "time_unit", low=0, low_inclusive=False)


def check_curve(model: Any, param: str) -> Any:
    """A fitted survival model or derived curve (anything with ``draw_survival``)."""
    if not callable(getattr(model, "draw_survival", None)):
        raise fail(param, "a fitted survival model (with draw_survival)", model)
    return model


def monotone(surv: np.ndarray) -> np.ndarray:
    """Clamp to a non-increasing curve in [0, 1] (a hazard cannot be negative)."""
    return np.minimum.accumulate(np.clip(surv, 0.0, 1.0), axis=-1)


class DerivedCurve:
    """Base: predictions of a curve defined by ``draw_survival`` and a point curve."""

    def _point(self, times: np.ndarray, covariates: Any) -> np.ndarray:
        raise NotImplementedError

    def draw_survival(self, times, *, n_draws, random_seed=None, covariates=None):
        raise NotImplementedError

    @validate_params()
    def survival(self, times: Any, *, covariates: Any = None) -> np.ndarray:
        """Point estimate of :math:`S(t)` (from the fitted models' point estimates)."""
        times = check_times(times)
        return self._point(times, covariates)

    @validate_params({"ci": Interval(0.0, 1.0, closed="neither"), "random_seed": "random_state"})
    def predict(
        self,
        times: Any,
        *,
        covariates: Any = None,
        ci: float = 0.95,
        n_draws: int = 1000,
        random_seed: Any = 0,
    ) -> pd.DataFrame:
        """Survival at ``times`` with a ``ci`` interval: ``time, estimate, lower, upper``."""
        level = float(ci)
        times = check_times(times)
        draws = self.draw_survival(
            times, n_draws=n_draws, random_seed=random_seed, covariates=covariates
        ).survival
        lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
        est = self._point(times, covariates)
        return pd.DataFrame({"time": times, "estimate": est, "lower": lo, "upper": hi})

    @validate_params(
        {
            "tau": Interval(0, None, closed="right"),
            "ci": Interval(0.0, 1.0, closed="neither"),
            "random_seed": "random_state",
        }
    )
    def rmst(
        self,
        tau: float,
        *,
        covariates: Any = None,
        ci: float = 0.95,
        n_draws: int = 1000,
        random_seed: Any = 0,
    ) -> pd.Series:
        r"""Restricted mean survival time :math:`\int_0^\tau S(t)\,dt` with an interval."""
        from scipy.integrate import simpson

        tau = float(tau)
        level = float(ci)
        grid = np.linspace(0.0, tau, 1201)
        draws = self.draw_survival(
            grid, n_draws=n_draws, random_seed=random_seed, covariates=covariates
        ).survival
        area = simpson(draws, x=grid, axis=1)
        est = float(simpson(self._point(grid, covariates), x=grid))
        lo, hi = np.quantile(area, [(1 - level) / 2, (1 + level) / 2])
        return pd.Series({"estimate": est, "lower": lo, "upper": hi}, name=f"rmst({tau:g})")


def _fine_grid(times: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Union of ``times`` (and 0) with a regular grid of ``step``; index of ``times`` in it."""
    top = float(times.max())
    regular = np.arange(0.0, top + step, step) if top > 0 else np.zeros(1)
    grid = np.union1d(np.union1d(regular[regular <= top], times), [0.0])
    return grid, np.searchsorted(grid, times)


def _increments(surv: np.ndarray) -> np.ndarray:
    """Cumulative-hazard increments between grid points, from S on the grid."""
    h = -np.log(np.maximum(surv, _MIN_S))
    return np.maximum(np.diff(h, axis=-1), 0.0)


def _from_increments(dh: np.ndarray) -> np.ndarray:
    zero = np.zeros((*dh.shape[:-1], 1))
    return np.exp(-np.concatenate([zero, np.cumsum(dh, axis=-1)], axis=-1))


class BackgroundMortality(DerivedCurve):
    r"""General-population mortality as a floor on a model's hazard.

    Parameters
    ----------
    model : fitted survival model or derived curve
        Anything with ``draw_survival`` (a :class:`ParametricSurvival`, a Bayesian fit, a
        model average, a :class:`TreatmentWaning`).
    life_table : LifeTable
        Annual mortality rates by age (and sex), :class:`decisionkit.models.LifeTable`.
    age : float
        Age of the cohort at time 0, in years.
    sex : str, optional
        Sex label, when the life table is by sex.
    time_unit : {"years", "months", "weeks", "days"} or float, default "years"
        Unit of the model's times (a float gives years per unit).

    Examples
    --------
    >>> import pandas as pd
    >>> from decisionkit.models import LifeTable
    >>> lt = LifeTable(pd.DataFrame({"age": range(40, 111), "rate": 0.01}))
    >>> # floor = BackgroundMortality(fitted_model, lt, age=60)
    """

    @validate_params()
    def __init__(
        self,
        model: Any,
        life_table: Any,
        *,
        age: float,
        sex: str | None = None,
        time_unit: Any = "years",
    ) -> None:
        self.model = check_curve(model, "model")
        if not callable(getattr(life_table, "cumulative_hazard", None)):
            raise fail("life_table", "a decisionkit.models.LifeTable", life_table)
        self.life_table = life_table
        self.age = check_number(age, "age", low=0)
        self.sex = sex
        self.years = years_per_unit(time_unit)
        life_table.cumulative_hazard(self.age, 0.0, sex)  # validates age and sex now

    def _population_increments(self, grid: np.ndarray) -> np.ndarray:
        h = self.life_table.cumulative_hazard(self.age, grid * self.years, self.sex)
        return np.maximum(np.diff(h), 0.0)

    def _floor(self, surv_grid: np.ndarray, grid: np.ndarray) -> np.ndarray:
        return _from_increments(
            np.maximum(_increments(surv_grid), self._population_increments(grid))
        )

    def _point(self, times: np.ndarray, covariates: Any) -> np.ndarray:
        grid, idx = _fine_grid(times, 1 / 12 / self.years)
        return self._floor(self.model.survival(grid, covariates=covariates), grid)[idx]

    @validate_params({"random_seed": "random_state"})
    def draw_survival(self, times, *, n_draws, random_seed=None, covariates=None):
        """Draws of the floored :math:`S(t)`; parameters are the wrapped model's."""
        from decisionkit.models.survival._draws import SurvivalDraws

        times = check_times(times)
        grid, idx = _fine_grid(times, 1 / 12 / self.years)
        inner = self.model.draw_survival(
            grid, n_draws=n_draws, random_seed=random_seed, covariates=covariates
        )
        surv = self._floor(inner.survival, grid)[:, idx]
        return SurvivalDraws(times=times, survival=monotone(surv), parameters=inner.parameters)

    def __repr__(self) -> str:
        sex = f", sex={self.sex!r}" if self.sex is not None else ""
        return f"BackgroundMortality({self.model!r:.60}..., age={self.age:g}{sex})"


class TreatmentWaning(DerivedCurve):
    r"""A treatment effect that wanes: the hazard ratio tapers to 1 between two times.

    Parameters
    ----------
    treated, reference : fitted survival models
        The treated arm's and the reference arm's curves. They may be the same model with
        different ``covariates`` (e.g. ``{"arm": "new"}`` and ``{"arm": "control"}``): then
        both use the same parameter draws, as they should.
    start, end : float
        The effect is full before ``start`` and gone after ``end`` (model time units,
        ``0 <= start <= end``); in between :math:`\log HR` falls linearly to 0.
    treated_covariates, reference_covariates : mapping, optional
        Covariate profiles for the two curves.

    Notes
    -----
    ``draw_survival(..., covariates=...)`` ignores ``covariates`` (the two profiles are
    fixed here) and must be called with ``covariates=None``.
    """

    @validate_params()
    def __init__(
        self,
        treated: Any,
        reference: Any,
        *,
        start: float,
        end: float,
        treated_covariates: Any = None,
        reference_covariates: Any = None,
    ) -> None:
        self.treated = check_curve(treated, "treated")
        self.reference = check_curve(reference, "reference")
        self.start = check_number(start, "start", low=0)
        self.end = check_number(end, "end", low=self.start)
        self.treated_covariates = treated_covariates
        self.reference_covariates = reference_covariates

    def _weight(self, grid: np.ndarray) -> np.ndarray:
        mid = 0.5 * (grid[1:] + grid[:-1])
        if self.end == self.start:
            return (mid < self.start).astype(float)
        return np.clip((self.end - mid) / (self.end - self.start), 0.0, 1.0)

    def _combine(self, s_trt: np.ndarray, s_ref: np.ndarray, grid: np.ndarray) -> np.ndarray:
        d_trt, d_ref = _increments(s_trt), _increments(s_ref)
        w = self._weight(grid)
        with np.errstate(divide="ignore", invalid="ignore"):
            waned = d_ref * np.exp(w * (np.log(d_trt) - np.log(d_ref)))
        return _from_increments(
            np.where((d_ref > 0) & (d_trt > 0), waned, d_trt * w + d_ref * (1 - w))
        )

    def _step(self, times: np.ndarray) -> float:
        return max(float(times.max()), self.end, 1e-9) / 2000

    def _point(self, times: np.ndarray, covariates: Any) -> np.ndarray:
        self._no_covariates(covariates)
        grid, idx = _fine_grid(times, self._step(times))
        s_trt = self.treated.survival(grid, covariates=self.treated_covariates)
        s_ref = self.reference.survival(grid, covariates=self.reference_covariates)
        return self._combine(s_trt, s_ref, grid)[idx]

    @validate_params({"random_seed": "random_state"})
    def draw_survival(self, times, *, n_draws, random_seed=None, covariates=None):
        """Draws of the waned :math:`S(t)`; parameters of both curves (one set if shared)."""
        from decisionkit.models.survival._draws import SurvivalDraws

        self._no_covariates(covariates)
        times = check_times(times)
        grid, idx = _fine_grid(times, self._step(times))
        rng = check_random_state(random_seed)
        seed_trt, seed_ref = rng.integers(0, 2**63 - 1, size=2)
        if self.reference is self.treated:
            seed_ref = seed_trt  # one model: both profiles from the same parameter draws
        trt = self.treated.draw_survival(
            grid, n_draws=n_draws, random_seed=int(seed_trt), covariates=self.treated_covariates
        )
        ref = self.reference.draw_survival(
            grid, n_draws=n_draws, random_seed=int(seed_ref), covariates=self.reference_covariates
        )
        if self.reference is self.treated:
            params = trt.parameters
        else:
            params = pd.concat(
                [trt.parameters.add_prefix("treated: "), ref.parameters.add_prefix("reference: ")],
                axis=1,
            )
        surv = self._combine(trt.survival, ref.survival, grid)[:, idx]
        return SurvivalDraws(times=times, survival=monotone(surv), parameters=params)

    def _no_covariates(self, covariates: Any) -> None:
        if covariates is not None:
            raise fail(
                "covariates",
                "None (set treated_covariates / reference_covariates when building it)",
                covariates,
            )

    def __repr__(self) -> str:
        return f"TreatmentWaning(start={self.start:g}, end={self.end:g})"

"""Predictions shared by every fitted parametric survival model (MLE and Bayesian).

A fitted model holds a family, the :class:`SurvivalData` it was fitted to, and a way to draw
its parameter vector (transformed scale: base parameters, then covariate coefficients). All
predictions (survival, hazard, RMST, median, draws for PSA, and each patient's survival,
cumulative hazard and risk) are computed here from parameter draws, vectorised over draws x
covariate profiles (or patients) x times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

import numpy as np
import pandas as pd

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import NotFittedError, ValidationError
from decisionkit.models.survival._families import Family, NumpyOps

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["ParametricPredictions", "check_times", "evaluate"]

_TINY_T = 1e-12  # h(0) is reported as the hazard at this time (the limit for most families)

# the per-patient predictions' declared parameters
_PER_PATIENT = {"n_draws": [Interval(1, None, integer=True), None], "random_seed": "random_state"}


def check_times(times: Any, caller: str | None = None, *, positive: bool = False) -> np.ndarray:
    """A 1-D array of finite, non-negative (or positive) times.

    Errors name ``caller`` if given, else the public function running (the default).
    """
    caller = caller if caller is not None else caller_name()
    arr = np.atleast_1d(np.asarray(times, dtype=float)) if _numeric(times) else None
    if arr is None or arr.ndim != 1 or arr.size == 0 or not np.isfinite(arr).all():
        raise fail("times", caller, "a non-empty 1-D array of finite times", times)
    if (arr < 0).any() or (positive and (arr <= 0).any()):
        raise fail("times", caller, "positive" if positive else "non-negative", times)
    return arr


def _numeric(values: Any) -> bool:
    try:
        return np.asarray(values).dtype.kind in "biuf"
    except (TypeError, ValueError):
        return False


def evaluate(
    family: Family, theta: np.ndarray, X: np.ndarray, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``log S`` and ``log h`` with shape (draws, profiles, times).

    ``theta`` is (draws, n_params + k) on the transformed scale, ``X`` (profiles, k).
    """
    theta = np.atleast_2d(theta)
    p = family.n_params
    lp = theta[:, p:] @ X.T  # (draws, profiles)
    base = [theta[:, j][:, None, None] for j in range(p)]
    base[family.location] = base[family.location] + lp[:, :, None]
    natural = family.natural(base, NumpyOps)
    logt = np.log(np.maximum(times, _TINY_T))[None, None, :]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        log_s, log_h = family.log_sh(logt, natural, NumpyOps)
    log_s = np.where(times[None, None, :] == 0, 0.0, np.broadcast_to(log_s, lp.shape + times.shape))
    return log_s, np.broadcast_to(log_h, log_s.shape)


def _marginal(log_s: np.ndarray, log_h: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population-average S and h over weighted covariate profiles (axis 1)."""
    s = np.exp(log_s)
    surv = np.einsum("dmt,m->dt", s, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        dens = np.einsum("dmt,m->dt", s * np.exp(log_h), w)
        haz = np.where(surv > 0, dens / surv, np.exp(log_h).max(axis=1))
    return surv, haz


class ParametricPredictions:
    """Mixin: predictions of a fitted parametric survival model from parameter draws."""

    family_: Family
    data_: Any  # the fitted model's SurvivalData (set by fit)

    # ---- hooks the fitted model provides -------------------------------------
    def _theta_draws(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _theta_point(self) -> np.ndarray | None:
        """The parameter vector for point predictions, or None to average over draws."""
        raise NotImplementedError

    def _check_fitted(self, method: str) -> None:
        if getattr(self, "data_", None) is None:
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit() before {method}()."
            )

    # ---- parameter names -------------------------------------------------------
    @property
    def parameter_names(self) -> list[str]:
        """Natural-scale parameter names, then the covariate coefficients."""
        self._check_fitted("parameter_names")
        return list(self.family_.params) + self.data_.design_columns

    def _natural_frame(self, theta: np.ndarray) -> pd.DataFrame:
        nat = np.array(theta, dtype=float, copy=True)
        for j, pos in enumerate(self.family_.positive):
            if pos:
                nat[:, j] = np.exp(nat[:, j])
        return pd.DataFrame(nat, columns=self.parameter_names)

    # ---- core ------------------------------------------------------------------
    def _curves(self, times, covariates, theta):
        X, w = self.data_.design_for(covariates)
        log_s, log_h = evaluate(self.family_, theta, X, times)
        if len(w) == 1:
            return np.exp(log_s[:, 0]), np.exp(log_h[:, 0])
        return _marginal(log_s, log_h, w)

    def _point_and_draws(self, times, covariates, level, n_draws, random_seed, which):
        """Point estimate and draws' interval; ``level`` and ``n_draws`` are declared checks."""
        times = check_times(times)
        rng = check_random_state(random_seed)
        draws = self._curves(times, covariates, self._theta_draws(int(n_draws), rng))[which]
        point = self._theta_point()
        if point is None:
            est = draws.mean(axis=0)
        else:
            est = self._curves(times, covariates, point[None, :])[which][0]
        lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
        return pd.DataFrame({"time": times, "estimate": est, "lower": lo, "upper": hi})

    # ---- public predictions ----------------------------------------------------
    @validate_params()
    def survival(self, times: Any, *, covariates: Any = None) -> np.ndarray:
        r"""Point estimate of :math:`S(t)` at ``times``.

        For an MLE fit this is :math:`S(t; \hat\theta)`; for a Bayesian fit the posterior
        mean of :math:`S(t)`. ``covariates``: ``None`` (the average over the fitted
        patients), a mapping ``{column: value}`` or a DataFrame whose rows are averaged.
        """
        self._check_fitted("survival")
        return self._point_curve(times, covariates, 0)

    @validate_params()
    def hazard(self, times: Any, *, covariates: Any = None) -> np.ndarray:
        """Point estimate of the hazard :math:`h(t)` at ``times`` (see :meth:`survival`)."""
        self._check_fitted("hazard")
        return self._point_curve(times, covariates, 1)

    def _point_curve(self, times, covariates, which):
        times = check_times(times)
        theta = self._point_thetas()
        return self._curves(times, covariates, theta)[which].mean(axis=0)

    def _point_thetas(self) -> np.ndarray:
        """Parameter rows whose mean prediction is the point estimate, (rows, n_params + k).

        The MLE (one row) for a maximum-likelihood fit; for a Bayesian fit 1,000 posterior
        draws chosen with seed 0, so every point prediction averages the same draws.
        """
        point = self._theta_point()
        if point is None:
            return self._theta_draws(1000, np.random.default_rng(0))
        return point[None, :]

    @validate_params(
        {
            "ci": Interval(0.0, 1.0, closed="neither"),
            "n_draws": Interval(2, None, integer=True),
            "random_seed": "random_state",
        }
    )
    def predict(
        self,
        times: Any,
        *,
        what: str = "survival",
        covariates: Any = None,
        ci: float = 0.95,
        n_draws: int = 1000,
        random_seed: Any = 0,
    ) -> pd.DataFrame:
        """Survival or hazard at ``times`` with a ``ci`` interval from parameter draws.

        Returns a tidy DataFrame with columns ``time, estimate, lower, upper``. Intervals
        are quantiles over ``n_draws`` parameter draws (asymptotic normal for MLE,
        posterior for Bayes).
        """
        which = {"survival": 0, "hazard": 1}.get(what)
        if which is None:
            raise fail("what", "'survival' or 'hazard'", what)
        self._check_fitted("predict")
        return self._point_and_draws(times, covariates, ci, n_draws, random_seed, which)

    @validate_params({"n_draws": Interval(1, None, integer=True), "random_seed": "random_state"})
    def draw_survival(
        self,
        times: Any,
        *,
        n_draws: int,
        random_seed: Any = None,
        covariates: Any = None,
    ):
        """Draws of :math:`S(t)` for probabilistic sensitivity analysis.

        Parameters
        ----------
        times : array-like
            Times (in the unit of the fitted data) at which to evaluate :math:`S(t)`.
        n_draws : int
            Number of parameter draws.
        random_seed : int or Generator, optional
            The same seed gives the same parameter draws whatever ``times`` and
            ``covariates`` are, so two arms of one model stay correlated.
        covariates : mapping or DataFrame, optional
            The covariate profile (see :meth:`survival`).

        Returns
        -------
        SurvivalDraws
            ``survival`` (n_draws, n_times) and ``parameters``, one row per draw (natural
            scale), ready to become PSA inputs for EVPPI.
        """
        from decisionkit.models.survival._draws import SurvivalDraws

        self._check_fitted("draw_survival")
        times = check_times(times)
        theta = self._theta_draws(int(n_draws), check_random_state(random_seed))
        # a spline's cumulative hazard can turn down far outside the data for some draws: the
        # hazard is clamped at 0 there (S held flat), as a survival curve cannot rise
        surv = np.minimum.accumulate(self._curves(times, covariates, theta)[0], axis=1)
        return SurvivalDraws(times=times, survival=surv, parameters=self._natural_frame(theta))

    # ---- per-patient predictions -------------------------------------------------
    @overload
    def predict_survival(
        self, X: Any, times: Any, *, n_draws: None = None, random_seed: Any = None
    ) -> pd.DataFrame: ...

    @overload
    def predict_survival(
        self, X: Any, times: Any, *, n_draws: int, random_seed: Any = None
    ) -> xr.DataArray: ...

    @validate_params(_PER_PATIENT)
    def predict_survival(
        self, X: Any, times: Any, *, n_draws: int | None = None, random_seed: Any = None
    ) -> pd.DataFrame | xr.DataArray:
        r"""Survival probability :math:`S(t \mid x_i)` of every patient (row of ``X``).

        Covariates act on the family's location parameter (flexsurv's parameterisation,
        see :mod:`decisionkit.models.survival._families`): with the linear predictor
        :math:`\eta_i = x_i^\top\beta`, e.g.

        .. math::

            \text{exponential: } S(t \mid x_i) = \exp(-\lambda e^{\eta_i} t), \qquad
            \text{Weibull: } S(t \mid x_i) = \exp\{-(t / (b\, e^{\eta_i}))^{a}\}.

        The point estimate is :math:`S(t \mid x_i; \hat\theta)` for a maximum-likelihood fit
        and the posterior mean of :math:`S(t \mid x_i)` for a Bayesian fit (over the same
        1,000 posterior draws as :meth:`survival`), so the mean over the rows of ``X`` is
        ``survival(times, covariates=X)``. This is lifelines' ``predict_survival_function``
        and flexsurv's ``predict(fit, newdata, type = "survival", times)``, one row per
        patient.

        Parameters
        ----------
        X : DataFrame
            One row per patient with (at least) the covariate columns the model was fitted
            on; other columns are ignored. Categorical levels must be ones seen in the fit.
            For a model without covariates any non-empty DataFrame works (every row gets
            the same curve).
        times : array-like
            Non-negative times, in the unit of the fitted data.
        n_draws : int, optional
            Return ``n_draws`` draws of the parameters instead of the point estimate
            (asymptotic normal or bootstrap for a maximum-likelihood fit, posterior for a
            Bayesian fit). The same ``random_seed`` gives the same parameter draws as
            :meth:`draw_survival`, whose ``parameters`` frame then describes each draw.
        random_seed : int or Generator, optional
            Seed of the parameter draws (used only with ``n_draws``).

        Returns
        -------
        DataFrame or xarray.DataArray
            Without ``n_draws``: a DataFrame indexed like ``X`` (one row per patient),
            one column per time (column index named ``time``). With ``n_draws``: a
            DataArray named ``survival`` with dims ``(draw, unit, time)``, ``unit``
            labelled by ``X.index``.

        References
        ----------
        Jackson, C. (2016). flexsurv: a platform for parametric survival modeling in R.
        *Journal of Statistical Software* 70(8). doi:10.18637/jss.v070.i08

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from decisionkit.models.survival import ParametricSurvival
        >>> rng = np.random.default_rng(1)
        >>> x = rng.normal(size=300)
        >>> df = pd.DataFrame({"t": np.exp(0.5 * x) * rng.weibull(1.5, 300), "d": 1, "x": x})
        >>> fit = ParametricSurvival("weibull").fit(df, time="t", event="d", covariates="x")
        >>> fit.predict_survival(df.head(2), [0.5, 1.0]).shape
        (2, 2)
        """
        self._check_fitted("predict_survival")
        return self._per_patient(X, times, "survival", n_draws, random_seed)

    @overload
    def predict_cumulative_hazard(
        self, X: Any, times: Any, *, n_draws: None = None, random_seed: Any = None
    ) -> pd.DataFrame: ...

    @overload
    def predict_cumulative_hazard(
        self, X: Any, times: Any, *, n_draws: int, random_seed: Any = None
    ) -> xr.DataArray: ...

    @validate_params(_PER_PATIENT)
    def predict_cumulative_hazard(
        self, X: Any, times: Any, *, n_draws: int | None = None, random_seed: Any = None
    ) -> pd.DataFrame | xr.DataArray:
        r"""Cumulative hazard :math:`H(t \mid x_i) = -\log S(t \mid x_i)` of every patient.

        Computed from :math:`\log S` directly (no loss of precision where :math:`S` is
        close to 1). For a Bayesian fit the point estimate is the posterior mean of
        :math:`H`. Parameters and shapes as :meth:`predict_survival` (lifelines'
        ``predict_cumulative_hazard``, flexsurv's ``type = "cumhaz"``); the draws are named
        ``cumulative_hazard``.
        """
        self._check_fitted("predict_cumulative_hazard")
        return self._per_patient(X, times, "cumulative_hazard", n_draws, random_seed)

    @overload
    def predict_risk(
        self, X: Any, *, horizon: float, n_draws: None = None, random_seed: Any = None
    ) -> pd.Series: ...

    @overload
    def predict_risk(
        self, X: Any, *, horizon: float, n_draws: int, random_seed: Any = None
    ) -> xr.DataArray: ...

    @validate_params({"horizon": Interval(0, None, closed="neither"), **_PER_PATIENT})
    def predict_risk(
        self, X: Any, *, horizon: float, n_draws: int | None = None, random_seed: Any = None
    ) -> pd.Series | xr.DataArray:
        r"""Each patient's risk of the event by ``horizon``: :math:`1 - S(h \mid x_i)`.

        Computed as :math:`-\operatorname{expm1}(\log S(h \mid x_i))`, exact for small
        risks. The risk a decision curve or a risk-based decision needs
        (:func:`decisionkit.threshold.decision_curve` with ``time_to_event`` and the same
        ``horizon``). For a Bayesian fit the point estimate is the posterior mean risk.

        Parameters
        ----------
        X : DataFrame
            One row per patient (see :meth:`predict_survival`).
        horizon : float
            Positive time, in the unit of the fitted data.
        n_draws : int, optional
            Return draws of the risk (see :meth:`predict_survival`).
        random_seed : int or Generator, optional
            Seed of the parameter draws (used only with ``n_draws``).

        Returns
        -------
        Series or xarray.DataArray
            Without ``n_draws``: a Series named ``risk`` indexed like ``X``. With
            ``n_draws``: a DataArray named ``risk`` with dims ``(draw, unit)``, as the
            risk models' ``predict_risk``.
        """
        h = float(horizon)
        self._check_fitted("predict_risk")
        out = self._per_patient(X, [h], "risk", n_draws, random_seed)
        if isinstance(out, pd.DataFrame):
            return out.iloc[:, 0].rename("risk")
        return out.isel(time=0, drop=True).assign_attrs(horizon=h)

    def _per_patient(self, X, times, kind, n_draws, random_seed):
        """Point estimates (unit, time) or draws (draw, unit, time) of ``kind`` for X's rows."""
        design, index = self._patient_design(X)
        times = check_times(times)
        if n_draws is None:
            theta = self._point_thetas()
        else:
            theta = self._theta_draws(int(n_draws), check_random_state(random_seed))
        n_units = len(design)
        shape = (n_units, len(times)) if n_draws is None else (len(theta), n_units, len(times))
        out = np.empty(shape)
        # blocks of patients sized by the working memory (a few (draws, block, times) arrays)
        block = chunk_values(4 * len(theta) * len(times))
        for start in range(0, n_units, block):
            stop = min(start + block, n_units)
            log_s = evaluate(self.family_, theta, design[start:stop], times)[0]
            if kind == "survival":
                values = np.exp(log_s)
            elif kind == "risk":
                values = -np.expm1(log_s)
            else:  # 0.0 - log S: H(0) is +0.0, not -0.0
                values = 0.0 - log_s
            if n_draws is None:
                out[start:stop] = values.mean(axis=0)
            else:
                out[:, start:stop] = values
        if n_draws is None:
            return pd.DataFrame(out, index=index, columns=pd.Index(times, name="time"))
        import xarray as xr

        coords = {"draw": np.arange(len(theta)), "unit": index.to_numpy(), "time": times}
        return xr.DataArray(out, dims=("draw", "unit", "time"), coords=coords, name=kind)

    def _patient_design(self, X: Any) -> tuple[np.ndarray, pd.Index]:
        """The design row of each patient of ``X``, checked, and the index to label them."""
        if not isinstance(X, pd.DataFrame):
            raise fail("X", "a pandas DataFrame with one row per patient", type(X).__name__)
        names = self.data_.covariate_names
        if len(X) == 0:
            raise fail("X", "a DataFrame with at least one row", "an empty frame")
        missing = [n for n in names if n not in X.columns]
        if missing:
            raise fail(
                "X",
                f"a DataFrame with the covariate columns the model was fitted on {names}",
                f"columns {[str(c) for c in X.columns]}",
                hint=f"Missing: {missing}. Add them before predicting.",
            )
        for name in names:
            _check_covariate(X[name], name, self.data_.levels(name))
        index = X.index.copy()
        if index.nlevels == 1 and index.name is None:
            index.name = "unit"
        return self.data_.design_rows(X), index

    @validate_params(
        {
            "tau": Interval(0, None, closed="neither"),
            "ci": Interval(0.0, 1.0, closed="neither"),
            "n_draws": Interval(2, None, integer=True),
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
        r"""Restricted mean survival time :math:`\int_0^\tau S(t)\,dt` with an interval.

        Integrated by Simpson's rule on 2,001 points. Returns a Series ``estimate, lower,
        upper``.
        """
        grid = np.linspace(0.0, float(tau), 2001)
        self._check_fitted("rmst")
        frame = self._area(grid, covariates, ci, n_draws, random_seed)
        return frame

    def _area(self, grid, covariates, level, n_draws, random_seed):
        """RMST over ``grid``; ``level`` and ``n_draws`` are rmst's declared checks."""
        from scipy.integrate import simpson

        theta = self._theta_draws(int(n_draws), check_random_state(random_seed))
        draws = self._curves(grid, covariates, theta)[0]
        area = simpson(draws, x=grid, axis=1)
        point = self._theta_point()
        if point is None:
            est = float(area.mean())
        else:
            est = float(simpson(self._curves(grid, covariates, point[None])[0][0], x=grid))
        lo, hi = np.quantile(area, [(1 - level) / 2, (1 + level) / 2])
        return pd.Series({"estimate": est, "lower": lo, "upper": hi}, name=f"rmst({grid[-1]:g})")

    @validate_params(
        {
            "prob": Interval(0.0, 1.0, closed="neither"),
            "ci": Interval(0.0, 1.0, closed="neither"),
            "n_draws": Interval(2, None, integer=True),
            "random_seed": "random_state",
        }
    )
    def quantile(
        self,
        prob: float = 0.5,
        *,
        covariates: Any = None,
        ci: float = 0.95,
        n_draws: int = 1000,
        random_seed: Any = 0,
    ) -> pd.Series:
        r"""Time by which a fraction ``prob`` of patients has had the event, with interval.

        ``quantile(0.5)`` is the median survival time. Solved by bisection on
        :math:`\\log t` for every draw at once; ``inf`` when :math:`S` never falls to
        ``1 - prob`` (e.g. a Gompertz with negative shape, a cure plateau).
        """
        self._check_fitted("quantile")
        prob, level = float(prob), float(ci)
        theta = self._theta_draws(int(n_draws), check_random_state(random_seed))
        draws = self._solve(theta, 1 - prob, covariates)
        point = self._theta_point()
        # inverted-CDF quantiles: draws may be inf (S never falls that low), and
        # interpolating between two infinities would give NaN
        est = (
            np.quantile(draws, 0.5, method="inverted_cdf")
            if point is None
            else self._solve(point[None], 1 - prob, covariates)[0]
        )
        lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
        return pd.Series({"estimate": est, "lower": lo, "upper": hi}, name=f"quantile({prob:g})")

    @validate_params()
    def median(self, **kwargs: Any) -> pd.Series:
        """Median survival time with interval (see :meth:`quantile`)."""
        return self.quantile(0.5, **kwargs)

    def _solve(self, theta, target, covariates):
        scale = float(self.data_.time.max())
        lo = np.full(len(theta), np.log(scale) - 30.0)
        hi = np.full(len(theta), np.log(scale) + 12.0)
        s_hi = self._curves_each(np.exp(hi), covariates, theta)
        for _ in range(70):
            mid = 0.5 * (lo + hi)
            above = self._curves_each(np.exp(mid), covariates, theta) > target
            lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
        out = np.exp(0.5 * (lo + hi))
        return np.where(s_hi > target, np.inf, out)

    def _curves_each(self, t_per_draw, covariates, theta):
        """S at one time per draw: evaluate draw d at t_per_draw[d]."""
        X, w = self.data_.design_for(covariates)
        p = self.family_.n_params
        lp = theta[:, p:] @ X.T
        base = [theta[:, j][:, None] for j in range(p)]
        base[self.family_.location] = base[self.family_.location] + lp
        natural = self.family_.natural(base, NumpyOps)
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            log_s, _ = self.family_.log_sh(np.log(t_per_draw)[:, None], natural, NumpyOps)
        return np.exp(np.broadcast_to(log_s, lp.shape)) @ w


def _check_covariate(column: pd.Series, name: str, levels: list[Any] | None) -> None:
    """A covariate column given for prediction: numbers (or known levels), no missing value."""
    where = f"The 'X' parameter of {caller_name()}"
    if levels is None:
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise ValidationError(
                f"{where} must hold numbers in column '{name}' (the model was fitted on a "
                f"numeric '{name}'); it has dtype {column.dtype}. Convert it with "
                "pd.to_numeric first."
            )
        bad = ~np.isfinite(column.to_numpy(dtype=float, na_value=np.nan))
    else:
        bad = column.isna().to_numpy()
    if bad.any():
        raise ValidationError(
            f"{where} holds {int(bad.sum())} missing or infinite value(s) in column '{name}' "
            f"(the first in row {column.index[bad][0]!r}). Drop or impute them before "
            "predicting."
        )
    if levels is not None:
        unknown = sorted({str(v) for v in column.unique() if v not in levels})
        if unknown:
            raise ValidationError(
                f"{where} has level(s) {unknown} in column '{name}' that were not in the data "
                f"the model was fitted to; the known levels are {[str(v) for v in levels]}. "
                "Use one of those, or refit with data that contain the new level."
            )

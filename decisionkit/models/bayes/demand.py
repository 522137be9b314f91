"""CountDemand: negative-binomial regression of daily counts with weekday effects and a trend."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    Interval,
    caller_name,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.bayes._base import BayesianModel

__all__ = ["CountDemand"]

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_PARAMS = ["intercept", "weekday", "trend", "alpha"]
_FORMAT = "decisionkit-count-demand/1"
_MIN_DAYS = 28


class CountDemand(BayesianModel):
    r"""Bayesian negative-binomial regression for daily counts (admissions, arrivals).

    For day :math:`t` with weekday :math:`w(t)` and time :math:`x_t` in years from the middle
    of the training period,

    .. math::

        \log \lambda_t &= \beta_0 + \gamma_{w(t)} + \beta_1 x_t, \qquad
        \textstyle\sum_{w} \gamma_w = 0, \\
        y_t &\sim \operatorname{NegBinomial}(\lambda_t, \alpha), \qquad
        \operatorname{Var}(y_t) = \lambda_t + \lambda_t^2 / \alpha.

    Priors (weakly informative, on the scale of the data): :math:`\beta_0 \sim
    \mathcal N(\log \bar y, 1)`; weekday effects :math:`\gamma \sim` zero-sum normal with
    sd ``prior_weekday_sd`` (log scale; 0.5 allows weekdays to differ by a factor of ~2);
    trend :math:`\beta_1 \sim \mathcal N(0, \text{prior\_trend\_sd}^2)` per year (log
    scale); overdispersion :math:`1/\sqrt{\alpha} \sim \mathcal N^+(0, 1)` (Stan prior
    choice recommendations), which puts mass near the Poisson limit.

    Parameters
    ----------
    prior_weekday_sd, prior_trend_sd : float
        Prior sds of the weekday effects and of the yearly log trend.
    draws, tune, chains, cores : int
        Sampler settings.
    target_accept : float
        NUTS target acceptance rate.
    random_seed : int or numpy.random.Generator, optional
        Same seed, same draws (for fitting; :meth:`forecast` takes its own seed).
    progressbar : bool or None
        Show sampling progress; ``None`` shows it in a terminal.

    Attributes
    ----------
    idata_ : xarray.DataTree
        Posterior of ``intercept``, ``weekday`` (dim ``day_of_week``), ``trend``, ``alpha``, and
        the observed data.
    reference_date_ : pandas.Timestamp
        Day 0 of the trend (the middle of the training period); ``intercept`` is the log mean
        count of an average weekday on this date.
    observed_ : pandas.Series
        The training counts indexed by date.
    diagnostics_ : dict
        Convergence diagnostics (after fit; empty after :meth:`load`).

    References
    ----------
    Hilbe JM. Negative Binomial Regression, 2nd ed. Cambridge University Press, 2011.
    Stan Development Team. Prior choice recommendations (wiki), section on the negative
    binomial overdispersion parameter.

    Examples
    --------
    >>> import decisionkit as dk                                         # doctest: +SKIP
    >>> df = dk.datasets.load_admissions()                               # doctest: +SKIP
    >>> model = CountDemand(random_seed=1).fit(df, count="admissions")    # doctest: +SKIP
    >>> model.forecast(7)          # (draw, date) predictive counts      # doctest: +SKIP
    """

    _convergence_vars = ("intercept", "weekday", "trend", "alpha")

    @validate_params()
    def __init__(
        self,
        *,
        prior_weekday_sd: float = 0.5,
        prior_trend_sd: float = 0.5,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        cores: int = 1,
        target_accept: float = 0.9,
        random_seed: int | np.random.Generator | None = None,
        progressbar: bool | None = None,
        sampler_config: dict[str, Any] | None = None,
    ) -> None:
        self.sampler_config = sampler_config
        self.prior_weekday_sd = prior_weekday_sd
        self.prior_trend_sd = prior_trend_sd
        self.draws = draws
        self.tune = tune
        self.chains = chains
        self.cores = cores
        self.target_accept = target_accept
        self.random_seed = random_seed
        self.progressbar = progressbar
        self.idata_: Any = None

    # ------------------------------------------------------------------ fitting
    @validate_params()
    def fit(self, data: pd.DataFrame, *, date: str = "date", count: str = "count") -> CountDemand:
        """Sample the posterior from a DataFrame of daily counts.

        Parameters
        ----------
        data : DataFrame
            One row per day (days may be missing, but not repeated).
        date : str
            Name of the date column (dates or strings pandas can parse).
        count : str
            Name of the count column (non-negative integers).

        Returns
        -------
        self
        """
        import pymc as pm

        check_number(self.prior_weekday_sd, "prior_weekday_sd", low=0, low_inclusive=False)
        check_number(self.prior_trend_sd, "prior_trend_sd", low=0, low_inclusive=False)
        self._sampler_kwargs()  # sampler settings checked before any work
        dates, y = _read_counts(data, date, count)
        # centre time on the middle of the data: decorrelates intercept and trend (mixes faster)
        start = (dates[0] + (dates[-1] - dates[0]) / 2).normalize()
        x = _years_since(dates, start)
        wd = dates.day_of_week.to_numpy()
        with pm.Model(coords={"day_of_week": WEEKDAYS}) as model:
            intercept = pm.Normal("intercept", np.log(max(y.mean(), 0.5)), 1.0)
            weekday = pm.ZeroSumNormal("weekday", sigma=self.prior_weekday_sd, dims="day_of_week")
            trend = pm.Normal("trend", 0.0, self.prior_trend_sd)
            inv_sqrt_alpha = pm.HalfNormal("inv_sqrt_alpha", 1.0)
            alpha = pm.Deterministic("alpha", 1.0 / inv_sqrt_alpha**2)
            mu = pm.math.exp(intercept + weekday[wd] + trend * x)
            pm.NegativeBinomial("count", mu=mu, alpha=alpha, observed=y)
        idata = self._sample(model)
        self.idata_ = idata
        self.reference_date_ = start
        index = pd.DatetimeIndex(dates, name=date).as_unit("ns")
        self.observed_ = pd.Series(y, index=index, name=count)
        self.date_col_, self.count_col_ = date, count
        return self

    # ------------------------------------------------------------------ prediction
    @validate_params()
    def expected_counts(self, dates: Any) -> xr.DataArray:
        r"""Posterior draws of the mean count :math:`\lambda_t`, dims ``(draw, date)``."""
        self._require_fitted("expected_counts")
        idx = self._dates(dates)
        p = self._posterior()
        x = _years_since(idx, self.reference_date_)
        wd = idx.day_of_week.to_numpy()
        log_mu = p["intercept"][:, None] + p["weekday"][:, wd] + p["trend"][:, None] * x[None, :]
        return xr.DataArray(
            np.exp(log_mu),
            dims=("draw", "date"),
            coords={"draw": np.arange(log_mu.shape[0]), "date": idx},
            name="expected_count",
        )

    @validate_params({"random_seed": "random_state"})
    def forecast(
        self, dates: Any, *, random_seed: int | np.random.Generator | None = None
    ) -> xr.DataArray:
        r"""Posterior-predictive counts for future (or past) dates, dims ``(draw, date)``.

        For each posterior draw, :math:`\tilde y_t \sim \operatorname{NegBinomial}
        (\lambda_t, \alpha)`, drawn as the gamma-Poisson mixture
        :math:`\tilde y_t \sim \operatorname{Poisson}(\Lambda_t)`,
        :math:`\Lambda_t \sim \operatorname{Gamma}(\alpha, \text{scale} = \lambda_t/\alpha)`
        (numpy, vectorised; no re-sampling of the model).

        Parameters
        ----------
        dates : int or sequence of dates
            An int ``h`` forecasts the ``h`` days after the last observed day; otherwise any
            dates pandas can parse (a DatetimeIndex, strings, ``pd.date_range(...)``).
        random_seed : int or Generator, optional
            Seed of the predictive draws.

        Returns
        -------
        xarray.DataArray
            Integer counts, dims ``("draw", "date")``.
        """
        self._require_fitted("forecast")
        rng = check_random_state(random_seed)
        lam = self.expected_counts(self._dates(dates))
        alpha = self._posterior()["alpha"][:, None]
        counts = rng.poisson(rng.gamma(alpha, lam.values / alpha))
        return lam.copy(data=counts).rename("forecast")

    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
    def summary(self, *, prob: float = 0.95) -> pd.DataFrame:
        """Posterior summary of the parameters (mean, sd, equal-tailed interval, r_hat, ESS).

        Weekday effects are multiplicative on the mean after exponentiation
        (``exp(weekday[Mon])`` = Monday's count relative to an average day); ``trend`` is
        the log change per year.
        """
        import arviz as az

        self._require_fitted("summary")
        prob = float(prob)
        post = self.idata_["posterior"].to_dataset()[_PARAMS]
        table = az.summary(post, ci_prob=prob, ci_kind="eti", round_to="none")
        return pd.DataFrame(table)

    def _posterior(self) -> dict[str, np.ndarray]:
        post = self.idata_["posterior"]
        out = {}
        for name in _PARAMS:
            da = post[name]
            out[name] = np.asarray(da.values).reshape(da.sizes["chain"] * da.sizes["draw"], -1)
            if name != "weekday":
                out[name] = out[name][:, 0]
        return out

    def _dates(self, dates: Any) -> pd.DatetimeIndex:
        if isinstance(dates, int | np.integer) and not isinstance(dates, bool):
            h = check_number(dates, "dates", low=1, integer=True)
            last = self.observed_.index.max()
            return pd.date_range(last + pd.Timedelta(days=1), periods=h, freq="D", name="date")
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(dates))
        except (TypeError, ValueError):
            raise fail("dates", "a number of days ahead or a sequence of dates", dates) from None
        if idx.size == 0 or idx.hasnans:
            raise fail("dates", "a non-empty sequence of valid dates", dates)
        return idx.normalize().rename("date")

    # ------------------------------------------------------------------ persistence
    @validate_params()
    def save(self, path: str | Path) -> Path:
        """Write the posterior and the training data to a netCDF file (never pickle)."""
        self._require_fitted("save")
        path = Path(path)
        post = self.idata_["posterior"].to_dataset()[_PARAMS]
        post.attrs = {
            "decisionkit_format": _FORMAT,
            "reference_date": self.reference_date_.isoformat(),
            "date_col": self.date_col_,
            "count_col": self.count_col_,
            "prior_weekday_sd": float(self.prior_weekday_sd),
            "prior_trend_sd": float(self.prior_trend_sd),
        }
        observed = xr.Dataset(
            {"count": ("date", self.observed_.to_numpy())},
            coords={"date": self.observed_.index.to_numpy()},
        )
        tree = xr.DataTree.from_dict({"posterior": post, "observed_data": observed})
        tree.to_netcdf(path, engine="h5netcdf")
        return path

    @classmethod
    @validate_params()
    def load(cls, path: str | Path) -> CountDemand:
        """Read a model written by :meth:`save`; it forecasts without sampling."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"No such netCDF file: '{path}'.")
        tree = xr.open_datatree(path, engine="h5netcdf").load()
        if "posterior" not in tree.children:
            raise ValidationError(f"'{path}' has no 'posterior' group; was it written by save()?")
        attrs = dict(tree["posterior"].attrs)
        if attrs.get("decisionkit_format") != _FORMAT:
            raise ValidationError(
                f"'{path}' was not written by CountDemand.save (format attribute "
                f"{attrs.get('decisionkit_format')!r})."
            )
        model = cls(
            prior_weekday_sd=float(attrs["prior_weekday_sd"]),
            prior_trend_sd=float(attrs["prior_trend_sd"]),
        )
        model.idata_ = tree
        model.reference_date_ = pd.Timestamp(attrs["reference_date"])
        model.date_col_, model.count_col_ = str(attrs["date_col"]), str(attrs["count_col"])
        obs = tree["observed_data"]
        model.observed_ = pd.Series(
            np.asarray(obs["count"].values),
            index=pd.DatetimeIndex(obs["date"].values, name=model.date_col_).as_unit("ns"),
            name=model.count_col_,
        )
        model.diagnostics_ = {}
        return model

    def __repr__(self) -> str:
        if self.idata_ is None:
            return f"CountDemand(draws={self.draws}, chains={self.chains}) [unfitted]"
        idx = self.observed_.index
        return (
            f"CountDemand fitted on {idx.size} days ({idx.min():%Y-%m-%d} to {idx.max():%Y-%m-%d})"
        )


def _years_since(dates: pd.DatetimeIndex, start: pd.Timestamp) -> np.ndarray:
    return ((dates - start) / pd.Timedelta(days=1)).to_numpy(dtype=float) / 365.25


def _read_counts(data: Any, date: str, count: str) -> tuple[pd.DatetimeIndex, Any]:
    """Check the training frame and return sorted dates and integer counts."""
    if not isinstance(data, pd.DataFrame):
        raise fail("data", "a pandas DataFrame", type(data).__name__)
    missing = [c for c in (date, count) if c not in data.columns]
    if missing:
        raise ValidationError(
            f"{caller_name()}: column(s) {missing} not found; the data has columns "
            f"{list(data.columns)}. Pass date= and count= with the right names."
        )
    try:
        with warnings.catch_warnings():
            # pandas warns that it falls back to dateutil before failing; the error says enough
            warnings.simplefilter("ignore", UserWarning)
            dates = pd.DatetimeIndex(pd.to_datetime(data[date]))
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"{caller_name()}: column '{date}' could not be read as dates ({exc}). Use ISO dates "
            "such as 2024-01-31."
        ) from None
    if dates.hasnans:
        rows = np.flatnonzero(dates.isna())[:5].tolist()
        raise ValidationError(
            f"{caller_name()}: column '{date}' has missing dates in row(s) {rows}. Drop those rows."
        )
    raw = data[count]
    if not pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise ValidationError(
            f"{caller_name()}: column '{count}' must hold counts (numbers); got dtype {raw.dtype}. "
            "Convert it with pd.to_numeric()."
        )
    y = raw.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(y).any():
        rows = np.flatnonzero(np.isnan(y))[:5].tolist()
        raise ValidationError(
            f"{caller_name()}: column '{count}' has NaN in row(s) {rows}. Drop those days "
            "(gaps are "
            "fine) rather than filling them with made-up counts."
        )
    bad = ~np.isfinite(y) | (y < 0) | (y != np.round(y))
    if bad.any():
        row = int(np.argmax(bad))
        raise ValidationError(
            f"{caller_name()}: column '{count}' must hold non-negative whole numbers (counts); row "
            f"{row} is {raw.iloc[row]!r}."
        )
    dates = dates.normalize()
    if dates.has_duplicates:
        dup = dates[dates.duplicated()][0]
        raise ValidationError(
            f"{caller_name()}: date {dup:%Y-%m-%d} appears more than once in column '{date}'. "
            "Aggregate to one row per day (e.g. df.groupby(date).sum())."
        )
    if dates.size < _MIN_DAYS:
        raise ValidationError(
            f"{caller_name()} needs at least {_MIN_DAYS} days (4 of each weekday) to "
            "estimate weekday "
            f"effects and a trend; got {dates.size}."
        )
    order = np.argsort(dates.to_numpy(), kind="stable")
    return dates[order], y[order].astype(np.int64)

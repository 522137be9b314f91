r"""Closed-form (conjugate) posteriors: exact, instant, no MCMC.

Three models, each fitted per arm (treatment group, site, ...) with the same interface:
``fit(...)`` returns the model, ``posterior_`` is a DataFrame of the exact posterior
parameters per arm, ``mean()``, ``var()`` and ``interval(prob)`` are exact, and
``sample(n_draws, random_seed=...)`` gives posterior draws as a DataArray ``(draw, arm)``
ready for :meth:`decisionkit.OutcomeDistribution.from_arrays`.

* :class:`BetaBinomial`: prior :math:`p \sim \mathrm{Beta}(a, b)`, :math:`x` events in
  :math:`n` trials, posterior :math:`\mathrm{Beta}(a + x, b + n - x)`.
* :class:`GammaPoisson`: prior :math:`\lambda \sim \Gamma(a, b)` (shape, rate), counts
  :math:`y` over exposure :math:`t`, posterior :math:`\Gamma(a + y, b + t)`.
* :class:`NormalKnownVariance`: prior :math:`\mu \sim N(m, s^2)`, :math:`n` observations
  with known sd :math:`\sigma`, posterior :math:`N(m', s'^2)` with
  :math:`1/s'^2 = 1/s^2 + n/\sigma^2` and :math:`m' = s'^2 (m/s^2 + \sum x/\sigma^2)`.

References
----------
Gelman, A., Carlin, J. B., Stern, H. S., Dunson, D. B., Vehtari, A. and Rubin, D. B.
(2013). *Bayesian Data Analysis*, 3rd edn, sections 2.4-2.6. CRC Press.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    Interval,
    caller_name,
    check_names,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import NotFittedError, ValidationError

__all__ = ["BetaBinomial", "GammaPoisson", "NormalKnownVariance"]


def _labels(values: Any, names: Sequence[Any] | None, n: int) -> list[str]:
    if names is None:
        if isinstance(values, pd.Series):
            names = list(values.index)
        else:
            names = [f"arm_{i}" for i in range(n)]
    labels = check_names(names, "names")
    if len(labels) != n:
        raise ValidationError(
            f"{caller_name()}: got {len(labels)} name(s) for {n} arm(s). Pass one name per arm."
        )
    return labels


def _vector(value: Any, param: str, *, integer: bool, low: float) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value))
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "biuf" or arr.dtype.kind == "b":
        raise fail(param, "a number or a 1-D array of numbers (one per arm)", value)
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise fail(param, "finite (no NaN or infinity)", value)
    if (arr < low).any():
        kind = "non-negative" if low == 0 else f">= {low:g}"
        raise fail(param, f"{kind} (one value per arm)", value)
    if integer and not np.equal(np.mod(arr, 1), 0).all():
        raise fail(param, "whole numbers (counts)", value)
    return arr


class _Conjugate:
    """Shared machinery: exact summaries and draws from a per-arm scipy distribution."""

    _value_name = "value"
    posterior_: pd.DataFrame  # set by fit(): one row of posterior parameters per arm

    def mean(self) -> pd.Series:  # pragma: no cover - each model defines its own
        raise NotImplementedError

    def var(self) -> pd.Series:  # pragma: no cover - each model defines its own
        raise NotImplementedError

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "posterior_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit(...) before {method}()."
            )

    def _dist(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def arms(self) -> list[str]:
        """Arm labels, in order."""
        self._check_fitted("arms")
        return list(self.posterior_.index)

    def _series(self, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=pd.Index(self.arms, name="arm"), name=name)

    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
    def interval(self, prob: float = 0.95) -> pd.DataFrame:
        """Exact equal-tailed credible interval per arm (columns ``lower``, ``upper``)."""
        self._check_fitted("interval")
        prob = float(prob)
        lower, upper = self._dist().interval(prob)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=pd.Index(self.arms, name="arm"))

    @validate_params({"n_draws": Interval(1, None, integer=True), "random_seed": "random_state"})
    def sample(
        self, n_draws: int = 1000, *, random_seed: int | np.random.Generator | None = None
    ) -> xr.DataArray:
        """Independent posterior draws per arm as a DataArray with dims ``(draw, arm)``.

        Parameters
        ----------
        n_draws : int, default 1000
            Number of draws.
        random_seed : int or numpy.random.Generator, optional
            The same seed gives the same draws.
        """
        self._check_fitted("sample")
        n_draws = int(n_draws)
        rng = check_random_state(random_seed)
        draws = self._dist().rvs(size=(n_draws, len(self.arms)), random_state=rng)
        return xr.DataArray(
            draws,
            dims=["draw", "arm"],
            coords={"draw": np.arange(n_draws), "arm": self.arms},
            name=self._value_name,
        )

    @validate_params()
    def summary(self, prob: float = 0.95) -> pd.DataFrame:
        """Posterior parameters, mean, sd and equal-tailed interval per arm."""
        table = self.posterior_.copy()
        table["mean"] = self.mean()
        table["sd"] = np.sqrt(self.var())
        ci = self.interval(prob)
        pct = f"{100 * prob:g}%"
        table[f"lower_{pct}"] = ci["lower"]
        table[f"upper_{pct}"] = ci["upper"]
        return table

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: one row per (arm, parameter) of the exact posterior."""
        self._check_fitted("to_frame")
        long = self.posterior_.rename_axis("arm").reset_index()
        return long.melt(id_vars="arm", var_name="parameter", value_name="value")

    def __repr__(self) -> str:
        state = (
            f"fitted on {len(self.posterior_)} arm(s)"
            if hasattr(self, "posterior_")
            else ("not fitted")
        )
        return f"{type(self).__name__}({self._prior_repr()}) [{state}]"

    def _prior_repr(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class BetaBinomial(_Conjugate):
    r"""Beta prior, binomial data: posterior event probability per arm.

    With prior :math:`p \sim \mathrm{Beta}(a, b)` and :math:`x` events in :math:`n`
    trials the posterior is :math:`\mathrm{Beta}(a + x, b + n - x)`, with mean
    :math:`\alpha' / (\alpha' + \beta')` and variance
    :math:`\alpha'\beta' / ((\alpha'+\beta')^2 (\alpha'+\beta'+1))`.

    Parameters
    ----------
    prior_alpha, prior_beta : float, default 1
        Prior shape parameters (1, 1 is uniform; 0.5, 0.5 is Jeffreys').

    Attributes
    ----------
    posterior_ : pandas.DataFrame
        Columns ``alpha`` and ``beta`` of the posterior Beta, one row per arm.

    References
    ----------
    Gelman, A. et al. (2013). *Bayesian Data Analysis*, 3rd edn, section 2.4.

    Examples
    --------
    >>> from decisionkit.models import BetaBinomial
    >>> bb = BetaBinomial().fit([12, 30], [100, 150], names=["Drug", "Placebo"])
    >>> bb.posterior_.loc["Drug"].tolist()  # Beta(1 + 12, 1 + 100 - 12)
    [13.0, 89.0]
    >>> p = bb.sample(2000, random_seed=1)  # DataArray (draw, arm)
    """

    _value_name = "probability"

    @validate_params()
    def __init__(self, prior_alpha: float = 1.0, prior_beta: float = 1.0) -> None:
        self.prior_alpha = check_number(prior_alpha, "prior_alpha", low=0, low_inclusive=False)
        self.prior_beta = check_number(prior_beta, "prior_beta", low=0, low_inclusive=False)

    def _prior_repr(self) -> str:
        return f"prior_alpha={self.prior_alpha:g}, prior_beta={self.prior_beta:g}"

    @validate_params()
    def fit(self, events: Any, n: Any, *, names: Sequence[Any] | None = None) -> BetaBinomial:
        """Update the prior with ``events`` out of ``n`` trials per arm.

        Parameters
        ----------
        events, n : int or 1-D array-like of int
            Events and trials per arm (a pandas Series supplies the arm names).
        names : sequence of str, optional
            Arm labels (default the Series index of ``events`` or ``arm_0``, ``arm_1``, ...).
        """
        x = _vector(events, "events", integer=True, low=0)
        m = _vector(n, "n", integer=True, low=0)
        if x.shape != m.shape:
            raise ValidationError(
                f"{caller_name()}: 'events' has {x.size} value(s) but 'n' has {m.size}. Pass one "
                "events count and one trial count per arm."
            )
        over = np.flatnonzero(x > m)
        if over.size:
            raise ValidationError(
                f"{caller_name()}: events exceed trials for arm index(es) {over.tolist()} "
                f"(events {x[over].tolist()}, n {m[over].tolist()}). Check the two columns."
            )
        labels = _labels(events, names, x.size)
        self.posterior_ = pd.DataFrame(
            {"alpha": self.prior_alpha + x, "beta": self.prior_beta + m - x},
            index=pd.Index(labels, name="arm"),
        )
        return self

    def _dist(self):
        from scipy import stats

        return stats.beta(self.posterior_["alpha"].to_numpy(), self.posterior_["beta"].to_numpy())

    def mean(self) -> pd.Series:
        r"""Exact posterior mean :math:`\alpha'/(\alpha'+\beta')` per arm."""
        self._check_fitted("mean")
        a, b = self.posterior_["alpha"].to_numpy(), self.posterior_["beta"].to_numpy()
        return self._series(a / (a + b), "mean")

    def var(self) -> pd.Series:
        r"""Exact posterior variance :math:`a b / ((a + b)^2 (a + b + 1))` of Beta(a, b)."""
        self._check_fitted("var")
        a, b = self.posterior_["alpha"].to_numpy(), self.posterior_["beta"].to_numpy()
        s = a + b
        return self._series(a * b / (s * s * (s + 1.0)), "var")


class GammaPoisson(_Conjugate):
    r"""Gamma prior, Poisson counts over exposure: posterior event rate per arm.

    With prior :math:`\lambda \sim \Gamma(a, b)` (shape :math:`a`, rate :math:`b`) and
    counts :math:`y \sim \mathrm{Poisson}(\lambda t)` the posterior is
    :math:`\Gamma(a + y, b + t)`, with mean :math:`a'/b'` and variance :math:`a'/b'^2`.

    Parameters
    ----------
    prior_shape, prior_rate : float, default 0.001, 0.001
        Prior shape and rate (the default is vague; pass e.g. ``prior_shape=2,
        prior_rate=100`` to encode 2 events in 100 person-years of prior evidence).

    Attributes
    ----------
    posterior_ : pandas.DataFrame
        Columns ``shape`` and ``rate`` of the posterior Gamma, one row per arm.

    References
    ----------
    Gelman, A. et al. (2013). *Bayesian Data Analysis*, 3rd edn, section 2.6.

    Examples
    --------
    >>> from decisionkit.models import GammaPoisson
    >>> gp = GammaPoisson(prior_shape=1, prior_rate=1).fit([4, 9], exposure=[10, 12])
    >>> gp.mean().round(4).tolist()
    [0.4545, 0.7692]
    """

    _value_name = "rate"

    @validate_params()
    def __init__(self, prior_shape: float = 0.001, prior_rate: float = 0.001) -> None:
        self.prior_shape = check_number(prior_shape, "prior_shape", low=0, low_inclusive=False)
        self.prior_rate = check_number(prior_rate, "prior_rate", low=0, low_inclusive=False)

    def _prior_repr(self) -> str:
        return f"prior_shape={self.prior_shape:g}, prior_rate={self.prior_rate:g}"

    @validate_params()
    def fit(
        self, counts: Any, exposure: Any = 1.0, *, names: Sequence[Any] | None = None
    ) -> GammaPoisson:
        """Update the prior with total ``counts`` over total ``exposure`` per arm.

        Parameters
        ----------
        counts : int or 1-D array-like of int
            Total event count per arm (a pandas Series supplies the arm names).
        exposure : float or 1-D array-like, default 1.0
            Total exposure (person-time) per arm, > 0; a scalar applies to every arm.
        names : sequence of str, optional
            Arm labels.
        """
        y = _vector(counts, "counts", integer=True, low=0)
        t = _vector(exposure, "exposure", integer=False, low=0)
        if (t == 0).any():
            raise fail("exposure", "> 0 for every arm", exposure)
        if t.size == 1:
            t = np.full(y.shape, t[0])
        if t.shape != y.shape:
            raise ValidationError(
                f"{caller_name()}: 'counts' has {y.size} value(s) but 'exposure' has "
                f"{t.size}. Pass one "
                "exposure per arm (or a single number for all arms)."
            )
        labels = _labels(counts, names, y.size)
        self.posterior_ = pd.DataFrame(
            {"shape": self.prior_shape + y, "rate": self.prior_rate + t},
            index=pd.Index(labels, name="arm"),
        )
        return self

    def _dist(self):
        from scipy import stats

        return stats.gamma(
            self.posterior_["shape"].to_numpy(), scale=1.0 / self.posterior_["rate"].to_numpy()
        )

    def mean(self) -> pd.Series:
        """Exact posterior mean rate :math:`a'/b'` per arm."""
        self._check_fitted("mean")
        return self._series((self.posterior_["shape"] / self.posterior_["rate"]).to_numpy(), "mean")

    def var(self) -> pd.Series:
        """Exact posterior variance :math:`a'/b'^2` per arm."""
        self._check_fitted("var")
        p = self.posterior_
        return self._series((p["shape"] / p["rate"] ** 2).to_numpy(), "var")


class NormalKnownVariance(_Conjugate):
    r"""Normal prior on a mean, normal data with known standard deviation :math:`\sigma`.

    With prior :math:`\mu \sim N(m, s^2)` and data :math:`x_1..x_n \sim N(\mu, \sigma^2)`
    the posterior is :math:`N(m', s'^2)` with precision
    :math:`1/s'^2 = 1/s^2 + n/\sigma^2` and mean
    :math:`m' = s'^2 (m / s^2 + \sum_i x_i / \sigma^2)`.

    Parameters
    ----------
    prior_mean : float, default 0
    prior_sd : float, default 1e3
        Prior standard deviation :math:`s` (vague by default).
    sigma : float, default 1
        The known standard deviation of one observation.

    Attributes
    ----------
    posterior_ : pandas.DataFrame
        Columns ``mean``, ``sd`` and ``n`` (observations used) per arm.

    References
    ----------
    Gelman, A. et al. (2013). *Bayesian Data Analysis*, 3rd edn, section 2.5.

    Examples
    --------
    >>> from decisionkit.models import NormalKnownVariance
    >>> nk = NormalKnownVariance(prior_mean=0, prior_sd=1, sigma=2).fit(total=12.0, n=4)
    >>> nk.mean().tolist(), nk.var().tolist()  # precision 1/1 + 4/4 = 2; (0 + 12/4) / 2
    ([1.5], [0.5])
    """

    _value_name = "mean"

    @validate_params()
    def __init__(self, prior_mean: float = 0.0, prior_sd: float = 1e3, sigma: float = 1.0) -> None:
        self.prior_mean = check_number(prior_mean, "prior_mean")
        self.prior_sd = check_number(prior_sd, "prior_sd", low=0, low_inclusive=False)
        self.sigma = check_number(sigma, "sigma", low=0, low_inclusive=False)

    def _prior_repr(self) -> str:
        return f"prior_mean={self.prior_mean:g}, prior_sd={self.prior_sd:g}, sigma={self.sigma:g}"

    @validate_params()
    def fit(
        self,
        data: Any = None,
        *,
        total: Any = None,
        n: Any = None,
        names: Sequence[Any] | None = None,
    ) -> NormalKnownVariance:
        """Update the prior with raw observations or with their sum and count per arm.

        Parameters
        ----------
        data : 1-D array-like or mapping of arm name to 1-D array-like, optional
            Raw observations of one arm, or of several arms as a dict.
        total, n : float/int or 1-D array-like, optional
            Sum of the observations and their number, per arm (instead of ``data``).
        names : sequence of str, optional
            Arm labels (default the dict keys, or ``arm_0``, ...).
        """
        if (data is None) == (total is None and n is None):
            raise ValidationError(
                f"{caller_name()}: pass either 'data' (raw observations) or both 'total' and 'n' "
                "(their sum and count per arm), not both and not neither."
            )
        if data is not None:
            groups = dict(data) if isinstance(data, Mapping) else {"arm_0": data}
            sums, counts = [], []
            for key, obs in groups.items():
                arr = np.asarray(obs, dtype=float).ravel()
                if arr.size == 0 or not np.isfinite(arr).all():
                    raise fail(
                        f"data[{key!r}]",
                        "a non-empty array of finite numbers",
                        obs,
                        hint="Drop or impute NaN values first.",
                    )
                sums.append(arr.sum())
                counts.append(arr.size)
            s, k = np.array(sums), np.array(counts, dtype=float)
            if names is None and isinstance(data, Mapping):
                names = list(groups)
            labels = _labels(None, names, s.size)
        else:
            if total is None or n is None:
                raise ValidationError(f"{caller_name()}: 'total' and 'n' must be given together.")
            s = _vector(total, "total", integer=False, low=-np.inf)
            k = _vector(n, "n", integer=True, low=1)
            if s.shape != k.shape:
                raise ValidationError(
                    f"{caller_name()}: 'total' has {s.size} value(s) but 'n' has {k.size}. "
                    "Pass one "
                    "of each per arm."
                )
            labels = _labels(total, names, s.size)
        precision = 1.0 / self.prior_sd**2 + k / self.sigma**2
        mean = (self.prior_mean / self.prior_sd**2 + s / self.sigma**2) / precision
        self.posterior_ = pd.DataFrame(
            {"mean": mean, "sd": 1.0 / np.sqrt(precision), "n": k},
            index=pd.Index(labels, name="arm"),
        )
        return self

    def _dist(self):
        from scipy import stats

        return stats.norm(self.posterior_["mean"].to_numpy(), self.posterior_["sd"].to_numpy())

    def mean(self) -> pd.Series:
        """Exact posterior mean :math:`m'` per arm."""
        self._check_fitted("mean")
        return self._series(self.posterior_["mean"].to_numpy(), "mean")

    def var(self) -> pd.Series:
        """Exact posterior variance :math:`s'^2` per arm."""
        self._check_fitted("var")
        # recomputed from the precision (sd**2 would lose the last digit)
        n = self.posterior_["n"].to_numpy()
        return self._series(1.0 / (1.0 / self.prior_sd**2 + n / self.sigma**2), "var")

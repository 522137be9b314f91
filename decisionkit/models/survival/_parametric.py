r"""Parametric survival models fitted by maximum likelihood.

:class:`ParametricSurvival` fits one of the families of :mod:`._families` (exponential,
Weibull, Gompertz, log-logistic, log-normal, generalised gamma, Royston-Parmar spline) to
right-censored, optionally left-truncated data with covariates on the location parameter.
The log-likelihood is maximised with scipy's BFGS on the transformed (real-line) parameters
and polished with Newton steps; the covariance is the inverse of the observed information
(the negative Hessian by central differences), and PSA draws come from the asymptotic normal
:math:`\theta \sim N(\hat\theta, I(\hat\theta)^{-1})`.

Why scipy.optimize on hand-written likelihoods: see :mod:`._families` (lifelines covers
neither Gompertz nor generalised-gamma regression nor Royston-Parmar odds models, and the same
likelihood code serves the PyMC fit). The Hessian is taken by central differences because
scipy has no Hessian-at-a-point helper for a scalar function (``scipy.differentiate.hessian``
needs a function vectorised over parameter arrays, which the spline basis is not).

References
----------
Jackson, C. (2016). flexsurv: a platform for parametric survival modeling in R. *Journal of
Statistical Software* 70(8). doi:10.18637/jss.v070.i08
Latimer, N. (2011). NICE DSU Technical Support Document 14: survival analysis for economic
evaluations alongside clinical trials.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from decisionkit._validation import (
    caller_name,
    check_in,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.models.survival._data import SurvivalData
from decisionkit.models.survival._families import (
    FAMILIES,
    Family,
    NumpyOps,
    get_family,
    spline_family,
)
from decisionkit.models.survival._predict import ParametricPredictions

__all__ = ["DISTRIBUTIONS", "ParametricSurvival", "as_survival_data", "fit_distributions"]

DISTRIBUTIONS = (*FAMILIES, "spline")
_NAMES = (*DISTRIBUTIONS, "exp", "llogis", "lnorm")


def as_survival_data(
    data: Any, time, event, entry, covariates, caller: str | None = None
) -> SurvivalData:
    """A SurvivalData as given, or built from a DataFrame and column names.

    Errors name ``caller`` if given, else the public function running (the default).
    """
    caller = caller if caller is not None else caller_name()
    if isinstance(data, SurvivalData):
        if any(v is not None for v in (time, event, entry, covariates)):
            raise ValidationError(
                f"{caller}: pass either a SurvivalData, or a DataFrame with time=, event=, "
                "entry=, covariates=; the column names are already inside a SurvivalData."
            )
        return data
    if isinstance(data, pd.DataFrame):
        if time is None:
            raise fail("time", caller, "the name of the time column", time)
        return SurvivalData.from_frame(
            data, time=time, event=event, entry=entry, covariates=covariates
        )
    raise fail("data", caller, "a SurvivalData or a pandas DataFrame", type(data).__name__)


def _family_for(distribution: str, knots: int, scale: str, data: SurvivalData) -> Family:
    if distribution != "spline":
        return get_family(distribution)
    events = data.time[data.event == 1]
    if len(np.unique(events)) < knots + 2:
        raise ValidationError(
            f"A spline with {knots} internal knot(s) needs at least {knots + 2} distinct event "
            f"times; the data have {len(np.unique(events))}. Use fewer knots."
        )
    return spline_family(np.log(events), knots, scale)


class _LogLik:
    """Negative log-likelihood of a family on fixed data, as a function of theta."""

    def __init__(self, family: Family, data: SurvivalData) -> None:
        self.family, self.p = family, family.n_params
        self.X = np.asarray(data.design)
        self.d = data.event.astype(float)
        self.logt = np.log(data.time)
        self.trunc = data.entry > 0
        self.loge = np.log(data.entry[self.trunc]) if self.trunc.any() else None

    def loglik_terms(self, theta: np.ndarray) -> np.ndarray:
        fam, p = self.family, self.p
        lp = self.X @ theta[p:]
        base = [theta[j] for j in range(p)]
        base[fam.location] = base[fam.location] + lp
        nat = fam.natural(base, NumpyOps)
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            log_s, log_h = fam.log_sh(self.logt, nat, NumpyOps)
            ll = self.d * log_h + log_s
            if self.loge is not None:
                nat_e = [np.broadcast_to(v, self.logt.shape)[self.trunc] for v in nat]
                ll = ll.copy()
                ll[self.trunc] -= fam.log_sh(self.loge, nat_e, NumpyOps)[0]
        return np.broadcast_to(ll, self.logt.shape)

    def __call__(self, theta: np.ndarray) -> float:
        value = -float(np.sum(self.loglik_terms(theta)))
        return value if np.isfinite(value) else 1e50


def _hessian(f, x: np.ndarray, rel_step: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function (4 p^2 evaluations)."""
    p = len(x)
    h = rel_step * np.maximum(1.0, np.abs(x))
    H = np.empty((p, p))
    f0 = f(x)
    for i in range(p):
        ei = np.zeros(p)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(p)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (
                f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
            ) / (4 * h[i] * h[j])
    return H


def _gradient(f, x: np.ndarray, rel_step: float = 1e-5) -> np.ndarray:
    h = rel_step * np.maximum(1.0, np.abs(x))
    g = np.empty(len(x))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h[i]
        g[i] = (f(x + e) - f(x - e)) / (2 * h[i])
    return g


class ParametricSurvival(ParametricPredictions):
    r"""A parametric survival model fitted by maximum likelihood.

    Parameters
    ----------
    distribution : str
        ``"exponential"``, ``"weibull"``, ``"gompertz"``, ``"loglogistic"``,
        ``"lognormal"``, ``"gengamma"`` (Prentice) or ``"spline"`` (Royston-Parmar);
        flexsurv's ``"exp"``, ``"llogis"``, ``"lnorm"`` also work. Parameterisations are
        flexsurv's (see :mod:`decisionkit.models.survival._families`).
    knots : int, default 1
        Internal knots of the spline (1 to 3); ignored for the other distributions.
    scale : {"hazard", "odds"}, default "hazard"
        Scale of the spline: proportional hazards or proportional odds.
    uncertainty : {"normal", "bootstrap"}, default "normal"
        Where PSA draws (``draw_survival``, intervals) come from: the asymptotic normal
        :math:`N(\hat\theta, I^{-1})`, or ``n_bootstrap`` refits to patients resampled with
        replacement (better for small samples or skewed likelihoods; knots stay fixed).
    n_bootstrap : int, default 200
        Number of bootstrap refits.
    random_seed : int or Generator, optional
        Seed of the bootstrap resampling.

    Attributes
    ----------
    coef_ : ndarray
        Estimates on the transformed scale (log for positive parameters), then the
        covariate coefficients.
    cov_ : ndarray
        Their covariance matrix (inverse observed information).
    loglik_, aic_, bic_ : float
        Maximised log-likelihood; :math:`AIC = -2\ell + 2p`; :math:`BIC = -2\ell + p\log n`
        with :math:`n` patients (flexsurv's convention).
    summary : DataFrame
        Estimates on the natural scale with standard errors and 95% intervals (from the
        observed information).
    bootstrap_ : ndarray or None
        ``(n_bootstrap, n_params)`` refitted parameter vectors (transformed scale).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"t": rng.weibull(1.5, 200) * 10, "d": 1})
    >>> fit = ParametricSurvival("weibull").fit(df, time="t", event="d")
    >>> round(fit.summary.loc["shape", "estimate"], 1)
    1.5
    """

    # scikit-learn style: the constructor stores its arguments and fit checks them
    @validate_params()
    def __init__(
        self,
        distribution: str = "weibull",
        *,
        knots: int = 1,
        scale: str = "hazard",
        uncertainty: str = "normal",
        n_bootstrap: int = 200,
        random_seed: Any = None,
    ):
        self.distribution = distribution
        self.knots = knots
        self.scale = scale
        self.uncertainty = uncertainty
        self.n_bootstrap = n_bootstrap
        self.random_seed = random_seed

    # ------------------------------------------------------------------ fitting
    @validate_params()
    def fit(
        self,
        data: SurvivalData | pd.DataFrame,
        *,
        time: str | None = None,
        event: str | None = None,
        entry: str | None = None,
        covariates: Any = None,
    ) -> ParametricSurvival:
        """Fit by maximum likelihood.

        ``data`` is a :class:`SurvivalData`, or a DataFrame with the column names given as
        ``time``, ``event``, ``entry``, ``covariates`` (see
        :meth:`SurvivalData.from_frame`). Returns the fitted model.
        """
        self._check_settings()
        data = as_survival_data(data, time, event, entry, covariates)
        if data.n_events == 0:
            raise ValidationError(
                "The data have no events, so no parametric model can be fitted. Check the "
                "event column (1 = event, 0 = censored)."
            )
        if (data.time <= 0).any():
            raise ValidationError(
                f"{int((data.time <= 0).sum())} time(s) are 0; parametric models need "
                "positive times (the density at 0 is 0 or infinite). Replace zeros by a small "
                "positive time, e.g. half a day in the data's unit."
            )
        family = _family_for(self.distribution, self.knots, self.scale, data)
        nll = _LogLik(family, data)
        start = self._start(family, data)
        theta = _maximise(nll, start)
        H = _hessian(nll, theta)
        cov = _invert(H, family.label)
        self.data_ = data
        self.family_ = family
        self.coef_ = theta
        self.cov_ = cov
        self.loglik_ = -nll(theta)
        self.n_params_ = len(theta)
        self.aic_ = -2 * self.loglik_ + 2 * self.n_params_
        self.bic_ = -2 * self.loglik_ + self.n_params_ * np.log(data.n)
        self.loglik_terms_ = nll.loglik_terms(theta).copy()
        self.bootstrap_ = (
            _bootstrap(family, data, theta, self.n_bootstrap, self.random_seed)
            if self.uncertainty == "bootstrap"
            else None
        )
        return self

    def _check_settings(self) -> None:
        check_in(self.distribution, _NAMES, "distribution")
        check_in(self.uncertainty, ("normal", "bootstrap"), "uncertainty")
        if self.uncertainty == "bootstrap":
            check_number(self.n_bootstrap, "n_bootstrap", low=2, integer=True)
        if self.distribution == "spline":
            check_number(self.knots, "knots", low=1, high=3, integer=True)
            check_in(self.scale, ("hazard", "odds"), "scale")

    def _start(self, family: Family, data: SurvivalData) -> np.ndarray:
        """Starting values: crude moments, or a Weibull / log-logistic fit for richer families."""
        k = data.design.shape[1]
        exposure = float(np.sum(data.time - data.entry))
        log_mean = np.log(exposure / data.n_events)
        name = family.name
        if name == "exponential":
            base = [-log_mean]
        elif name == "weibull":
            base = [0.0, log_mean]
        elif name == "gompertz":
            base = [0.0, -log_mean]
        elif name == "loglogistic":
            base = [0.0, log_mean + np.log(np.log(2.0))]
        elif name == "lognormal":
            base = [log_mean + np.log(np.log(2.0)), 0.0]
        else:
            sub = "loglogistic" if name == "spline" and family.scale == "odds" else "weibull"
            ref = ParametricSurvival(sub).fit(data)
            shape, log_scale, beta = np.exp(ref.coef_[0]), ref.coef_[1], ref.coef_[2:]
            if name == "gengamma":  # Q = 1 is the Weibull: mu = log scale, sigma = 1/shape
                return np.concatenate([[log_scale, -ref.coef_[0], 1.0], beta])
            # spline: log H (or log odds) = shape * (log t - log scale) - shape * x beta
            gam = np.zeros(family.n_params)
            gam[0], gam[1] = -shape * log_scale, shape
            return np.concatenate([gam, -shape * beta])
        return np.concatenate([base, np.zeros(k)])

    # ------------------------------------------------------------------ predictions hooks
    def _theta_draws(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        boot = getattr(self, "bootstrap_", None)
        if boot is not None:
            return boot[rng.choice(len(boot), size=n_draws, replace=n_draws > len(boot))]
        return rng.multivariate_normal(self.coef_, self.cov_, size=n_draws, method="eigh")

    def _theta_point(self) -> np.ndarray:
        return self.coef_

    # ------------------------------------------------------------------ reporting
    @property
    def summary(self) -> pd.DataFrame:
        """Estimates (natural scale), standard errors (delta method) and 95% intervals."""
        self._check_fitted("summary")
        se = np.sqrt(np.clip(np.diag(self.cov_), 0, None))
        z = 1.959963984540054
        est, lo, hi, se_nat = [], [], [], []
        for j, (value, s) in enumerate(zip(self.coef_, se, strict=True)):
            positive = j < self.family_.n_params and self.family_.positive[j]
            f = np.exp if positive else (lambda v: v)
            est.append(f(value))
            lo.append(f(value - z * s))
            hi.append(f(value + z * s))
            se_nat.append(np.exp(value) * s if positive else s)
        return pd.DataFrame(
            {"estimate": est, "se": se_nat, "lower": lo, "upper": hi},
            index=pd.Index(self.parameter_names, name="parameter"),
        )

    def to_frame(self) -> pd.DataFrame:
        """The summary as a tidy frame with the model name and fit statistics."""
        out = self.summary.reset_index()
        out.insert(0, "model", self.label)
        out["loglik"], out["aic"], out["bic"] = self.loglik_, self.aic_, self.bic_
        return out

    @property
    def label(self) -> str:
        """Human-readable model name, e.g. ``"Weibull"``."""
        if getattr(self, "family_", None) is not None:
            return self.family_.label
        return get_family(self.distribution).label if self.distribution != "spline" else "Spline"

    @validate_params()
    def print_summary(self, decimals: int = 4) -> None:
        """Print the estimates and fit statistics."""
        print(self._text(decimals))

    def _text(self, decimals: int = 4) -> str:
        self._check_fitted("print_summary")
        head = (
            f"{self.label} survival model (maximum likelihood), n={self.data_.n}, "
            f"events={self.data_.n_events}\n"
        )
        stats = (
            f"\nlog-likelihood {self.loglik_:.{decimals}f}, AIC {self.aic_:.{decimals}f}, "
            f"BIC {self.bic_:.{decimals}f}"
        )
        return head + self.summary.round(decimals).to_string() + stats

    def __repr__(self) -> str:
        if getattr(self, "data_", None) is None:
            return f"ParametricSurvival({self.distribution!r}) (not fitted)"
        return self._text()


def _maximise(nll: _LogLik, start: np.ndarray) -> np.ndarray:
    res = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-7, "maxiter": 2000})
    theta = res.x
    if not res.success:
        nm = optimize.minimize(
            nll,
            theta,
            method="Nelder-Mead",
            options={"maxiter": 20000, "xatol": 1e-8, "fatol": 1e-10},
        )
        theta = optimize.minimize(nll, nm.x, method="BFGS", options={"gtol": 1e-7}).x
    # Newton polish with central differences: BFGS on forward-difference gradients stops
    # a little short; two Newton steps reach the optimum to ~1e-8.
    for _ in range(3):
        g = _gradient(nll, theta)
        H = _hessian(nll, theta)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or nll(theta - step) > nll(theta):
            break
        theta = theta - step
    return theta


def _bootstrap(family, data, theta, n_boot, random_seed) -> np.ndarray:
    """Refit to ``n_boot`` resamples of the patients (non-parametric bootstrap)."""
    rng = check_random_state(random_seed)
    out = np.empty((int(n_boot), len(theta)))
    for b in range(int(n_boot)):
        idx = rng.integers(0, data.n, size=data.n)
        sample = data.subset(idx)
        if sample.n_events == 0:  # a resample without events carries no information
            idx = rng.integers(0, data.n, size=data.n)
            sample = data.subset(idx)
        res = optimize.minimize(_LogLik(family, sample), theta, method="BFGS")
        out[b] = res.x
    return out


def _invert(H: np.ndarray, label: str) -> np.ndarray:
    eig = np.linalg.eigvalsh(H) if np.all(np.isfinite(H)) else np.array([-1.0])
    if eig.min() <= 0:
        warnings.warn(
            f"The {label} fit's information matrix is not positive definite (the likelihood is "
            "flat or the optimum is on a boundary); its standard errors and PSA draws are "
            "unreliable. Try a simpler distribution or fewer covariates.",
            EstimationWarning,
            stacklevel=3,
        )
        return np.linalg.pinv(H + np.eye(len(H)) * max(0.0, -eig.min() + 1e-8))
    return np.linalg.inv(H)


@validate_params()
def fit_distributions(
    data: SurvivalData | pd.DataFrame,
    distributions: Any = (
        "exponential",
        "weibull",
        "gompertz",
        "loglogistic",
        "lognormal",
        "gengamma",
    ),
    **columns: Any,
) -> dict[str, ParametricSurvival]:
    """Fit several distributions by MLE; returns ``{name: fitted model}``.

    ``distributions`` holds names (see :class:`ParametricSurvival`) or unfitted
    :class:`ParametricSurvival` objects (for splines with chosen knots / scale).
    ``columns`` are passed to :meth:`SurvivalData.from_frame` when ``data`` is a DataFrame.
    """
    data = as_survival_data(
        data,
        columns.pop("time", None),
        columns.pop("event", None),
        columns.pop("entry", None),
        columns.pop("covariates", None),
    )
    if columns:
        raise fail("columns", "time=, event=, entry= or covariates=", sorted(columns))
    out: dict[str, ParametricSurvival] = {}
    for item in distributions:
        model = item if isinstance(item, ParametricSurvival) else ParametricSurvival(item)
        model.fit(data)
        name = model.distribution
        if name == "spline":
            name = f"spline_{model.knots}_{model.scale}"
        out[name] = model
    return out

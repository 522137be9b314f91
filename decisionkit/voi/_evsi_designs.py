"""Study designs for EVSI and the protocol every EVSI method relies on.

A study design is any object with

``parameters``
    tuple of the input-parameter names the study informs (columns of the PSA inputs);
``participants_per_n``
    participants per unit of ``n`` (2 for a two-arm trial sized per arm);
``simulate(params, n, rng) -> DataFrame``
    one simulated data set per row of ``params`` (the PSA draws), reduced to a few numeric
    summary statistics (regression, importance sampling and moment matching all need it);
``loglik(params, data, n) -> ndarray`` (importance sampling and moment matching without a model)
    the log-likelihood of each simulated data set (row of ``data``) under each parameter draw
    (row of ``params``), shape ``(len(data), len(params))``; additive constants may be dropped;
``posterior(params, data, n, size, rng) -> DataFrame`` (moment matching with ``model=``, optional)
    ``size`` draws of ``parameters`` from their posterior given one data set (one-row
    ``data``), with the prior described by the PSA draws ``params``.

The built-in designs implement all five. Designs for survival or network studies live beside
their models and follow the same protocol (``loglik`` and ``posterior`` are optional; without
them only the regression method is available).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln, xlogy

from decisionkit._validation import (
    caller_name,
    check_number,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.voi._evppi import parameter_matrix

__all__ = ["CustomStudy", "NormalMean", "SingleArmBinary", "TwoArmBinary", "is_study"]


def _values(params: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` of the draws as floats (any number of rows, constant allowed)."""
    if len(params) > 1:
        return parameter_matrix(params, [name])[:, 0]
    if name not in params.columns:  # one parameter set (moment matching): no variance check
        parameter_matrix(params.iloc[:0], [name])
    x = np.asarray(params[name], dtype=float)
    finite_or_raise(x, f"The parameter '{name}' in {caller_name()}")
    return x


def _probabilities(params: pd.DataFrame, name: str) -> np.ndarray:
    p = _values(params, name)
    if np.any((p < 0) | (p > 1)):
        raise ValidationError(
            f"{caller_name()}: parameter '{name}' must hold probabilities in [0, 1]; its "
            "draws range "
            f"from {p.min():g} to {p.max():g}."
        )
    return p


def _column(data: pd.DataFrame, name: str) -> np.ndarray:
    if name not in data.columns:
        raise ValidationError(
            f"{caller_name()}: the data set has no column '{name}' (columns {list(data.columns)}). "
            "Pass data simulated by this design's simulate()."
        )
    return np.asarray(data[name], dtype=float)


def binomial_loglik(events: np.ndarray | list, n: int, p: np.ndarray | list) -> np.ndarray:
    """``sum_arms log Binomial(events | n, p)``, (data sets, draws).

    ``events`` and ``p`` are one array per arm (or a single array). The kernel
    ``k log p + (n - k) log(1 - p)`` summed over arms is one (D, 2m) x (2m, S) matrix product
    (BLAS); draws with ``p`` exactly 0 or 1 take the slower ``xlogy`` path (``0 log 0 = 0``).
    """
    ks = [np.asarray(events, dtype=float)] if isinstance(events, np.ndarray) else list(events)
    ps = [np.asarray(p, dtype=float)] if isinstance(p, np.ndarray) else list(p)
    const = sum(gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0) for k in ks)
    if all(np.all((q > 0) & (q < 1)) for q in ps):
        counts = np.column_stack([c for k in ks for c in (k, n - k)])
        logs = np.vstack([row for q in ps for row in (np.log(q), np.log1p(-q))])
        out = counts @ logs
    else:
        out = sum(
            xlogy(k[:, None], q[None, :]) + xlogy(n - k[:, None], 1.0 - q[None, :])
            for k, q in zip(ks, ps, strict=True)
        )
    out += np.asarray(const)[:, None]
    return out


def beta_prior(p: np.ndarray) -> tuple[float, float]:
    """Beta(a, b) with the mean and variance of the draws ``p`` (method of moments)."""
    m, v = float(np.mean(p)), float(np.var(p, ddof=1))
    common = m * (1.0 - m) / v - 1.0
    if not np.isfinite(common) or common <= 0:  # draws wider than any beta: a flat prior
        return 1.0, 1.0
    return m * common, (1.0 - m) * common


def _check_prior(value: Any, name: str, *, mean_and_sd: bool = False) -> None:
    """A prior given as two positive numbers (beta shapes, or a normal's mean and sd)."""
    if value is None:
        return
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise fail(name, "None or a pair of numbers", value)
    first_low = None if mean_and_sd else 0.0  # a normal prior's mean may be any number
    check_number(value[0], name, low=first_low, low_inclusive=False)
    check_number(value[1], name, low=0.0, low_inclusive=False)


@dataclass(frozen=True)
class TwoArmBinary:
    """Two-arm trial with a binary outcome and ``n`` participants per arm.

    Summary statistics: the number of events in each arm, ``Binomial(n, p_control)`` and
    ``Binomial(n, p_treatment)``. ENBS counts ``2 n`` participants by default.
    ``posterior`` (moment matching with a model) draws each arm's probability from the
    conjugate ``Beta(a + x, b + n - x)``. The priors ``Beta(a, b)`` are ``prior_control`` and
    ``prior_treatment`` when given (voi's ``analysis_args`` ``a1, b1, a2, b2``), else matched
    to the mean and variance of each arm's PSA draws; either way the arms are independent a
    priori, an approximation when the PSA correlates them.
    """

    p_control: str = "p1"
    p_treatment: str = "p2"
    participants_per_n: int = 2
    prior_control: tuple[float, float] | None = None
    prior_treatment: tuple[float, float] | None = None

    @validate_params()
    def __post_init__(self) -> None:
        _check_prior(self.prior_control, "prior_control")
        _check_prior(self.prior_treatment, "prior_treatment")

    @property
    def parameters(self) -> tuple[str, ...]:
        """Input parameters the study informs."""
        return (self.p_control, self.p_treatment)

    @validate_params()
    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Events per arm for each parameter draw."""
        p0 = _probabilities(params, self.p_control)
        p1 = _probabilities(params, self.p_treatment)
        return pd.DataFrame(
            {"events_control": rng.binomial(n, p0), "events_treatment": rng.binomial(n, p1)}
        )

    @validate_params()
    def loglik(self, params: pd.DataFrame, data: pd.DataFrame, n: int) -> np.ndarray:
        """Log-likelihood, (data sets, draws): the sum of the two binomial terms."""
        p0 = _probabilities(params, self.p_control)
        p1 = _probabilities(params, self.p_treatment)
        events = [
            _column(data, "events_control"),
            _column(data, "events_treatment"),
        ]
        return binomial_loglik(events, n, [p0, p1])

    @validate_params()
    def posterior(
        self, params: pd.DataFrame, data: pd.DataFrame, n: int, size: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        """Conjugate beta posterior draws of both arms' probabilities given one data set."""
        out = {}
        for name, col, prior in (
            (self.p_control, "events_control", self.prior_control),
            (self.p_treatment, "events_treatment", self.prior_treatment),
        ):
            a, b = prior or beta_prior(_probabilities(params, name))
            x = float(_column(data, col)[0])
            out[name] = rng.beta(a + x, b + n - x, size)
        return pd.DataFrame(out)


@dataclass(frozen=True)
class SingleArmBinary:
    """Single-arm study with a binary outcome: ``Binomial(n, p)`` events.

    ``posterior``: conjugate ``Beta(a + x, b + n - x)`` with ``Beta(a, b)`` = ``prior`` when
    given (voi's ``analysis_args`` ``a, b``), else matched to the PSA draws' mean and variance.
    """

    p: str = "p"
    participants_per_n: int = 1
    prior: tuple[float, float] | None = None

    @validate_params()
    def __post_init__(self) -> None:
        _check_prior(self.prior, "prior")

    @property
    def parameters(self) -> tuple[str, ...]:
        """Input parameters the study informs."""
        return (self.p,)

    @validate_params()
    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Number of events for each parameter draw."""
        return pd.DataFrame({"events": rng.binomial(n, _probabilities(params, self.p))})

    @validate_params()
    def loglik(self, params: pd.DataFrame, data: pd.DataFrame, n: int) -> np.ndarray:
        """Binomial log-likelihood, (data sets, draws)."""
        p = _probabilities(params, self.p)
        return binomial_loglik(_column(data, "events"), n, p)

    @validate_params()
    def posterior(
        self, params: pd.DataFrame, data: pd.DataFrame, n: int, size: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        """Conjugate beta posterior draws of ``p`` given one data set."""
        a, b = self.prior or beta_prior(_probabilities(params, self.p))
        x = float(_column(data, "events")[0])
        return pd.DataFrame({self.p: rng.beta(a + x, b + n - x, size)})


@dataclass(frozen=True)
class NormalMean:
    """Study of a normal outcome with known sd ``sigma``: the sample mean ``N(mu, sigma^2/n)``.

    ``posterior``: the conjugate normal update of a ``N(m, s^2)`` prior, ``prior = (m, s)``
    when given (voi's ``prior_mean``, ``prior_sd``), else matched to the PSA draws' mean and
    variance: precision ``1/s^2 + n/sigma^2``, mean
    ``(m/s^2 + n xbar/sigma^2) / precision`` (exact when the prior is normal).
    """

    mu: str = "mu"
    sigma: float = 1.0
    participants_per_n: int = 1
    prior: tuple[float, float] | None = None

    @validate_params()
    def __post_init__(self) -> None:
        check_number(self.sigma, "sigma", low=0.0, low_inclusive=False)
        _check_prior(self.prior, "prior", mean_and_sd=True)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Input parameters the study informs."""
        return (self.mu,)

    @validate_params()
    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Sample mean for each parameter draw."""
        mu = _values(params, self.mu)
        return pd.DataFrame({"mean": rng.normal(mu, self.sigma / np.sqrt(n))})

    @validate_params()
    def loglik(self, params: pd.DataFrame, data: pd.DataFrame, n: int) -> np.ndarray:
        """Normal log-likelihood of the sample mean (constants dropped), (data sets, draws)."""
        mu = _values(params, self.mu)
        xbar = _column(data, "mean")
        return -0.5 * n * (xbar[:, None] - mu[None, :]) ** 2 / self.sigma**2

    @validate_params()
    def posterior(
        self, params: pd.DataFrame, data: pd.DataFrame, n: int, size: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        """Conjugate normal posterior draws of ``mu`` given one data set."""
        if self.prior is None:
            mu = _values(params, self.mu)
            m, s2 = float(mu.mean()), float(mu.var(ddof=1))
        else:
            m, s2 = float(self.prior[0]), float(self.prior[1]) ** 2
        xbar = float(_column(data, "mean")[0])
        precision = 1.0 / s2 + n / self.sigma**2
        mean = (m / s2 + n * xbar / self.sigma**2) / precision
        return pd.DataFrame({self.mu: rng.normal(mean, np.sqrt(1.0 / precision), size)})


@dataclass(frozen=True)
class CustomStudy:
    """A user-supplied study: ``simulate(params, n, rng) -> DataFrame`` of summary statistics.

    ``params`` is the DataFrame of input draws (one row per draw); the result must have one
    row per draw and a few numeric columns (sufficient statistics, e.g. event counts).
    ``loglik(params, data, n) -> (len(data), len(params))`` log-likelihoods (optional) enables
    importance sampling and moment matching; ``posterior(params, data, n, size, rng)``
    (optional) enables moment matching with a model (see the module docstring).
    """

    simulate: Callable[[pd.DataFrame, int, np.random.Generator], pd.DataFrame]
    parameters: tuple[str, ...] = ()
    participants_per_n: int = 1
    loglik: Callable[[pd.DataFrame, pd.DataFrame, int], np.ndarray] | None = None
    posterior: Callable[..., pd.DataFrame] | None = None

    @validate_params()
    def __post_init__(self) -> None:
        for name in ("simulate", "loglik", "posterior"):
            value = getattr(self, name)
            required = name == "simulate"
            if (value is None and required) or (value is not None and not callable(value)):
                raise fail(name, "a callable", value)


STUDIES = (TwoArmBinary, SingleArmBinary, NormalMean, CustomStudy)


def is_study(study: Any) -> bool:
    """Whether ``study`` follows the study-design protocol every EVSI method relies on.

    A design has ``parameters`` (the input names it informs), ``participants_per_n`` and
    ``simulate(params, n, rng) -> DataFrame`` of summary statistics, one row per draw; see
    :mod:`decisionkit.voi._evsi_designs` for the optional ``loglik`` and ``posterior``.
    """
    return (
        callable(getattr(study, "simulate", None))
        and hasattr(study, "parameters")
        and hasattr(study, "participants_per_n")
    )


def study_method(study: Any, name: str) -> Callable[..., Any] | None:
    """``study.loglik`` / ``study.posterior`` if the design provides it, else None."""
    fn = getattr(study, name, None)
    return fn if callable(fn) else None

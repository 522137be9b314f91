"""Univariate and Dirichlet parameter distributions for PSA (re-exported by ``psa``).

Each distribution is built from the way analysts state evidence (mean and sd, counts, a
range) and exposes ``mean``, ``sd``, ``ppf(q)`` and ``sample(n, random_seed=)``. See
:mod:`decisionkit.models.cohort.psa` for the references.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special, stats

from decisionkit._validation import (
    caller_name,
    check_names,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError

__all__ = [
    "Beta",
    "Dirichlet",
    "Distribution",
    "Fixed",
    "Gamma",
    "LogNormal",
    "Normal",
    "Triangular",
    "TruncatedNormal",
    "Uniform",
]


class Distribution:
    """Base class of the PSA parameter distributions (immutable).

    Subclasses set their shape parameters once in ``__init__``; afterwards the object cannot
    change. Each has ``mean``, ``sd``, ``ppf(q)`` and ``sample(n, random_seed=)``.
    """

    __slots__ = ("_frozen",)
    n_columns: int = 1

    def _set(self, **values: Any) -> None:
        for key, value in values.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; build a new one instead.")

    def _frozen_scipy(self):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """Mean of the distribution."""
        return float(self._frozen_scipy().mean())

    @property
    def sd(self) -> float:
        """Standard deviation of the distribution."""
        return float(self._frozen_scipy().std())

    @validate_params()
    def ppf(self, q: Any) -> np.ndarray:
        """Quantile function (inverse CDF) evaluated at probabilities ``q``."""
        return np.asarray(self._frozen_scipy().ppf(np.asarray(q, dtype=float)), dtype=float)

    @validate_params({"random_seed": "random_state"})
    def sample(self, n: int, *, random_seed: Any = None) -> np.ndarray:
        """``n`` independent draws (inverse-CDF of uniforms)."""
        n = check_number(n, "n", low=1, integer=True)
        rng = check_random_state(random_seed)
        return self.ppf(rng.random((n, self.n_columns)) if self.n_columns > 1 else rng.random(n))

    def _params(self) -> dict[str, float]:  # pragma: no cover - overridden
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:.6g}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"

    def _key(self) -> tuple:
        return tuple(self._params().items())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))


def _positive(value: Any, param: str) -> float:
    return check_number(value, param, low=0.0, low_inclusive=False)


class Normal(Distribution):
    """Normal distribution from its mean and standard deviation.

    Parameters
    ----------
    mean : float
        Mean (any real number).
    sd : float
        Standard deviation, ``> 0``.

    Examples
    --------
    >>> Normal(10.0, 2.0).ppf(0.5)
    array(10.)
    """

    __slots__ = ("loc", "scale")
    loc: float
    scale: float

    @validate_params()
    def __init__(self, mean: float, sd: float) -> None:
        self._set(loc=check_number(mean, "mean"), scale=_positive(sd, "sd"))

    def _frozen_scipy(self):
        return stats.norm(self.loc, self.scale)

    def _params(self) -> dict[str, float]:
        return {"mean": self.loc, "sd": self.scale}


class LogNormal(Distribution):
    r"""Log-normal distribution from its natural-scale mean and standard deviation.

    With natural-scale mean :math:`m` and sd :math:`s`, the log-scale parameters are

    .. math:: \sigma^2 = \log(1 + s^2/m^2), \qquad \mu = \log m - \sigma^2/2,

    so that :math:`E[X] = m` and :math:`SD[X] = s` (method of moments, Briggs et al. 2006).
    Use :meth:`from_log` when you have ``meanlog``/``sdlog`` (R's ``rlnorm``), e.g. a hazard
    ratio with a confidence interval on the log scale.

    Parameters
    ----------
    mean : float
        Natural-scale mean, ``> 0``.
    sd : float
        Natural-scale standard deviation, ``> 0``.
    """

    __slots__ = ("meanlog", "sdlog")
    meanlog: float
    sdlog: float

    @validate_params()
    def __init__(self, *, mean: float, sd: float) -> None:
        m = check_number(mean, "mean", low=0.0, low_inclusive=False)
        s = _positive(sd, "sd")
        sigma2 = np.log1p((s / m) ** 2)
        self._set(meanlog=float(np.log(m) - sigma2 / 2), sdlog=float(np.sqrt(sigma2)))

    @classmethod
    @validate_params()
    def from_log(cls, meanlog: float, sdlog: float) -> LogNormal:
        """Build from the mean and sd of ``log(X)`` (as R's ``rlnorm(meanlog, sdlog)``)."""
        obj = object.__new__(cls)
        obj._set(
            meanlog=check_number(meanlog, "meanlog"),
            sdlog=_positive(sdlog, "sdlog"),
        )
        return obj

    def _frozen_scipy(self):
        return stats.lognorm(s=self.sdlog, scale=np.exp(self.meanlog))

    def _params(self) -> dict[str, float]:
        return {"meanlog": self.meanlog, "sdlog": self.sdlog}


class Beta(Distribution):
    r"""Beta distribution for probabilities and utilities, from mean and sd or from counts.

    Method of moments (Briggs et al. 2006, section 4.3.1): with mean :math:`m` and sd
    :math:`s`,

    .. math:: \alpha = m\,k,\quad \beta = (1-m)\,k,\quad k = \frac{m(1-m)}{s^2} - 1,

    which needs :math:`0 < m < 1` and :math:`s^2 < m(1-m)`.

    Parameters
    ----------
    mean : float
        Mean, strictly between 0 and 1.
    sd : float
        Standard deviation, ``0 < sd < sqrt(mean * (1 - mean))``.
    """

    __slots__ = ("alpha", "beta")
    alpha: float
    beta: float

    @validate_params()
    def __init__(self, *, mean: float, sd: float) -> None:
        m = check_number(mean, "mean", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
        s = _positive(sd, "sd")
        if s**2 >= m * (1 - m):
            raise ValidationError(
                f"Beta(mean={m:g}, sd={s:g}) is impossible: a beta distribution needs "
                f"sd^2 < mean * (1 - mean), i.e. sd < {np.sqrt(m * (1 - m)):.4g} for this mean. "
                "Check that sd is a standard deviation (not a variance or a range), or use "
                "Beta.from_counts(events, non_events)."
            )
        k = m * (1 - m) / s**2 - 1
        self._set(alpha=m * k, beta=(1 - m) * k)

    @classmethod
    @validate_params()
    def from_counts(cls, events: float, non_events: float) -> Beta:
        """Beta(events, non_events): the posterior of a probability under a Beta(0, 0) prior.

        Counts may be non-integer (e.g. effective sample sizes) but must be positive.
        """
        obj = object.__new__(cls)
        obj._set(
            alpha=_positive(events, "events"),
            beta=_positive(non_events, "non_events"),
        )
        return obj

    def _frozen_scipy(self):
        return stats.beta(self.alpha, self.beta)

    def _params(self) -> dict[str, float]:
        return {"alpha": self.alpha, "beta": self.beta}


class Gamma(Distribution):
    r"""Gamma distribution for costs and rates, from mean and sd.

    Method of moments (Briggs et al. 2006, section 4.3.2): shape :math:`k = m^2/s^2`,
    scale :math:`\theta = s^2/m`. Use :meth:`from_shape` for shape/scale or shape/rate.

    Parameters
    ----------
    mean : float
        Mean, ``> 0``.
    sd : float
        Standard deviation, ``> 0``.
    """

    __slots__ = ("scale", "shape")
    scale: float
    shape: float

    @validate_params()
    def __init__(self, *, mean: float, sd: float) -> None:
        m = check_number(mean, "mean", low=0.0, low_inclusive=False)
        s = _positive(sd, "sd")
        self._set(shape=(m / s) ** 2, scale=s**2 / m)

    @classmethod
    @validate_params()
    def from_shape(
        cls, shape: float, *, scale: float | None = None, rate: float | None = None
    ) -> Gamma:
        """Build from the shape and either the scale or the rate (``rate = 1 / scale``)."""
        if (scale is None) == (rate is None):
            raise ValidationError(
                f"{caller_name()} needs exactly one of 'scale' or 'rate' (rate = 1 / scale). "
                f"Got scale={scale!r}, rate={rate!r}."
            )
        k = _positive(shape, "shape")
        theta = _positive(scale, "scale") if scale is not None else None
        if theta is None:
            theta = 1.0 / _positive(rate, "rate")
        obj = object.__new__(cls)
        obj._set(shape=k, scale=theta)
        return obj

    def _frozen_scipy(self):
        return stats.gamma(self.shape, scale=self.scale)

    def _params(self) -> dict[str, float]:
        return {"shape": self.shape, "scale": self.scale}


class Uniform(Distribution):
    """Uniform distribution on ``[low, high]``."""

    __slots__ = ("high", "low")
    high: float
    low: float

    @validate_params()
    def __init__(self, low: float, high: float) -> None:
        lo = check_number(low, "low")
        hi = check_number(high, "high", low=lo, low_inclusive=False)
        self._set(low=lo, high=hi)

    def _frozen_scipy(self):
        return stats.uniform(self.low, self.high - self.low)

    def _params(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}


class Triangular(Distribution):
    """Triangular distribution with minimum ``low``, mode ``mode`` and maximum ``high``."""

    __slots__ = ("high", "low", "mode")
    high: float
    low: float
    mode: float

    @validate_params()
    def __init__(self, low: float, mode: float, high: float) -> None:
        lo = check_number(low, "low")
        hi = check_number(high, "high", low=lo, low_inclusive=False)
        mo = check_number(mode, "mode", low=lo, high=hi)
        self._set(low=lo, mode=mo, high=hi)

    def _frozen_scipy(self):
        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def _params(self) -> dict[str, float]:
        return {"low": self.low, "mode": self.mode, "high": self.high}


class TruncatedNormal(Distribution):
    """Normal distribution with location ``mean`` and scale ``sd`` truncated to ``[low, high]``.

    ``mean`` and ``sd`` are those of the normal before truncation; the ``.mean`` and ``.sd``
    properties give the moments of the truncated distribution. Use ``-inf``/``inf`` for a
    one-sided truncation.
    """

    __slots__ = ("high", "loc", "low", "scale")
    high: float
    loc: float
    low: float
    scale: float

    @validate_params()
    def __init__(self, mean: float, sd: float, low: float, high: float) -> None:
        loc = check_number(mean, "mean")
        scale = _positive(sd, "sd")
        lo, hi = float(low), float(high)
        if np.isnan(lo) or np.isnan(hi) or not lo < hi:
            raise fail("low/high", "two bounds with low < high", (low, high))
        if stats.norm.cdf(hi, loc, scale) - stats.norm.cdf(lo, loc, scale) < 1e-12:
            raise ValidationError(
                f"TruncatedNormal(mean={loc:g}, sd={scale:g}) puts no probability on "
                f"[{lo:g}, {hi:g}]. Check the bounds and the units of mean and sd."
            )
        self._set(loc=loc, scale=scale, low=lo, high=hi)

    def _frozen_scipy(self):
        a, b = (self.low - self.loc) / self.scale, (self.high - self.loc) / self.scale
        return stats.truncnorm(a, b, loc=self.loc, scale=self.scale)

    def _params(self) -> dict[str, float]:
        return {"mean": self.loc, "sd": self.scale, "low": self.low, "high": self.high}


class Fixed(Distribution):
    """A parameter held at one value in every draw (no uncertainty)."""

    __slots__ = ("value",)
    value: float

    @validate_params()
    def __init__(self, value: float) -> None:
        self._set(value=check_number(value, "value"))

    @property
    def mean(self) -> float:
        """The fixed value."""
        return self.value

    @property
    def sd(self) -> float:
        """Zero."""
        return 0.0

    @validate_params()
    def ppf(self, q: Any) -> np.ndarray:
        """The fixed value, broadcast to the shape of ``q``."""
        return np.full(np.shape(q), self.value, dtype=float)

    def _params(self) -> dict[str, float]:
        return {"value": self.value}


class Dirichlet(Distribution):
    r"""Dirichlet distribution for a set of probabilities that sum to 1 (multi-column).

    With counts :math:`a_1..a_K` (e.g. observed transitions out of one state),
    :math:`E[p_k] = a_k/a_0` and :math:`SD[p_k] = \sqrt{a_k(a_0-a_k)/(a_0^2(a_0+1))}`,
    :math:`a_0=\sum a_k`. Draws are normalised independent ``Gamma(a_k, 1)`` variates
    (Briggs et al. 2006, section 4.3.4), each made by inverse CDF of its own uniform.

    Parameters
    ----------
    counts : sequence of float
        Positive counts (at least 2). A zero count is an error: that category would have
        probability 0 in every draw; drop it or add a prior count (e.g. 0.5 or 1).
    names : sequence of str, optional
        Column names of the categories in :meth:`PSA.sample` (default ``"<key>[i]"``).
    """

    __slots__ = ("counts", "names")
    counts: np.ndarray
    names: tuple[str, ...] | None

    @validate_params()
    def __init__(self, counts: Sequence[float], *, names: Sequence[str] | None = None) -> None:
        arr = np.asarray(counts, dtype=float).ravel()
        if arr.size < 2:
            raise fail("counts", "at least 2 counts", counts)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise fail("counts", "finite non-negative counts", counts)
        if np.any(arr == 0):
            zero = [int(i) for i in np.flatnonzero(arr == 0)]
            raise ValidationError(
                f"Dirichlet counts must be positive, but position(s) {zero} are zero: that "
                "category would have probability 0 in every draw. Drop the category or add a "
                "prior count (e.g. 1) to every category."
            )
        labels = None
        if names is not None:
            labels = tuple(check_names(names, "names"))
            if len(labels) != arr.size:
                raise ValidationError(
                    f"Dirichlet got {len(labels)} names for {arr.size} counts. Pass one name "
                    "per count."
                )
        arr.flags.writeable = False
        self._set(counts=arr, names=labels)

    @property
    def n_columns(self) -> int:  # type: ignore[override]
        """Number of categories."""
        return int(self.counts.size)

    @property
    def mean(self) -> np.ndarray:  # type: ignore[override]
        """Mean of each category probability."""
        return self.counts / self.counts.sum()

    @property
    def sd(self) -> np.ndarray:  # type: ignore[override]
        """Standard deviation of each category probability."""
        a0 = self.counts.sum()
        return np.sqrt(self.counts * (a0 - self.counts) / (a0**2 * (a0 + 1)))

    @validate_params()
    def ppf(self, q: Any) -> np.ndarray:
        """Map uniforms ``q`` of shape ``(..., K)`` to probability vectors summing to 1."""
        q = np.asarray(q, dtype=float)
        if q.shape[-1:] != (self.n_columns,):
            raise ValidationError(
                f"Dirichlet.ppf needs uniforms with last axis of length {self.n_columns}; "
                f"got shape {q.shape}."
            )
        g = special.gammaincinv(self.counts, q)  # Gamma(a_k, 1) quantiles
        return g / g.sum(axis=-1, keepdims=True)

    @validate_params()
    def marginal(self, k: int) -> Beta:
        """The Beta marginal of category ``k``: ``Beta(a_k, a_0 - a_k)``."""
        return Beta.from_counts(self.counts[k], self.counts.sum() - self.counts[k])

    @validate_params()
    def column_names(self, key: str) -> list[str]:
        """Column names used in :meth:`PSA.sample` for the parameter named ``key``."""
        if self.names is not None:
            return list(self.names)
        return [f"{key}[{i}]" for i in range(self.n_columns)]

    def _key(self) -> tuple:
        return (tuple(float(c) for c in self.counts), self.names)

    def __repr__(self) -> str:
        names = "" if self.names is None else f", names={list(self.names)}"
        return f"Dirichlet(counts={[float(c) for c in self.counts]}{names})"

"""Parameter distributions for probabilistic sensitivity analysis (PSA).

Analysts state evidence as a mean and a standard error, as event counts, or as a range.
The classes here turn each statement into a distribution with ``mean``, ``sd`` and ``ppf``;
:class:`PSA` bundles named distributions, optionally links them with rank correlations through
a Gaussian copula, and samples one row per draw.

Every draw is made by the inverse-CDF method: uniforms from the copula are passed through
each marginal's ``ppf``, so correlation works for any marginal (Briggs et al. 2006, ch. 4).

References
----------
.. [1] Briggs A, Claxton K, Sculpher M. *Decision Modelling for Health Economic Evaluation*.
   Oxford University Press; 2006. Chapter 4 (choosing distributions, method of moments).
.. [2] Iman RL, Conover WJ. A distribution-free approach to inducing rank correlation among
   input variables. *Commun Stat Simul Comput* 1982;11(3):311-334.
.. [3] Kruskal WH. Ordinal measures of association. *J Am Stat Assoc* 1958;53:814-861
   (Spearman rank correlation of a bivariate normal: ``rho_s = (6/pi) arcsin(r/2)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from decisionkit._validation import (
    check_names,
    check_number,
    check_probability,
    check_random_state,
    fail,
)
from decisionkit.exceptions import ValidationError

__all__ = [
    "PSA",
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

    def ppf(self, q: Any) -> np.ndarray:
        """Quantile function (inverse CDF) evaluated at probabilities ``q``."""
        return np.asarray(self._frozen_scipy().ppf(np.asarray(q, dtype=float)), dtype=float)

    def sample(self, n: int, *, random_seed: Any = None) -> np.ndarray:
        """``n`` independent draws (inverse-CDF of uniforms)."""
        n = check_number(n, "n", f"{type(self).__name__}.sample", low=1, integer=True)
        rng = check_random_state(random_seed, f"{type(self).__name__}.sample")
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


def _positive(value: Any, param: str, caller: str) -> float:
    return check_number(value, param, caller, low=0.0, low_inclusive=False)


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

    def __init__(self, mean: float, sd: float) -> None:
        caller = "Normal"
        self._set(loc=check_number(mean, "mean", caller), scale=_positive(sd, "sd", caller))

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

    def __init__(self, *, mean: float, sd: float) -> None:
        caller = "LogNormal"
        m = check_number(mean, "mean", caller, low=0.0, low_inclusive=False)
        s = _positive(sd, "sd", caller)
        sigma2 = np.log1p((s / m) ** 2)
        self._set(meanlog=float(np.log(m) - sigma2 / 2), sdlog=float(np.sqrt(sigma2)))

    @classmethod
    def from_log(cls, meanlog: float, sdlog: float) -> LogNormal:
        """Build from the mean and sd of ``log(X)`` (as R's ``rlnorm(meanlog, sdlog)``)."""
        caller = "LogNormal.from_log"
        obj = object.__new__(cls)
        obj._set(
            meanlog=check_number(meanlog, "meanlog", caller),
            sdlog=_positive(sdlog, "sdlog", caller),
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

    def __init__(self, *, mean: float, sd: float) -> None:
        caller = "Beta"
        m = check_number(
            mean, "mean", caller, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
        )
        s = _positive(sd, "sd", caller)
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
    def from_counts(cls, events: float, non_events: float) -> Beta:
        """Beta(events, non_events): the posterior of a probability under a Beta(0, 0) prior.

        Counts may be non-integer (e.g. effective sample sizes) but must be positive.
        """
        caller = "Beta.from_counts"
        obj = object.__new__(cls)
        obj._set(
            alpha=_positive(events, "events", caller),
            beta=_positive(non_events, "non_events", caller),
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

    def __init__(self, *, mean: float, sd: float) -> None:
        caller = "Gamma"
        m = check_number(mean, "mean", caller, low=0.0, low_inclusive=False)
        s = _positive(sd, "sd", caller)
        self._set(shape=(m / s) ** 2, scale=s**2 / m)

    @classmethod
    def from_shape(
        cls, shape: float, *, scale: float | None = None, rate: float | None = None
    ) -> Gamma:
        """Build from the shape and either the scale or the rate (``rate = 1 / scale``)."""
        caller = "Gamma.from_shape"
        if (scale is None) == (rate is None):
            raise ValidationError(
                f"{caller} needs exactly one of 'scale' or 'rate' (rate = 1 / scale). "
                f"Got scale={scale!r}, rate={rate!r}."
            )
        k = _positive(shape, "shape", caller)
        theta = _positive(scale, "scale", caller) if scale is not None else None
        if theta is None:
            theta = 1.0 / _positive(rate, "rate", caller)
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

    def __init__(self, low: float, high: float) -> None:
        caller = "Uniform"
        lo = check_number(low, "low", caller)
        hi = check_number(high, "high", caller, low=lo, low_inclusive=False)
        self._set(low=lo, high=hi)

    def _frozen_scipy(self):
        return stats.uniform(self.low, self.high - self.low)

    def _params(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}


class Triangular(Distribution):
    """Triangular distribution with minimum ``low``, mode ``mode`` and maximum ``high``."""

    __slots__ = ("high", "low", "mode")

    def __init__(self, low: float, mode: float, high: float) -> None:
        caller = "Triangular"
        lo = check_number(low, "low", caller)
        hi = check_number(high, "high", caller, low=lo, low_inclusive=False)
        mo = check_number(mode, "mode", caller, low=lo, high=hi)
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

    def __init__(self, mean: float, sd: float, low: float, high: float) -> None:
        caller = "TruncatedNormal"
        loc = check_number(mean, "mean", caller)
        scale = _positive(sd, "sd", caller)
        lo, hi = float(low), float(high)
        if np.isnan(lo) or np.isnan(hi) or not lo < hi:
            raise fail("low/high", caller, "two bounds with low < high", (low, high))
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

    def __init__(self, value: float) -> None:
        self._set(value=check_number(value, "value", "Fixed"))

    @property
    def mean(self) -> float:
        """The fixed value."""
        return self.value

    @property
    def sd(self) -> float:
        """Zero."""
        return 0.0

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

    def __init__(self, counts: Sequence[float], *, names: Sequence[str] | None = None) -> None:
        caller = "Dirichlet"
        arr = np.asarray(counts, dtype=float).ravel()
        if arr.size < 2:
            raise fail("counts", caller, "at least 2 counts", counts)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise fail("counts", caller, "finite non-negative counts", counts)
        if np.any(arr == 0):
            zero = [int(i) for i in np.flatnonzero(arr == 0)]
            raise ValidationError(
                f"Dirichlet counts must be positive, but position(s) {zero} are zero: that "
                "category would have probability 0 in every draw. Drop the category or add a "
                "prior count (e.g. 1) to every category."
            )
        labels = None
        if names is not None:
            labels = tuple(check_names(names, "names", caller))
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

    def marginal(self, k: int) -> Beta:
        """The Beta marginal of category ``k``: ``Beta(a_k, a_0 - a_k)``."""
        return Beta.from_counts(self.counts[k], self.counts.sum() - self.counts[k])

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


class PSA:
    r"""Named parameter distributions, optionally rank-correlated, for PSA sampling.

    Parameters
    ----------
    distributions : mapping of str to Distribution
        Parameter name to distribution. A :class:`Dirichlet` contributes one column per
        category (its ``names``, or ``"<name>[i]"``).
    correlation : DataFrame, array or mapping, optional
        Target Spearman rank correlations between scalar parameters, either a full square
        matrix (a DataFrame labelled by parameter names, or an array in the order of the
        non-Dirichlet parameters) or a mapping ``{(name_a, name_b): rho}``; unlisted pairs are
        independent. Induced by a Gaussian copula: the normal correlation is
        :math:`r = 2\sin(\pi\rho_s/6)`, which gives Spearman correlation exactly
        :math:`\rho_s` for any continuous marginals [3]_. Fixed and Dirichlet parameters
        cannot be correlated.

    Examples
    --------
    >>> psa = PSA({"p": Beta(mean=0.3, sd=0.05), "c": Gamma(mean=1000, sd=200)},
    ...           correlation={("p", "c"): 0.5})
    >>> psa.sample(1000, random_seed=1).shape
    (1000, 2)

    References
    ----------
    .. [3] Kruskal WH. Ordinal measures of association. *J Am Stat Assoc* 1958;53:814-861.
    """

    __slots__ = ("_corr", "_dists", "_normal_corr")

    def __init__(
        self, distributions: Mapping[str, Distribution], *, correlation: Any = None
    ) -> None:
        caller = "PSA"
        if not isinstance(distributions, Mapping) or not distributions:
            raise fail(
                "distributions", caller, "a non-empty dict of name to distribution", distributions
            )
        names = check_names(distributions.keys(), "distributions", caller)
        dists = dict(zip(names, distributions.values(), strict=True))
        for name, dist in dists.items():
            if not isinstance(dist, Distribution):
                raise fail(
                    f"distributions['{name}']",
                    caller,
                    "a decisionkit.models.psa distribution (Normal, Beta, Gamma, ...)",
                    dist,
                    "Wrap a constant in Fixed(value).",
                )
        cols = [c for n, d in dists.items() for c in _columns(n, d)]
        check_names(cols, "columns (parameter names and Dirichlet names)", caller)
        object.__setattr__(self, "_dists", dists)
        corr = _correlation_matrix(correlation, dists, caller)
        object.__setattr__(self, "_corr", corr)
        normal = None if corr is None else 2 * np.sin(np.pi * corr.to_numpy() / 6)
        if normal is not None and np.linalg.eigvalsh(normal).min() < -1e-10:
            raise ValidationError(
                "The correlation passed to PSA is not a valid correlation matrix (not positive "
                "semi-definite): some pairs are mutually inconsistent, e.g. a~b and a~c strongly "
                "positive with b~c strongly negative. Reduce or change the correlations."
            )
        object.__setattr__(self, "_normal_corr", normal)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("PSA is immutable; build a new one instead.")

    @property
    def distributions(self) -> dict[str, Distribution]:
        """Parameter name to distribution (a copy of the mapping)."""
        return dict(self._dists)

    @property
    def columns(self) -> list[str]:
        """Column names of :meth:`sample` in order."""
        return [c for n, d in self._dists.items() for c in _columns(n, d)]

    @property
    def correlation(self) -> pd.DataFrame | None:
        """Target rank-correlation matrix between correlated parameters (or None)."""
        return None if self._corr is None else self._corr.copy()

    def sample(self, n: int, *, random_seed: Any = None) -> pd.DataFrame:
        """Draw ``n`` parameter sets, one row per draw and one column per parameter.

        Parameters
        ----------
        n : int
            Number of draws (``>= 1``).
        random_seed : int or numpy.random.Generator, optional
            Seed; the same seed gives the same draws.

        Returns
        -------
        pandas.DataFrame
            ``n`` rows; columns :attr:`columns`.
        """
        caller = "PSA.sample"
        n = check_number(n, "n", caller, low=1, integer=True)
        rng = check_random_state(random_seed, caller)
        uniforms = self._uniforms(n, rng)
        out: dict[str, np.ndarray] = {}
        for name, dist in self._dists.items():
            q = uniforms[name]
            if isinstance(dist, Dirichlet):
                values = dist.ppf(q)
                for j, col in enumerate(dist.column_names(name)):
                    out[col] = values[:, j]
            else:
                out[name] = dist.ppf(q)
        return pd.DataFrame(out)

    def _uniforms(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        scalar = [k for k, d in self._dists.items() if not isinstance(d, Dirichlet)]
        z = rng.standard_normal((n, len(scalar)))
        if self._corr is not None:
            idx = [scalar.index(c) for c in self._corr.columns]
            vals, vecs = np.linalg.eigh(self._normal_corr)
            root = vecs * np.sqrt(np.clip(vals, 0.0, None))  # PSD square root, R = root root'
            z[:, idx] = z[:, idx] @ root.T
        u = special.ndtr(z)
        out = {k: u[:, j] for j, k in enumerate(scalar)}
        for k, d in self._dists.items():
            if isinstance(d, Dirichlet):
                out[k] = rng.random((n, d.n_columns))
        return out

    def base_case(self) -> dict[str, float]:
        """The mean of every parameter (one entry per column), for deterministic analysis."""
        out: dict[str, float] = {}
        for name, dist in self._dists.items():
            if isinstance(dist, Dirichlet):
                out.update(zip(dist.column_names(name), map(float, dist.mean), strict=True))
            else:
                out[name] = float(dist.mean)
        return out

    def ranges(self, prob: float = 0.95) -> pd.DataFrame:
        """Central interval of each parameter, for one-way deterministic sensitivity analysis.

        Parameters
        ----------
        prob : float
            Probability mass of the central interval (default 0.95: the 2.5% and 97.5%
            quantiles).

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter``, ``base`` (mean), ``low``, ``high``; one row per column
            of :meth:`sample`. Dirichlet categories use their Beta marginals (varying one of
            them alone breaks the sum to 1: rescale the others in your model). Fixed
            parameters have ``low == high``.
        """
        prob = check_probability(prob, "prob", "PSA.ranges")
        q = np.array([(1 - prob) / 2, (1 + prob) / 2])
        rows = []
        for name, dist in self._dists.items():
            if isinstance(dist, Dirichlet):
                for k, col in enumerate(dist.column_names(name)):
                    lo, hi = dist.marginal(k).ppf(q)
                    rows.append((col, float(dist.mean[k]), float(lo), float(hi)))
            else:
                lo, hi = dist.ppf(q)
                rows.append((name, float(dist.mean), float(lo), float(hi)))
        return pd.DataFrame(rows, columns=["parameter", "base", "low", "high"])

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: distribution, mean, sd and its 95% central interval."""
        rng = self.ranges(0.95).set_index("parameter")
        rows = []
        for name, dist in self._dists.items():
            if isinstance(dist, Dirichlet):
                for k, col in enumerate(dist.column_names(name)):
                    rows.append((col, repr(dist), float(dist.mean[k]), float(dist.sd[k])))
            else:
                rows.append((name, repr(dist), float(dist.mean), float(dist.sd)))
        frame = pd.DataFrame(rows, columns=["parameter", "distribution", "mean", "sd"])
        return frame.merge(
            rng[["low", "high"]].rename(columns={"low": "lower_95", "high": "upper_95"}),
            left_on="parameter",
            right_index=True,
        )

    def __repr__(self) -> str:
        lines = [f"<PSA {len(self._dists)} parameters, {len(self.columns)} columns>"]
        lines += [f"  {name}: {dist!r}" for name, dist in self._dists.items()]
        if self._corr is not None:
            lines.append(f"  rank correlation between {list(self._corr.columns)}")
        return "\n".join(lines)


def _columns(name: str, dist: Distribution) -> list[str]:
    return dist.column_names(name) if isinstance(dist, Dirichlet) else [name]


def _correlation_matrix(
    correlation: Any, dists: dict[str, Distribution], caller: str
) -> pd.DataFrame | None:
    """Validate the requested rank correlation; return it over the correlated parameters."""
    if correlation is None:
        return None
    scalar = [k for k, d in dists.items() if not isinstance(d, Dirichlet)]
    if isinstance(correlation, Mapping):
        full = pd.DataFrame(np.eye(len(scalar)), index=scalar, columns=scalar)
        for pair, rho in correlation.items():
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise fail("correlation", caller, "a dict with (name_a, name_b) keys", pair)
            a, b = str(pair[0]), str(pair[1])
            for p in (a, b):
                _check_correlatable(p, dists, caller)
            if a == b:
                raise fail("correlation", caller, "pairs of two different parameters", pair)
            r = check_number(rho, f"correlation[{pair!r}]", caller, low=-1.0, high=1.0)
            full.loc[a, b] = full.loc[b, a] = r
    else:
        if isinstance(correlation, pd.DataFrame):
            labels = check_names(correlation.columns, "correlation", caller)
            if list(map(str, correlation.index)) != labels:
                raise ValidationError(
                    "The correlation DataFrame passed to PSA must have the same labels, in the "
                    "same order, on its index and its columns."
                )
            values = correlation.to_numpy(dtype=float)
        else:
            values = np.asarray(correlation, dtype=float)
            labels = scalar
            if values.shape != (len(scalar), len(scalar)):
                raise ValidationError(
                    f"The correlation array passed to PSA must be {len(scalar)} x {len(scalar)} "
                    f"(one row/column per non-Dirichlet parameter, in order {scalar}); got "
                    f"shape {values.shape}. Pass a dict of pairs or a labelled DataFrame instead."
                )
        for p in labels:
            if p not in dists or isinstance(dists[p], Dirichlet | Fixed):
                _check_correlatable(p, dists, caller)
        if not np.all(np.isfinite(values)) or np.any(np.abs(values) > 1):
            raise fail("correlation", caller, "finite correlations in [-1, 1]", values)
        if not np.allclose(values, values.T) or not np.allclose(np.diag(values), 1.0):
            raise ValidationError(
                "The correlation matrix passed to PSA must be symmetric with 1 on the diagonal."
            )
        full = pd.DataFrame(values, index=labels, columns=labels)
    involved = [c for c in full.columns if np.any(full[c].drop(c).to_numpy() != 0)]
    if not involved:
        return None
    for p in involved:
        _check_correlatable(p, dists, caller)
    return full.loc[involved, involved]


def _check_correlatable(name: str, dists: dict[str, Distribution], caller: str) -> None:
    if name not in dists:
        raise ValidationError(
            f"The correlation passed to {caller} names {name!r}, which is not a parameter. "
            f"The parameters are {list(dists)}."
        )
    if isinstance(dists[name], Dirichlet | Fixed):
        raise ValidationError(
            f"{caller}: parameter {name!r} is {type(dists[name]).__name__} and cannot be "
            "correlated with others. Remove it from the correlation."
        )

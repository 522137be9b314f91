"""Parameter distributions for probabilistic sensitivity analysis (PSA).

Analysts state evidence as a mean and a standard error, as event counts, or as a range.
The distribution classes (defined in ``_distributions.py``) turn each statement into a
distribution with ``mean``, ``sd`` and ``ppf``; :class:`PSA` bundles named distributions,
optionally links them with rank correlations through a Gaussian copula, and samples one row
per draw.

Every draw is made by the inverse-CDF method: uniforms from the copula are passed through
each marginal's ``ppf``, so correlation works for any marginal (Briggs et al. 2006, ch. 4).

References
----------
.. [1] Briggs A, Claxton K, Sculpher M. *Decision Modelling for Health Economic Evaluation*.
   Oxford University Press; 2006. Chapter 4 (choosing distributions, method of moments).
.. [2] Iman RL, Conover WJ. A distribution-free approach to inducing rank correlation among
   input variables. *Commun Stat Simul Comput* 1982;11(3):311-334 (rank correlation
   between PSA inputs; here induced with a normal copula rather than their reordering).
.. [3] Kruskal WH. Ordinal measures of association. *J Am Stat Assoc* 1958;53:814-861
   (Spearman rank correlation of a bivariate normal: ``rho_s = (6/pi) arcsin(r/2)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from decisionkit._validation import (
    Interval,
    caller_name,
    check_names,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort._distributions import (
    Beta,
    Dirichlet,
    Distribution,
    Fixed,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    TruncatedNormal,
    Uniform,
)

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
    _corr: pd.DataFrame | None
    _dists: dict[str, Distribution]
    _normal_corr: np.ndarray | None

    @validate_params()
    def __init__(
        self, distributions: Mapping[str, Distribution], *, correlation: Any = None
    ) -> None:
        if not isinstance(distributions, Mapping) or not distributions:
            raise fail("distributions", "a non-empty dict of name to distribution", distributions)
        names = check_names(distributions.keys(), "distributions")
        dists = dict(zip(names, distributions.values(), strict=True))
        for name, dist in dists.items():
            if not isinstance(dist, Distribution):
                raise fail(
                    f"distributions['{name}']",
                    "a decisionkit.models.cohort.psa distribution (Normal, Beta, Gamma, ...)",
                    dist,
                    hint="Wrap a constant in Fixed(value).",
                )
        cols = [c for n, d in dists.items() for c in _columns(n, d)]
        check_names(cols, "columns (parameter names and Dirichlet names)")
        object.__setattr__(self, "_dists", dists)
        corr = _correlation_matrix(correlation, dists)
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

    @validate_params({"n": Interval(1, None, integer=True), "random_seed": "random_state"})
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
        n = int(n)
        rng = check_random_state(random_seed)
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
            assert self._normal_corr is not None  # set together with _corr in __init__
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

    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
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
        prob = float(prob)
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


def _correlation_matrix(correlation: Any, dists: dict[str, Distribution]) -> pd.DataFrame | None:
    """Validate the requested rank correlation; return it over the correlated parameters."""
    if correlation is None:
        return None
    scalar = [k for k, d in dists.items() if not isinstance(d, Dirichlet)]
    if isinstance(correlation, Mapping):
        full = pd.DataFrame(np.eye(len(scalar)), index=scalar, columns=scalar)
        for pair, rho in correlation.items():
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise fail("correlation", "a dict with (name_a, name_b) keys", pair)
            a, b = str(pair[0]), str(pair[1])
            for p in (a, b):
                _check_correlatable(p, dists)
            if a == b:
                raise fail("correlation", "pairs of two different parameters", pair)
            r = check_number(rho, f"correlation[{pair!r}]", low=-1.0, high=1.0)
            full.loc[a, b] = full.loc[b, a] = r
    else:
        if isinstance(correlation, pd.DataFrame):
            labels = check_names(correlation.columns, "correlation")
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
                _check_correlatable(p, dists)
        if not np.all(np.isfinite(values)) or np.any(np.abs(values) > 1):
            raise fail("correlation", "finite correlations in [-1, 1]", values)
        if not np.allclose(values, values.T) or not np.allclose(np.diag(values), 1.0):
            raise ValidationError(
                "The correlation matrix passed to PSA must be symmetric with 1 on the diagonal."
            )
        full = pd.DataFrame(values, index=labels, columns=labels)
    involved = [c for c in full.columns if np.any(full[c].drop(c).to_numpy() != 0)]
    if not involved:
        return None
    for p in involved:
        _check_correlatable(p, dists)
    return full.loc[involved, involved]


def _check_correlatable(name: str, dists: dict[str, Distribution]) -> None:
    if name not in dists:
        raise ValidationError(
            f"The correlation passed to {caller_name()} names {name!r}, which is not a parameter. "
            f"The parameters are {list(dists)}."
        )
    if isinstance(dists[name], Dirichlet | Fixed):
        raise ValidationError(
            f"{caller_name()}: parameter {name!r} is {type(dists[name]).__name__} and cannot be "
            "correlated with others. Remove it from the correlation."
        )

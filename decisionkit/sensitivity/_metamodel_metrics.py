r"""One-way PSA metamodel fitted once per metric, combined for any linear utility.

The one-way metamodel of :func:`~decisionkit.sensitivity.one_way_psa` is a least-squares fit,
and least squares is linear in the response: for a utility that is a weighted sum of metrics,
:math:`U_a = \sum_m w_m Y_{ma}` (the net monetary benefit :math:`\lambda E_a - C_a` is one,
with weights :math:`(\lambda, -1)`), the coefficients, predictions and PSA means of :math:`U`
are the same weighted sums of those of each metric:

.. math::

    \hat\beta_U = (X'X)^{-1} X' \sum_m w_m Y_m = \sum_m w_m \hat\beta_m .

The R-squared is not linear, but its sums of squares are quadratic forms in the weights:
with :math:`R_{ma}` the residuals of metric :math:`m` and :math:`\tilde Y_{ma}` its centred
draws, :math:`RSS_a = w' G_a w` with :math:`(G_a)_{mn} = R_{ma}' R_{na}` and likewise
:math:`TSS_a = w' T_a w` with :math:`(T_a)_{mn} = \tilde Y_{ma}' \tilde Y_{na}`.

So :func:`one_way_psa_metrics` fits each metric once (one regression per parameter, for all
metrics and strategies at once) and :meth:`OneWayPSAMetrics.combine` returns, for any
weights, the :class:`~decisionkit.sensitivity.OneWayPSAResult` that ``one_way_psa`` would
return for that utility, without touching the draws again: the CE page's tornado at every
willingness to pay costs one fit per data set instead of one per slider step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import check_names, check_number, fail, validate_params
from decisionkit.sensitivity._metamodel import (
    SETTINGS,
    OneWayPSAResult,
    _fit,
    _one_way_result,
    _powers,
    _prepare,
    _ranges,
    _utility_matrix,
)

__all__ = ["OneWayPSAMetrics", "one_way_psa_metrics"]


@dataclass(frozen=True, repr=False, eq=False)
class OneWayPSAMetrics:
    r"""Per-metric one-way metamodels (the result of :func:`one_way_psa_metrics`; immutable).

    Attributes
    ----------
    metrics : tuple of str
        The metrics fitted (the keys :meth:`combine` accepts).
    strategies : tuple of str
        Strategies, in the order of the outcomes (or of ``strategies=``).
    ranges : dict of str to (float, float)
        Range predicted for each parameter.
    degree, n_points : int
        Polynomial degree and predicted values per parameter.
    means : pandas.DataFrame
        PSA mean of each metric (index ``metric``, one column per strategy).
    """

    metrics: tuple[str, ...]
    strategies: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]
    degree: int
    n_points: int
    means: pd.DataFrame
    _scales: np.ndarray = field(repr=False)  # (P, 2): mean, sd of each parameter
    _coef: np.ndarray = field(repr=False)  # (P, M, degree + 1, K)
    _grids: np.ndarray = field(repr=False)  # (P, n_points)
    _preds: np.ndarray = field(repr=False)  # (P, M, n_points, K)
    _rss: np.ndarray = field(repr=False)  # (P, K, M, M) residual Gram matrices
    _tss: np.ndarray = field(repr=False)  # (K, M, M) centred Gram matrices

    @property
    def parameters(self) -> list[str]:
        """Parameters analysed, in input order."""
        return list(self.ranges)

    @validate_params()
    def combine(self, weights: Mapping[str, float], *, name: str | None = None) -> OneWayPSAResult:
        r"""The one-way result of the utility :math:`\sum_m w_m \cdot \text{metric}_m`.

        Equals ``one_way_psa(outcomes, dk.utility.linear(weights), ...)`` on the same draws
        and settings (to rounding: the fits are combined, not refitted).

        Parameters
        ----------
        weights : mapping of str to float
            Weight of each metric; metrics left out weigh 0. The net monetary benefit at
            willingness to pay ``wtp`` is ``{effect: wtp, cost: -1.0}``.
        name : str, optional
            Name of the utility in the result (default: the weighted sum, as
            :func:`decisionkit.utility.linear` names it).

        Returns
        -------
        OneWayPSAResult
        """
        if not isinstance(weights, Mapping) or not weights:
            raise fail("weights", "a non-empty dict of metric name to weight", weights)
        unknown = [m for m in weights if m not in self.metrics]
        if unknown:
            raise fail("weights", f"keyed by the metrics fitted {list(self.metrics)}", unknown)
        w = np.zeros(len(self.metrics))
        for m, v in weights.items():
            w[self.metrics.index(m)] = check_number(v, f"weights['{m}']")
        label = name or " + ".join(f"{float(v):g}*{m}" for m, v in weights.items())
        coef = np.einsum("m,pmdk->pdk", w, self._coef)
        preds = np.einsum("m,pmnk->pnk", w, self._preds)
        rss = np.einsum("m,pkmn,n->pk", w, self._rss, w)
        tss = np.einsum("m,kmn,n->k", w, self._tss, w)
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(tss > 0, 1.0 - rss / tss, np.nan)
        fits = {
            p: (float(self._scales[j, 0]), float(self._scales[j, 1]), coef[j])
            for j, p in enumerate(self.parameters)
        }
        base = w @ self.means.to_numpy()
        names = list(self.strategies)
        grids = list(self._grids)
        return _one_way_result(
            label, names, self.ranges, grids, list(preds), base, r2, self.degree, fits
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy predictions per metric: ``parameter, value, metric, strategy, expected_value``."""
        p, m, n, k = self._preds.shape
        return pd.DataFrame(
            {
                "parameter": np.repeat(self.parameters, m * n * k),
                "value": np.tile(np.repeat(self._grids, k, axis=1), (1, m)).ravel(),
                "metric": np.tile(np.repeat(self.metrics, n * k), p),
                "strategy": np.tile(self.strategies, p * m * n),
                "expected_value": self._preds.ravel(),
            }
        )

    @property
    def summary(self) -> pd.DataFrame:
        """R-squared of each fit: one row per parameter, columns ``(metric, strategy)``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            rss = np.diagonal(self._rss, axis1=2, axis2=3)  # (P, K, M)
            tss = np.diagonal(self._tss, axis1=1, axis2=2)[None]  # (1, K, M)
            r2 = np.where(tss > 0, 1.0 - rss / tss, np.nan)
        columns = pd.MultiIndex.from_product(
            [self.metrics, self.strategies], names=["metric", "strategy"]
        )
        flat = r2.transpose(0, 2, 1).reshape(len(self.parameters), -1)
        return pd.DataFrame(
            flat, index=pd.Index(self.parameters, name="parameter"), columns=columns
        )

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        return (
            f"<OneWayPSAMetrics> degree-{self.degree} metamodels of {len(self.parameters)} "
            f"parameters x {len(self.metrics)} metrics ({', '.join(self.metrics)}) x "
            f"{len(self.strategies)} strategies; combine(weights) gives the one-way result of "
            "any weighted sum of the metrics"
        )


@validate_params(SETTINGS)
def one_way_psa_metrics(
    outcomes: Any,
    metrics: Sequence[str] | None = None,
    parameters: Sequence[str] | None = None,
    *,
    inputs: pd.DataFrame | None = None,
    degree: int = 2,
    n_points: int = 100,
    ranges: Mapping[str, Sequence[float]] | None = None,
    strategies: Sequence[str] | None = None,
) -> OneWayPSAMetrics:
    r"""One-way PSA metamodels of each metric, to combine into any linear utility.

    Fits, for each parameter :math:`\theta_p`, metric :math:`m` and strategy :math:`a`, the
    metamodel of :func:`~decisionkit.sensitivity.one_way_psa`,
    :math:`Y_{ma} = \beta_0 + \sum_{j=1}^{d} \beta_j \theta_p^{\,j} + \varepsilon`, once.
    :meth:`OneWayPSAMetrics.combine` then gives the one-way result of any weighted sum of the
    metrics (such as the net monetary benefit at each willingness to pay) exactly as
    ``one_way_psa`` would, by linearity of least squares (see the module notes).

    Parameters
    ----------
    outcomes : OutcomeDistribution
        PSA draws, with the parameter draws attached (``inputs=``) or passed as ``inputs``.
    metrics : list of str, optional
        Metrics to fit (default: every metric of ``outcomes``).
    parameters, inputs, degree, n_points, ranges, strategies
        As in :func:`~decisionkit.sensitivity.one_way_psa`.

    Returns
    -------
    OneWayPSAMetrics

    References
    ----------
    Jalal H, Dowd B, Sainfort F, Kuntz KM. Linear regression metamodeling as a tool to
    summarize and present simulation model results. Med Decis Making 2013;33(7):880-890.

    Examples
    --------
    >>> import numpy as np
    >>> import decisionkit as dk
    >>> from decisionkit.models.cohort.sick_sicker import sick_sicker_psa
    >>> psa = sick_sicker_psa(300, random_seed=1)  # costs, QALYs and 18 parameter draws
    >>> fits = dk.sensitivity.one_way_psa_metrics(psa, ["qaly", "cost"])  # fitted once
    >>> for wtp in (50_000, 100_000, 150_000):  # then one cheap combination per wtp
    ...     res = fits.combine({"qaly": wtp, "cost": -1.0})
    ...     ref = dk.sensitivity.one_way_psa(psa, dk.utility.net_monetary_benefit(wtp=wtp))
    ...     same = np.allclose(res.frame["expected_utility"], ref.frame["expected_utility"])
    ...     print(wtp, res.base_optimal, same)
    50000 Standard of care True
    100000 Strategy B True
    150000 Strategy AB True
    """
    from decisionkit.decision.utility import linear

    if metrics is None:
        metrics = list(getattr(outcomes, "metrics", []))
    names_m = check_names(metrics, "metrics")
    first = linear({names_m[0]: 1.0})
    _, names, y0, params, x = _prepare(outcomes, first, parameters, inputs, strategies)
    ys = [y0] + [_utility_matrix(outcomes, linear({m: 1.0}), strategies)[2] for m in names_m[1:]]
    degree, n_points = int(degree), int(n_points)
    bounds = _ranges(ranges, params, x)
    n, k, n_m = y0.shape[0], len(names), len(names_m)
    y = np.concatenate(ys, axis=1)  # (n, M * K): metric-major columns
    n_p = len(params)
    scales = np.empty((n_p, 2))
    coef = np.empty((n_p, n_m, degree + 1, k))
    grids = np.empty((n_p, n_points))
    preds = np.empty((n_p, n_m, n_points, k))
    rss = np.empty((n_p, k, n_m, n_m))
    for j, p in enumerate(params):
        mean, scale = float(x[:, j].mean()), float(x[:, j].std())
        design = _powers((x[:, j] - mean) / scale, degree)
        c, _ = _fit(design, y, [p], degree)
        resid = (y - design @ c).reshape(n, n_m, k)
        scales[j] = mean, scale
        coef[j] = c.reshape(degree + 1, n_m, k).transpose(1, 0, 2)
        grids[j] = np.linspace(*bounds[p], n_points)
        preds[j] = np.einsum("nd,mdk->mnk", _powers((grids[j] - mean) / scale, degree), coef[j])
        rss[j] = np.einsum("imk,ink->kmn", resid, resid)
    centred = (y - y.mean(axis=0)).reshape(n, n_m, k)
    tss = np.einsum("imk,ink->kmn", centred, centred)
    means = pd.DataFrame(
        y.mean(axis=0).reshape(n_m, k),
        index=pd.Index(names_m, name="metric"),
        columns=pd.Index(names, name="strategy"),
    )
    return OneWayPSAMetrics(
        tuple(names_m),
        tuple(names),
        bounds,
        degree,
        n_points,
        means,
        scales,
        coef,
        grids,
        preds,
        rss,
        tss,
    )

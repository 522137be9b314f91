r"""Risk aversion (BCEA's ``CEriskav``): expected utility of net benefit under exponential utility.

A decision maker with constant absolute risk aversion :math:`r > 0` values a net benefit
:math:`x` by :math:`u_r(x) = (1 - e^{-r x}) / r`; :math:`u_0(x) = x` is the risk-neutral limit.
Several :math:`r` and the whole willingness-to-pay grid are evaluated in one vectorised pass,
reduced over draws by the decision kernel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._options import chunk_values
from decisionkit._validation import fail, validate_params
from decisionkit.cea._inputs import draws, reference_index, wtp_grid
from decisionkit.decision._kernel import reduce_draws
from decisionkit.exceptions import ValidationError

__all__ = ["RiskAversionResult", "risk_aversion"]


@dataclass(frozen=True, repr=False, eq=False)
class RiskAversionResult:
    r"""Expected utilities, EIB and EVPI per risk aversion and wtp (immutable).

    Attributes
    ----------
    strategies : tuple of str
        Strategy names in input order.
    reference : str
        Comparator of :meth:`eib`.
    r : numpy.ndarray
        Risk-aversion coefficients ``(n_r,)`` (per unit of currency).
    wtp : numpy.ndarray
        Willingness-to-pay grid ``(n_wtp,)``.
    expected_utility : numpy.ndarray
        ``(n_wtp, n_r, n_strategies)``: :math:`E_s[u_r(NB_{sa}(\lambda))]`.
    prob_best : numpy.ndarray
        ``(n_wtp, n_r, n_strategies)``: probability of the highest utility. :math:`u_r` is
        increasing, so this is the CEAC whatever ``r``; kept as a check.
    evpi_values : numpy.ndarray
        ``(n_wtp, n_r)``: :math:`E_s[\max_a u_r(NB_{sa})] - \max_a E_s[u_r(NB_{sa})]`.
    """

    strategies: tuple[str, ...]
    reference: str
    r: np.ndarray = field(repr=False)
    wtp: np.ndarray = field(repr=False)
    expected_utility: np.ndarray = field(repr=False)
    prob_best: np.ndarray = field(repr=False)
    evpi_values: np.ndarray = field(repr=False)

    @property
    def evpi(self) -> pd.Series:
        """EVPI in utility units, a Series named ``evpi`` indexed by (``r``, ``wtp``)."""
        index = pd.MultiIndex.from_product([self.r, self.wtp], names=["r", "wtp"])
        return pd.Series(self.evpi_values.T.ravel(), index=index, name="evpi")

    @property
    def certainty_equivalent(self) -> np.ndarray:
        r"""``(n_wtp, n_r, n_strategies)``: the sure net benefit worth as much as the strategy.

        :math:`CE_{a,r} = u_r^{-1}(\bar U_{a,r}) = -\log(1 - r \bar U_{a,r}) / r` (the
        expected net benefit when :math:`r = 0`), in currency. Unlike utilities, certainty
        equivalents do not shrink when every net benefit is shifted by a constant (exponential
        utility of :math:`x + c` is :math:`e^{-rc}` times that of :math:`x`, plus a constant),
        so their differences compare across ``r`` and wtp; the optimal strategy is the same.
        """
        r = self.r[None, :, None]
        safe = np.where(r == 0, 1.0, r)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ce = np.where(
                r == 0, self.expected_utility, -np.log1p(-safe * self.expected_utility) / safe
            )
        return ce

    def eib(self) -> pd.DataFrame:
        r"""Expected incremental utility against the reference.

        Columns ``r, wtp, strategy, eib, ce_difference``:
        :math:`EIB_{a,r}(\lambda) = E[u_r(NB_a)] - E[u_r(NB_{ref})]` (comparator minus
        reference; BCEA's ``eibr`` is reference minus comparator) and the difference of the
        :attr:`certainty_equivalent` (currency). The reference is left out.
        """
        ref = self.strategies.index(self.reference)
        keep = [i for i in range(len(self.strategies)) if i != ref]
        diff = self.expected_utility[:, :, keep] - self.expected_utility[:, :, [ref]]
        ce = self.certainty_equivalent
        ce_diff = ce[:, :, keep] - ce[:, :, [ref]]
        names = [self.strategies[i] for i in keep]
        return _tidy(self.r, self.wtp, names, {"eib": diff, "ce_difference": ce_diff})

    def to_frame(self) -> pd.DataFrame:
        """Tidy ``r, wtp, strategy, expected_utility, prob_best, optimal``."""
        optimal = self.expected_utility.argmax(axis=2)[..., None] == np.arange(len(self.strategies))
        return _tidy(
            self.r,
            self.wtp,
            list(self.strategies),
            {
                "expected_utility": self.expected_utility,
                "prob_best": self.prob_best,
                "optimal": optimal,
            },
        )

    @property
    def summary(self) -> pd.DataFrame:
        """Per ``r``: the optimal strategy at the lowest and highest wtp and the largest EVPI."""
        best = self.expected_utility.argmax(axis=2)
        names = np.asarray(self.strategies, dtype=object)
        peak = self.evpi_values.argmax(axis=0)
        return pd.DataFrame(
            {
                "r": self.r,
                "optimal_at_min_wtp": names[best[0]].astype(str),
                "optimal_at_max_wtp": names[best[-1]].astype(str),
                "max_evpi": self.evpi_values.max(axis=0),
                "wtp_at_max_evpi": self.wtp[peak],
            }
        )

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        from decisionkit._format import number, table

        s = self.summary
        shown = table(s, {c: number for c in ("r", "max_evpi", "wtp_at_max_evpi")})
        return (
            f"<RiskAversionResult: {len(self.strategies)} strategies, {self.r.size} risk "
            f"aversion value(s), {self.wtp.size} wtp values>\n" + shown.to_string(index=False)
        )


def _tidy(r: np.ndarray, wtp: np.ndarray, names: list[str], values: dict) -> pd.DataFrame:
    """(wtp, r, strategy) arrays -> long frame sorted by r, wtp, strategy."""
    n_w, n_r, k = wtp.size, r.size, len(names)
    frame = pd.DataFrame(
        {
            "r": np.repeat(r, n_w * k),
            "wtp": np.tile(np.repeat(wtp, k), n_r),
            "strategy": np.tile(np.asarray(names, dtype=object), n_w * n_r),
        }
    ).astype({"strategy": str})
    for name, arr in values.items():
        frame[name] = np.swapaxes(arr, 0, 1).ravel()
    return frame


def exponential_utility(nb: np.ndarray, r: float, out: np.ndarray | None = None) -> np.ndarray:
    r""":math:`u_r(x) = (1 - e^{-r x}) / r` elementwise (``x`` itself when ``r == 0``).

    Written as :math:`-\mathrm{expm1}(-r x) / r`, accurate for small :math:`r x`, in place
    in ``out`` (same shape as ``nb``; may be a view) when given. Overflow gives ``-inf``.
    """
    u = np.empty_like(nb) if out is None else out
    if r == 0:
        u[...] = nb
        return u
    with np.errstate(over="ignore", invalid="ignore"):
        np.multiply(nb, -r, out=u)
        np.expm1(u, out=u)
        u *= -1.0 / r
    return u


@validate_params()
def risk_aversion(
    outcomes: Any,
    *,
    r: Any = (0.0, 2.5e-6, 5e-6),
    cost: str | None = None,
    effect: str | None = None,
    wtp: Any = None,
    reference: str | None = None,
) -> RiskAversionResult:
    r"""Expected utility, EIB and EVPI under exponential utility, for several risk aversions.

    With net benefit :math:`NB_{sa}(\lambda) = \lambda E_{sa} - C_{sa}` and the utility
    :math:`u_r(x) = (1 - e^{-r x}) / r` (constant absolute risk aversion :math:`r`;
    :math:`u_0(x) = x`), for every :math:`r` and :math:`\lambda` at once:

    .. math::

        \bar U_{a,r}(\lambda) = \tfrac1S \textstyle\sum_s u_r(NB_{sa}), \quad
        EIB_{a,r} = \bar U_{a,r} - \bar U_{ref,r}, \quad
        EVPI_r = \tfrac1S \textstyle\sum_s \max_a u_r(NB_{sa}) - \max_a \bar U_{a,r}.

    A risk-averse decision maker penalises strategies whose net benefit is uncertain, so
    the optimal strategy and the EVPI can change with :math:`r`; :math:`r = 0` reproduces
    :func:`analyze`. Results are in utility units (currency when :math:`r = 0`).

    Parameters
    ----------
    outcomes : OutcomeDistribution or CEAResult
        PSA draws, or the result of :func:`analyze`.
    r : float or sequence of float
        Non-negative risk-aversion coefficients (per unit of currency). BCEA's default is
        ``(1e-11, 2.5e-6, 5e-6)`` (it replaces 0 by 1e-10; here 0 is the exact limit).
    cost, effect : str, optional
        Metric names (default ``"cost"`` and ``"qaly"``); leave out with a CEAResult.
    wtp : float or 1-D array, optional
        Willingness-to-pay grid (default: the CEAResult's, or 0 to 50,000 by 100).
    reference : str, optional
        Comparator of :meth:`RiskAversionResult.eib` (default as :func:`incremental`).

    Returns
    -------
    RiskAversionResult

    Notes
    -----
    Utilities saturate at :math:`1/r`: choose :math:`r` with :math:`r \times |NB|` of order
    one, or read :attr:`RiskAversionResult.certainty_equivalent`, which stays in currency.
    The utility draws are built in blocks of wtp values sized by
    ``dk.set_options(working_memory=...)`` and reduced by the decision kernel; CPU time is
    of the order of draws x strategies x wtp x len(r) exponentials.

    References
    ----------
    Baio G, Dawid AP. Probabilistic sensitivity analysis in health economics. Stat Methods Med
    Res 2015;24:615-634.

    Baio G, Berardi A, Heath A. Bayesian Cost-Effectiveness Analysis with the R package
    BCEA. Springer, 2017. Section 4.4 (``CEriskav``).

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"cost": rng.normal([0, 500], [10, 2000], (2000, 2)),
    ...      "qaly": rng.normal([1.0, 1.05], 0.01, (2000, 2))}, actions=["Safe", "Risky"])
    >>> ra = dk.cea.risk_aversion(out, r=[0, 1e-3], wtp=[20_000])
    >>> ra.summary[["r", "optimal_at_max_wtp"]].to_dict("list")
    {'r': [0.0, 0.001], 'optimal_at_max_wtp': ['Risky', 'Safe']}
    """
    d = draws(outcomes, cost, effect)
    ref = reference_index(d, reference)
    grid = wtp_grid(wtp, d.wtp)
    coef = _coefficients(r)
    n, k = d.cost.shape
    eu = np.empty((grid.size, coef.size, k))
    pb = np.empty_like(eu)
    ev = np.empty((grid.size, coef.size))
    step = chunk_values(3 * n * k * coef.size)
    for s in range(0, grid.size, step):
        w = grid[s : s + step]
        nb = w[:, None, None] * d.effect[None] - d.cost[None]  # (wtp, draw, strategy)
        u = np.empty((w.size, coef.size, n, k))  # draws and strategies last: no transpose
        for i, r_i in enumerate(coef):  # a few risk aversions, each vectorised over the rest
            exponential_utility(nb, float(r_i), out=u[:, i])
        if not np.isfinite(u).all():
            raise ValidationError(
                f"The exponential utility overflows at r = {coef.max():g}: r x net benefit "
                "must stay above about -700. Use smaller r, or express costs in thousands (and "
                "r per thousand)."
            )
        stats = reduce_draws(
            xr.DataArray(u, dims=("wtp", "r", "draw", "action")),
            prob=None,
            what="The utility draws",
        ).transpose("wtp", "r", "action")
        eu[s : s + step] = stats["expected_utility"].values
        pb[s : s + step] = stats["prob_best"].values
        ev[s : s + step] = stats["evpi"].transpose("wtp", "r").values
    for arr in (coef, eu, pb, ev):
        arr.flags.writeable = False
    return RiskAversionResult(d.strategies, d.strategies[ref], coef, grid, eu, pb, ev)


def _coefficients(r: Any) -> np.ndarray:
    try:
        coef = np.atleast_1d(np.asarray(r, dtype=float)).copy()
    except (TypeError, ValueError):
        raise fail("r", "a non-negative number or a 1-D sequence of them", r) from None
    if coef.ndim != 1 or coef.size == 0 or not np.isfinite(coef).all() or (coef < 0).any():
        raise fail(
            "r",
            "a non-negative finite number or a non-empty 1-D sequence of them",
            r,
            hint="r = 0 is risk neutral; larger r is more risk averse.",
        )
    if np.unique(coef).size != coef.size:
        raise fail("r", "a sequence without repeated values", r)
    return coef

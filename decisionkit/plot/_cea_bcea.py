"""BCEA-style CEA plots.

EIB with credible intervals, CEAC band, risk aversion, mixed strategy, and density contours on
the cost-effectiveness plane.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import Interval, check_number, check_probability, fail, validate_params
from decisionkit.cea import (
    BootstrapCEAC,
    CEAResult,
    IncrementalResult,
    MixedStrategyResult,
    RiskAversionResult,
)
from decisionkit.plot._cea import _axes, _colours, _money, _probability_axes

__all__ = ["ce_contour", "ceac_bootstrap", "eib", "mixed_strategy", "risk_aversion"]


def _check(result: Any, cls: Any, source: str) -> Any:
    if not isinstance(result, cls):
        raise fail("result", f"a {cls.__name__} from {source}", type(result).__name__)
    return result


def _wtp_axis(ax: Any, currency: str, effect_unit: str) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel(f"Willingness to pay ({currency} per {effect_unit})")
    ax.xaxis.set_major_formatter(_money(currency))
    ax.xaxis.set_major_locator(MaxNLocator(5))  # money labels are wide


@validate_params()
def eib(
    result: IncrementalResult,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
) -> Any:
    """Expected incremental benefit against the reference, with its credible band.

    One line per comparator (:meth:`IncrementalResult.eib`) with the central interval of
    the incremental-benefit draws shaded (BCEA's ``eib.plot(plot.cri = TRUE)``); where a
    line crosses zero the comparator starts to beat the reference on expected net benefit.
    """
    result = _check(result, IncrementalResult, "dk.cea.incremental()")
    ax = _axes(ax)
    colours = _colours(result.strategies)
    frame = result.eib()
    for name, g in frame.groupby("strategy", sort=False):
        ax.plot(
            g["wtp"], g["eib"], color=colours[name], lw=2, label=f"{name} vs {result.reference}"
        )
        ax.fill_between(g["wtp"], g["lower"], g["upper"], color=colours[name], alpha=0.15, lw=0)
    ax.axhline(0, color="grey", lw=0.8)
    _wtp_axis(ax, currency, effect_unit)
    ax.set_ylabel(f"Expected incremental benefit ({currency})")
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_title(
        f"Expected incremental benefit ({result.prob:.0%} {result.interval} credible band)"
    )
    ax.legend(fontsize="small")
    return ax


@validate_params()
def ceac_bootstrap(
    result: BootstrapCEAC,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
) -> Any:
    """CEACs with their bootstrap percentile bands (see :func:`dk.cea.bootstrap_ceac`)."""
    result = _check(result, BootstrapCEAC, "dk.cea.bootstrap_ceac()")
    ax = _axes(ax)
    colours = _colours(result.strategies)
    for j, name in enumerate(result.strategies):
        ax.plot(result.wtp, result.prob_best[:, j], color=colours[name], lw=1.8, label=name)
        ax.fill_between(
            result.wtp, result.lower[:, j], result.upper[:, j], color=colours[name], alpha=0.2, lw=0
        )
    _probability_axes(ax, currency, effect_unit)
    _wtp_axis(ax, currency, effect_unit)
    ax.set_title(
        f"Acceptability curves with {result.prob:.0%} bootstrap bands ({result.n_boot} resamples)"
    )
    ax.legend(title="Probability highest net benefit", fontsize="small")
    return ax


@validate_params()
def risk_aversion(
    result: RiskAversionResult,
    *,
    what: str = "evpi",
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
) -> Any:
    """EVPI (``what="evpi"``) or EIB (``what="eib"``) against wtp, one line per risk aversion.

    As BCEA's ``plot.CEriskav``; for ``"eib"`` each comparator has its own colour and each
    ``r`` its own line style.
    """
    result = _check(result, RiskAversionResult, "dk.cea.risk_aversion()")
    if what not in ("evpi", "eib"):
        raise fail("what", "'evpi' or 'eib'", what)
    ax = _axes(ax)
    styles = ["-", "--", ":", "-."]
    if what == "evpi":
        import matplotlib as mpl

        cmap = mpl.colormaps["viridis"]
        for i, r in enumerate(result.r):
            colour = cmap(i / max(1, result.r.size - 1) * 0.85)
            ax.plot(result.wtp, result.evpi_values[:, i], color=colour, lw=2, label=f"r = {r:g}")
        ax.set_ylabel("EVPI (utility units)")
        ax.set_title("EVPI under risk aversion")
    else:
        colours = _colours(result.strategies)
        frame = result.eib()
        for i, r in enumerate(result.r):
            for name, g in frame[frame["r"] == r].groupby("strategy", sort=False):
                ax.plot(
                    g["wtp"],
                    g["eib"],
                    color=colours[name],
                    ls=styles[i % len(styles)],
                    lw=1.8,
                    label=f"{name} vs {result.reference}, r = {r:g}",
                )
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_ylabel("Expected incremental utility")
        ax.set_title("Expected incremental benefit under risk aversion")
    _wtp_axis(ax, currency, effect_unit)
    ax.legend(fontsize="small")
    return ax


@validate_params()
def mixed_strategy(
    result: MixedStrategyResult,
    *,
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALY",
) -> Any:
    """EVPI of the optimal strategy and of the market-share mix (BCEA's ``evi.plot.mixedAn``).

    The gap between the two curves is the value of implementation.
    """
    result = _check(result, MixedStrategyResult, "dk.cea.mixed_strategy()")
    ax = _axes(ax)
    ax.plot(result.wtp, result.evpi_optimal, color="tab:blue", lw=2, label="Optimal strategy")
    ax.plot(result.wtp, result.evpi_mixed, color="tab:red", lw=2, label="Mixed strategy")
    ax.fill_between(
        result.wtp,
        result.evpi_optimal,
        result.evpi_mixed,
        color="tab:red",
        alpha=0.12,
        lw=0,
        label="Value of implementation",
    )
    _wtp_axis(ax, currency, effect_unit)
    ax.set_ylabel(f"EVPI per decision ({currency})")
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_ylim(bottom=0)
    shares = ", ".join(
        f"{s} {m:.0%}" for s, m in zip(result.strategies, result.shares, strict=True) if m > 0
    )
    ax.set_title(f"EVPI with market shares\n({shares})", fontsize="medium")
    ax.legend(fontsize="small")
    return ax


@validate_params({"max_points": Interval(10, None, integer=True)})
def ce_contour(
    result: CEAResult | IncrementalResult,
    *,
    wtp: float | None = None,
    levels: Any = (0.5, 0.75, 0.95),
    ax: Any = None,
    currency: str = "$",
    effect_unit: str = "QALYs",
    max_points: int = 2000,
    points: bool = True,
) -> Any:
    r"""Density contours of the incremental draws on the CE plane, with the wtp line.

    For each comparator against the reference, a Gaussian kernel density estimate of
    :math:`(\Delta E, \Delta C)` is drawn as highest-density contours enclosing the given
    probabilities (BCEA's ``contour``/``contour2`` draw kernel-density contours of the
    same draws). The area below the willingness-to-pay line :math:`\Delta C = \lambda
    \Delta E` is shaded: draws there are cost-effective at :math:`\lambda`. With one
    comparator the share of draws in each quadrant is written in its corner, as BCEA does.

    Parameters
    ----------
    result : CEAResult or IncrementalResult
        From :func:`dk.cea.analyze` or :func:`dk.cea.incremental` (its reference is used).
    wtp : float, optional
        Willingness to pay of the line (default: the middle of the result's grid).
    levels : sequence of float
        Probabilities enclosed by the contours (each in (0, 1)).
    ax : matplotlib Axes, optional
    currency, effect_unit : str
        Labels.
    max_points : int
        The density is estimated on at most this many evenly spaced draws per comparator.
    points : bool
        Also draw those draws as faint dots.

    Notes
    -----
    The contour enclosing probability :math:`p` is the density level exceeded by a
    fraction :math:`p` of the draws (the highest-density region estimated from the draws,
    Hyndman 1996). Bandwidth: Scott's rule (:class:`scipy.stats.gaussian_kde`).

    References
    ----------
    Hyndman RJ. Computing and graphing highest density regions. Am Stat 1996;50:120-126.

    Baio G, Berardi A, Heath A. Bayesian Cost-Effectiveness Analysis with the R package
    BCEA. Springer, 2017. Section 3.3 (``contour``, ``contour2``).
    """
    from scipy.stats import gaussian_kde

    if not isinstance(result, (CEAResult, IncrementalResult)):
        raise fail(
            "result",
            "a CEAResult or an IncrementalResult from dk.cea",
            type(result).__name__,
        )
    probs = np.atleast_1d(np.asarray(levels, dtype=float))
    probs = np.sort([check_probability(p, "levels") for p in probs])
    max_points = int(max_points)
    ax = _axes(ax)
    frame = result.ce_plane()
    colours = _colours(result.strategies)
    names = list(frame["strategy"].unique())
    for name in names:
        g = frame[frame["strategy"] == name]
        step = max(1, len(g) // max_points)
        xy = g[["inc_effect", "inc_cost"]].to_numpy()[::step].T
        if points:
            ax.scatter(*xy, s=3, alpha=0.15, color=colours[name], rasterized=True)
        if np.ptp(xy[0]) == 0 or np.ptp(xy[1]) == 0:
            continue  # no spread along an axis: no density to contour
        # standardise so one bandwidth fits both axes' units
        centre, scale = xy.mean(axis=1, keepdims=True), xy.std(axis=1, keepdims=True)
        z = (xy - centre) / scale
        kde = gaussian_kde(z)
        at_draws = kde(z)
        heights = np.quantile(at_draws, 1 - probs)  # decreasing with p: sort for contour
        lo, hi = z.min(axis=1) - 1.0, z.max(axis=1) + 1.0
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 90), np.linspace(lo[1], hi[1], 90))
        dens = kde(np.vstack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
        order = np.argsort(heights)
        cs = ax.contour(
            gx * scale[0, 0] + centre[0, 0],
            gy * scale[1, 0] + centre[1, 0],
            dens,
            levels=heights[order],
            colors=[colours[name]],
            linewidths=np.linspace(1.0, 2.2, probs.size),
        )
        ax.clabel(cs, fmt=dict(zip(cs.levels, [f"{p:.0%}" for p in probs[order]], strict=True)))
        ax.plot([], [], color=colours[name], label=f"{name} vs {result.reference}")
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    if wtp is None:
        grid = result.wtp
        wtp = float(grid[grid.size // 2])
    wtp = check_number(wtp, "wtp", low=0.0)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xs = np.linspace(x0, x1, 2)
    ax.plot(xs, wtp * xs, ls="--", color="black", lw=1, label=f"wtp {currency}{wtp:,.0f}")
    ax.fill_between(xs, y0, wtp * xs, color="grey", alpha=0.08, lw=0, label="Cost-effective")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if len(names) == 1:
        g = frame
        de, dc = g["inc_effect"].to_numpy(), g["inc_cost"].to_numpy()
        corners = {
            (0.98, 0.98, "right", "top"): (de > 0) & (dc > 0),
            (0.02, 0.98, "left", "top"): (de <= 0) & (dc > 0),
            (0.02, 0.02, "left", "bottom"): (de <= 0) & (dc <= 0),
            (0.98, 0.02, "right", "bottom"): (de > 0) & (dc <= 0),
        }
        for (x, y, ha, va), mask in corners.items():  # share of draws per quadrant
            ax.text(
                x,
                y,
                f"{mask.mean():.1%}",
                transform=ax.transAxes,
                ha=ha,
                va=va,
                fontsize="small",
                color="dimgrey",
            )
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_xlabel(f"Incremental effect ({effect_unit})")
    ax.set_ylabel(f"Incremental cost ({currency})")
    ax.set_title(f"CE plane: density contours (vs {result.reference})")
    # below the axes: the corners carry the quadrant shares and the middle the contours
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize="small", frameon=False
    )
    return ax

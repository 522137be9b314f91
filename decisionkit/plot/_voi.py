"""Value-of-information plots: EVPI vs wtp, EVPPI bars, EVSI and ENBS vs sample size, checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import fail, validate_params

__all__ = ["enbs_curve", "evppi_bars", "evsi_curve", "regression_check", "voi_evpi"]


def _axes(ax: Any):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    return ax


def _pick_grid(table: pd.DataFrame, grid_dim: str | None, wtp: Any) -> pd.DataFrame:
    """Rows at one grid value: ``wtp`` if given, the only value, else an error."""
    if grid_dim is None:
        return table
    values = np.unique(table[grid_dim])
    if wtp is None:
        if values.size == 1:
            return table
        raise fail(
            "wtp",
            f"one of the {grid_dim} values of the result",
            None,
            hint=f"The result holds {values.size} values ({values[0]:g} ... {values[-1]:g}).",
        )
    match = np.isclose(values, float(wtp))
    if not match.any():
        raise fail("wtp", f"one of the {grid_dim} values {list(values)}", wtp)
    return table[np.isclose(table[grid_dim], values[match][0])]


def _wtp_note(table: pd.DataFrame, grid_dim: str | None) -> str:
    if grid_dim is None:
        return ""
    return f" ({grid_dim} = {float(table[grid_dim].iloc[0]):,.0f})"


@validate_params()
def voi_evpi(result: Any, ax: Any = None, *, population: float = 1.0, label: str = "EVPI"):
    """EVPI (and EVPPI per group) against willingness to pay.

    Parameters
    ----------
    result : EVPPIResult or pandas.Series
        An :class:`~decisionkit.voi.EVPPIResult` computed with a wtp grid (plots the EVPI and
        each group's EVPPI), or the Series returned by ``dk.voi.evpi`` with a wtp grid.
    ax : matplotlib Axes, optional
    population : float
        Multiply values by this (e.g. the annuity-scaled population) to plot population VOI.
    label : str
        Legend label of the EVPI curve.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import EVPPIResult

    ax = _axes(ax)
    if isinstance(result, pd.Series):
        if result.index.name is None or len(result) < 2:
            raise fail("result", "an EVPI Series indexed by a wtp grid", result)
        grid_dim = str(result.index.name)
        ax.plot(result.index, result.to_numpy() * population, color="black", lw=2, label=label)
    elif isinstance(result, EVPPIResult) and result.grid_dim:
        grid_dim = result.grid_dim
        t = result.to_frame()
        first = t[t["parameters"] == t["parameters"].iloc[0]]
        ax.plot(first[grid_dim], first["evpi"] * population, color="black", lw=2, label=label)
        for group, sub in t.groupby("parameters", sort=False):
            ax.plot(sub[grid_dim], sub["evppi"] * population, lw=1.5, label=f"EVPPI: {group}")
    else:
        raise fail(
            "result",
            "an EVPPIResult with a wtp grid or an EVPI Series by wtp",
            type(result).__name__,
            hint="Use a utility with a wtp grid, e.g. wtp=range(0, 50001, 1000).",
        )
    ax.set_xlabel("Willingness to pay per unit of effect" if grid_dim == "wtp" else grid_dim)
    scale = "population" if population != 1.0 else "per person"
    ax.set_ylabel(f"Value of information ({scale}, net-benefit units)")
    ax.set_title("Expected value of perfect information by willingness to pay")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False)
    return ax


@validate_params()
def evppi_bars(result: Any, ax: Any = None, *, wtp: float | None = None, show_evpi: bool = True):
    """Horizontal bars of EVPPI per parameter (group), largest first, with +-2 se whiskers.

    Parameters
    ----------
    result : EVPPIResult
        Usually from :func:`decisionkit.voi.evppi_each`.
    ax : matplotlib Axes, optional
    wtp : float, optional
        The grid value to show when the result has a wtp grid.
    show_evpi : bool
        Draw the EVPI (the upper bound of every bar) as a dashed line.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import EVPPIResult

    if not isinstance(result, EVPPIResult):
        raise fail("result", "an EVPPIResult", type(result).__name__)
    t = _pick_grid(result.to_frame(), result.grid_dim, wtp)
    t = t.sort_values("evppi", ascending=True, kind="stable")
    ax = _axes(ax)
    pos = np.arange(len(t))
    err = 2 * t["se"].to_numpy()
    ax.barh(
        pos,
        t["evppi"],
        color="#4C72B0",
        xerr=None if np.isnan(err).all() else err,
        error_kw={"ecolor": "0.3", "capsize": 3},
    )
    ax.set_yticks(pos, t["parameters"])
    if show_evpi:
        ax.axvline(t["evpi"].iloc[0], color="0.2", ls="--", lw=1, label="EVPI")
        ax.legend(frameon=False, loc="lower right")
    ax.set_xlabel("EVPPI per person (net-benefit units)")
    method = t["method"].iloc[0]
    ax.set_title(
        f"Expected value of partial perfect information ({method})" + _wtp_note(t, result.grid_dim)
    )
    ax.set_xlim(left=0)
    return ax


def _size_axis(ax: Any, sizes: np.ndarray, participants: int) -> None:
    if sizes.min() > 0 and sizes.max() / sizes.min() >= 100:
        ax.set_xscale("log")
    per = " per arm" if participants == 2 else ""
    ax.set_xlabel(f"Sample size n{per}")


@validate_params()
def evsi_curve(result: Any, ax: Any = None, *, wtp: float | None = None):
    """EVSI against sample size with a +-2 se band and the EVPI as the ceiling.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import EVSIResult

    if not isinstance(result, EVSIResult):
        raise fail("result", "an EVSIResult", type(result).__name__)
    t = _pick_grid(result.to_frame(), result.grid_dim, wtp).sort_values("n")
    ax = _axes(ax)
    n = t["n"].to_numpy()
    ax.plot(n, t["evsi"], marker="o", color="#4C72B0", label="EVSI")
    if not t["se"].isna().all():
        ax.fill_between(
            n,
            t["evsi"] - 2 * t["se"],
            t["evsi"] + 2 * t["se"],
            color="#4C72B0",
            alpha=0.2,
            lw=0,
            label="EVSI +- 2 se",
        )
    ax.axhline(t["evpi"].iloc[0], color="0.2", ls="--", lw=1, label="EVPI")
    _size_axis(ax, n, result.participants_per_n)
    ax.set_ylabel("EVSI per person (net-benefit units)")
    ax.set_title(
        f"Expected value of sample information: {result.study}" + _wtp_note(t, result.grid_dim)
    )
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, loc="lower right")
    return ax


@validate_params()
def enbs_curve(result: Any, ax: Any = None, *, wtp: float | None = None):
    """ENBS against sample size with its 95% band, the zero line and the optimal n.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import ENBSResult

    if not isinstance(result, ENBSResult):
        raise fail("result", "an ENBSResult", type(result).__name__)
    t = _pick_grid(result.to_frame(), result.grid_dim, wtp).sort_values("n")
    ax = _axes(ax)
    n = t["n"].to_numpy()
    ax.plot(n, t["enbs"], marker="o", color="#55A868", label="ENBS")
    if not t["enbs_lower"].isna().all():
        ax.fill_between(
            n,
            t["enbs_lower"],
            t["enbs_upper"],
            color="#55A868",
            alpha=0.2,
            lw=0,
            label="95% interval",
        )
    ax.axhline(0, color="0.2", lw=0.8)
    best = t.loc[t["enbs"].idxmax()]
    ax.axvline(best["n"], color="#C44E52", ls=":", lw=1.2, label=f"optimal n = {best['n']:,.0f}")
    _size_axis(ax, n, result.participants_per_n)
    ax.set_ylabel("ENBS (population, net-benefit units)")
    ax.set_title("Expected net benefit of sampling" + _wtp_note(t, result.grid_dim))
    ax.legend(frameon=False)
    return ax


@validate_params()
def regression_check(
    result: Any, ax: Any = None, *, parameters: str | None = None, max_points: int = 3000
):
    """Residuals against fitted values of an EVPPI regression (a bad fit shows a trend).

    Plots at most ``max_points`` draws (an evenly spaced subset) and the mean residual in
    20 bins of the fitted values, which should stay near zero.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import EVPPIResult

    if not isinstance(result, EVPPIResult):
        raise fail("result", "an EVPPIResult", type(result).__name__)
    frame = result.check()
    if result.grid_dim:
        first = frame[result.grid_dim].iloc[0]
        frame = frame[frame[result.grid_dim] == first]
    ax = _axes(ax)
    for action, sub in frame.groupby("action", sort=False):
        step = max(1, len(sub) // max_points)
        pts = sub.iloc[::step]
        ax.scatter(pts["fitted"], pts["residual"], s=4, alpha=0.3, label=str(action))
        bins = pd.qcut(sub["fitted"], 20, duplicates="drop")
        means = sub.groupby(bins, observed=True)[["fitted", "residual"]].mean()
        ax.plot(means["fitted"], means["residual"], color="black", lw=1.5)
    ax.axhline(0, color="#C44E52", lw=1, ls="--")
    label = frame["parameters"].iloc[0]
    ax.set_xlabel("Fitted incremental net benefit")
    ax.set_ylabel("Residual")
    ax.set_title(f"EVPPI regression check: {label} (black: binned mean residual)")
    ax.legend(frameon=False, markerscale=4, title="comparison")
    return ax

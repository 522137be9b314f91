"""EVSI method diagnostics and the probability that a study pays off, against sample size."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import fail, validate_params
from decisionkit.plot._voi import _axes, _pick_grid, _size_axis, _wtp_note

__all__ = ["enbs_probability", "evsi_diagnostics"]

# what each method's diagnostics table plots: column, axis label, title
_PANELS = {
    "regression": ("r2", "R$^2$ of the regression on the summary statistics",
                   "EVSI regression fit by sample size"),
    "is": ("ess_median", "Effective sample size of the weights (median)",
           "Importance-sampling weights by sample size"),
    "mm": ("variance_ratio", "Preposterior sd / EVPPI-fit sd",
           "Moment-matching variance reduction by sample size"),
}  # fmt: skip


@validate_params()
def evsi_diagnostics(result: Any, ax: Any = None, *, wtp: float | None = None):
    """Per sample size, the diagnostic of the EVSI method that produced ``result``.

    ``"regression"``: the R^2 of each comparison's fit of the incremental net benefit on the
    summary statistics, labelled with its effective degrees of freedom (a fit that stays near
    its null space or an R^2 that does not grow with n deserve a look); ``"is"``: the median
    and minimum effective sample size of the importance weights (a minimum near 1 means a
    data set was explained by a single draw: use more draws); ``"mm"``: the variance-reduction
    ratio (voi's ``p_shrink``; 0 means the study teaches nothing, 1 that it reveals the
    parameters).

    Parameters
    ----------
    result : EVSIResult
    ax : matplotlib Axes, optional
    wtp : float, optional
        The grid value to show when the result has a wtp grid with several values.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import EVSIResult

    if not isinstance(result, EVSIResult):
        raise fail("result", "an EVSIResult", type(result).__name__)
    diag = result.diagnostics
    if diag.empty:
        raise fail("result", "an EVSIResult with diagnostics", "none")
    if result.grid_dim in diag.columns:
        diag = _pick_grid(diag, result.grid_dim, wtp)
    column, ylabel, title = _PANELS[result.method]
    ax = _axes(ax)
    groups = diag.groupby("comparison") if "comparison" in diag.columns else [("", diag)]
    for name, sub in groups:
        sub = sub.sort_values("n")
        n = sub["n"].to_numpy()
        label = str(name) or ("median" if result.method == "is" else None)
        ax.plot(n, sub[column], marker="o", label=label)
        if result.method == "regression":
            for x, y, edf in zip(n, sub["r2"], sub["edf"], strict=True):
                ax.annotate(f"edf {edf:.1f}", (x, y), textcoords="offset points",
                            xytext=(0, 6), ha="center", fontsize=7)  # fmt: skip
    if result.method == "is":
        ax.plot(diag["n"], diag["ess_min"], marker="v", ls="--", color="0.4", label="minimum")
        ax.set_yscale("log")
    if result.method in ("regression", "mm"):
        ax.set_ylim(0, 1.05)
    _size_axis(ax, diag["n"].to_numpy(), result.participants_per_n)
    ax.set_ylabel(ylabel)
    ax.set_title(title + _wtp_note(diag, result.grid_dim))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8)
    return ax


@validate_params()
def enbs_probability(result: Any, ax: Any = None, *, wtp: float | None = None):
    """P(ENBS > 0) against sample size: the chance that the study is worth its cost.

    Uses ``result.probability`` from :func:`decisionkit.voi.enbs`, which accounts for the
    uncertainty of the EVSI estimate and, when given as draws or (mean, sd), of the costs.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.voi import ENBSResult

    if not isinstance(result, ENBSResult):
        raise fail("result", "an ENBSResult", type(result).__name__)
    t = _pick_grid(result.probability, result.grid_dim, wtp).sort_values("n")
    ax = _axes(ax)
    n = t["n"].to_numpy()
    ax.plot(n, t["prob_positive"], marker="o", color="#8172B2", label="P(ENBS > 0)")
    ax.axhline(0.5, color="0.5", lw=0.8, ls=":")
    ax.set_ylim(-0.02, 1.02)
    _size_axis(ax, np.asarray(n), result.participants_per_n)
    ax.set_ylabel("Probability the study pays off")
    ax.set_title("P(ENBS > 0) by sample size" + _wtp_note(t, result.grid_dim))
    ax.legend(frameon=False)
    return ax

"""Plots of the submission results: scenario comparison and budget impact."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import fail, validate_params
from decisionkit.plot._cea import _money
from decisionkit.report import BudgetImpactResult, ScenarioResult

__all__ = ["budget_impact", "scenario_comparison"]


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


@validate_params()
def scenario_comparison(
    result: ScenarioResult, *, ax: Any = None, currency: str = "$", effect_unit: str = "QALY"
) -> Any:
    """Incremental net monetary benefit of each strategy in each scenario (forest plot).

    One row per scenario and non-reference strategy: the PSA mean incremental NMB at the
    result's wtp against the reference with its 95% interval, labelled with the
    deterministic ICER and P(cost-effective). Points right of zero favour the strategy.

    Parameters
    ----------
    result : ScenarioResult
        From :func:`decisionkit.report.run_scenarios`.
    ax : matplotlib Axes, optional
    currency, effect_unit : str
        Labels.

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(result, ScenarioResult):
        raise fail(
            "result",
            "a ScenarioResult from run_scenarios",
            type(result).__name__,
        )
    import matplotlib as mpl

    table = result.summary
    table = table[table["strategy"] != result.reference]
    others = list(dict.fromkeys(table["strategy"]))
    n_s = len(result.scenarios)
    ax = _axes(ax, (8.0, 0.5 + 0.45 * n_s * max(1, len(others))))
    cmap = mpl.colormaps["tab10"]
    cur = currency.replace("$", r"\$")  # a pair of "$" would start matplotlib mathtext
    height = 0.8 / max(1, len(others))
    for j, strat in enumerate(others):
        sub = table[table["strategy"] == strat].set_index("scenario").loc[list(result.scenarios)]
        y = np.arange(n_s)[::-1] + (j - (len(others) - 1) / 2) * height
        err = np.vstack(
            [sub["inc_nmb"] - sub["inc_nmb_lower"], sub["inc_nmb_upper"] - sub["inc_nmb"]]
        )
        ax.errorbar(
            sub["inc_nmb"],
            y,
            xerr=err,
            fmt="o",
            color=cmap(j + 1),
            capsize=3,
            label=f"{strat} vs {result.reference}",
        )
        for yi, (_, row) in zip(y, sub.iterrows(), strict=True):
            icer = "" if not np.isfinite(row["icer"]) else f"ICER {cur}{row['icer']:,.0f}, "
            ax.annotate(
                f"{icer}P(CE) {row['prob_ce']:.2f}",
                (row["inc_nmb_upper"], yi),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize="x-small",
            )
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(np.arange(n_s)[::-1], list(result.scenarios))
    ax.xaxis.set_major_formatter(_money(currency))
    ax.set_xlabel(
        f"Incremental net monetary benefit ({cur}, wtp {cur}{result.wtp:,.0f} per "
        f"{effect_unit}; mean and 95% interval)"
    )
    ax.set_ylim(-0.6, n_s - 0.4 + 0.3 * len(others))  # headroom for the legend
    ax.set_title("Scenario analysis")
    ax.margins(x=0.25)
    ax.legend(loc="upper right", fontsize="small")
    return ax


@validate_params()
def budget_impact(result: BudgetImpactResult, *, ax: Any = None, currency: str = "$") -> Any:
    """Annual budget impact (bars, 95% PSA interval) and cumulative impact (line and band).

    Parameters
    ----------
    result : BudgetImpactResult
        From :func:`decisionkit.report.budget_impact`.
    ax : matplotlib Axes, optional
    currency : str
        Currency label.

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(result, BudgetImpactResult):
        raise fail(
            "result",
            "a BudgetImpactResult from budget_impact",
            type(result).__name__,
        )
    s = result.summary
    ax = _axes(ax, (7.0, 4.0))
    years = s["year"].to_numpy()
    err = np.vstack([s["impact"] - s["impact_lower"], s["impact_upper"] - s["impact"]])
    ax.bar(
        years,
        s["impact"],
        color="tab:blue",
        alpha=0.7,
        label="Annual impact",
        yerr=err if result.n_draws > 1 else None,
        capsize=4,
    )
    ax.plot(years, s["cumulative"], "o-", color="tab:red", label="Cumulative impact")
    if result.n_draws > 1:
        ax.fill_between(
            years,
            s["cumulative_lower"],
            s["cumulative_upper"],
            color="tab:red",
            alpha=0.15,
            label="Cumulative 95% interval",
        )
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(years)
    ax.yaxis.set_major_formatter(_money(currency))
    ax.set_xlabel("Year after adoption")
    ax.set_ylabel(f"Budget impact ({currency}, undiscounted)")
    ax.set_title("Budget impact: with minus without the new technology")
    ax.legend(loc="upper left", fontsize="small")
    return ax

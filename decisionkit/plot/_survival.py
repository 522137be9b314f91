"""Survival plots: Kaplan-Meier with a numbers-at-risk table, fitted curves over the KM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from decisionkit._validation import fail, validate_params

__all__ = ["kaplan_meier", "survival_fits"]


def _axes(ax: Any):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def _risk_times(km: Any, risk_times: Any) -> np.ndarray:
    if risk_times is not None:
        return np.asarray(risk_times, dtype=float)
    top = float(km.table["time"].max())
    step = 10 ** np.floor(np.log10(top / 4)) if top > 0 else 1.0
    for mult in (1, 2, 2.5, 5, 10):
        if top / (step * mult) <= 8:
            step *= mult
            break
    return np.arange(0.0, top + 1e-9, step)


@validate_params()
def kaplan_meier(
    km: Any,
    *,
    ax: Any = None,
    ci: bool = True,
    risk_table: bool = True,
    risk_times: Any = None,
    censor_marks: bool = True,
    colors: Sequence[str] | None = None,
):
    """Kaplan-Meier curves with intervals and a numbers-at-risk table underneath.

    Parameters
    ----------
    km : KaplanMeier
        From :func:`decisionkit.models.survival.kaplan_meier`.
    ax : matplotlib Axes, optional
        Where to draw; the risk table is added in a new Axes below it.
    ci : bool
        Shade the Greenwood interval.
    risk_table : bool
        Add the numbers at risk at ``risk_times`` (default: about 6 round times).
    censor_marks : bool
        Mark censoring times with ``+``.

    Returns
    -------
    matplotlib Axes
        The curves' Axes.
    """
    if not hasattr(km, "table") or not hasattr(km, "at_risk"):
        raise fail("km", "a KaplanMeier result", type(km).__name__)
    ax = _axes(ax)
    colors = list(colors) if colors else [f"C{i}" for i in range(len(km.groups))]
    for g, color in zip(km.groups, colors, strict=False):
        rows = km.table[km.table["group"] == g]
        label = None if g == "all" else str(g)
        ax.step(rows["time"], rows["survival"], where="post", color=color, lw=1.6, label=label)
        if ci:
            ax.fill_between(
                rows["time"], rows["lower"], rows["upper"], step="post", color=color, alpha=0.15
            )
        if censor_marks:
            cens = rows[rows["n_censor"] > 0]
            ax.plot(cens["time"], cens["survival"], "+", color=color, ms=5, mew=1)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_ylabel("Survival probability")
    ax.grid(alpha=0.3)
    if len(km.groups) > 1:
        ax.legend(frameon=False)
    if risk_table:
        _add_risk_table(ax, km, _risk_times(km, risk_times), colors)
    else:
        ax.set_xlabel("Time")
    return ax


def _add_risk_table(ax: Any, km: Any, times: np.ndarray, colors: list[str]) -> None:
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    counts = km.at_risk(times)
    n_rows = counts.shape[1]
    table = make_axes_locatable(ax).append_axes(
        "bottom", size=f"{8 + 7 * n_rows}%", pad=0.5, sharex=ax
    )
    for i, (g, color) in enumerate(zip(counts.columns, colors, strict=False)):
        y = n_rows - 1 - i
        for t, n in zip(times, counts[g], strict=True):
            table.text(t, y, str(int(n)), ha="center", va="center", fontsize=8, color=color)
    table.set_yticks(range(n_rows))
    table.set_yticklabels([str(g) for g in counts.columns][::-1], fontsize=8)
    table.set_ylim(-0.6, n_rows - 0.4)
    table.set_xticks(times)
    table.set_title("Number at risk", fontsize=8, loc="left")
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    table.tick_params(axis="y", length=0, pad=16)
    table.set_xlabel("Time")
    ax.tick_params(labelbottom=False)


@validate_params({"random_seed": "random_state"})
def survival_fits(
    models: Any,
    *,
    km: Any = None,
    group: str | None = None,
    times: Any = None,
    covariates: Any = None,
    ci: float | None = 0.95,
    n_draws: int = 500,
    random_seed: Any = 0,
    ax: Any = None,
):
    """Fitted (and extrapolated) survival curves, with intervals, over a Kaplan-Meier curve.

    Parameters
    ----------
    models : fitted model, sequence or mapping {label: model}
        Anything with ``predict(times, ...)`` (parametric and Bayesian fits, model averages,
        waning and background-mortality curves).
    km : KaplanMeier, optional
        Drawn as a grey step curve behind the fits (``group`` picks one curve of several).
    times : array-like, optional
        Where to evaluate the fits; default 0 to three times the last KM time.
    covariates : mapping or DataFrame, optional
        Covariate profile passed to every model.
    ci : float or None
        Interval level (``None``: no bands).

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    named = _named(models)
    follow_up = None
    if km is not None:
        groups = km.groups if group is None else [group]
        for g in groups:
            rows = km.table[km.table["group"] == g]
            label = "Kaplan-Meier" if g == "all" else f"Kaplan-Meier ({g})"
            ax.step(rows["time"], rows["survival"], where="post", color="0.25", lw=1.3, label=label)
        follow_up = float(km.table["time"].max())
    if times is None:
        top = 3 * follow_up if follow_up else None
        if top is None:
            raise fail("times", "given when no km is", times)
        times = np.linspace(0, top, 300)
    times = np.asarray(times, dtype=float)
    for i, (label, model) in enumerate(named.items()):
        color = f"C{i}"
        kwargs = {"covariates": covariates} if covariates is not None else {}
        if ci is None:
            est = model.survival(times, **kwargs)
            ax.plot(times, est, color=color, lw=1.5, label=label)
            continue
        frame = model.predict(times, ci=ci, n_draws=n_draws, random_seed=random_seed, **kwargs)
        ax.plot(times, frame["estimate"], color=color, lw=1.5, label=label)
        ax.fill_between(times, frame["lower"], frame["upper"], color=color, alpha=0.12, lw=0)
    if follow_up:
        ax.axvline(follow_up, color="0.5", ls=":", lw=1)
        ax.text(follow_up, 1.0, " end of follow-up", fontsize=8, color="0.4", va="top")
    ax.set_xlim(times.min(), times.max())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Time")
    ax.set_ylabel("Survival probability")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    return ax


def _named(models: Any) -> dict[str, Any]:
    if isinstance(models, Mapping):
        return {str(k): v for k, v in models.items()}
    if isinstance(models, Sequence) and not isinstance(models, str):
        return {getattr(m, "label", f"model {i}"): m for i, m in enumerate(models)}
    if callable(getattr(models, "predict", None)):
        return {getattr(models, "label", "model"): models}
    raise fail("models", "a fitted survival model, list or mapping", models)

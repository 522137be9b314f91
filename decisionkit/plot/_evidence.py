"""Plots for evidence synthesis: forest plot, network plot, rank probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np

from decisionkit._validation import Interval, fail, validate_params

__all__ = ["forest_plot", "network_plot", "rank_plot"]


def _axes(ax: Any, figsize: tuple[float, float]) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _require_model(model: Any) -> None:
    from decisionkit.models.evidence import NetworkMetaAnalysis

    if not isinstance(model, NetworkMetaAnalysis) or getattr(model, "idata_", None) is None:
        raise fail(
            "model",
            "a fitted NetworkMetaAnalysis or PairwiseMetaAnalysis",
            type(model).__name__,
            hint="Call .fit(...) first.",
        )


@validate_params({"ci_prob": Interval(0.0, 1.0, closed="neither")})
def forest_plot(
    model: Any,
    *,
    reference: str | None = None,
    exponentiate: bool = False,
    ci_prob: float = 0.95,
    xlabel: str | None = None,
    ax: Any = None,
) -> Any:
    """Forest plot of a meta-analysis.

    A :class:`~decisionkit.models.evidence.PairwiseMetaAnalysis` shows each study's own
    estimate with its 95% confidence interval (squares sized by weight), the pooled
    effect (diamond) and, under random effects, the prediction interval for a new study. A
    :class:`~decisionkit.models.evidence.NetworkMetaAnalysis` shows every treatment's effect
    against ``reference`` with its credible interval.

    Parameters
    ----------
    model : fitted PairwiseMetaAnalysis or NetworkMetaAnalysis
    reference : str, optional
        NMA only: treatment to compare against (default the model's reference).
    exponentiate : bool
        Show ratios (odds or risk ratios) on a log axis instead of log ratios.
    ci_prob : float
        Credible interval probability.
    xlabel : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    from decisionkit.models.evidence import PairwiseMetaAnalysis

    _require_model(model)
    tf = np.exp if exponentiate else (lambda x: x)
    if isinstance(model, PairwiseMetaAnalysis):
        studies = model.study_estimates()
        pooled = model.pooled(ci_prob=ci_prob).iloc[: 2 if model.effects == "random" else 1]
        n = len(studies)
        ax = _axes(ax, (6.5, 0.35 * (n + 3) + 1.2))
        z = 1.959964
        y = np.arange(n + 2)[::-1]
        w = 1 / studies["se"].to_numpy() ** 2
        ax.hlines(
            y[:n],
            tf(studies["estimate"] - z * studies["se"]),
            tf(studies["estimate"] + z * studies["se"]),
            color="0.3",
        )
        ax.scatter(
            tf(studies["estimate"]),
            y[:n],
            s=30 + 170 * w / w.max(),
            marker="s",
            color="C0",
            zorder=3,
        )
        row = pooled.iloc[0]
        mid, lo, hi = tf(row["mean"]), tf(row["lower"]), tf(row["upper"])
        yy = y[n]
        ax.fill([lo, mid, hi, mid], [yy, yy + 0.3, yy, yy - 0.3], color="C3", zorder=3)
        labels = [*studies["study"].astype(str), f"pooled ({model.effects})"]
        if model.effects == "random":
            pred = pooled.iloc[1]
            ax.hlines(y[n + 1], tf(pred["lower"]), tf(pred["upper"]), color="C3", lw=3)
            labels.append("prediction (new study)")
        ax.set_yticks(y[: len(labels)], labels)
        ax.set_ylim(y[len(labels) - 1] - 0.8, y[0] + 0.8)
    else:
        rel = model.relative_effects(reference, ci_prob=ci_prob)
        n = len(rel)
        ax = _axes(ax, (6.5, 0.45 * n + 1.4))
        y = np.arange(n)[::-1]
        ax.hlines(y, tf(rel["lower"]), tf(rel["upper"]), color="0.3")
        ax.scatter(tf(rel["mean"]), y, marker="s", color="C0", zorder=3)
        ax.set_yticks(y, rel["treatment"])
        ax.set_ylim(-0.8, n - 0.2)
        ax.set_title(f"versus {rel['reference'].iloc[0]}", fontsize="medium")
    ax.axvline(tf(0.0), color="0.5", ls="--", lw=1)
    if exponentiate:
        from matplotlib.ticker import FuncFormatter, LogLocator

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlabel(xlabel or ("ratio" if exponentiate else "relative effect"))
    return ax


@validate_params()
def network_plot(model_or_edges: Any, *, ax: Any = None) -> Any:
    """Network graph: treatments on a circle, lines between treatments compared directly.

    Line width grows with the number of studies making the comparison (written on the
    line); node size with the number of studies including the treatment.

    Parameters
    ----------
    model_or_edges : fitted NetworkMetaAnalysis
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require_model(model_or_edges)
    net = model_or_edges.network_
    edges = net.edges()
    names = list(net.treatments)
    k = len(names)
    angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
    pos = {t: (np.cos(a), np.sin(a)) for t, a in zip(names, angle, strict=True)}
    per_trt = np.bincount(net.arm_trt, minlength=k)
    ax = _axes(ax, (6, 6))
    most = edges["n_studies"].max()
    for row in edges.itertuples():
        (x0, y0), (x1, y1) = pos[row.treatment_a], pos[row.treatment_b]
        ax.plot([x0, x1], [y0, y1], color="C0", lw=1 + 7 * row.n_studies / most, zorder=1)
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            str(row.n_studies),
            ha="center",
            va="center",
            fontsize="small",
            bbox={"boxstyle": "round", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    for j, t in enumerate(names):
        x, y = pos[t]
        ax.scatter([x], [y], s=200 + 1800 * per_trt[j] / per_trt.max(), color="C1", zorder=2)
        ax.annotate(
            f"{t}\n({per_trt[j]} studies)",
            (x, y),
            xytext=(x * 1.5, y * 1.22),
            ha="center",
            va="center",
            fontsize="small",
        )
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("Network of trials (line labels: number of studies)", fontsize="medium")
    return ax


@validate_params()
def rank_plot(model: Any, *, lower_is_better: bool, ax: Any = None) -> Any:
    """Rank probabilities (rankogram): one line per treatment, rank 1 = best.

    Parameters
    ----------
    model : fitted NetworkMetaAnalysis
    lower_is_better : bool
        Whether smaller relative effects are better (see
        :meth:`NetworkMetaAnalysis.rank_probabilities`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _require_model(model)
    probs = model.rank_probabilities(lower_is_better=lower_is_better)
    sucra = model.sucra(lower_is_better=lower_is_better)
    ax = _axes(ax, (6.5, 4))
    for t, row in probs.iterrows():
        ax.plot(row.index, row.to_numpy(), marker="o", label=f"{t} (SUCRA {sucra[t]:.2f})")
    ax.set_xticks(probs.columns)
    ax.set_xlabel("rank (1 = best)")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize="small")
    return ax

r"""Kaplan-Meier estimate with Greenwood intervals and numbers at risk.

.. math::

    \hat S(t) = \prod_{t_j \le t} \Bigl(1 - \frac{d_j}{n_j}\Bigr), \qquad
    \widehat{\mathrm{Var}}\,\hat S(t) = \hat S(t)^2 \sum_{t_j \le t} \frac{d_j}{n_j (n_j - d_j)}

(Greenwood 1926), with :math:`n_j` the patients at risk just before :math:`t_j`
(entered before :math:`t_j` and not yet left: :math:`e_i < t_j \le t_i`, so left truncation is
handled) and :math:`d_j` the events at :math:`t_j`. The interval is built on the log-log scale
by default (always inside [0, 1]; R's ``survfit(conf.type = "log-log")``), or on the log or
plain scale.

Hand-written rather than lifelines' ``KaplanMeierFitter``: it is a cumulative product over a
sorted table (a few lines of numpy), and owning it keeps left truncation, strata and the
numbers-at-risk table in one tidy result without adding a dependency.

References
----------
Kaplan, E. L. and Meier, P. (1958). Nonparametric estimation from incomplete observations.
*JASA* 53, 457-481.
Greenwood, M. (1926). The natural duration of cancer. *Reports on Public Health and Medical
Subjects* 33. HMSO.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from decisionkit._validation import (
    Interval,
    Options,
    caller_name,
    fail,
    validate_params,
)
from decisionkit.models.survival._data import SurvivalData
from decisionkit.models.survival._predict import check_times

__all__ = ["KaplanMeier", "kaplan_meier"]


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan-Meier estimate (one curve per group).

    Attributes
    ----------
    table : DataFrame
        Tidy: ``group, time, n_risk, n_event, n_censor, survival, se, lower, upper``, one
        row per distinct time (time 0 first, survival 1).
    ci, ci_kind : float, str
        Interval level and scale.
    groups : list of str
        Group labels (``["all"]`` without ``by``).
    """

    table: pd.DataFrame
    ci: float
    ci_kind: str
    groups: list[str]
    _data: dict[str, tuple[np.ndarray, np.ndarray]]  # group -> (entry, time) for at-risk counts

    @validate_params()
    def survival(self, times: Any, group: str | None = None) -> np.ndarray:
        r"""The step function :math:`\\hat S(t)` at ``times`` (right-continuous)."""
        rows = self._rows(group)
        times = check_times(times)
        idx = np.searchsorted(rows["time"].to_numpy(), times, side="right") - 1
        return rows["survival"].to_numpy()[idx]

    @validate_params()
    def at_risk(self, times: Any) -> pd.DataFrame:
        """Numbers at risk at ``times`` per group (entered by ``t`` and still followed at ``t``)."""
        times = check_times(times)
        out = {}
        for g in self.groups:
            entry, time = self._data[g]
            out[g] = [int(np.sum((entry <= t) & (time >= t))) for t in times]
        return pd.DataFrame(out, index=pd.Index(times, name="time"))

    def median(self) -> pd.DataFrame:
        r"""Median survival per group with the interval from the pointwise band.

        The median is the first time :math:`\\hat S(t) \\le 0.5` (``inf`` if never); its
        limits are where the lower and upper limits cross 0.5 (Brookmeyer and Crowley 1982).
        """
        out = []
        for g in self.groups:
            rows = self._rows(g)
            t = rows["time"].to_numpy()
            first = [
                t[np.argmax(v <= 0.5)] if (v <= 0.5).any() else np.inf
                for v in (
                    rows["survival"].to_numpy(),
                    rows["lower"].to_numpy(),
                    rows["upper"].to_numpy(),
                )
            ]
            out.append({"group": g, "estimate": first[0], "lower": first[1], "upper": first[2]})
        return pd.DataFrame(out).set_index("group")

    @property
    def summary(self) -> pd.DataFrame:
        """Patients, events and median (with interval) per group."""
        counts = self.table.groupby("group", sort=False).agg(
            n=("n_risk", "first"), events=("n_event", "sum")
        )
        return counts.join(self.median().add_prefix("median_"))

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def print_summary(self) -> None:
        """Print the per-group summary."""
        print(repr(self))

    def __repr__(self) -> str:
        return (
            f"Kaplan-Meier estimate ({self.ci:.0%} {self.ci_kind} Greenwood intervals)\n"
            + self.summary.to_string()
        )

    def _rows(self, group: str | None) -> pd.DataFrame:
        if group is None:
            if len(self.groups) > 1:
                raise fail("group", f"one of {self.groups}", group)
            group = self.groups[0]
        if group not in self.groups:
            raise fail("group", f"one of {self.groups}", group)
        return self.table[self.table["group"] == group]


@validate_params(
    {"ci": Interval(0.0, 1.0, closed="neither"), "ci_kind": Options(("log-log", "log", "plain"))}
)
def kaplan_meier(
    data: SurvivalData | pd.DataFrame,
    *,
    by: str | None = None,
    time: str | None = None,
    event: str | None = None,
    entry: str | None = None,
    ci: float = 0.95,
    ci_kind: str = "log-log",
) -> KaplanMeier:
    """Kaplan-Meier estimate, optionally one curve per level of ``by``.

    Parameters
    ----------
    data : SurvivalData or DataFrame
        With a DataFrame, give the column names ``time``, ``event`` (and ``entry``).
    by : str, optional
        A column (a covariate of the SurvivalData, or a column of the DataFrame) whose levels
        get separate curves.
    ci : float, default 0.95
        Interval level.
    ci_kind : {"log-log", "log", "plain"}
        Scale of the Greenwood interval.

    Returns
    -------
    KaplanMeier

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 2, 2, 3, 5.0], "d": [1, 1, 0, 1, 0]})
    >>> km = kaplan_meier(df, time="t", event="d")
    >>> km.survival([0, 1, 2, 4]).round(3).tolist()
    [1.0, 0.8, 0.6, 0.3]
    """
    from decisionkit.models.survival._parametric import as_survival_data

    level = float(ci)
    covs = [by] if by is not None and isinstance(data, pd.DataFrame) else None
    sd = as_survival_data(data, time, event, entry, covs, caller_name())
    if by is None:
        labels = np.array(["all"] * sd.n, dtype=object)
    else:
        if by not in sd.covariates.columns:
            raise fail("by", f"a covariate of the data {list(sd.covariates.columns)}", by)
        labels = sd.covariates[by].astype(str).to_numpy()
    levels = sd.levels(by) if by is not None else None
    groups = [str(v) for v in levels] if levels is not None else list(dict.fromkeys(labels))
    z = norm.ppf(0.5 + level / 2)
    frames, raw = [], {}
    for g in groups:
        mask = labels == g
        frames.append(_curve(sd.time[mask], sd.event[mask], sd.entry[mask], z, ci_kind, g))
        raw[g] = (sd.entry[mask], sd.time[mask])
    table = pd.concat(frames, ignore_index=True)
    return KaplanMeier(table, level, ci_kind, groups, raw)


def _curve(time, event, entry, z, kind, group) -> pd.DataFrame:
    times = np.unique(time)
    order = np.sort(time)
    n_event = np.bincount(np.searchsorted(times, time[event == 1]), minlength=len(times))
    n_exit = np.bincount(np.searchsorted(times, time), minlength=len(times))
    # at risk just before t_j: exit >= t_j and entry < t_j
    n_risk = (len(order) - np.searchsorted(order, times, side="left")) - (
        len(entry) - np.searchsorted(np.sort(entry), times, side="left")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(n_risk > 0, 1 - n_event / n_risk, 1.0)
        surv = np.cumprod(frac)
        green = np.cumsum(np.where(n_risk > n_event, n_event / (n_risk * (n_risk - n_event)), 0.0))
        se = surv * np.sqrt(green)
        if kind == "plain":
            lo, hi = surv - z * se, surv + z * se
        elif kind == "log":
            lo, hi = surv * np.exp(-z * np.sqrt(green)), surv * np.exp(z * np.sqrt(green))
        else:  # log-log: S^exp(+-z sd(log -log S))
            v = np.sqrt(green) / np.abs(np.log(surv))
            lo, hi = surv ** np.exp(z * v), surv ** np.exp(-z * v)
        lo = np.where(surv >= 1, 1.0, lo)
        hi = np.where(surv >= 1, 1.0, hi)
        lo = np.where(surv <= 0, 0.0, lo)
        hi = np.where(surv <= 0, np.where(kind == "log-log", 0.0, hi), hi)
    lo, hi = np.clip(np.nan_to_num(lo), 0, 1), np.clip(np.nan_to_num(hi, nan=1.0), 0, 1)
    frame = pd.DataFrame(
        {
            "group": group,
            "time": times,
            "n_risk": n_risk.astype(int),
            "n_event": n_event,
            "n_censor": n_exit - n_event,
            "survival": surv,
            "se": se,
            "lower": lo,
            "upper": hi,
        }
    )
    if times[0] > 0:
        start = pd.DataFrame(
            {
                "group": [group],
                "time": [0.0],
                "n_risk": [int(np.sum(entry <= 0))],
                "n_event": [0],
                "n_censor": [0],
                "survival": [1.0],
                "se": [0.0],
                "lower": [1.0],
                "upper": [1.0],
            }
        )
        frame = pd.concat([start, frame], ignore_index=True)
    return frame

r"""Value of information for clinical risk prediction models (Sadatsafavi et al. 2022, 2024).

At a risk threshold :math:`z` (odds :math:`o = z / (1 - z)`) three strategies compete: treat
no one (net benefit 0), treat everyone (:math:`NB_{all} = \pi - (1 - \pi) o`, prevalence
:math:`\pi`) and treat those whose predicted risk is :math:`\ge z` (:math:`NB_{model} =
P(Y = 1, \hat p \ge z) - P(Y = 0, \hat p \ge z)\, o`, as :func:`decisionkit.threshold.
decision_curve`). In a validation sample these are estimated with error, so the decision "use
the model, treat all or treat none?" is uncertain. With draws :math:`s` of the three net
benefits (from the Bayesian bootstrap of the validation sample, or from any posterior):

- **validation EVPI** :math:`= E_s[\max(0, NB_{all}, NB_{model})] - \max(0, E NB_{all},
  E NB_{model})`, the expected gain in net benefit (true positives per patient) from knowing
  the population's true net benefits;
- **EVSI of a validation study of** :math:`m` **patients**: the expected gain from seeing them.
  Under the Bayesian bootstrap the population is a Dirichlet(1, ..., 1) distribution over the
  :math:`n` observed patients; a future sample puts counts :math:`C \sim \text{Multinomial}(m,
  W)` on them, and the posterior becomes Dirichlet(:math:`1 + C`), whose mean weights
  :math:`(1 + C) / (n + m)` give the preposterior expected net benefits exactly (conjugacy).
  :math:`EVSI(m) = E[\max_a E(NB_a \mid C)] - \max_a E(NB_a)`, which rises to the EVPI as
  :math:`m \to \infty`.

Both reductions (E[max], P(best), EVPI) are the decision kernel's.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._format import number as fmt_number
from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision._kernel import draw_terms, mean_regret, reduce_draws
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.threshold._inputs import TREAT_ALL, TREAT_NONE, check_outcome

__all__ = [
    "PredictionVOIResult",
    "prediction_voi",
    "prediction_voi_development",
    "prediction_voi_from_draws",
]

MODEL = "Model"
STRATEGIES = (TREAT_NONE, TREAT_ALL, MODEL)
METHODS = ("bayesian_bootstrap", "bootstrap")


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class PredictionVOIResult:
    r"""Value of information of a risk model at each threshold (immutable).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per threshold: ``threshold``, ``nb_treat_none`` (0), ``nb_treat_all``,
        ``nb_model`` (expected net benefits), ``best`` (strategy with the highest expected net
        benefit), ``prob_model_best`` (share of draws in which the model is best, exact ties
        shared as everywhere in decisionkit; Sadatsafavi's P(useful) counts a tie as useful),
        ``expected_max`` (:math:`E[\max]`, the expected net benefit with perfect
        information), ``evpi``, ``evpi_se`` (Monte-Carlo standard error) and ``flag``
        (``"se > estimate"`` when the standard error exceeds the estimate: the draws cannot
        tell it from zero; empty otherwise).
    evsi : pandas.DataFrame or None
        One row per threshold and study size: ``threshold``, ``n`` (patients in the future
        validation study), ``evsi``, ``evsi_se``, ``evpi`` and ``flag`` (as above, or
        ``"clipped to EVPI"`` when Monte-Carlo error put the estimate above the EVPI; beyond 3
        standard errors an ``EstimationWarning`` is raised too).
    thresholds : numpy.ndarray
    n_draws : int
    method : str
        ``"bayesian_bootstrap"``, ``"bootstrap"`` or ``"draws"``.
    n_patients : int or None
        Size of the validation sample (None for draws given directly).
    """

    table: pd.DataFrame
    evsi: pd.DataFrame | None
    thresholds: np.ndarray
    n_draws: int
    method: str
    n_patients: int | None

    @property
    def useful_thresholds(self) -> np.ndarray:
        """Thresholds at which the model has the highest expected net benefit."""
        return self.thresholds[(self.table["best"] == MODEL).to_numpy()]

    @property
    def max_evpi(self) -> float:
        """The largest EVPI over the thresholds."""
        return float(self.table["evpi"].max())

    def summary(self) -> pd.DataFrame:
        """The per-threshold table (a copy)."""
        return self.table.copy()

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per threshold and strategy (expected net benefit, P(best))."""
        t = self.table
        rows = []
        for strategy, col in zip(STRATEGIES, _NB_COLUMNS, strict=True):
            rows.append(
                pd.DataFrame(
                    {
                        "threshold": t["threshold"],
                        "strategy": strategy,
                        "net_benefit": t[col],
                        "evpi": t["evpi"],
                    }
                )
            )
        return pd.concat(rows, ignore_index=True).sort_values(
            ["threshold", "strategy"], ignore_index=True
        )

    @validate_params({"per": Interval(1, None)})
    def conclusion(self, *, per: int = 10_000) -> str:
        """Plain-language answer: is the model useful, and is validation worth doing.

        EVPI is in net-benefit units (true positives per patient); ``per`` scales it to
        "true positives per ``per`` patients".
        """
        per = int(per)
        t = self.table
        useful = self.useful_thresholds
        if useful.size == 0:
            first = "The model never has the highest expected net benefit on this grid."
        else:
            first = (
                f"The model has the highest expected net benefit at {useful.size} of "
                f"{self.thresholds.size} thresholds ({useful.min():g} to {useful.max():g})."
            )
        i = int(t["evpi"].to_numpy().argmax())
        row = t.iloc[i]
        second = (
            f"Validation EVPI is largest at threshold {row['threshold']:g}: "
            f"{fmt_number(row['evpi'] * per)} true positives per {per:,} patients "
            f"(P(model best) = {row['prob_model_best']:.2f})."
        )
        if row["flag"]:
            second += " Its standard error exceeds it: it cannot be told from zero."
        text = first + " " + second
        if self.evsi is not None:
            e = self.evsi[self.evsi["threshold"] == row["threshold"]]
            parts = ", ".join(
                f"n={int(r.n)}: {fmt_number(r.evsi * per)}" for r in e.itertuples(index=False)
            )
            text += f" EVSI of a validation study there (per {per:,} patients): {parts}."
        return text

    @validate_params()
    def print_summary(self, decimals: int = 4) -> None:
        """Print the table and the conclusion."""
        print(repr(self))
        print(self.table.round(decimals).to_string(index=False))
        print(self.conclusion())

    def __repr__(self) -> str:
        src = self.method if self.n_patients is None else f"{self.method}, n={self.n_patients}"
        return (
            f"<PredictionVOIResult: {self.thresholds.size} threshold(s), {self.n_draws} draws "
            f"({src}), max EVPI {self.max_evpi:.4g}>"
        )


_NB_COLUMNS = ("nb_treat_none", "nb_treat_all", "nb_model")


# ---------------------------------------------------------------------------- checks
def _check_thresholds(thresholds: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(thresholds))
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "biuf":
        raise fail("thresholds", "a number or 1-D array of numbers in (0, 1)", thresholds)
    finite_or_raise(arr, f"The 'thresholds' of {caller_name()}")
    arr = arr.astype(float)
    if arr.min() <= 0 or arr.max() >= 1:
        raise fail(
            "thresholds",
            "risk thresholds strictly between 0 and 1",
            f"values from {arr.min():g} to {arr.max():g}",
            hint="At 0 every strategy that treats has the same net benefit and at 1 the harm "
            "weight z / (1 - z) is infinite.",
        )
    if np.unique(arr).size != arr.size or np.any(np.diff(arr) < 0):
        raise fail("thresholds", "increasing, without repeats", thresholds)
    return arr


def _check_risk(risk: Any, n: int) -> np.ndarray:
    arr = np.asarray(risk)
    if arr.dtype.kind not in "biuf" or arr.ndim != 1:
        raise fail("risk", "a 1-D array of predicted risks", getattr(arr, "shape", risk))
    if arr.size != n:
        raise fail("risk", f"one predicted risk per outcome ({n})", f"{arr.size} risks")
    finite_or_raise(
        arr, f"The 'risk' of {caller_name()}", "Drop the patients without a prediction."
    )
    arr = arr.astype(float)
    if arr.min() < 0 or arr.max() > 1:
        raise fail(
            "risk",
            "predicted probabilities in [0, 1]",
            f"values from {arr.min():g} to {arr.max():g}",
            hint="Pass risks (e.g. predict_proba(X)[:, 1]), not log-odds or scores.",
        )
    return arr


def _check_sizes(sample_sizes: Any) -> np.ndarray | None:
    if sample_sizes is None:
        return None
    arr = np.atleast_1d(np.asarray(sample_sizes))
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "biuf":
        raise fail("sample_sizes", "positive integers", sample_sizes)
    finite_or_raise(arr, f"The 'sample_sizes' of {caller_name()}")
    if np.any(arr <= 0) or np.any(arr != np.round(arr)):
        raise fail(
            "sample_sizes",
            "positive integers (patients in the future validation study)",
            sample_sizes,
        )
    return np.unique(arr.astype(np.int64))


# ---------------------------------------------------------------------------- the sums
def _contributions(y: np.ndarray, risk: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Per-patient net-benefit terms (n, 2, T): treat all and the model, whose means are NB."""
    odds = thr / (1.0 - thr)
    every = y[:, None] - (1.0 - y)[:, None] * odds[None, :]
    treated = risk[:, None] >= thr[None, :]  # as decision_curve: treat when risk >= z
    return np.stack([every, np.where(treated, every, 0.0)], axis=1)


def _draw_net_benefits(
    terms: np.ndarray,
    n_draws: int,
    method: str,
    sizes: np.ndarray | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Net benefit draws (S, 3, T) and preposterior means (m, S, 3, T) per study size."""
    n, _, t = terms.shape
    flat = terms.reshape(n, -1)
    nb = np.zeros((n_draws, 3, t))
    pre = None if sizes is None else np.zeros((sizes.size, n_draws, 3, t))
    block = max(1, min(n_draws, chunk_values(4 * n)))
    for start in range(0, n_draws, block):
        stop = min(n_draws, start + block)
        k = stop - start
        if method == "bayesian_bootstrap":
            w = rng.exponential(size=(k, n))
            w /= w.sum(axis=1, keepdims=True)
        else:
            w = rng.multinomial(n, np.full(n, 1.0 / n), size=k) / n
        nb[start:stop, 1:] = (w @ flat).reshape(k, 2, t)
        if pre is not None and sizes is not None:
            for j, m in enumerate(sizes):
                counts = rng.multinomial(int(m), w)
                post = (1.0 + counts) / (n + m)  # Dirichlet(1 + C) posterior mean
                pre[j, start:stop, 1:] = (post @ flat).reshape(k, 2, t)
    return nb, pre


def _tables(
    nb: np.ndarray, pre: np.ndarray | None, thr: np.ndarray, sizes: np.ndarray | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Reduce the draws by the kernel into the per-threshold and EVSI tables."""
    da = xr.DataArray(nb, dims=("draw", "action", "threshold"))
    da = da.assign_coords(action=list(STRATEGIES))
    stats = reduce_draws(da, prob=None, what="The net-benefit draws")
    eu = stats["expected_utility"].transpose("threshold", "action").values
    chosen = eu.argmax(axis=1)
    evpi = stats["evpi"].values
    evpi_se = _regret_se(nb, chosen)
    table = pd.DataFrame({"threshold": thr})
    for j, col in enumerate(_NB_COLUMNS):
        table[col] = eu[:, j]
    table["best"] = np.asarray(STRATEGIES)[chosen]
    table["prob_model_best"] = stats["prob_best"].sel(action=MODEL).values
    table["expected_max"] = eu[np.arange(thr.size), chosen] + evpi
    table["evpi"] = evpi
    table["evpi_se"] = evpi_se
    table["flag"] = _flags(evpi, evpi_se)
    if pre is None or sizes is None:
        return table, None
    rows = []
    for j, m in enumerate(sizes):
        value = mean_regret(pre[j], action_axis=1)
        means = pre[j].mean(axis=0)  # (3, T)
        se = _regret_se(pre[j], means.argmax(axis=0))
        flag = _flags(value, se)
        above = value > evpi
        flag = np.where(above, "clipped to EVPI", flag)
        rows.append(
            pd.DataFrame(
                {
                    "threshold": thr,
                    "n": int(m),
                    "evsi": np.where(above, evpi, value),
                    "evsi_se": se,
                    "evpi": evpi,
                    "flag": flag,
                }
            )
        )
        excess = (value - evpi) / np.sqrt(se**2 + evpi_se**2 + np.finfo(float).tiny)
        if np.any(excess > 3):
            warnings.warn(
                f"The EVSI of a validation study of {int(m)} patients exceeds the EVPI by more "
                f"than 3 Monte-Carlo standard errors at threshold(s) {thr[excess > 3].tolist()}; "
                "it was clipped to the EVPI (flag 'clipped to EVPI'). Use more draws.",
                EstimationWarning,
                stacklevel=3,
            )
    evsi = pd.concat(rows, ignore_index=True).sort_values(["threshold", "n"], ignore_index=True)
    return table, evsi


def _regret_se(values: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Monte-Carlo standard error of the mean regret of the chosen action at each threshold."""
    _, _, _, regret = draw_terms(values, axis=1)
    picked = np.take_along_axis(regret, chosen[None, None, :], axis=1)[:, 0, :]
    return picked.std(axis=0, ddof=1) / np.sqrt(values.shape[0])


def _flags(value: np.ndarray, se: np.ndarray) -> np.ndarray:
    return np.where(se > value, "se > estimate", "")


# ---------------------------------------------------------------------------- public
@validate_params({"n_draws": Interval(100, None, integer=True), "random_seed": "random_state"})
def prediction_voi(
    y: Any,
    risk: Any,
    *,
    thresholds: Any,
    sample_sizes: Any = None,
    n_draws: int = 2000,
    method: str = "bayesian_bootstrap",
    random_seed: int | np.random.Generator | None = None,
) -> PredictionVOIResult:
    r"""Validation EVPI (and EVSI) of a risk prediction model from a validation sample.

    The uncertainty about the population's net benefits is represented by ``n_draws``
    (Bayesian) bootstrap replicates of the validation sample (Sadatsafavi et al. 2022); the
    EVPI at threshold :math:`z` is

    .. math::

        \mathrm{EVPI}(z) = E[\max(0, NB_{all}, NB_{model})]
                          - \max(0, E[NB_{all}], E[NB_{model}]),

    with :math:`NB_{all} = \frac1n\sum_i (y_i - (1 - y_i) o)` and :math:`NB_{model} =
    \frac1n\sum_i 1[\hat p_i \ge z](y_i - (1 - y_i) o)`, :math:`o = z / (1 - z)`, each replicate
    reweighting the patients. With ``sample_sizes`` the EVSI of a future validation study of
    :math:`m` patients is computed by the Bayesian bootstrap's conjugate update (see the module
    docstring): :math:`\mathrm{EVSI}(m) = E_C[\max_a \bar{NB}_a(C)] - \max_a E[NB_a]`, where
    :math:`\bar{NB}_a(C)` uses the posterior mean weights :math:`(1 + C_i)/(n + m)`.

    Parameters
    ----------
    y : array-like of 0/1
        Observed outcomes of the validation sample.
    risk : array-like
        The model's predicted risks for the same patients, in [0, 1].
    thresholds : float or array-like
        Risk thresholds strictly between 0 and 1, increasing.
    sample_sizes : int or array-like, optional
        Sizes of a future validation study for the EVSI (``method="bayesian_bootstrap"``).
    n_draws : int
        Bootstrap replicates (>= 100).
    method : {"bayesian_bootstrap", "bootstrap"}
        Dirichlet(1, ..., 1) weights (Rubin 1981; the default, needed for the EVSI) or the
        ordinary bootstrap (multinomial resampling).
    random_seed : int or numpy Generator, optional

    Returns
    -------
    PredictionVOIResult

    References
    ----------
    Sadatsafavi M, Yoon Lee T, Wynants L, Vickers AJ, Gustafson P. Value-of-information
    analysis for external validation of risk prediction models. Med Decis Making
    2023;43(5):564-575 (the bootstrap and Bayesian bootstrap EVPI; R package ``voipred``).

    Sadatsafavi M, Vickers AJ, Lee TY, Gustafson P, Wynants L. Expected value of sample
    information calculations for external validation of clinical prediction models (2024;
    the EVSI of a validation study).

    Rubin DB. The Bayesian bootstrap. Ann Stat 1981;9(1):130-134.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> risk = rng.beta(2, 6, 500)
    >>> y = rng.binomial(1, risk)
    >>> res = dk.voi.prediction_voi(y, risk, thresholds=[0.1, 0.2, 0.3], random_seed=1)
    >>> list(res.table["best"])
    ['Treat all', 'Model', 'Model']
    """
    yv = check_outcome(y, param="y")
    p = _check_risk(risk, yv.size)
    thr = _check_thresholds(thresholds)
    sizes = _check_sizes(sample_sizes)
    n_draws = int(n_draws)
    if method not in METHODS:
        raise fail("method", "'bayesian_bootstrap' or 'bootstrap'", method)
    if sizes is not None and method != "bayesian_bootstrap":
        raise ValidationError(
            f"{caller_name()}: the EVSI ('sample_sizes') uses the Bayesian bootstrap's conjugate "
            "update; pass method='bayesian_bootstrap' (the default)."
        )
    if yv.size < 2:
        raise fail("y", "at least 2 patients", yv.size)
    rng = check_random_state(random_seed)
    nb, pre = _draw_net_benefits(_contributions(yv, p, thr), n_draws, method, sizes, rng)
    table, evsi = _tables(nb, pre, thr, sizes)
    thr.flags.writeable = False
    return PredictionVOIResult(table, evsi, thr, n_draws, method, int(yv.size))


@validate_params()
def prediction_voi_from_draws(
    nb_model: Any, nb_all: Any, *, thresholds: Any
) -> PredictionVOIResult:
    r"""Validation EVPI from draws of the net benefits (posterior or bootstrap).

    For draws of :math:`NB_{model}` and :math:`NB_{all}` from any source (e.g. a Bayesian
    model of the validation data), ``EVPI = E[max(0, NB_all, NB_model)] - max(0, E NB_all,
    E NB_model)`` at each threshold, reduced by the decision kernel.

    Parameters
    ----------
    nb_model, nb_all : array-like
        Draws of shape ``(n_draws,)`` for one threshold or ``(n_draws, n_thresholds)``.
    thresholds : float or array-like
        The thresholds of the columns, strictly between 0 and 1.

    Returns
    -------
    PredictionVOIResult
        With ``method="draws"`` and no EVSI.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> x = np.random.default_rng(1).normal(0.01, 0.02, 20_000)
    >>> res = dk.voi.prediction_voi_from_draws(x, np.full(x.size, -0.1), thresholds=0.2)
    >>> round(res.table["evpi"].item(), 3)  # closed form s phi(mu/s) + mu Phi(mu/s) - mu
    0.004
    """
    thr = _check_thresholds(thresholds)
    arrays = []
    for name, value in (("nb_model", nb_model), ("nb_all", nb_all)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise fail(name, "a numeric array of net-benefit draws", arr.dtype)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != thr.size or arr.shape[0] < 2:
            raise fail(
                name,
                f"draws of shape (n_draws >= 2, {thr.size}) (one column per threshold)",
                f"shape {np.asarray(value).shape}",
            )
        finite_or_raise(arr, f"The '{name}' draws of {caller_name()}")
        arrays.append(arr.astype(float))
    if arrays[0].shape != arrays[1].shape:
        raise ValidationError(
            f"{caller_name()}: 'nb_model' and 'nb_all' must have the same shape (the same "
            "draws); got "
            f"{arrays[0].shape} and {arrays[1].shape}."
        )
    s = arrays[0].shape[0]
    nb = np.stack([np.zeros_like(arrays[0]), arrays[1], arrays[0]], axis=1)
    table, _ = _tables(nb, None, thr, None)
    thr.flags.writeable = False
    return PredictionVOIResult(table, None, thr, s, "draws", None)


@validate_params()
def prediction_voi_development(
    risk_draws: Any, *, thresholds: Any, risk: Any = None
) -> PredictionVOIResult:
    r"""Development EVPI: the value of knowing every patient's true risk (Sadatsafavi 2022).

    From posterior draws :math:`p_{si}` of the true risks of the development sample's
    patients (e.g. ``BayesianLogisticRisk.predict_risk(X)``), with the model's point
    predictions :math:`\hat p_i` (default the posterior means) used at threshold :math:`z`,
    each draw gives (with :math:`t_{si} = (p_{si} - z) / (1 - z)`, the expected net benefit
    of treating patient :math:`i`)

    .. math::

        NB_{all} = \bar t_s, \quad NB_{model} = \frac1n \sum_i 1[\hat p_i \ge z]\, t_{si},
        \quad NB_{perfect} = \frac1n \sum_i \max(0, t_{si}),

    and :math:`\mathrm{EVPI} = E[NB_{perfect}] - \max(0, E NB_{all}, E NB_{model})`: treating
    exactly the patients whose true risk exceeds :math:`z` is the best any model could do.
    ``expected_max`` reports :math:`E[NB_{perfect}]`; expected net benefits and P(best) of the
    three strategies come from the decision kernel.

    Parameters
    ----------
    risk_draws : array-like or DataArray
        Risk draws of shape ``(n_draws, n_patients)``, or a DataArray with dims ``(draw,
        unit)`` or ``(chain, draw, unit)``, in [0, 1].
    thresholds : float or array-like
        Risk thresholds strictly between 0 and 1, increasing.
    risk : array-like, optional
        The model's point predictions (default: the posterior mean risk of each patient).

    Returns
    -------
    PredictionVOIResult
        With ``method="development"``.

    References
    ----------
    Sadatsafavi M, Yoon Lee T, Gustafson P. Uncertainty and the value of information in risk
    prediction modeling. Med Decis Making 2022;42(5):661-671.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> p = np.random.default_rng(0).beta([2, 8, 4], [8, 2, 6], size=(2000, 3))
    >>> res = dk.voi.prediction_voi_development(p, thresholds=0.4)
    >>> res.table["evpi"].item() > 0
    True
    """
    thr = _check_thresholds(thresholds)
    if isinstance(risk_draws, xr.DataArray):
        from decisionkit.threshold._inputs import _dataarray_draws

        risk_draws = _dataarray_draws(risk_draws, "risk_draws")
    p = np.asarray(risk_draws)
    if p.dtype.kind not in "biuf" or p.ndim != 2 or p.shape[0] < 2:
        raise fail(
            "risk_draws",
            "risk draws of shape (n_draws >= 2, n_patients)",
            f"shape {p.shape}" if p.dtype.kind in "biuf" else p.dtype,
        )
    finite_or_raise(p, f"The 'risk_draws' of {caller_name()}")
    p = p.astype(float)
    if p.min() < 0 or p.max() > 1:
        raise fail(
            "risk_draws",
            "probabilities in [0, 1]",
            f"values from {p.min():g} to {p.max():g}",
        )
    s, n = p.shape
    point = p.mean(axis=0) if risk is None else _check_risk(risk, n)
    treated = (point[:, None] >= thr[None, :]).astype(float)  # (n, T), as decision_curve
    scale = 1.0 - thr
    nb = np.zeros((s, 3, thr.size))
    nb[:, 1] = (p.mean(axis=1)[:, None] - thr) / scale
    nb[:, 2] = (p @ treated - thr * treated.sum(axis=0)) / (n * scale)
    perfect = np.empty((s, thr.size))
    block = max(1, min(s, chunk_values(n * thr.size)))
    for start in range(0, s, block):
        part = p[start : start + block, :, None] - thr  # (b, n, T)
        perfect[start : start + block] = np.maximum(part, 0.0).mean(axis=1) / scale
    table, _ = _tables(nb, None, thr, None)
    eu = table[list(_NB_COLUMNS)].to_numpy()
    chosen = eu.argmax(axis=1)
    gain = perfect - nb[:, chosen, np.arange(thr.size)]  # >= 0 draw by draw
    table["expected_max"] = perfect.mean(axis=0)
    table["evpi"] = gain.mean(axis=0)
    table["evpi_se"] = gain.std(axis=0, ddof=1) / np.sqrt(s)
    table["flag"] = _flags(table["evpi"].to_numpy(), table["evpi_se"].to_numpy())
    thr.flags.writeable = False
    return PredictionVOIResult(table, None, thr, s, "development", n)

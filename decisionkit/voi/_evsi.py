"""EVSI (expected value of sample information): regression, importance sampling, moment matching.

EVSI of a study with data ``X`` is ``E_X[max_a E(NB_a | X)] - max_a E(NB_a)``. The three
methods estimate the preposterior means ``E(NB_a | X)`` differently:

* ``"regression"`` (Strong et al. 2015; voi's ``method = "gam"``) simulates one data set per
  parameter draw, reduces it to summary statistics ``T(X)`` and regresses the incremental net
  benefit on them; the fitted values estimate ``E(NB_a | X)``.
* ``"is"`` (Menzies 2016) weights the EVPPI fitted values by the likelihood of each simulated
  data set (:mod:`decisionkit.voi._evsi_is`).
* ``"mm"`` (Heath, Manolopoulou & Baio 2018) rescales the EVPPI fitted values to the
  preposterior variance estimated from a few simulated data sets
  (:mod:`decisionkit.voi._evsi_mm`).

The study designs and their protocol are in :mod:`decisionkit.voi._evsi_designs`; the
consistency report in :mod:`decisionkit.voi._evsi_check`; ENBS in
:mod:`decisionkit.voi._evsi_enbs`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    caller_name,
    check_number,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision.utility import Utility
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution
from decisionkit.voi._evppi import (
    _SE_ROWS,
    clip_to_bounds,
    parameter_matrix,
    resolve_inputs,
    utility_draws,
    value_from_fitted,
)
from decisionkit.voi._evsi_check import consistency_report, flag_unreliable
from decisionkit.voi._evsi_designs import (
    CustomStudy,
    NormalMean,
    SingleArmBinary,
    TwoArmBinary,
    is_study,
    study_method,
)
from decisionkit.voi._evsi_is import evsi_from_preposterior, preposterior_is
from decisionkit.voi._evsi_mm import moment_matching
from decisionkit.voi._regression import REGRESSIONS, RegressionFit, min_draws

__all__ = [
    "CustomStudy",
    "EVSIResult",
    "NormalMean",
    "SingleArmBinary",
    "TwoArmBinary",
    "evsi",
    "is_study",
]

_SE_SIMS = 200
METHODS = ("regression", "is", "mm")
_DEFAULT_DATASETS = {"is": 1000, "mm": 50}


# ---------------------------------------------------------------------- results
def _series(table: pd.DataFrame, column: str, index: list[str]) -> float | pd.Series:
    if len(table) == 1:
        return float(table[column].iloc[0])
    return table.set_index(index)[column]


@dataclass(frozen=True, repr=False)
class EVSIResult:
    """EVSI per sample size (and grid value such as wtp); immutable.

    Attributes
    ----------
    table : pandas.DataFrame
        ``n``, the grid column if any, ``evsi``, ``se`` (standard error: the regression's
        posterior for ``"regression"``, a bootstrap over simulated data sets for ``"is"`` and
        ``"mm"``; NaN without one) and ``evpi``.
    study : str
        The study design.
    grid_dim : str or None
        The utility's grid dim (e.g. ``"wtp"``).
    participants_per_n : int
        Participants per unit of ``n`` (2 for a two-arm trial sized per arm).
    n_draws : int
        Draws used.
    method : str
        ``"regression"``, ``"is"`` or ``"mm"``.
    check : pandas.DataFrame
        The consistency report (``EVSI(n) <= EVPPI <= EVPI``, EVSI non-decreasing in ``n``,
        within 3 standard errors); empty when ``check=False``.
    diagnostics : pandas.DataFrame
        Per ``n``: for ``"regression"`` the R^2 of the fit of each incremental net benefit,
        its effective degrees of freedom, the basis size and the number of distinct summary
        statistics; for ``"is"`` the median and minimum effective sample size of the
        importance weights; for ``"mm"`` the variance-reduction ratio (voi's ``p_shrink``).
    evppi : pandas.DataFrame
        EVPPI of the study's parameters (and its SE) per grid value, when computed.
    """

    table: pd.DataFrame
    study: str
    grid_dim: str | None
    participants_per_n: int
    n_draws: int
    _samples: np.ndarray | None = field(default=None, repr=False)  # (n_sizes, G, S)
    method: str = "regression"
    check: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    evppi: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n(self) -> np.ndarray:
        """Sample sizes."""
        return np.unique(self.table["n"].to_numpy())

    @property
    def evsi(self) -> float | pd.Series:
        """EVSI: a float for one n without a grid, else a Series by n (and grid)."""
        return _series(self.table, "evsi", ["n", *([self.grid_dim] if self.grid_dim else [])])

    @property
    def se(self) -> float | pd.Series:
        """Standard error of each EVSI estimate."""
        return _series(self.table, "se", ["n", *([self.grid_dim] if self.grid_dim else [])])

    @property
    def flags(self) -> pd.Series:
        """Per row of ``table``: ``"unreliable: se > estimate"`` where the SE exceeds the EVSI."""
        values = flag_unreliable(self.table["evsi"].to_numpy(), self.table["se"].to_numpy())
        return pd.Series(values, index=self.table.index, name="flag")

    @property
    def consistent(self) -> bool:
        """Whether every consistency check passed (True when none were run)."""
        return bool(self.check.empty or self.check["ok"].all())

    def to_frame(self) -> pd.DataFrame:
        """The tidy long table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short readable report: estimates with their flags, and failed checks."""
        head = f"EVSI of {self.study} by {self.method}, {self.n_draws} draws"
        shown = self.table.copy()
        flags = self.flags
        if (flags != "").any():
            shown["flag"] = flags
        text = head + "\n" + shown.to_string(index=False, float_format="{:.4g}".format)
        if not self.consistent:
            failed = self.check[~self.check["ok"]]
            text += "\nFailed consistency checks:\n" + failed.to_string(
                index=False, float_format="{:.4g}".format
            )
        return text

    def __repr__(self) -> str:
        return f"<EVSIResult>\n{self.summary()}"


# ---------------------------------------------------------------------- functions
@validate_params({"random_seed": "random_state"})
def evsi(
    outcomes: OutcomeDistribution,
    utility: Utility | Any,
    *,
    study: Any,
    n: int | Sequence[int],
    method: str = "regression",
    regression: str = "gam",
    inputs: pd.DataFrame | None = None,
    se: bool = True,
    n_datasets: int | None = None,
    model: Callable[[pd.DataFrame], Any] | None = None,
    check: bool = True,
    random_seed: Any = None,
) -> EVSIResult:
    r"""Expected value of sample information by regression, importance sampling or moment matching.

    .. math::

        \mathrm{EVSI}(n) = E_X\big[\max_a E(\mathrm{NB}_a \mid X)\big] - \max_a E(\mathrm{NB}_a)

    with ``X`` the data of the study of size ``n``. All three methods plug estimates
    :math:`g_a(X_i)` of the preposterior mean incremental net benefit into
    :math:`\frac1D\sum_i \max(0, g_2(X_i), \ldots) - \max(0, \bar g_2, \ldots)`:

    ``"regression"`` (Strong et al. 2015)
        one data set per draw (``study.simulate``), reduced to summary statistics ``T``;
        ``g`` is the regression of ``NB_a - NB_1`` on ``T``. Needs only ``simulate``.
    ``"is"`` (Menzies 2016)
        ``g(X_i) = sum_j w_ij f(theta_j)`` with ``w_ij`` proportional to the likelihood
        ``p(X_i | theta_j)`` (``study.loglik``) and ``f`` the regression (EVPPI) fit of the
        net benefit on the study parameters; ``n_datasets`` data sets (default
        ``min(S, 1000)``) against all ``S`` draws.
    ``"mm"`` (Heath, Manolopoulou & Baio 2018)
        ``f`` rescaled to the preposterior variance
        ``Var(INB) - E_X[Var(INB | X)]``, estimated from ``n_datasets`` (``Q``, default 50)
        data sets simulated at quantiles of the study parameters. ``Var(INB | X)`` comes from
        re-running ``model`` on posterior draws (``study.posterior``) when a model is given,
        else from likelihood-reweighting the PSA net benefit (``study.loglik``).

    The study-design protocol: ``parameters``, ``participants_per_n``,
    ``simulate(params, n, rng) -> DataFrame`` (one row of summary statistics per row of
    ``params``), and optionally ``loglik(params, data, n) -> ndarray (len(data),
    len(params))`` and ``posterior(params, data, n, size, rng) -> DataFrame``; see
    :mod:`decisionkit.voi._evsi_designs`.

    Parameters
    ----------
    outcomes : OutcomeDistribution
        Outcome draws with the input parameter draws attached (or pass ``inputs``).
    utility : Utility, callable or None
        Net-benefit utility; a wtp grid gives one EVSI per wtp.
    study : TwoArmBinary, SingleArmBinary, NormalMean, CustomStudy or any design
        The proposed study design (see the protocol above).
    n : int or sequence of int
        Sample size(s) (per arm for two-arm designs), positive integers.
    method : {"regression", "is", "mm"}
        EVSI method.
    regression : {"gam", "gp", "trees"}
        Regression of net benefit on the summary statistics (``"regression"``) or on the
        study parameters (the EVPPI fit used by ``"is"`` and ``"mm"``).
    inputs : DataFrame, optional
        Parameter draws (overrides those attached to ``outcomes``).
    se : bool
        Standard errors: 200 draws of the GAM's fitted values (``"regression"`` with
        ``"gam"``), or a bootstrap over the simulated data sets (``"is"``, ``"mm"``).
    n_datasets : int, optional
        Simulated data sets per sample size: ``D`` for ``"is"`` (default ``min(S, 1000)``),
        ``Q`` for ``"mm"`` (default 50, at least 5). Ignored by ``"regression"``.
    model : callable, optional
        ``"mm"`` only: ``model(params) -> OutcomeDistribution`` (evaluated with ``utility``)
        or net-benefit array ``(len(params), n_actions[, n_grid])``, vectorised over the rows
        of the parameter DataFrame (same columns as ``inputs``). Called once with
        ``Q x 1000`` rows.
    check : bool
        Compute the EVPPI of the study's parameters and the consistency report
        (``result.check``); warns with :class:`EVSIConsistencyWarning` when an order
        ``EVSI(n) <= EVPPI <= EVPI`` or monotonicity in ``n`` is broken beyond 3 SEs.
    random_seed : int or numpy.random.Generator, optional
        Seed for the simulated studies.

    Returns
    -------
    EVSIResult
        Estimates are clipped to ``[0, EVPI]`` with an :class:`EstimationWarning`; estimates
        whose SE exceeds their value are flagged (``result.flags``, shown in the summary).

    References
    ----------
    Strong M, Oakley JE, Brennan A, Breeze P. Estimating the expected value of sample
    information using the probabilistic sensitivity analysis sample: a fast nonparametric
    regression-based method. Medical Decision Making 2015;35:570-583.
    Menzies NA. An efficient estimator for the expected value of sample information. Medical
    Decision Making 2016;36:308-320.
    Heath A, Manolopoulou I, Baio G. Efficient Monte Carlo estimation of the expected value of
    sample information using moment matching. Medical Decision Making 2018;38:163-173.
    Heath A, Kunst N, Jackson C, et al. Calculating the expected value of sample information
    in practice. Medical Decision Making 2020;40:314-326.

    Examples
    --------
    >>> res = dk.voi.evsi(out, u, study=dk.voi.TwoArmBinary("p1", "p2"),
    ...                   n=[50, 100, 500], method="is", random_seed=1)  # doctest: +SKIP
    """
    if method not in METHODS:
        raise fail("method", "one of " + ", ".join(map(repr, METHODS)), method)
    if regression not in REGRESSIONS:
        raise fail("regression", "one of " + ", ".join(map(repr, REGRESSIONS)), regression)
    if not is_study(study):
        raise fail(
            "study",
            "a study design: TwoArmBinary, SingleArmBinary, NormalMean or CustomStudy",
            type(study).__name__,
        )
    sizes = _check_sizes(n)
    nb = utility_draws(outcomes, utility)
    frame = resolve_inputs(outcomes, inputs)
    names = [str(p) for p in study.parameters]
    if names:
        parameter_matrix(frame, names)  # names and variance
    _check_method_needs(study, method, names, model)
    rng = check_random_state(random_seed)
    n_draws, n_actions = nb.values.shape[:2]
    evpi_g = nb.evpi
    n_grid = evpi_g.size
    if method == "regression":
        values, errs, samples, diag = _by_regression(study, frame, nb, sizes, regression, se, rng)
        ppi_fit = None
    else:
        d = _check_datasets(n_datasets, method, n_draws)
        ppi_fit = _parameter_fit(frame, names, nb, regression, rng)
        if method == "is":
            values, errs, samples, diag = _by_is(
                study, frame, ppi_fit, sizes, d, se, n_actions, rng
            )
        else:
            net = None if model is None else _model_net_benefit(model, utility, nb)
            values, errs, boot, diag = moment_matching(
                study, frame, nb.values, ppi_fit.fitted, sizes, d, net, rng, se
            )
            samples = None if boot is None else list(boot)
            grid_values = nb.grid if nb.grid_dim else None
            if grid_values is None:
                diag = diag.drop(columns="grid")
            else:
                diag["grid"] = grid_values[diag["grid"].to_numpy()]
                diag = diag.rename(columns={"grid": nb.grid_dim})
    clipped = [
        clip_to_bounds(v, evpi_g, f"EVSI at n={s}") for v, s in zip(values, sizes, strict=True)
    ]
    records = []
    for size, value, err in zip(sizes, clipped, errs, strict=True):
        for gi in range(n_grid):
            rec: dict[str, Any] = {"n": size}
            if nb.grid_dim and nb.grid is not None:
                rec[nb.grid_dim] = nb.grid[gi]
            rec |= {"evsi": value[gi], "se": err[gi], "evpi": evpi_g[gi]}
            records.append(rec)
    table = pd.DataFrame.from_records(records)
    stacked = None
    if samples is not None and all(s is not None for s in samples):
        stacked = np.stack([np.clip(s, 0.0, evpi_g[:, None]) for s in samples])
    report, ppi_frame = pd.DataFrame(), pd.DataFrame()
    if check:
        ppi = ppi_se = np.full(n_grid, np.nan)
        if ppi_fit is None and _evppi_feasible(names, n_draws, regression):
            ppi_fit = _parameter_fit(frame, names, nb, regression, rng)
        if ppi_fit is not None:  # else (many parameters, few draws) only monotonicity is checked
            ppi, ppi_se = _evppi_of_fit(ppi_fit, n_actions, evpi_g, se, rng)
            ppi_frame = pd.DataFrame({"evppi": ppi, "se": ppi_se})
            if nb.grid_dim:
                ppi_frame.insert(0, nb.grid_dim, nb.grid)
        report = consistency_report(table, nb.grid_dim, ppi, ppi_se, f"EVSI by {method}")
    return EVSIResult(
        table,
        type(study).__name__,
        nb.grid_dim,
        int(study.participants_per_n),
        n_draws,
        stacked,
        method,
        report,
        diag,
        ppi_frame,
    )


def _check_method_needs(study: Any, method: str, names: list[str], model: Any):
    if model is not None and (method != "mm" or not callable(model)):
        raise fail("model", "a callable, used by method='mm' only", type(model).__name__)
    if method == "regression":
        return
    if not names:
        raise ValidationError(
            f"{caller_name()}: method={method!r} needs the study's parameters (study.parameters is "
            "empty); name the input parameters the study informs."
        )
    needed = "posterior" if (method == "mm" and model is not None) else "loglik"
    if study_method(study, needed) is None:
        what = (
            "loglik(params, data, n) returning the log-likelihood of each data set under each draw"
            if needed == "loglik"
            else "posterior(params, data, n, size, rng) returning posterior parameter draws"
        )
        raise ValidationError(
            f"{caller_name()}: method={method!r} needs the study design to provide {what}; "
            f"{type(study).__name__} has none. Add it (CustomStudy({needed}=...)) or use "
            "method='regression'."
        )


def _check_datasets(n_datasets: Any, method: str, n_draws: int) -> int:
    if n_datasets is None:
        return min(n_draws, _DEFAULT_DATASETS[method])
    low = 5 if method == "mm" else 2
    d = int(check_number(n_datasets, "n_datasets", low=low, integer=True))
    if method == "is" and d > n_draws:
        raise fail("n_datasets", f"at most the number of draws ({n_draws})", n_datasets)
    return d


def _evppi_feasible(names: list[str], n_draws: int, regression: str) -> bool:
    """Whether the EVPPI of the study parameters is cheap enough for the regression's check."""
    return 0 < len(names) <= 4 and n_draws >= min_draws(regression, len(names))


def _parameter_fit(
    frame: pd.DataFrame, names: list[str], nb: Any, regression: str, rng
) -> RegressionFit:
    """The EVPPI regression of the incremental net benefit on the study parameters."""
    x = parameter_matrix(frame, names)
    if len(frame) < min_draws(regression, x.shape[1]):
        raise ValidationError(
            f"{caller_name()}: regression {regression!r} on {x.shape[1]} parameter(s) needs "
            "at least "
            f"{min_draws(regression, x.shape[1])} draws; got {len(frame)}."
        )
    return REGRESSIONS[regression](x, nb.incremental, rng)


def _posterior_sims(fit: RegressionFit, value: np.ndarray, n_actions: int, rng) -> np.ndarray:
    n_draws = fit.fitted.shape[0]
    rows = None
    if n_draws > _SE_ROWS:
        rows = np.sort(rng.choice(n_draws, size=_SE_ROWS, replace=False))
    draw_fitted: Any = fit.samples  # (n_sim, rng, rows) -> (rows, responses, n_sim)
    sims = value_from_fitted(draw_fitted(_SE_SIMS, rng, rows), n_actions)
    # the simulations see a subset of draws (for speed), whose value differs from the
    # full-sample estimate by Monte-Carlo noise; centre them on the point estimate so their
    # spread describes regression uncertainty around it (and the ENBS interval of the
    # optimal n always contains the optimum)
    return sims + (value - sims.mean(axis=-1))[:, None]


def _evppi_of_fit(fit: RegressionFit, n_actions: int, evpi: np.ndarray, se: bool, rng):
    value = np.minimum(value_from_fitted(fit.fitted, n_actions), evpi)
    if not se or fit.samples is None:
        return value, np.full(value.shape, np.nan)
    return value, _posterior_sims(fit, value, n_actions, rng).std(axis=-1, ddof=1)


def _response_labels(nb: Any) -> list[dict[str, Any]]:
    labels = []
    for action in nb.actions[1:]:
        for gi in range(nb.values.shape[2]):
            lab: dict[str, Any] = {"comparison": f"{action} - {nb.actions[0]}"}
            if nb.grid_dim:
                lab[nb.grid_dim] = nb.grid[gi]
            labels.append(lab)
    return labels


def _by_regression(study, frame, nb, sizes, regression, se, rng):
    from decisionkit.voi._regression import gam_basis_size

    y = nb.incremental
    n_draws, n_actions, n_grid = nb.values.shape
    values, errs, samples, diag = [], [], [], []
    labels = _response_labels(nb)
    total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    for size in sizes:  # a handful of sample sizes; each fit is vectorised over draws
        stats = _summaries(study, frame, size, rng, n_draws)
        keep = np.ptp(stats, axis=0) > 0
        distinct = len(np.unique(stats, axis=0))
        if not keep.any():  # the data are identical for every draw: nothing is learnt
            values.append(np.zeros(n_grid))
            errs.append(np.zeros(n_grid))
            samples.append(np.zeros((n_grid, _SE_SIMS)))
            diag += [{"n": size, **lab, "r2": 0.0, "edf": 0.0, "basis_size": 0,
                      "n_distinct": distinct} for lab in labels]  # fmt: skip
            continue
        x = stats[:, keep]
        if n_draws < min_draws(regression, x.shape[1]):
            raise ValidationError(
                f"evsi: regression {regression!r} on {x.shape[1]} summary statistic(s) "
                f"needs at least {min_draws(regression, x.shape[1])} draws; got {n_draws}."
            )
        fit = REGRESSIONS[regression](x, y, rng)
        value = value_from_fitted(fit.fitted, n_actions)
        err, sims = np.full(n_grid, np.nan), None
        if se and fit.samples is not None:
            sims = _posterior_sims(fit, value, n_actions, rng)
            err = sims.std(axis=-1, ddof=1)
        values.append(value)
        errs.append(err)
        samples.append(sims)
        resid = ((y - fit.fitted) ** 2).sum(axis=0)
        r2 = 1.0 - resid / np.where(total > 0, total, 1.0)
        basis = gam_basis_size(x.shape[1]) if regression == "gam" else np.nan
        for j, lab in enumerate(labels):
            edf = float(fit.edf[j]) if fit.edf is not None else np.nan
            diag.append({"n": size, **lab, "r2": float(r2[j]), "edf": edf,
                         "basis_size": basis, "n_distinct": distinct})  # fmt: skip
    return values, errs, samples, pd.DataFrame(diag)


def _by_is(study, frame, fit, sizes, d, se, n_actions, rng):
    values, errs, samples, diag = [], [], [], []
    for size in sizes:
        prepost, ess = preposterior_is(study, frame, fit.fitted, size, d, rng)
        value, err, boot = evsi_from_preposterior(
            prepost, fit.fitted.mean(axis=0), n_actions, rng, se
        )
        values.append(value)
        errs.append(err)
        samples.append(boot)
        diag.append({"n": size, "n_datasets": d, "ess_median": float(np.median(ess)),
                     "ess_min": float(ess.min())})  # fmt: skip
    return values, errs, samples, pd.DataFrame(diag)


def _model_net_benefit(model: Callable, utility: Any, nb: Any) -> Callable:
    """Wrap the user's model into ``params -> (n, A, G)`` net benefit, with shape checks."""
    n_actions, n_grid = nb.values.shape[1:]

    def run(params: pd.DataFrame) -> np.ndarray:
        out = model(params)
        if isinstance(out, OutcomeDistribution):
            arr = utility_draws(out, utility).values
        else:
            arr = np.asarray(out, dtype=float)
            if arr.ndim == 2:
                arr = arr[:, :, None]
        if arr.shape != (len(params), n_actions, n_grid):
            raise ValidationError(
                f"{caller_name()}: model() returned net benefit of shape {arr.shape}; with "
                f"{len(params)} parameter rows it must be ({len(params)}, {n_actions}"
                + (f", {n_grid})" if n_grid > 1 else ")")
                + ", the actions in the order of the outcomes."
            )
        finite_or_raise(arr, f"The net benefit returned by model() in {caller_name()}")
        return arr

    return run


def _check_sizes(n: Any) -> list[int]:
    values = [n] if np.ndim(n) == 0 else list(np.asarray(n).ravel())
    if not values:
        raise fail("n", "a positive integer or a non-empty list of them", n)
    sizes = [int(check_number(v, "n", low=1, integer=True)) for v in values]
    if len(set(sizes)) != len(sizes):
        raise fail("n", "distinct sample sizes", n)
    return sorted(sizes)


def _summaries(study: Any, frame: pd.DataFrame, size: int, rng, n_draws: int):
    stats = study.simulate(frame, size, rng)
    if isinstance(stats, pd.Series):
        stats = stats.to_frame()
    arr = np.asarray(stats, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n_draws:
        raise ValidationError(
            f"{caller_name()}: the study's simulate() returned shape {arr.shape}; it must "
            "return one "
            f"row of summary statistics per draw ({n_draws} rows)."
        )
    finite_or_raise(arr, f"The summary statistics simulated in {caller_name()}")
    return arr

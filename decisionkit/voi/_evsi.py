"""EVSI (expected value of sample information) and ENBS (expected net benefit of sampling).

EVSI of a study with data ``X`` is ``E_X[max_a E(NB_a | X)] - max_a E(NB_a)``. The regression
method (Strong et al. 2015; voi's ``method = "gam"``) simulates one data set per parameter draw,
reduces it to summary statistics ``T(X)`` and regresses the incremental net benefit on them;
the fitted values estimate ``E(NB_a | X)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import check_number, check_random_state, fail, finite_or_raise
from decisionkit.decision.utility import Utility
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution
from decisionkit.voi._evpi import annuity_factor
from decisionkit.voi._evppi import (
    _SE_ROWS,
    clip_to_bounds,
    parameter_matrix,
    resolve_inputs,
    utility_draws,
    value_from_fitted,
)
from decisionkit.voi._regression import REGRESSIONS, min_draws

__all__ = [
    "CustomStudy",
    "ENBSResult",
    "EVSIResult",
    "NormalMean",
    "SingleArmBinary",
    "TwoArmBinary",
    "enbs",
    "evsi",
]

_SE_SIMS = 200


# ---------------------------------------------------------------------- study designs
def _probabilities(params: pd.DataFrame, name: str, study: str) -> np.ndarray:
    p = parameter_matrix(params, [name], study)[:, 0]
    if np.any((p < 0) | (p > 1)):
        raise ValidationError(
            f"{study}: parameter '{name}' must hold probabilities in [0, 1]; its draws range "
            f"from {p.min():g} to {p.max():g}."
        )
    return p


@dataclass(frozen=True)
class TwoArmBinary:
    """Two-arm trial with a binary outcome and ``n`` participants per arm.

    Summary statistics: the number of events in each arm, ``Binomial(n, p_control)`` and
    ``Binomial(n, p_treatment)``. ENBS counts ``2 n`` participants by default.
    """

    p_control: str = "p1"
    p_treatment: str = "p2"
    participants_per_n: int = 2

    @property
    def parameters(self) -> tuple[str, ...]:
        """Input parameters the study informs."""
        return (self.p_control, self.p_treatment)

    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Events per arm for each parameter draw."""
        p0 = _probabilities(params, self.p_control, "TwoArmBinary")
        p1 = _probabilities(params, self.p_treatment, "TwoArmBinary")
        return pd.DataFrame(
            {"events_control": rng.binomial(n, p0), "events_treatment": rng.binomial(n, p1)}
        )


@dataclass(frozen=True)
class SingleArmBinary:
    """Single-arm study with a binary outcome: ``Binomial(n, p)`` events."""

    p: str = "p"
    participants_per_n: int = 1

    @property
    def parameters(self) -> tuple[str, ...]:
        """Input parameters the study informs."""
        return (self.p,)

    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Number of events for each parameter draw."""
        return pd.DataFrame({"events": rng.binomial(n, _probabilities(params, self.p, "Single"))})


@dataclass(frozen=True)
class NormalMean:
    """Study of a normal outcome with known sd ``sigma``: the sample mean ``N(mu, sigma^2/n)``."""

    mu: str = "mu"
    sigma: float = 1.0
    participants_per_n: int = 1

    def __post_init__(self) -> None:
        check_number(self.sigma, "sigma", "NormalMean", low=0.0, low_inclusive=False)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Input parameters the study informs."""
        return (self.mu,)

    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Sample mean for each parameter draw."""
        mu = parameter_matrix(params, [self.mu], "NormalMean")[:, 0]
        return pd.DataFrame({"mean": rng.normal(mu, self.sigma / np.sqrt(n))})


@dataclass(frozen=True)
class CustomStudy:
    """A user-supplied study: ``simulate(params, n, rng) -> DataFrame`` of summary statistics.

    ``params`` is the DataFrame of input draws (one row per draw); the result must have one
    row per draw and a few numeric columns (sufficient statistics, e.g. event counts).
    """

    simulate: Callable[[pd.DataFrame, int, np.random.Generator], pd.DataFrame]
    parameters: tuple[str, ...] = ()
    participants_per_n: int = 1

    def __post_init__(self) -> None:
        if not callable(self.simulate):
            raise fail("simulate", "CustomStudy", "a callable", self.simulate)


STUDIES = (TwoArmBinary, SingleArmBinary, NormalMean, CustomStudy)


def is_study(study: Any) -> bool:
    """Whether ``study`` follows the study-design protocol every EVSI method relies on.

    A design has ``parameters`` (the input names it informs), ``participants_per_n`` and
    ``simulate(params, n, rng) -> DataFrame`` of summary statistics, one row per draw. Designs
    built on the survival or evidence-synthesis models live beside those models and follow the
    same protocol, so :func:`evsi` accepts them without knowing their classes.
    """
    return (
        callable(getattr(study, "simulate", None))
        and hasattr(study, "parameters")
        and hasattr(study, "participants_per_n")
    )


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
        ``n``, the grid column if any, ``evsi``, ``se`` (sd over draws from the regression's
        posterior; NaN without one) and ``evpi``.
    study : str
        The study design.
    grid_dim : str or None
        The utility's grid dim (e.g. ``"wtp"``).
    participants_per_n : int
        Participants per unit of ``n`` (2 for a two-arm trial with ``n`` per arm).
    n_draws : int
        Draws used.
    """

    table: pd.DataFrame
    study: str
    grid_dim: str | None
    participants_per_n: int
    n_draws: int
    _samples: np.ndarray | None = field(default=None, repr=False)  # (n_sizes, G, S)

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

    def to_frame(self) -> pd.DataFrame:
        """The tidy long table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short readable report."""
        head = f"EVSI of {self.study}, {self.n_draws} draws"
        return head + "\n" + self.table.to_string(index=False, float_format="{:.4g}".format)

    def __repr__(self) -> str:
        return f"<EVSIResult>\n{self.summary()}"


@dataclass(frozen=True, repr=False)
class ENBSResult:
    """Expected net benefit of sampling per sample size, and the optimal size (immutable).

    Attributes
    ----------
    table : pandas.DataFrame
        ``n``, the grid column if any, ``population_evsi``, ``study_cost``, ``enbs`` and
        ``enbs_lower``/``enbs_upper`` (95% interval over the EVSI regression's posterior).
    optimal : pandas.DataFrame
        Per grid value: ``optimal_n`` (largest ENBS), ``enbs``, and ``n_lower``/``n_upper``:
        the 2.5% and 97.5% quantiles of the optimal n over 200 posterior draws of the EVSI
        curve (NaN when the EVSI method has no posterior), plus ``prob_positive``, the share
        of those draws with positive ENBS at ``optimal_n``.
    """

    table: pd.DataFrame
    optimal: pd.DataFrame
    grid_dim: str | None
    participants_per_n: int = 1

    @property
    def optimal_n(self) -> int | pd.Series:
        """The sample size with the largest ENBS (per grid value if any)."""
        if self.grid_dim is None:
            return int(self.optimal["optimal_n"].iloc[0])
        return self.optimal.set_index(self.grid_dim)["optimal_n"]

    @property
    def enbs(self) -> float | pd.Series:
        """ENBS: a float for one n without a grid, else a Series."""
        return _series(self.table, "enbs", ["n", *([self.grid_dim] if self.grid_dim else [])])

    def to_frame(self) -> pd.DataFrame:
        """The tidy long table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short readable report."""
        return "ENBS by sample size\n" + self.optimal.to_string(
            index=False, float_format="{:.4g}".format
        )

    def __repr__(self) -> str:
        return f"<ENBSResult>\n{self.summary()}"


# ---------------------------------------------------------------------- functions
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
    random_seed: Any = None,
) -> EVSIResult:
    r"""Expected value of sample information by the regression method.

    For each sample size ``n``: simulate one data set per parameter draw
    (``study.simulate``), reduce it to summary statistics ``T``, regress the incremental net
    benefit ``NB_a - NB_1`` on ``T`` and plug the fitted values ``g_a`` in

    .. math::

        \mathrm{EVSI}(n) = \frac{1}{S}\sum_i \max(0, g_2(T_i), \ldots) -
        \max(0, \bar g_2, \ldots).

    Parameters
    ----------
    outcomes : OutcomeDistribution
        Outcome draws with the input parameter draws attached (or pass ``inputs``).
    utility : Utility, callable or None
        Net-benefit utility; a wtp grid gives one EVSI per wtp.
    study : TwoArmBinary, SingleArmBinary, NormalMean or CustomStudy
        The proposed study design.
    n : int or sequence of int
        Sample size(s) (per arm for two-arm designs).
    method : "regression"
        EVSI method (only the regression method is implemented).
    regression : {"gam", "gp", "trees"}
        Regression of net benefit on the summary statistics (default penalised splines).
    inputs : DataFrame, optional
        Parameter draws (overrides those attached to ``outcomes``).
    se : bool
        Standard errors from 200 draws of the GAM's fitted values (``"gam"`` only).
    random_seed : int or numpy.random.Generator, optional
        Seed for the simulated studies.

    Returns
    -------
    EVSIResult
        Estimates are clipped to ``[0, EVPI]`` with an :class:`EstimationWarning`.

    References
    ----------
    Strong M, Oakley JE, Brennan A, Breeze P. Estimating the expected value of sample
    information using the probabilistic sensitivity analysis sample: a fast nonparametric
    regression-based method. Medical Decision Making 2015;35:570-583.
    Heath A, Kunst N, Jackson C, et al. Calculating the expected value of sample information
    in practice. Medical Decision Making 2020;40:314-326.

    Examples
    --------
    >>> res = dk.voi.evsi(out, u, study=dk.voi.TwoArmBinary("p1", "p2"),
    ...                   n=[50, 100, 500], random_seed=1)  # doctest: +SKIP
    """
    caller = "evsi"
    if method != "regression":
        raise fail("method", caller, "'regression'", method)
    if regression not in REGRESSIONS:
        raise fail("regression", caller, "one of " + ", ".join(map(repr, REGRESSIONS)), regression)
    if not is_study(study):
        raise fail(
            "study",
            caller,
            "a study design: TwoArmBinary, SingleArmBinary, NormalMean or CustomStudy",
            type(study).__name__,
        )
    sizes = _check_sizes(n, caller)
    nb = utility_draws(outcomes, utility, caller)
    frame = resolve_inputs(outcomes, inputs, caller)
    if study.parameters:
        parameter_matrix(frame, list(study.parameters), caller)  # names and variance
    rng = check_random_state(random_seed, caller)
    y = nb.incremental
    n_draws, n_actions = nb.values.shape[:2]
    evpi_g = nb.evpi
    records, samples = [], []
    for size in sizes:  # a handful of sample sizes; each fit is vectorised over draws
        stats = _summaries(study, frame, size, rng, n_draws, caller)
        keep = np.ptp(stats, axis=0) > 0
        n_grid = evpi_g.size
        if not keep.any():  # the data are identical for every draw: nothing is learnt
            value, err, sims = np.zeros(n_grid), np.zeros(n_grid), np.zeros((n_grid, _SE_SIMS))
        else:
            x = stats[:, keep]
            if n_draws < min_draws(regression, x.shape[1]):
                raise ValidationError(
                    f"{caller}: regression {regression!r} on {x.shape[1]} summary statistic(s) "
                    f"needs at least {min_draws(regression, x.shape[1])} draws; got {n_draws}."
                )
            fit = REGRESSIONS[regression](x, y, rng)
            value = value_from_fitted(fit.fitted, n_actions)
            err, sims = np.full(n_grid, np.nan), None
            if se and fit.samples is not None:
                rows = None
                if n_draws > _SE_ROWS:
                    rows = np.sort(rng.choice(n_draws, size=_SE_ROWS, replace=False))
                sims = value_from_fitted(fit.samples(_SE_SIMS, rng, rows), n_actions)
                err = sims.std(axis=-1, ddof=1)
                # the simulations see a subset of draws (for speed), whose EVSI differs from the
                # full-sample estimate by Monte-Carlo noise; centre them on the point estimate
                # so their spread describes regression uncertainty around it (and the ENBS
                # interval of the optimal n always contains the optimum)
                sims = sims + (value - sims.mean(axis=-1))[:, None]
        value = clip_to_bounds(value, evpi_g, f"EVSI at n={size}")
        samples.append(None if sims is None else np.clip(sims, 0.0, evpi_g[:, None]))
        for gi in range(n_grid):
            rec: dict[str, Any] = {"n": size}
            if nb.grid_dim:
                rec[nb.grid_dim] = nb.grid[gi]
            rec |= {"evsi": value[gi], "se": err[gi], "evpi": evpi_g[gi]}
            records.append(rec)
    stacked = None if any(s is None for s in samples) else np.stack(samples)
    name = type(study).__name__
    return EVSIResult(
        pd.DataFrame.from_records(records),
        name,
        nb.grid_dim,
        int(study.participants_per_n),
        n_draws,
        stacked,
    )


def _check_sizes(n: Any, caller: str) -> list[int]:
    values = [n] if np.ndim(n) == 0 else list(np.asarray(n).ravel())
    if not values:
        raise fail("n", caller, "a positive integer or a non-empty list of them", n)
    sizes = [int(check_number(v, "n", caller, low=1, integer=True)) for v in values]
    if len(set(sizes)) != len(sizes):
        raise fail("n", caller, "distinct sample sizes", n)
    return sorted(sizes)


def _summaries(study: Any, frame: pd.DataFrame, size: int, rng, n_draws: int, caller: str):
    stats = study.simulate(frame, size, rng)
    if isinstance(stats, pd.Series):
        stats = stats.to_frame()
    arr = np.asarray(stats, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n_draws:
        raise ValidationError(
            f"{caller}: the study's simulate() returned shape {arr.shape}; it must return one "
            f"row of summary statistics per draw ({n_draws} rows)."
        )
    finite_or_raise(arr, f"The summary statistics simulated in {caller}")
    return arr


def enbs(
    evsi_result: EVSIResult,
    *,
    population_per_year: float,
    horizon_years: float,
    discount_rate: float = 0.035,
    setup_cost: float,
    cost_per_participant: float,
    participants_per_n: int | None = None,
) -> ENBSResult:
    r"""Expected net benefit of sampling and the optimal sample size.

    .. math::

        \mathrm{ENBS}(n) = \mathrm{EVSI}(n)\, N \sum_{t=0}^{H-1}(1+r)^{-t}
        - (C_\text{setup} + c\, m\, n),

    with ``m`` participants per unit of ``n`` (``participants_per_n``; default the study's,
    2 for a two-arm trial sized per arm).

    Optimal n and its uncertainty: ``optimal_n`` maximises ENBS over the evaluated sizes. Its
    uncertainty comes from the EVSI regression: for each of 200 posterior draws of the EVSI
    curve (the GAM's fitted-value posterior, paired across sizes) the maximising n is found;
    the 2.5% and 97.5% quantiles of those maximisers are ``n_lower`` and ``n_upper``.

    Parameters
    ----------
    evsi_result : EVSIResult
        From :func:`evsi`, ideally over a grid of sample sizes.
    population_per_year, horizon_years, discount_rate
        As in :func:`population_evpi`.
    setup_cost, cost_per_participant : float
        Fixed and per-participant study costs (>= 0), in net-benefit units.
    participants_per_n : int, optional
        Participants per unit of n.

    Returns
    -------
    ENBSResult
    """
    caller = "enbs"
    if not isinstance(evsi_result, EVSIResult):
        raise fail("evsi_result", caller, "an EVSIResult from evsi()", type(evsi_result).__name__)
    pop = check_number(population_per_year, "population_per_year", caller, low=0.0)
    factor = annuity_factor(horizon_years, discount_rate) * pop
    setup = check_number(setup_cost, "setup_cost", caller, low=0.0)
    per = check_number(cost_per_participant, "cost_per_participant", caller, low=0.0)
    m = evsi_result.participants_per_n if participants_per_n is None else participants_per_n
    m = check_number(m, "participants_per_n", caller, low=1, integer=True)
    table = evsi_result.table.copy()
    table["population_evsi"] = table["evsi"] * factor
    table["study_cost"] = setup + per * m * table["n"]
    table["enbs"] = table["population_evsi"] - table["study_cost"]
    sizes = evsi_result.n
    grid_dim = evsi_result.grid_dim
    grid_col = [grid_dim] if grid_dim else []
    cost = setup + per * m * sizes  # (K,)
    samples = evsi_result._samples
    lower = upper = np.full(len(table), np.nan)
    if samples is not None:
        draws = samples * factor - cost[:, None, None]  # (K, G, S)
        lo, hi = np.quantile(draws, [0.025, 0.975], axis=-1)  # (K, G)
        lower, upper = lo.ravel(), hi.ravel()  # table rows are n-major, grid-minor
    table["enbs_lower"] = lower
    table["enbs_upper"] = upper
    optimal = []
    grid_values = [None] if not grid_dim else list(np.unique(table[grid_dim]))
    for gi, gv in enumerate(grid_values):
        sub = table if gv is None else table[table[grid_dim] == gv]
        best = int(np.argmax(sub["enbs"].to_numpy()))
        rec: dict[str, Any] = {} if gv is None else {grid_dim: gv}
        rec |= {"optimal_n": int(sizes[best]), "enbs": float(sub["enbs"].iloc[best])}
        if samples is not None:
            arg = np.argmax(draws[:, gi, :], axis=0)
            rec["n_lower"], rec["n_upper"] = np.quantile(sizes[arg], [0.025, 0.975])
            rec["prob_positive"] = float(np.mean(draws[best, gi, :] > 0))
        else:
            rec |= {"n_lower": np.nan, "n_upper": np.nan, "prob_positive": np.nan}
        optimal.append(rec)
    cols = ["n", *grid_col, "evsi", "population_evsi", "study_cost", "enbs"]
    table = table[[*cols, "enbs_lower", "enbs_upper"]]
    return ENBSResult(table.reset_index(drop=True), pd.DataFrame(optimal), grid_dim, int(m))

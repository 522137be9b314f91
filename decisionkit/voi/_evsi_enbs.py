"""ENBS (expected net benefit of sampling), with certain or uncertain study costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    check_number,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.voi._evpi import annuity_factor
from decisionkit.voi._evsi import EVSIResult, _series

__all__ = ["ENBSResult", "enbs"]

_N_COST_DRAWS = 4000


@dataclass(frozen=True, repr=False)
class ENBSResult:
    """Expected net benefit of sampling per sample size, and the optimal size (immutable).

    Attributes
    ----------
    table : pandas.DataFrame
        ``n``, the grid column if any, ``population_evsi``, ``study_cost``, ``enbs`` and
        ``enbs_lower``/``enbs_upper`` (95% interval over the EVSI's posterior or bootstrap).
    optimal : pandas.DataFrame
        Per grid value: ``optimal_n`` (largest ENBS), ``enbs``, and ``n_lower``/``n_upper``:
        the 2.5% and 97.5% quantiles of the optimal n over the draws of the EVSI curve (NaN
        when the EVSI method has none), plus ``prob_positive``: P(ENBS > 0) at ``optimal_n``.
    probability : pandas.DataFrame
        Per ``n`` (and grid value): ``study_cost`` (mean), ``study_cost_sd`` and
        ``prob_positive``, the probability that the study's ENBS is positive given the
        uncertainty in the EVSI estimate and in the costs (the curve of
        ``dk.plot.enbs_probability``).
    """

    table: pd.DataFrame
    optimal: pd.DataFrame
    grid_dim: str | None
    participants_per_n: int = 1
    probability: pd.DataFrame = field(default_factory=pd.DataFrame)

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

    @property
    def prob_positive(self) -> float | pd.Series:
        """P(ENBS > 0) per n (and grid value)."""
        index = ["n", *([self.grid_dim] if self.grid_dim else [])]
        return _series(self.probability, "prob_positive", index)

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


def _cost(value: Any, name: str, rng: np.random.Generator) -> tuple[float, float, Any]:
    """A cost as (mean, sd, draws or None): a number, ``(mean, sd)`` or an array of draws."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise fail(name, "a number, a (mean, sd) tuple or an array of draws", value)
        mean = check_number(value[0], name, low=0.0)
        sd = check_number(value[1], name, low=0.0)
        return mean, sd, (rng.normal(mean, sd, _N_COST_DRAWS) if sd > 0 else None)
    if np.ndim(value) == 0:
        return check_number(value, name, low=0.0), 0.0, None
    draws = np.asarray(value, dtype=float).ravel()
    if draws.size < 2:
        raise fail(name, "at least 2 draws when given as an array", value)
    finite_or_raise(draws, f"The '{name}' draws passed to {caller_name()}")
    if np.any(draws < 0):
        raise fail(name, "non-negative cost draws", f"minimum {draws.min():g}")
    return float(draws.mean()), float(draws.std(ddof=1)), draws


@validate_params({"population_per_year": Interval(0.0, None), "random_seed": "random_state"})
def enbs(
    evsi_result: EVSIResult,
    *,
    population_per_year: float,
    horizon_years: float,
    discount_rate: float = 0.035,
    setup_cost: Any,
    cost_per_participant: Any,
    participants_per_n: int | None = None,
    random_seed: Any = None,
) -> ENBSResult:
    r"""Expected net benefit of sampling, the optimal sample size and P(ENBS > 0).

    .. math::

        \mathrm{ENBS}(n) = \mathrm{EVSI}(n)\, N \sum_{t=0}^{H-1}(1+r)^{-t}
        - (C_\text{setup} + c\, m\, n),

    with ``m`` participants per unit of ``n`` (``participants_per_n``; default the study's,
    2 for a two-arm trial sized per arm).

    Optimal n and its uncertainty: ``optimal_n`` maximises ENBS over the evaluated sizes. For
    each draw of the EVSI curve (the GAM's fitted-value posterior for the regression method,
    the bootstrap for importance sampling and moment matching, paired across sizes) the
    maximising n is found; the 2.5% and 97.5% quantiles of those maximisers are ``n_lower``
    and ``n_upper``.

    Uncertain costs (voi's ``enbs`` with elicited costs): ``setup_cost`` and
    ``cost_per_participant`` may be ``(mean, sd)`` tuples (normal draws) or arrays of draws.
    ``result.probability`` then gives, per n, P(ENBS > 0) over 4,000 joint draws of the EVSI
    (resampled from its posterior/bootstrap draws, or normal with its SE when it has none)
    and of the costs (the same cost draws at every n, so the curve over n is smooth). With
    certain costs it is the share of the EVSI draws with positive ENBS.

    Parameters
    ----------
    evsi_result : EVSIResult
        From :func:`evsi`, ideally over a grid of sample sizes.
    population_per_year, horizon_years, discount_rate
        As in :func:`population_evpi`.
    setup_cost, cost_per_participant : float, (mean, sd) or array of draws
        Fixed and per-participant study costs (>= 0), in net-benefit units.
    participants_per_n : int, optional
        Participants per unit of n.
    random_seed : int or numpy.random.Generator, optional
        Seed for the cost and EVSI draws of ``result.probability``.

    Returns
    -------
    ENBSResult
    """
    if not isinstance(evsi_result, EVSIResult):
        raise fail("evsi_result", "an EVSIResult from evsi()", type(evsi_result).__name__)
    pop = float(population_per_year)
    factor = annuity_factor(horizon_years, discount_rate) * pop
    rng = check_random_state(random_seed)
    setup, setup_sd, setup_draws = _cost(setup_cost, "setup_cost", rng)
    per, per_sd, per_draws = _cost(cost_per_participant, "cost_per_participant", rng)
    given = evsi_result.participants_per_n if participants_per_n is None else participants_per_n
    m = int(check_number(given, "participants_per_n", low=1, integer=True))
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
    prob = _prob_positive(evsi_result, factor, m, setup_draws, per_draws, setup, per, rng)
    probability = table[["n", *grid_col]].copy()
    probability["study_cost"] = table["study_cost"]
    probability["study_cost_sd"] = np.sqrt(setup_sd**2 + (per_sd * m * table["n"]) ** 2)
    probability["prob_positive"] = prob.ravel()
    uncertain = setup_draws is not None or per_draws is not None
    optimal = []
    grid_values = [None] if not grid_dim else list(np.unique(table[grid_dim]))
    for gi, gv in enumerate(grid_values):
        sub = table if gv is None else table[table[grid_dim] == gv]
        best = int(np.argmax(sub["enbs"].to_numpy()))
        rec: dict[str, Any] = {} if gv is None else {str(grid_dim): gv}
        rec |= {"optimal_n": int(sizes[best]), "enbs": float(sub["enbs"].iloc[best])}
        if samples is not None:
            arg = np.argmax(draws[:, gi, :], axis=0)
            rec["n_lower"], rec["n_upper"] = np.quantile(sizes[arg], [0.025, 0.975])
        else:
            rec |= {"n_lower": np.nan, "n_upper": np.nan}
        rec["prob_positive"] = float(prob[best, gi]) if samples is not None or uncertain else np.nan
        optimal.append(rec)
    cols = ["n", *grid_col, "evsi", "population_evsi", "study_cost", "enbs"]
    table = table[[*cols, "enbs_lower", "enbs_upper"]]
    return ENBSResult(
        table.reset_index(drop=True), pd.DataFrame(optimal), grid_dim, int(m), probability
    )


def _prob_positive(
    res: EVSIResult, factor: float, m: int, setup_draws, per_draws, setup, per, rng
) -> np.ndarray:
    """P(ENBS > 0), (K, G), over joint draws of the EVSI and the costs."""
    sizes = res.n.astype(float)
    values = res.table["evsi"].to_numpy().reshape(len(sizes), -1)  # (K, G)
    errs = res.table["se"].to_numpy().reshape(len(sizes), -1)
    uncertain = setup_draws is not None or per_draws is not None
    samples = res._samples
    if samples is not None and not uncertain:
        ev = samples  # (K, G, B): exactly the EVSI draws
        cost = (setup + per * m * sizes)[:, None, None]
    else:
        if samples is not None:
            ev = samples[:, :, rng.integers(0, samples.shape[-1], _N_COST_DRAWS)]
        else:
            z = rng.standard_normal(_N_COST_DRAWS)  # paired across n
            sd = np.where(np.isfinite(errs), errs, 0.0)
            ev = np.clip(values[:, :, None] + sd[:, :, None] * z, 0.0, None)
        s = setup_draws if setup_draws is not None else np.full(1, setup)
        p = per_draws if per_draws is not None else np.full(1, per)
        s = s[rng.integers(0, s.size, _N_COST_DRAWS)]
        p = p[rng.integers(0, p.size, _N_COST_DRAWS)]
        cost = (s[None, :] + p[None, :] * m * sizes[:, None])[:, None, :]
    return np.mean(ev * factor - cost > 0, axis=-1)

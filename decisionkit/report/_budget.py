r"""Budget impact analysis (BIA) following the ISPOR good-practice report (Sullivan et al. 2014).

The payer's budget in year :math:`y` of the time horizon, in a world without and with the
new technology, is

.. math::

    B^{\text{without}}_y = N_y \sum_s m^{\text{without}}_{s,y} \, c_{s,y}, \qquad
    B^{\text{with}}_y = N_y \sum_s m^{\text{with}}_{s,y} \, c_{s,y},

with :math:`N_y` the eligible (treated) population, :math:`m_{s,y}` the market share of
strategy :math:`s` (shares sum to 1 in each year) and :math:`c_{s,y}` the annual cost per
patient. The budget impact is :math:`BI_y = B^{\text{with}}_y - B^{\text{without}}_y` and the
cumulative impact :math:`\sum_{k \le y} BI_k`. Following the report, costs are **not
discounted** (budget holders see nominal annual outlays). Per-patient costs may be PSA draws
``(n_draws, n_years)``; intervals are then central quantiles of the draws of
:math:`BI_y` and of the cumulative impact (not sums of quantiles).

Eligible population (:func:`eligible_population`):
:math:`N_y = f_{\text{elig}} \, P_0 (1 + g)^{y-1} (\text{prevalence} + \text{incidence})`:
prevalent cases plus the new cases of the year in a population :math:`P_0` growing at rate
:math:`g` a year.

References
----------
.. [1] Sullivan SD, Mauskopf JA, Augustovski F, et al. Budget impact analysis - principles of
   good practice: report of the ISPOR 2012 Budget Impact Analysis Good Practice II Task
   Force. *Value Health* 2014;17(1):5-14.
.. [2] Mauskopf JA, Sullivan SD, Annemans L, et al. Principles of good practice for budget
   impact analysis. *Value Health* 2007;10(5):336-347.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    check_probability,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError

__all__ = [
    "BudgetImpactResult",
    "annual_costs_from_trace",
    "budget_impact",
    "eligible_population",
    "market_shares_with",
]

_TOL = 1e-9


@validate_params(
    {
        "population": Interval(0.0, None),
        "years": Interval(1, None, integer=True),
        "eligible": Interval(0.0, 1.0),
        "growth": Interval(-1.0, None, closed="right"),
    }
)
def eligible_population(
    population: float,
    *,
    years: int,
    prevalence: float | None = None,
    incidence: float | None = None,
    eligible: float = 1.0,
    growth: float = 0.0,
) -> np.ndarray:
    r"""Eligible population per year: :math:`N_y = f P_0 (1+g)^{y-1} (p + i)`.

    Parameters
    ----------
    population : float
        Size of the covered population in year 1 (:math:`P_0`, e.g. a health plan's members).
    years : int
        Time horizon in years (ISPOR: typically 1 to 5).
    prevalence, incidence : float, optional
        Proportion of the population with the condition, and proportion newly diagnosed in a
        year; at least one is needed (a missing one counts as 0).
    eligible : float
        Proportion of cases eligible for (and seeking) treatment, :math:`f`.
    growth : float
        Annual population growth rate :math:`g` (may be negative, > -1).

    Returns
    -------
    numpy.ndarray
        ``(years,)`` eligible patients in years 1..years.

    Examples
    --------
    >>> eligible_population(1_000_000, years=3, prevalence=0.01, growth=0.1).round(1).tolist()
    [10000.0, 11000.0, 12100.0]
    """
    p0 = float(population)
    y = int(years)
    if prevalence is None and incidence is None:
        raise ValidationError(
            f"{caller_name()} needs prevalence and/or incidence (proportions of the population); "
            "pass e.g. prevalence=0.01."
        )
    p = (
        0.0
        if prevalence is None
        else check_probability(prevalence, "prevalence", open_interval=False)
    )
    i = 0.0 if incidence is None else check_probability(incidence, "incidence", open_interval=False)
    f = float(eligible)
    g = float(growth)
    return f * p0 * (1.0 + g) ** np.arange(y) * (p + i)


@validate_params({"years": Interval(1, None, integer=True)})
def market_shares_with(
    shares_without: Mapping[str, Any],
    *,
    new: str,
    uptake: Any,
    years: int,
    displaces: Mapping[str, float] | None = None,
) -> dict[str, np.ndarray]:
    r"""Market shares once a new technology is adopted, from its uptake and what it displaces.

    The new technology takes share :math:`u_y` in year :math:`y`; a fraction :math:`d_s` of it
    comes from strategy :math:`s` (:math:`\sum_s d_s = 1`), so
    :math:`m^{\text{with}}_{s,y} = m^{\text{without}}_{s,y} - d_s u_y`. By default the new
    technology displaces the current strategies in proportion to their shares (Sullivan et
    al. 2014, "market share changes").

    Parameters
    ----------
    shares_without : mapping of str to float or sequence
        Shares without the new technology per strategy (a number for every year or one per
        year); they must sum to 1 in each year.
    new : str
        Name of the new technology (may already be in ``shares_without``, with a share).
    uptake : float or sequence
        Share taken by the new technology in each year (a number: a step to that share in
        year 1; a sequence: an uptake curve).
    years : int
        Time horizon in years.
    displaces : mapping of str to float, optional
        Fraction of the new share taken from each current strategy (summing to 1).

    Returns
    -------
    dict of str to numpy.ndarray
        Shares per strategy and year, the new technology last.
    """
    y = int(years)
    base = _shares(shares_without, y, "shares_without")
    u = _per_year(uptake, y, "uptake")
    if np.any(u < 0) or np.any(u > 1):
        raise fail("uptake", "shares in [0, 1]", uptake)
    current = [s for s in base if s != new]
    if displaces is None:
        total = sum(base[s] for s in current)
        d = {s: np.divide(base[s], total, out=np.zeros(y), where=total > 0) for s in current}
    else:
        unknown = [s for s in displaces if s not in current]
        if unknown:
            raise fail("displaces", f"fractions for strategies among {current}", unknown)
        d = {s: np.full(y, float(displaces.get(s, 0.0))) for s in current}
        tot = sum(d.values())
        if np.any(np.abs(tot - 1.0) > _TOL):
            raise fail(
                "displaces",
                "fractions summing to 1",
                dict(displaces),
                hint=f"They sum to {float(tot[0]):g}.",
            )
    out = {s: base[s] - d[s] * u for s in current}
    out[new] = base.get(new, np.zeros(y)) + u
    for s, v in out.items():
        if np.any(v < -_TOL):
            year = int(np.argmax(v < -_TOL)) + 1
            raise ValidationError(
                f"{caller_name()}: the new technology takes more share from {s!r} than it "
                "has in year "
                f"{year} ({base[s][year - 1]:g} without, {d[s][year - 1] * u[year - 1]:g} "
                "displaced). Lower the uptake or change 'displaces'."
            )
    return {s: np.clip(v, 0.0, None) for s, v in out.items()}


@dataclass(frozen=True, repr=False, eq=False)
class BudgetImpactResult:
    """The result of :func:`budget_impact` (immutable).

    Attributes
    ----------
    strategies : tuple of str
        Strategies with a market share.
    population : numpy.ndarray
        ``(n_years,)`` eligible patients per year.
    shares_without, shares_with : numpy.ndarray
        ``(n_strategies, n_years)`` market shares.
    budget_without, budget_with : numpy.ndarray
        ``(n_draws, n_years)`` total annual budgets (undiscounted).
    patient_costs : numpy.ndarray
        ``(n_draws, n_strategies, n_years)`` annual cost per patient.
    prob : float
        Probability of the central intervals.
    """

    strategies: tuple[str, ...]
    population: np.ndarray
    shares_without: np.ndarray
    shares_with: np.ndarray
    budget_without: np.ndarray
    budget_with: np.ndarray
    patient_costs: np.ndarray
    prob: float

    @property
    def years(self) -> np.ndarray:
        """Years 1..n_years."""
        return np.arange(1, self.population.size + 1)

    @property
    def n_draws(self) -> int:
        """Number of cost draws (1 for a deterministic analysis)."""
        return int(self.budget_with.shape[0])

    @property
    def impact(self) -> np.ndarray:
        """``(n_draws, n_years)`` annual budget impact, with minus without."""
        return self.budget_with - self.budget_without

    @property
    def cumulative(self) -> np.ndarray:
        """``(n_draws, n_years)`` cumulative budget impact."""
        return np.cumsum(self.impact, axis=1)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per year: population, mean budgets, annual and cumulative impact.

        ``impact_lower/upper`` and ``cumulative_lower/upper`` are central PSA intervals
        (equal to the mean for one draw).
        """
        q = [(1 - self.prob) / 2, (1 + self.prob) / 2]
        imp, cum = self.impact, self.cumulative
        (ilo, ihi), (clo, chi) = np.quantile(imp, q, axis=0), np.quantile(cum, q, axis=0)
        return pd.DataFrame(
            {
                "year": self.years,
                "population": self.population,
                "budget_without": self.budget_without.mean(axis=0),
                "budget_with": self.budget_with.mean(axis=0),
                "impact": imp.mean(axis=0),
                "impact_lower": ilo,
                "impact_upper": ihi,
                "cumulative": cum.mean(axis=0),
                "cumulative_lower": clo,
                "cumulative_upper": chi,
            }
        )

    def by_strategy(self) -> pd.DataFrame:
        """Tidy: ``year, world ('without'/'with'), strategy, share, patients, cost`` (mean)."""
        mean_cost = self.patient_costs.mean(axis=0)
        rows = []
        for world, shares in (("without", self.shares_without), ("with", self.shares_with)):
            for j, s in enumerate(self.strategies):
                patients = self.population * shares[j]
                rows.append(
                    pd.DataFrame(
                        {
                            "year": self.years,
                            "world": world,
                            "strategy": s,
                            "share": shares[j],
                            "patients": patients,
                            "cost": patients * mean_cost[j],
                        }
                    )
                )
        return pd.concat(rows, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """Tidy draws: ``draw, year, budget_without, budget_with, impact, cumulative``."""
        d, y = self.budget_with.shape
        return pd.DataFrame(
            {
                "draw": np.repeat(np.arange(d), y),
                "year": np.tile(self.years, d),
                "budget_without": self.budget_without.ravel(),
                "budget_with": self.budget_with.ravel(),
                "impact": self.impact.ravel(),
                "cumulative": self.cumulative.ravel(),
            }
        )

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        text = self.summary.to_string(index=False, float_format=lambda x: f"{x:,.0f}")
        return (
            f"<BudgetImpactResult: {self.population.size} years, {len(self.strategies)} "
            f"strategies, {self.n_draws} draw(s), undiscounted>\n{text}"
        )


@validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
def budget_impact(
    population: Any,
    shares_without: Mapping[str, Any],
    shares_with: Mapping[str, Any],
    costs: Mapping[str, Any],
    *,
    prob: float = 0.95,
) -> BudgetImpactResult:
    r"""Annual and cumulative budget impact of adopting a new technology (undiscounted).

    Parameters
    ----------
    population : float or sequence
        Eligible patients per year (:func:`eligible_population`), or one number for a
        constant population; its length sets the time horizon (a number: the length of
        the shares or costs given per year, else 1 year).
    shares_without, shares_with : mapping of str to float or sequence
        Market shares per strategy, a number for every year or one per year, summing to 1
        in each year (:func:`market_shares_with` builds ``shares_with`` from an uptake curve).
        A strategy missing from one of the two has share 0 there.
    costs : mapping of str to float or array
        Annual cost per patient for every strategy with a share: a number, one per year
        ``(n_years,)`` or PSA draws ``(n_draws, n_years)`` (e.g. from
        :func:`annual_costs_from_trace`).
    prob : float
        Probability of the central PSA intervals (default 0.95).

    Returns
    -------
    BudgetImpactResult

    References
    ----------
    Sullivan SD, Mauskopf JA, Augustovski F, et al. Budget impact analysis - principles of
    good practice. *Value Health* 2014;17(1):5-14.

    Examples
    --------
    >>> res = budget_impact(1000, {"Old": 1.0}, {"Old": 0.5, "New": 0.5},
    ...                     {"Old": 100.0, "New": 300.0})
    >>> float(res.summary["impact"].iloc[0])
    100000.0
    """
    prob = float(prob)
    for name, value in (
        ("shares_without", shares_without),
        ("shares_with", shares_with),
        ("costs", costs),
    ):
        if not isinstance(value, Mapping) or not value:
            raise fail(name, "a non-empty dict of strategy to values", value)
    n_years = _horizon(population, shares_without, shares_with, costs)
    pop = _per_year(population, n_years, "population")
    if np.any(pop < 0):
        year = int(np.argmax(pop < 0)) + 1
        raise fail(
            "population",
            "non-negative numbers of patients",
            population,
            hint=f"Year {year} has {pop[year - 1]:g}.",
        )
    strategies = list(dict.fromkeys([*shares_without, *shares_with]))
    without = _shares(shares_without, n_years, "shares_without")
    with_ = _shares(shares_with, n_years, "shares_with")
    missing = [s for s in strategies if s not in costs]
    if missing:
        raise fail(
            "costs",
            f"a cost for every strategy with a share {strategies}",
            sorted(costs),
            hint=f"Missing: {missing}.",
        )
    cost = _costs({s: costs[s] for s in strategies}, n_years)
    m0 = np.stack([without.get(s, np.zeros(n_years)) for s in strategies])
    m1 = np.stack([with_.get(s, np.zeros(n_years)) for s in strategies])
    b0 = pop * np.einsum("sy,dsy->dy", m0, cost)
    b1 = pop * np.einsum("sy,dsy->dy", m1, cost)
    return BudgetImpactResult(tuple(strategies), pop, m0, m1, b0, b1, cost, prob)


@validate_params({"years": Interval(1, None, integer=True)})
def annual_costs_from_trace(
    result: Any, state_costs: Mapping[str, Any] | Any, *, years: int, per_draw: bool = True
) -> dict[str, np.ndarray]:
    r"""Undiscounted annual cost per patient by year from a Markov cohort trace.

    For strategy :math:`s` the cost in year :math:`y` is
    :math:`\sum_{t \in y} \ell \, m_{s,t} \cdot c_s` over the cycles :math:`t` starting in
    year :math:`y` (cycle length :math:`\ell` years; the cohort counted at the start of each
    cycle, the ``"none"`` convention), for a cohort that starts treatment in year 1.

    Parameters
    ----------
    result : MarkovResult
        From ``MarkovModel.run(params, return_trace=True)`` (per-draw costs) or any run
        (mean trace, when ``per_draw=False``).
    state_costs : array-like, mapping of str to array-like, or callable
        Annual cost of each state, ``(n_states,)`` or per draw ``(n_draws, n_states)``; a
        mapping gives one per strategy; a callable ``state_costs(cycle, strategy)`` returns
        them for the 0-based ``cycle`` (for costs that change over time, e.g. a drug given
        for the first two years only).
    years : int
        Number of years (the model must cover them).
    per_draw : bool
        Use the per-draw trace (needs ``return_trace=True``); False uses the mean trace.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{strategy: (n_draws, years)}`` (``n_draws`` is 1 with ``per_draw=False``), ready
        for :func:`budget_impact`.
    """
    y = int(years)
    trace = getattr(result, "trace", None) if per_draw else getattr(result, "mean_trace", None)
    if trace is None:
        raise fail(
            "result",
            "a MarkovResult run with return_trace=True",
            type(result).__name__,
            hint="Or pass per_draw=False to use the mean trace.",
        )
    if not per_draw:
        trace = trace.expand_dims("draw")
    cl = float(result.cycle_length)
    start = trace["cycle"].values * cl
    n_cycles = trace.sizes["cycle"] - 1
    if n_cycles * cl < y - _TOL:
        raise fail("years", f"at most the model's horizon ({n_cycles * cl:g} years)", y)
    year_of = np.floor(start[:-1] + _TOL).astype(int)  # 0-based year in which each cycle starts
    out = {}
    n_draws = trace.sizes["draw"]
    for s in result.strategies:
        m = trace.sel(strategy=s).transpose("draw", "cycle", "state").values[:, :-1]
        per_cycle = np.empty((n_draws, m.shape[1]))
        for t in range(m.shape[1]):
            if callable(state_costs):
                value = state_costs(t, s)
            else:
                value = state_costs[s] if isinstance(state_costs, Mapping) else state_costs
            c = np.asarray(value, dtype=float)
            if c.shape not in ((m.shape[2],), (n_draws, m.shape[2])):
                raise fail(
                    f"state_costs of {s!r}",
                    f"{m.shape[2]} costs (one per state) or ({n_draws}, {m.shape[2]})",
                    c.shape,
                )
            finite_or_raise(c, f"{caller_name()}: state_costs of {s!r}")
            per_cycle[:, t] = cl * (m[:, t] @ c if c.ndim == 1 else (m[:, t] * c).sum(axis=1))
        out[s] = np.stack([per_cycle[:, year_of == k].sum(axis=1) for k in range(y)], axis=1)
    return out


# ---------------------------------------------------------------------- private steps
def _horizon(population, *tables) -> int:
    if np.ndim(population) == 1:
        return len(population)
    for table in tables:
        for v in table.values():
            if np.ndim(v) >= 1:
                return int(np.shape(v)[-1])
    return 1


def _per_year(value: Any, n_years: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n_years, float(arr))
    if arr.shape != (n_years,):
        raise fail(name, f"a number or {n_years} values (one per year)", value)
    finite_or_raise(arr, f"{caller_name()}: '{name}'")
    return arr


def _shares(table: Mapping[str, Any], n_years: int, name: str) -> dict:
    out = {str(s): _per_year(v, n_years, f"{name}['{s}']") for s, v in table.items()}
    for s, v in out.items():
        if np.any(v < 0) or np.any(v > 1):
            raise fail(f"{name}['{s}']", "market shares in [0, 1]", table[s])
    total = np.sum(list(out.values()), axis=0)
    bad = np.abs(total - 1.0) > 1e-6
    if np.any(bad):
        year = int(np.argmax(bad)) + 1
        raise ValidationError(
            f"{caller_name()}: the market shares in '{name}' sum to {total[year - 1]:.6g} in year "
            f"{year}; they must sum to 1 in every year (shares: "
            f"{ {s: round(float(v[year - 1]), 6) for s, v in out.items()} })."
        )
    return out


def _costs(costs: Mapping[str, Any], n_years: int) -> np.ndarray:
    arrays = {}
    for s, v in costs.items():
        a = np.asarray(v, dtype=float)
        if a.ndim <= 1:
            a = _per_year(a, n_years, f"costs['{s}']")[None, :]
        if a.ndim != 2 or a.shape[1] != n_years:
            raise fail(
                f"costs['{s}']",
                f"a number, {n_years} values or draws of shape (n_draws, {n_years})",
                np.shape(v),
            )
        finite_or_raise(a, f"{caller_name()}: costs['{s}']")
        arrays[s] = a
    sizes = {a.shape[0] for a in arrays.values()} - {1}
    if len(sizes) > 1:
        raise ValidationError(
            f"{caller_name()}: the cost draws have different numbers of draws "
            f"{ {s: a.shape[0] for s, a in arrays.items()} }; use the same PSA draws for all."
        )
    n = sizes.pop() if sizes else 1
    return np.stack([np.broadcast_to(a, (n, n_years)) for a in arrays.values()], axis=1)

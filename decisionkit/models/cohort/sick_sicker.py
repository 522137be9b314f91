r"""Bundled example model: the Sick-Sicker cohort model from the DARTH teaching materials.

A hypothetical disease with four health states, Healthy (``H``), Sick (``S1``), Sicker
(``S2``) and Dead (``D``), and four strategies: standard of care, treatment A (improves the
quality of life of the Sick), treatment B (slows progression from Sick to Sicker) and both.
A cohort of 25-year-olds, all Healthy, is followed for 75 one-year cycles (to age 100);
costs and QALYs are discounted at 3% a year, with Simpson's within-cycle correction.

Parameter values, their PSA distributions and the model structure are those of the
time-independent model of Alarid-Escudero et al. (2023) [1]_ (base case: the values in
``analysis/cSTM_time_indep.R``; PSA: ``generate_psa_params()`` in
``R/Functions_cSTM_time_indep.R`` of github.com/DARTH-git/cohort-modeling-tutorial-intro).
Annual rates are converted to probabilities with :math:`p = 1 - e^{-r}`; death rates in
Sick and Sicker are the Healthy rate times hazard ratios; transitions to non-death states are
conditional on surviving the cycle.

By default the within-cycle weights are the composite Simpson rule (the 1/3 rule plus a
3/8 rule for the last three of the 75 cycles), which integrates the trace correctly. The
tutorial applies an alternating ``1/3, 2/3, 4/3, 2/3, ..., 4/3, 1/3`` pattern to the odd
number of cycles (``gen_wcc`` in darthtools), whose weights add up to 74.67 cycles instead of
75, so it reports about 0.3 fewer QALYs; ``within_cycle="published"`` uses those weights and
reproduces the published results (standard of care: 151,580 USD and 20.711 QALYs).

The deterministic base case (:func:`sick_sicker_base_case`) holds the published point
values, which are not exactly the means of the PSA distributions (e.g. ``u_H`` is 1 in the
base case and ``Beta(200, 3)``, mean 0.985, in the PSA).

References
----------
.. [1] Alarid-Escudero F, Krijkamp EM, Enns EA, Yang A, Hunink MGM, Pechlivanoglou P,
   Jalal H. An introductory tutorial on cohort state-transition models in R using a
   cost-effectiveness analysis example. *Med Decis Making* 2023;43(1):3-20.
   doi:10.1177/0272989X221103163
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, overload

import numpy as np

from decisionkit._validation import check_number, fail, validate_params
from decisionkit.models.cohort.markov import MarkovModel, MarkovResult
from decisionkit.models.cohort.psa import PSA, Beta, Fixed, Gamma, LogNormal
from decisionkit.outcomes import OutcomeDistribution

__all__ = [
    "SICK_SICKER_STATES",
    "SICK_SICKER_STRATEGIES",
    "sick_sicker_base_case",
    "sick_sicker_expected",
    "sick_sicker_model",
    "sick_sicker_outcomes",
    "sick_sicker_parameters",
    "sick_sicker_psa",
]

SICK_SICKER_STATES = ("H", "S1", "S2", "D")
"""State names: Healthy, Sick, Sicker, Dead."""

SICK_SICKER_STRATEGIES = ("Standard of care", "Strategy A", "Strategy B", "Strategy AB")
"""Strategy names, as in the tutorial."""

_N_CYCLES = 75  # age 25 to 100, one-year cycles
_DISCOUNT = 0.03
_USES_A = {"Strategy A", "Strategy AB"}
_USES_B = {"Strategy B", "Strategy AB"}


def sick_sicker_base_case() -> dict[str, float]:
    """The published deterministic parameter values (Alarid-Escudero et al. 2023).

    Returns
    -------
    dict
        ``r_*`` annual rates, ``hr_*`` hazard ratios, ``c_*`` annual costs (USD),
        ``u_*`` annual utilities. Pass it (or a DataFrame of such rows) to
        :func:`sick_sicker_outcomes`.
    """
    return {
        "r_HD": 0.002,  # rate of dying when Healthy
        "r_HS1": 0.15,  # rate of becoming Sick when Healthy
        "r_S1H": 0.5,  # rate of recovering (Sick -> Healthy)
        "r_S1S2": 0.105,  # rate of becoming Sicker when Sick
        "hr_S1": 3.0,  # hazard ratio of death, Sick vs Healthy
        "hr_S2": 10.0,  # hazard ratio of death, Sicker vs Healthy
        "hr_S1S2_trtB": 0.6,  # hazard ratio of Sick -> Sicker under treatment B
        "c_H": 2000.0,
        "c_S1": 4000.0,
        "c_S2": 15000.0,
        "c_D": 0.0,
        "c_trtA": 12000.0,
        "c_trtB": 13000.0,
        "u_H": 1.0,
        "u_S1": 0.75,
        "u_S2": 0.5,
        "u_D": 0.0,
        "u_trtA": 0.95,
    }


def sick_sicker_parameters() -> PSA:
    """The PSA distributions of the tutorial (``generate_psa_params`` in the DARTH code).

    Gamma for rates and costs, log-normal for hazard ratios, beta for utilities; ``c_D`` and
    ``u_D`` are fixed at 0.
    """
    return PSA(
        {
            "r_HD": Gamma.from_shape(20, rate=10_000),
            "r_HS1": Gamma.from_shape(30, rate=170 + 30),
            "r_S1H": Gamma.from_shape(60, rate=60 + 60),
            "r_S1S2": Gamma.from_shape(84, rate=716 + 84),
            "hr_S1": LogNormal.from_log(np.log(3.0), 0.01),
            "hr_S2": LogNormal.from_log(np.log(10.0), 0.02),
            "hr_S1S2_trtB": LogNormal.from_log(np.log(0.6), 0.02),
            "c_H": Gamma.from_shape(100, scale=20),
            "c_S1": Gamma.from_shape(177.8, scale=22.5),
            "c_S2": Gamma.from_shape(225, scale=66.7),
            "c_D": Fixed(0.0),
            "c_trtA": Gamma.from_shape(73.5, scale=163.3),
            "c_trtB": Gamma.from_shape(86.2, scale=150.8),
            "u_H": Beta.from_counts(200, 3),
            "u_S1": Beta.from_counts(130, 45),
            "u_S2": Beta.from_counts(230, 230),
            "u_D": Fixed(0.0),
            "u_trtA": Beta.from_counts(300, 15),
        }
    )


def _prob(rate: np.ndarray) -> np.ndarray:
    return -np.expm1(-rate)  # 1 - exp(-r), one-year cycle


def _transition(params: Mapping[str, np.ndarray], cycle: int, strategy: str) -> np.ndarray:
    p_hd = _prob(params["r_HD"])
    p_s1d = _prob(params["r_HD"] * params["hr_S1"])
    p_s2d = _prob(params["r_HD"] * params["hr_S2"])
    p_hs1 = _prob(params["r_HS1"])
    p_s1h = _prob(params["r_S1H"])
    r_s1s2 = params["r_S1S2"] * (params["hr_S1S2_trtB"] if strategy in _USES_B else 1.0)
    p_s1s2 = _prob(r_s1s2)
    out = np.zeros((p_hd.shape[0], 4, 4))
    out[:, 0, 0] = (1 - p_hd) * (1 - p_hs1)
    out[:, 0, 1] = (1 - p_hd) * p_hs1
    out[:, 0, 3] = p_hd
    out[:, 1, 0] = (1 - p_s1d) * p_s1h
    out[:, 1, 1] = (1 - p_s1d) * (1 - (p_s1h + p_s1s2))
    out[:, 1, 2] = (1 - p_s1d) * p_s1s2
    out[:, 1, 3] = p_s1d
    out[:, 2, 2] = 1 - p_s2d
    out[:, 2, 3] = p_s2d
    out[:, 3, 3] = 1.0
    return out


def _costs(params: Mapping[str, np.ndarray], t: int, strategy: str) -> np.ndarray:
    treat: float | np.ndarray = 0.0
    if strategy in _USES_A:
        treat = treat + params["c_trtA"]
    if strategy in _USES_B:
        treat = treat + params["c_trtB"]
    return np.stack(
        [params["c_H"], params["c_S1"] + treat, params["c_S2"] + treat, params["c_D"]], axis=1
    )


def _utilities(params: Mapping[str, np.ndarray], t: int, strategy: str) -> np.ndarray:
    u_s1 = params["u_trtA"] if strategy in _USES_A else params["u_S1"]
    return np.stack([params["u_H"], u_s1, params["u_S2"], params["u_D"]], axis=1)


def _check_strategies(strategies: Sequence[str] | None) -> list[str]:
    if strategies is None:
        return list(SICK_SICKER_STRATEGIES)
    chosen = [str(s) for s in strategies]
    unknown = [s for s in chosen if s not in SICK_SICKER_STRATEGIES]
    if unknown or not chosen:
        raise fail(
            "strategies",
            f"a non-empty subset of {list(SICK_SICKER_STRATEGIES)}",
            strategies,
        )
    return chosen


@validate_params()
def sick_sicker_model(
    *, strategies: Sequence[str] | None = None, within_cycle: str = "simpson"
) -> MarkovModel:
    """The Sick-Sicker :class:`~decisionkit.models.MarkovModel` (75 cycles, 3% discount).

    Parameters
    ----------
    strategies : sequence of str, optional
        Subset of :data:`SICK_SICKER_STRATEGIES` (default all four).
    within_cycle : str
        Within-cycle correction (default ``"simpson"``); ``"published"`` uses the weights of
        the tutorial's R code to reproduce its published results (see the module notes).
    """
    weights: Any = within_cycle
    if within_cycle == "published":
        # darthtools::gen_wcc(method = "Simpson1/3"): 4/3 at odd R indices (t even), 2/3 at
        # even R indices (t odd), 1/3 at both ends
        t = np.arange(_N_CYCLES + 1)
        weights = np.where(t % 2 == 0, 4 / 3, 2 / 3)
        weights[[0, -1]] = 1 / 3
    return MarkovModel(
        SICK_SICKER_STATES,
        strategies=_check_strategies(strategies),
        transition=_transition,
        state_costs=_costs,
        state_utilities=_utilities,
        initial="H",
        n_cycles=_N_CYCLES,
        cycle_length=1.0,
        discount_cost=_DISCOUNT,
        discount_effect=_DISCOUNT,
        within_cycle=weights,
        dead="D",
    )


@overload
def sick_sicker_outcomes(
    params: Any,
    *,
    strategies: Sequence[str] | None = None,
    within_cycle: str = "simpson",
    return_result: Literal[False] = False,
) -> OutcomeDistribution: ...


@overload
def sick_sicker_outcomes(
    params: Any,
    *,
    strategies: Sequence[str] | None = None,
    within_cycle: str = "simpson",
    return_result: Literal[True],
) -> MarkovResult: ...


@validate_params()
def sick_sicker_outcomes(
    params: Any,
    *,
    strategies: Sequence[str] | None = None,
    within_cycle: str = "simpson",
    return_result: bool = False,
) -> OutcomeDistribution | MarkovResult:
    """Run the Sick-Sicker model on parameter sets: the function sensitivity analysis re-runs.

    Parameters
    ----------
    params : DataFrame or mapping
        One row per parameter set, with the columns of :func:`sick_sicker_base_case` (e.g.
        a PSA sample, or a one-way grid of base-case rows with one parameter varied).
    strategies : sequence of str, optional
        Subset of :data:`SICK_SICKER_STRATEGIES` (default all four).
    within_cycle : str
        Within-cycle correction, see :func:`sick_sicker_model`.
    return_result : bool
        Return the :class:`~decisionkit.models.cohort.markov.MarkovResult` (with traces) instead
        of the OutcomeDistribution; needed for a single parameter set (1 row).

    Returns
    -------
    OutcomeDistribution or MarkovResult
        Metrics ``cost`` (USD), ``qaly`` and ``life_years`` per strategy and parameter set,
        with ``params`` attached as inputs.

    Examples
    --------
    >>> res = sick_sicker_outcomes(sick_sicker_base_case(), return_result=True)
    >>> res.mean()["strategy"].tolist()
    ['Standard of care', 'Strategy A', 'Strategy B', 'Strategy AB']
    """
    result = sick_sicker_model(strategies=strategies, within_cycle=within_cycle).run(params)
    return result if return_result else result.outcomes


@validate_params()
def sick_sicker_expected(
    params: Mapping[str, float],
    *,
    strategies: Sequence[str] | None = None,
    within_cycle: str = "simpson",
) -> dict[str, dict[str, float]]:
    """Deterministic run on one parameter set: ``{strategy: {"cost", "qaly", "life_years"}}``.

    The ``model(params)`` callable that deterministic sensitivity analysis re-runs with one
    parameter changed at a time, e.g.
    ``dk.sensitivity.one_way(sick_sicker_expected, sick_sicker_base_case(), ...)``.

    Examples
    --------
    >>> ev = sick_sicker_expected(sick_sicker_base_case(), within_cycle="published")
    >>> round(ev["Standard of care"]["cost"])
    151580
    """
    result = sick_sicker_model(strategies=strategies, within_cycle=within_cycle).run(params)
    return result.expected()


@validate_params({"random_seed": "random_state"})
def sick_sicker_psa(
    n_draws: int = 1000,
    *,
    random_seed: Any = None,
    strategies: Sequence[str] | None = None,
) -> OutcomeDistribution:
    """Probabilistic Sick-Sicker analysis: sample the parameters and run the model.

    Parameters
    ----------
    n_draws : int
        Number of PSA draws (at least 2).
    random_seed : int or numpy.random.Generator, optional
        Seed; the same seed gives the same draws.
    strategies : sequence of str, optional
        Subset of :data:`SICK_SICKER_STRATEGIES` (default all four).

    Returns
    -------
    OutcomeDistribution
        ``cost``, ``qaly`` and ``life_years`` per draw and strategy, with the parameter draws
        attached as inputs (for EVPPI).

    Examples
    --------
    >>> out = sick_sicker_psa(200, random_seed=1)
    >>> out.n_draws, out.actions[0]
    (200, 'Standard of care')
    """
    n = check_number(n_draws, "n_draws", low=2, integer=True)
    params = sick_sicker_parameters().sample(n, random_seed=random_seed)
    return sick_sicker_outcomes(params, strategies=strategies)

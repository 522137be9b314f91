"""Tests for the partitioned survival model (decisionkit.models.survival._partitioned).

The reference case of issue 13: exponential PFS with median 4 months and OS with median 7
months, utilities 0.8 (progression-free) and 0.6 (progressed), costs 5,000 and 2,000 per
month (60,000 and 24,000 per year).

Closed form. With S(t) = exp(-lambda t), lambda = ln 2 / median, and continuous discounting
at delta per year (delta = ln(1.035) is the same as (1.035)^-t), the discounted area under
S over an infinite horizon is int_0^inf exp(-(lambda + delta) t) dt = 1 / (lambda + delta).
So progression-free years = 1 / (lambda_PFS + delta), progressed years
= 1 / (lambda_OS + delta) - 1 / (lambda_PFS + delta), QALYs = 0.8 PF + 0.6 P and
cost = 60,000 PF + 24,000 P. With delta = 0: PF = (4/12)/ln 2 = 0.480898, OS area
= (7/12)/ln 2 = 0.841572, P = 0.360674, QALYs = 0.601123, cost = 37,510.07. With
delta = ln 1.035: PF = 0.473068, P = 0.344819, QALYs = 0.585346, cost = 36,660.03 (the values
stated in the issue; the 40-year horizon truncates exp(-1.19 * 40) ~ 1e-21, nothing).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.models.survival._partitioned import PartitionedSurvivalModel

LAM_PFS = np.log(2) / (4 / 12)
LAM_OS = np.log(2) / (7 / 12)
PF, PROG, DEAD = "Progression-free", "Progressed", "Dead"
COSTS = {PF: 5_000 * 12, PROG: 2_000 * 12}
UTILS = {PF: 0.8, PROG: 0.6}
# (discount rate, PF years, progressed years, QALYs, cost): the values, derived above
CLOSED = [
    (0.0, 0.48090, 0.36067, 0.60112, 37_510.07),
    (0.035, 0.47307, 0.34482, 0.58535, 36_660.03),
]


def psm(**kwargs) -> PartitionedSurvivalModel:
    opts = {
        "strategies": ["Only"],
        "horizon": 40,
        "cycle_length": 1 / 12,
        "method": "exact",
        "state_costs": COSTS,
        "state_utilities": UTILS,
        "discount_cost": 0.0,
        "discount_effect": 0.0,
    }
    opts.update(kwargs)
    return PartitionedSurvivalModel(["PFS", "OS"], **opts)


def exp_curves(model, lam_pfs=LAM_PFS, lam_os=LAM_OS):
    t = model.times
    return {"PFS": np.exp(-lam_pfs * t), "OS": np.exp(-lam_os * t)}


def row(result, strategy="Only"):
    return result.summary.loc[strategy]


@dataclass(frozen=True)
class Draws:
    """Same fields as SurvivalDraws: times, survival (draws x times), parameters."""

    times: np.ndarray
    survival: np.ndarray
    parameters: pd.DataFrame


class ExpFit:
    """A stand-in fitted model: exponential, log-rate ~ Normal(log rate, se), hazard ratio."""

    def __init__(self, rate, se=0.1):
        self.rate, self.se, self.calls = rate, se, []

    def draw_survival(self, times, *, n_draws, random_seed=None, covariates=None):
        self.calls.append(random_seed)
        rng = np.random.default_rng(random_seed)
        log_rate = rng.normal(np.log(self.rate), self.se, n_draws)
        hr = 1.0 if covariates is None else covariates["hr"]
        surv = np.exp(-np.exp(log_rate)[:, None] * hr * np.asarray(times)[None, :])
        return Draws(np.asarray(times), surv, pd.DataFrame({"log_rate": log_rate}))


# ------------------------------------------------------------------ closed forms
@pytest.mark.parametrize(("r", "pf", "prog", "qaly", "cost"), CLOSED)
def test_exact_integration_matches_the_exponential_closed_form(r, pf, prog, qaly, cost):
    model = psm(discount_cost=r, discount_effect=r)
    out = row(model.run({"Only": exp_curves(model)}, n_draws=2))
    assert out[f"years: {PF}"] == pytest.approx(pf, abs=5e-6)
    assert out[f"years: {PROG}"] == pytest.approx(prog, abs=5e-6)
    assert out["qaly"] == pytest.approx(qaly, abs=5e-6)
    assert out["cost"] == pytest.approx(cost, abs=0.005)
    assert out["life_years"] == pytest.approx(pf + prog, abs=1e-5)


def test_exact_integration_agrees_with_the_closed_form_to_1e_9():
    delta = np.log(1.035)
    model = psm(discount_cost=0.035, discount_effect=0.035)
    out = row(model.run({"Only": exp_curves(model)}, n_draws=2))
    pf = 1 / (LAM_PFS + delta)
    prog = 1 / (LAM_OS + delta) - pf
    assert out[f"years: {PF}"] == pytest.approx(pf, rel=1e-9)
    assert out[f"years: {PROG}"] == pytest.approx(prog, rel=1e-9)


@pytest.mark.parametrize("method", ["half-cycle", "simpson", "none"])
def test_cycle_grid_converges_to_the_closed_form_as_the_cycle_shrinks(method):
    delta = np.log(1.035)
    exact_qaly = 0.8 / (LAM_PFS + delta) + 0.6 * (1 / (LAM_OS + delta) - 1 / (LAM_PFS + delta))
    errors = []
    for h in (1 / 4, 1 / 12, 1 / 52, 1 / 365):
        model = psm(method=method, cycle_length=h, discount_cost=0.035, discount_effect=0.035)
        errors.append(abs(row(model.run({"Only": exp_curves(model)}, n_draws=2))["qaly"]))
        errors[-1] = abs(errors[-1] - exact_qaly)
    assert all(b < a for a, b in itertools.pairwise(errors))
    # trapezoid error O(h^2) (1e-6 at daily cycles), Simpson O(h^4), uncorrected O(h)
    assert errors[-1] < {"half-cycle": 1e-6, "simpson": 1e-9, "none": 2e-3}[method]


def test_half_cycle_error_falls_with_the_square_of_the_cycle_length():
    def err(h):
        model = psm(method="half-cycle", cycle_length=h)
        return abs(row(model.run({"Only": exp_curves(model)}, n_draws=2))["qaly"] - 0.601123)

    # trapezoid rule: error ~ c h^2, so a 4 times shorter cycle cuts it ~16 times
    assert err(1 / 12) / err(1 / 48) == pytest.approx(16, rel=0.05)


def test_entry_costs_match_the_closed_form_of_the_discounted_event_density():
    # Entries into Progressed are the PFS events -dS/dt = lambda exp(-lambda t); discounted,
    # int lambda exp(-(lambda + delta) t) dt = lambda / (lambda + delta). Same for death.
    delta = np.log(1.035)
    model = psm(
        state_costs=None,
        entry_costs={PF: 100.0, PROG: 1_000.0, DEAD: 3_000.0},
        discount_cost=0.035,
    )
    cost = row(model.run({"Only": exp_curves(model)}, n_draws=2))["cost"]
    expected = 100 + 1_000 * LAM_PFS / (LAM_PFS + delta) + 3_000 * LAM_OS / (LAM_OS + delta)
    assert cost == pytest.approx(expected, rel=1e-9)
    grid = psm(
        state_costs=None,
        entry_costs={PROG: 1_000.0, DEAD: 3_000.0},
        discount_cost=0.035,
        method="half-cycle",
        cycle_length=1 / 365,
    )
    grid_cost = row(grid.run({"Only": exp_curves(grid)}, n_draws=2))["cost"]
    assert grid_cost == pytest.approx(expected - 100, rel=1e-6)


def test_fixed_duration_treatment_in_the_first_state_matches_the_closed_form():
    # Drug at 30,000 a year for the first 6 months while progression-free:
    # 30,000 int_0^0.5 exp(-(lambda + delta) t) dt = 30,000 (1 - e^{-(lambda + delta)/2})
    # / (lambda + delta)
    delta = np.log(1.035)
    expected = 30_000 * (1 - np.exp(-(LAM_PFS + delta) * 0.5)) / (LAM_PFS + delta)
    # monthly trapezoid: relative error ~ (lambda h)^2 / 12 = 0.0025
    for method, tol in (("exact", 1e-9), ("half-cycle", 3e-3)):
        model = psm(
            state_costs=None, time_costs={PF: (30_000.0, 0.5)}, discount_cost=0.035, method=method
        )
        cost = row(model.run({"Only": exp_curves(model)}, n_draws=2))["cost"]
        assert cost == pytest.approx(expected, rel=tol)


def test_time_costs_in_a_later_state_charge_every_entrant_the_whole_schedule():
    # No attrition after entry (the documented PSM approximation): undiscounted, each of the
    # patients entering Progressed pays 12,000 a year for 3 months = 3,000, and by 40 years
    # all have passed the PFS endpoint (S_PFS(40) ~ 1e-36).
    model = psm(state_costs=None, time_costs={PROG: (12_000.0, 0.25)}, method="half-cycle")
    cost = row(model.run({"Only": exp_curves(model)}, n_draws=2))["cost"]
    assert cost == pytest.approx(3_000.0, rel=1e-9)


def test_time_costs_accept_a_callable_of_time_since_entry():
    # A callable equal to the (rate, duration) tuple gives the same cost.
    tuple_model = psm(state_costs=None, time_costs={PF: (30_000.0, 0.5)})
    fn_model = psm(state_costs=None, time_costs={PF: lambda tau, p, s: 30_000.0 * (tau < 0.5)})
    a = row(tuple_model.run({"Only": exp_curves(tuple_model)}, n_draws=2))["cost"]
    b = row(fn_model.run({"Only": exp_curves(fn_model)}, n_draws=2))["cost"]
    assert a == pytest.approx(b, rel=1e-12)


# ------------------------------------------------------------------ sources of draws
def test_arrays_survival_draws_and_fitted_models_give_the_same_result():
    model = psm(method="half-cycle")
    fit_pfs, fit_os = ExpFit(LAM_PFS), ExpFit(LAM_OS)
    res_model = model.run({"Only": {"PFS": fit_pfs, "OS": fit_os}}, n_draws=50, random_seed=3)
    seeds = fit_pfs.calls[0], fit_os.calls[0]
    t = model.times
    d_pfs = fit_pfs.draw_survival(t, n_draws=50, random_seed=seeds[0])
    d_os = fit_os.draw_survival(t, n_draws=50, random_seed=seeds[1])
    res_draws = model.run({"Only": {"PFS": d_pfs, "OS": d_os}})
    res_arrays = model.run({"Only": {"PFS": d_pfs.survival, "OS": d_os.survival}})
    for other in (res_draws, res_arrays):
        np.testing.assert_allclose(other.values["qaly"], res_model.values["qaly"], rtol=1e-12)


def test_survival_draws_on_a_finer_grid_are_read_at_the_model_times():
    model = psm(method="half-cycle", cycle_length=1 / 4, horizon=10)
    fine = np.arange(0, 10 + 1e-9, 1 / 12)
    draws = ExpFit(LAM_PFS).draw_survival(fine, n_draws=4, random_seed=1)
    res = model.run({"Only": {"PFS": draws, "OS": np.exp(-LAM_OS * model.times)}})
    direct = model.run({"Only": {"PFS": draws.survival[:, ::3], "OS": exp_curves(model)["OS"]}})
    np.testing.assert_allclose(res.values["cost"], direct.values["cost"])


def test_time_scale_reads_sources_fitted_in_months():
    model = psm(method="half-cycle")
    in_years = model.run(
        {"Only": {"PFS": ExpFit(LAM_PFS), "OS": ExpFit(LAM_OS)}}, n_draws=5, random_seed=4
    )
    monthly = {"PFS": ExpFit(LAM_PFS / 12), "OS": ExpFit(LAM_OS / 12)}
    in_months = model.run({"Only": monthly}, n_draws=5, random_seed=4, time_scale=12)
    np.testing.assert_allclose(in_months.values["qaly"], in_years.values["qaly"], rtol=1e-12)


def test_psa_draws_vary_and_the_inputs_carry_the_survival_parameters():
    model = psm(
        method="half-cycle",
        strategies=["SoC", "New"],
        discount_cost=0.035,
        state_costs={PF: "c_pf", PROG: 24_000.0},
    )
    pfs, os_ = ExpFit(LAM_PFS, se=0.05), ExpFit(LAM_OS, se=0.1)
    params = pd.DataFrame({"c_pf": np.random.default_rng(0).normal(60_000, 5_000, 200)})
    res = model.run(
        {
            "SoC": {"PFS": pfs, "OS": os_},
            "New": {"PFS": (pfs, {"hr": 0.6}), "OS": (os_, {"hr": 0.7})},
        },
        params=params,
        random_seed=1,
    )
    out = res.outcomes
    assert isinstance(out, dk.OutcomeDistribution)
    # one model per endpoint, shared by both arms through a covariate: its draws appear once
    assert res.parameter_groups == {
        "PFS": ["PFS: log_rate"],
        "OS": ["OS: log_rate"],
        "other inputs": ["c_pf"],
    }
    assert list(out.inputs.columns) == ["PFS: log_rate", "OS: log_rate", "c_pf"]
    # the New arm lives longer in every draw (hazard ratios < 1 on the same rate draws)
    ly = res.values["life_years"]
    assert bool((ly.sel(action="New") > ly.sel(action="SoC")).all())
    # life years decrease with the OS rate draw (rank correlation -1)
    rho = pd.Series(ly.sel(action="SoC").values).corr(out.inputs["OS: log_rate"], "spearman")
    assert rho == pytest.approx(-1.0)


def test_separate_fits_per_arm_are_named_by_strategy():
    model = psm(method="half-cycle", strategies=["SoC", "New"])
    res = model.run(
        {
            "SoC": {"PFS": ExpFit(LAM_PFS), "OS": ExpFit(LAM_OS)},
            "New": {"PFS": ExpFit(LAM_PFS * 0.6), "OS": ExpFit(LAM_OS * 0.7)},
        },
        n_draws=20,
        random_seed=2,
    )
    assert res.parameter_groups["OS"] == ["OS [SoC]: log_rate", "OS [New]: log_rate"]


def test_evppi_of_the_os_extrapolation_runs_on_the_outcomes():
    pfs, os_ = ExpFit(LAM_PFS, se=0.05), ExpFit(LAM_OS, se=0.12)
    params = pd.DataFrame({"c_pf": np.random.default_rng(0).normal(60_000, 1_000, 1_000)})
    params_new = {"SoC": 0.0, "New": 10_000.0}  # about the value of New's QALYs at 100,000
    model = psm(
        method="half-cycle",
        strategies=["SoC", "New"],
        state_costs={PF: "c_pf", PROG: 24_000.0},
        entry_costs={PF: params_new},
    )
    res = model.run(
        {"SoC": {"PFS": pfs, "OS": os_}, "New": {"PFS": pfs, "OS": (os_, {"hr": 0.75})}},
        params=params,
        random_seed=5,
    )
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=100_000)
    ev = dk.voi.evppi(res.outcomes, u, res.parameter_groups, random_seed=0, se=False)
    values = ev.evppi
    # OS drives the incremental QALYs (the hazard ratio acts on the uncertain OS rate); the
    # PF cost is the same in both arms and cancels, so its EVPPI is 0 up to the regression's
    # small-sample bias (~17 here with 1,000 draws).
    assert values["OS"] > 100
    assert values["other inputs"] < 0.1 * values["OS"]


# ------------------------------------------------------------------ crossing curves
def test_crossing_curves_are_constrained_warned_and_counted():
    model = psm(method="half-cycle")
    t = model.times
    n = 10
    pfs = np.tile(np.exp(-LAM_PFS * t), (n, 1))
    os_ = np.tile(np.exp(-LAM_OS * t), (n, 1))
    pfs[:3] = np.exp(-0.5 * t)  # 3 draws where PFS (rate 0.5) ends above OS (rate 1.19)
    with pytest.warns(EstimationWarning, match=r"PFS lies above OS in 3 of 10 draws") as rec:
        res = model.run({"Only": {"PFS": pfs, "OS": os_}})
    assert "from t = 0.0833 years" in str(rec[0].message)
    assert res.crossings.loc[0, "n_draws"] == 3
    assert res.crossings.loc[0, "first_time"] == pytest.approx(1 / 12)
    years = res.state_years.sel(action="Only")
    # constrained: PFS = OS from the first step, so nobody is ever in Progressed in those draws
    np.testing.assert_allclose(years.sel(state=PROG).values[:3], 0.0, atol=1e-12)
    assert (years.sel(state=PROG).values[3:] > 0.3).all()


def test_no_warning_and_an_empty_crossings_table_when_curves_are_ordered():
    model = psm()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = model.run({"Only": exp_curves(model)}, n_draws=2)
    assert res.crossings.empty and "n_draws" in res.crossings.columns


def test_three_endpoints_make_four_states_in_order():
    model = PartitionedSurvivalModel(
        ["A", "B", "C"],
        strategies=["s"],
        horizon=20,
        method="exact",
        discount_cost=0,
        discount_effect=0,
    )
    t = model.times
    res = model.run({"s": {"A": np.exp(-3 * t), "B": np.exp(-2 * t), "C": np.exp(-t)}}, n_draws=2)
    assert res.states == ["before A", "before B", "before C", "Dead"]
    years = res.summary.loc["s"]
    assert years["years: before B"] == pytest.approx(1 / 2 - 1 / 3, rel=1e-9)
    # over 20 years: int_0^20 (e^-t - e^-2t) dt = (1 - e^-20) - (1 - e^-40) / 2
    assert years["years: before C"] == pytest.approx((1 - np.exp(-20)) - 1 / 2, rel=1e-9)


# ------------------------------------------------------------------ results
def test_result_frames_and_text():
    model = psm(strategies=["SoC", "New"])
    res = model.run({s: exp_curves(model) for s in ("SoC", "New")}, n_draws=3)
    tidy = res.to_frame()
    assert list(tidy.columns) == ["draw", "strategy", "metric", "value"]
    assert len(tidy) == 3 * 2 * 3
    occ = res.occupancy_frame()
    totals = occ.groupby(["strategy", "time"])["proportion"].sum()
    np.testing.assert_allclose(totals, 1.0)
    assert "Partitioned survival model: 3 states" in repr(res)


# ------------------------------------------------------------------ bad input
BAD_INIT = [
    ({"states": ["a", "b"]}, "3 names"),
    ({"horizon": 10.01}, "whole number of cycles"),
    ({"method": "trapezoid"}, "'method' parameter"),
    ({"state_costs": {"Stable": 1.0}}, "unknown state"),
    ({"time_costs": {DEAD: (1.0, 1.0)}}, "dead state"),
    ({"discount_cost": -0.1}, "'discount_cost'"),
    ({"strategies": []}, "at least one strategy"),
]


@pytest.mark.parametrize(("kwargs", "match"), BAD_INIT)
def test_bad_model_arguments_raise_clear_errors(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        psm(**kwargs)


def _run_bad(change):
    model = psm(state_costs={PF: "c_pf"})
    t = model.times
    survival = {"Only": {"PFS": np.exp(-LAM_PFS * t), "OS": np.exp(-LAM_OS * t)}}
    kwargs = {"n_draws": 2, "params": pd.DataFrame({"c_pf": [1.0, 2.0]})}
    change(survival, kwargs, t)
    return model.run(survival, **kwargs)


BAD_RUN = [
    (lambda s, k, t: s.pop("Only"), "one entry per strategy"),
    (lambda s, k, t: s["Only"].pop("OS"), "one source per endpoint"),
    (lambda s, k, t: s["Only"].update(OS=np.exp(-t)[:-1]), "columns, one per time"),
    (lambda s, k, t: s["Only"].update(OS=0.5 * np.exp(t / 100)), "increase over time"),
    (lambda s, k, t: s["Only"].update(OS=2 * np.exp(-t)), r"probabilities in \[0, 1\]"),
    (lambda s, k, t: s["Only"].update(OS=np.full(t.size, np.nan)), "non-finite"),
    (lambda s, k, t: s["Only"].update(OS=np.ones((5, t.size))), "disagree on the number"),
    (lambda s, k, t: k.update(params=pd.DataFrame({"c": [1.0, 2.0]})), "names the parameter"),
    (lambda s, k, t: k.update(params=pd.DataFrame({"c_pf": [1.0, np.nan]})), "non-finite"),
    (lambda s, k, t: s["Only"].update(OS="weibull"), "SurvivalDraws"),
    (lambda s, k, t: s["Only"].update(OS=(ExpFit(1.0),)), r"\(fitted_model, covariates\)"),
]


@pytest.mark.parametrize(("change", "match"), BAD_RUN)
def test_bad_run_arguments_raise_clear_errors(change, match):
    with pytest.raises(ValidationError, match=match):
        _run_bad(change)


def test_survival_draws_off_the_model_times_are_refused():
    model = psm(method="half-cycle")
    off = ExpFit(1.0).draw_survival(np.linspace(0, 40, 97), n_draws=3, random_seed=0)
    with pytest.raises(ValidationError, match=r"draw_survival\(psm.times"):
        model.run({"Only": {"PFS": off, "OS": off}})


def test_the_number_of_draws_must_be_known():
    model = psm()
    with pytest.raises(ValidationError, match="pass n_draws"):
        model.run({"Only": exp_curves(model)})


def test_runs_on_fitted_parametric_models_with_an_arm_covariate():
    # Exponential MLE on simulated data (rate 1/year SoC, hazard ratio 0.5 on the new arm):
    # one model per endpoint serves both arms through the covariate, so each endpoint's
    # parameter draws (rate and arm coefficient) appear once in the inputs.
    from decisionkit.models.survival import ParametricSurvival, SurvivalDraws

    rng = np.random.default_rng(0)
    arm = np.repeat(["SoC", "New"], 300)
    rate = np.where(arm == "New", 0.5, 1.0)
    os_t = rng.exponential(1 / rate)
    pfs_t = np.minimum(os_t, rng.exponential(1 / (2 * rate)))
    frame = pd.DataFrame({"arm": arm, "os": os_t, "pfs": pfs_t, "d": 1})
    fits = {
        ep: ParametricSurvival("exponential").fit(frame, time=ep, event="d", covariates=["arm"])
        for ep in ("pfs", "os")
    }
    model = psm(method="half-cycle", strategies=["SoC", "New"], horizon=20)
    sources = {
        s: {"PFS": (fits["pfs"], {"arm": s}), "OS": (fits["os"], {"arm": s})}
        for s in ("SoC", "New")
    }
    res = model.run(sources, n_draws=50, random_seed=1)
    assert res.parameter_groups["OS"] == [f"OS: {c}" for c in fits["os"].parameter_names]
    # exponential MLE: rate = events / time at risk, so the fitted mean survival 1/rate is
    # each arm's sample mean (no censoring); the PSA mean is within a few % of it
    ly, sample_mean = res.summary["life_years"], frame.groupby("arm")["os"].mean()
    for s in ("SoC", "New"):
        assert ly[s] == pytest.approx(sample_mean[s], rel=0.05)
    draws = fits["os"].draw_survival(model.times, n_draws=50, random_seed=2)
    assert isinstance(draws, SurvivalDraws)
    again = model.run({s: {"PFS": draws, "OS": draws} for s in ("SoC", "New")})
    assert again.parameter_groups["OS"] == [f"OS: {c}" for c in draws.parameters.columns]

"""EVSI of survival studies (more follow-up, a new trial) against closed forms."""

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import SurvivalArm, SurvivalFollowUp, SurvivalTrial
from decisionkit.models.survival._families import NumpyOps

EXP = {"a": SurvivalArm("exponential", {"rate": "rate"})}
# Current data: 30 events in 60 patient-years, so (flat prior) rate ~ Gamma(30, 60)
A0, B0 = 30.0, 60.0
K, C = 10_000.0, 20_000.0  # INB = K * mean survival (1 / rate) - C
NB = dk.utility.linear({"nb": 1})


def _fixed(column, value, n):
    return pd.DataFrame({column: np.full(n, value)})


def _conjugate_model(n_draws, seed, extra=None):
    rng = np.random.default_rng(seed)
    rate = rng.gamma(A0, 1 / B0, n_draws)
    inputs = pd.DataFrame({"rate": rate, **(extra(rng, n_draws) if extra else {})})
    nb = np.column_stack([np.zeros(n_draws), K / rate - C])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, inputs=inputs), inputs


def _exact_evsi(design, n, n_draws=100_000, seed=5):
    """Preposterior EVSI of the conjugate exponential model, by Monte Carlo without regression.

    Given events D and time at risk Y in the extension the posterior is Gamma(A0 + D, B0 + Y),
    so E[1 / rate | D, Y] = (B0 + Y) / (A0 + D - 1) in closed form (Gamma-exponential
    conjugacy); EVSI = E[max(0, E[INB | D, Y])] - max(0, E[INB]).
    """
    rng = np.random.default_rng(seed)
    total = 0.0
    for _ in range(n_draws // 10_000):  # in chunks, to bound memory
        rate = rng.gamma(A0, 1 / B0, 10_000)
        stats = design.simulate(pd.DataFrame({"rate": rate}), n, rng)
        post = K * (B0 + stats["exposure[a]"]) / (A0 + stats["events[a]"] - 1) - C
        total += float(np.maximum(post, 0).sum())
    return total / n_draws - max(0.0, K * B0 / (A0 - 1) - C)


# ------------------------------------------------------------------ the simulator
def test_follow_up_of_an_exponential_arm_is_memoryless():
    # P(event in a window of length w | at risk) = 1 - exp(-rate w) whatever the time at risk;
    # mean time at risk in the window (1 - exp(-rate w)) / rate (exponential distribution)
    design = SurvivalFollowUp(EXP, {"a": [0.5, 3.0]}, time_per_n=0.25)
    s = 20_000
    stats = design.simulate(_fixed("rate", 0.5, s), 4, np.random.default_rng(1))
    p = 1 - np.exp(-0.5)
    assert stats["events[a]"].mean() / 2 == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / s))
    assert stats["exposure[a]"].mean() / 2 == pytest.approx(p / 0.5, rel=0.01)


@pytest.mark.parametrize(
    ("distribution", "params"),
    [
        ("weibull", {"shape": 1.5, "scale": 2.0}),
        ("loglogistic", {"shape": 2.0, "scale": 1.5}),
        ("lognormal", {"meanlog": 0.4, "sdlog": 0.8}),
        ("gompertz", {"shape": 0.3, "rate": 0.2}),
        ("gompertz", {"shape": -0.4, "rate": 0.6}),  # a cured fraction: S never reaches 0
        ("gengamma", {"mu": 0.5, "sigma": 0.7, "Q": 0.5}),
    ],
)
def test_follow_up_is_conditional_on_survival_to_the_cut(distribution, params):
    # a patient at risk at t=1 has P(event by t) = 1 - S(t) / S(1) (conditional survival),
    # with S the family's own survival function (flexsurv parameterisations)
    arm = SurvivalArm(distribution, {p: p for p in params})
    design = SurvivalFollowUp({"a": arm}, {"a": [1.0]}, time_per_n=0.5)
    s = 40_000
    stats = design.simulate(
        pd.DataFrame({p: np.full(s, v) for p, v in params.items()}), 1, np.random.default_rng(2)
    )
    nat = [np.array([v]) for v in params.values()]

    def surv(t):
        return np.exp(arm.family.log_sh(np.log(t), nat, NumpyOps)[0][0])

    for stop, observed in [
        (1.5, stats["events[a]"].mean()),
        (1.25, ((stats["events[a]"] == 1) & (stats["exposure[a]"] <= 0.25)).mean()),
        (1.1, ((stats["events[a]"] == 1) & (stats["exposure[a]"] <= 0.1)).mean()),
    ]:
        p = 1 - surv(stop) / surv(1.0)
        assert observed == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / s)), stop


def test_weibull_conditional_survival_matches_its_closed_form():
    # flexsurv's Weibull S(t) = exp(-(t/b)^a), written out: P(event in (1, 1.25] | T > 1)
    arm = SurvivalArm("weibull", {"shape": "k", "scale": "b"})
    design = SurvivalFollowUp({"a": arm}, {"a": [1.0]}, time_per_n=0.25)
    s = 40_000
    stats = design.simulate(
        pd.DataFrame({"k": np.full(s, 1.5), "b": np.full(s, 2.0)}), 1, np.random.default_rng(3)
    )
    p = 1 - np.exp(-((1.25 / 2) ** 1.5) + (1 / 2) ** 1.5)
    assert stats["events[a]"].mean() == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / s))


def test_new_trial_censors_at_accrual_plus_follow_up():
    # everyone recruited at once (accrual 0) and followed 2 years: P(event) = 1 - exp(-2 rate)
    design = SurvivalTrial(EXP, accrual=0.0, follow_up=2.0)
    s = 5_000
    stats = design.simulate(_fixed("rate", 0.3, s), 10, np.random.default_rng(3))
    p = 1 - np.exp(-0.6)
    assert stats["events[a]"].mean() / 10 == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / s / 10))
    assert stats["exposure[a]"].max() <= 20.0 + 1e-9
    assert design.participants_per_n == 1


def test_staggered_accrual_shortens_follow_up():
    # uniform recruitment over 2 years, analysis 1 year after the last: mean potential
    # follow-up 2 years, so with rate -> 0 the time at risk per patient is 2 on average
    design = SurvivalTrial(EXP, accrual=2.0, follow_up=1.0)
    stats = design.simulate(_fixed("rate", 1e-9, 3), 100, np.random.default_rng(4))
    assert stats["exposure[a]"].to_numpy() / 100 == pytest.approx([2.0] * 3, rel=1e-6)


# ------------------------------------------------------------------ EVSI
@pytest.fixture(scope="module")
def conjugate():
    return _conjugate_model(3000, seed=6)


def test_follow_up_evsi_matches_the_conjugate_preposterior(conjugate):
    out, _ = conjugate
    design = SurvivalFollowUp(EXP, {"a": np.linspace(0.5, 2.0, 40)}, time_per_n=1 / 12)
    res = dk.voi.evsi(out, None, study=design, n=[6, 24], random_seed=7)
    evsi = res.evsi
    for n in (6, 24):
        exact = _exact_evsi(design, n)
        # regression EVSI is within Monte-Carlo and regression error of the exact value
        assert evsi[n] == pytest.approx(exact, rel=0.15), (n, evsi[n], exact)
    assert evsi[6] < evsi[24] < res.table["evpi"].iloc[0]


def test_complete_follow_up_of_many_patients_tends_to_evppi(conjugate):
    # 3,000 patients at risk followed until (nearly) all have the event: the posterior of the
    # rate is ~100 times more precise, so EVSI -> EVPPI of the rate (= EVPI here)
    out, _ = conjugate
    design = SurvivalFollowUp(EXP, {"a": np.ones(3000)}, time_per_n=1.0)
    res = dk.voi.evsi(out, None, study=design, n=60, random_seed=8)
    evppi = dk.voi.evppi(out, None, parameters=["rate"], random_seed=8).evppi
    assert res.evsi == pytest.approx(evppi, rel=0.05)
    # closed form of complete follow-up: D = 3000 events, Y ~ Gamma(3000, rate)
    rng = np.random.default_rng(9)
    rate = rng.gamma(A0, 1 / B0, 400_000)
    post = K * (B0 + rng.gamma(3000, 1 / rate)) / (A0 + 3000 - 1) - C
    exact = np.maximum(post, 0).mean() - max(0.0, K * B0 / (A0 - 1) - C)
    assert res.evsi == pytest.approx(exact, rel=0.05)


def test_evsi_is_non_decreasing_in_follow_up(conjugate):
    out, _ = conjugate
    design = SurvivalFollowUp(EXP, {"a": np.linspace(0.5, 2.0, 40)}, time_per_n=1 / 12)
    values = dk.voi.evsi(out, None, study=design, n=[1, 6, 36], random_seed=9).evsi
    evpi = float(dk.voi.evpi(out, NB))
    assert np.all(np.diff(values.to_numpy()) > -0.01 * evpi), values
    assert values.iloc[-1] > 2 * values.iloc[0]


def test_a_study_of_an_irrelevant_arm_is_worth_nothing():
    def other(rng, n):
        return {"rate_other": rng.gamma(20, 1 / 40, n)}

    out, _ = _conjugate_model(3000, seed=10, extra=other)
    arms = {"b": SurvivalArm("exponential", {"rate": "rate_other"})}
    design = SurvivalTrial(arms, accrual=1.0, follow_up=1.0)
    res = dk.voi.evsi(out, None, study=design, n=200, random_seed=11)
    assert res.evsi < 0.02 * float(dk.voi.evpi(out, NB))


def test_two_arm_weibull_trial_evsi_grows_with_n():
    rng = np.random.default_rng(12)
    s = 2000
    shape = rng.normal(1.3, 0.05, s)
    scale_c = np.exp(rng.normal(np.log(3.0), 0.1, s))
    scale_t = scale_c * np.exp(rng.normal(0.15, 0.12, s))  # acceleration factor
    inputs = pd.DataFrame({"k": shape, "b_c": scale_c, "b_t": scale_t})
    inb = 8_000 * (scale_t - scale_c) - 2_500  # mean survival is proportional to the scale
    out = dk.OutcomeDistribution.from_arrays({"nb": np.column_stack([0 * inb, inb])}, inputs=inputs)
    arms = {
        "control": SurvivalArm("weibull", {"shape": "k", "scale": "b_c"}),
        "treatment": SurvivalArm("weibull", {"shape": "k", "scale": "b_t"}),
    }
    design = SurvivalTrial(arms, accrual=1.0, follow_up=2.0)
    assert design.parameters == ("k", "b_c", "b_t") and design.participants_per_n == 2
    res = dk.voi.evsi(out, None, study=design, n=[20, 500], random_seed=13)
    small, large = res.evsi.to_numpy()
    assert 0 < small < large <= res.table["evpi"].iloc[0]


def test_from_data_takes_censored_patients_as_at_risk():
    data = pd.DataFrame(
        {
            "t": [1.0, 2.0, 2.5, 0.5, 3.0],
            "d": [1, 0, 0, 1, 0],
            "arm": ["c", "c", "t", "t", "t"],
            "lost": [False, True, True, False, False],
        }
    )
    arms = {n: SurvivalArm("exponential", {"rate": f"r_{n}"}) for n in ("c", "t")}
    design = SurvivalFollowUp.from_data(data, arms, time="t", event="d", arm="arm")
    assert design.at_risk["c"].tolist() == [2.0] and design.at_risk["t"].tolist() == [2.5, 3.0]
    still = SurvivalFollowUp.from_data(data, arms, time="t", event="d", arm="arm", at_risk="lost")
    assert still.at_risk["t"].tolist() == [2.5]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: SurvivalArm("cox", {"rate": "r"}), "'distribution' parameter of SurvivalArm"),
        (lambda: SurvivalArm("weibull", {"shape": "k"}), "Weibull parameters"),
        (lambda: SurvivalFollowUp(EXP, {"b": [1.0]}), "'at_risk' parameter of SurvivalFollowUp"),
        (lambda: SurvivalFollowUp(EXP, {"a": []}), "SurvivalFollowUp: arm 'a' needs"),
        (lambda: SurvivalFollowUp(EXP, {"a": [1.0]}, time_per_n=0), "'time_per_n'"),
        (lambda: SurvivalTrial(EXP, accrual=1.0, follow_up=0.0), "'follow_up' parameter"),
        (lambda: SurvivalTrial({"a": "exp"}, accrual=1.0, follow_up=1.0), "SurvivalArm values"),
    ],
)
def test_bad_designs_raise_clear_errors(make, fragment):
    with pytest.raises(ValidationError, match=fragment):
        make()


@pytest.mark.parametrize(
    ("n", "params", "fragment"),
    [
        (
            0,
            _fixed("rate", 0.5, 3),
            "SurvivalFollowUp.simulate: the sample size n must be a positive",
        ),
        (-2, _fixed("rate", 0.5, 3), "new data cut must come after the current one"),
        (1, _fixed("hazard", 0.5, 3), "SurvivalFollowUp.simulate: arm 'a' takes its parameters"),
        (1, _fixed("rate", -0.5, 3), "must be positive finite numbers"),
    ],
)
def test_bad_simulation_input_names_the_design(n, params, fragment):
    design = SurvivalFollowUp(EXP, {"a": [1.0]})
    with pytest.raises(ValidationError, match=fragment):
        design.simulate(params, n, np.random.default_rng(0))


def test_evsi_rejects_a_design_on_absent_inputs(conjugate):
    out, _ = conjugate
    arms = {"a": SurvivalArm("exponential", {"rate": "rate_missing"})}
    with pytest.raises(ValidationError, match="rate_missing"):
        dk.voi.evsi(out, None, study=SurvivalTrial(arms, accrual=1, follow_up=1), n=10)

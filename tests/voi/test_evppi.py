"""EVPPI against the closed-form toy problem and its error cases.

Toy problem (Strong, Oakley & Brennan 2014 style; the issue's closed forms): p1 ~ N(1, 1),
p2 ~ N(0, sd 2), incremental net benefit p1 - p2 against a comparator with net benefit 0.
  EVPI      = E[max(0, D)] - 1 with D ~ N(1, sqrt 5)                  = 0.4798107
  EVPPI(p1) = E[max(0, p1)] - 1 = Phi(1) + phi(1) - 1                  = 0.0833155
  EVPPI(p2) = E[max(0, 1 - p2)] - 1 = Phi(1/2) + 2 phi(1/2) - 1         = 0.3955885

Draws: 10,000 Latin-hypercube draws (each margin stratified), so the Monte-Carlo error of the
plug-in terms is small and what remains is regression error. Tolerances come from a study over
20 seeds of this exact set-up (script in the test-suite history; figures in the comments): the
sd of the estimate across seeds and its mean bias, with the tolerance >= bias + 3.5 sd.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import decisionkit as dk
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.voi._evppi import clip_to_bounds

EVPI = norm.cdf(1 / np.sqrt(5)) * 1 + np.sqrt(5) * norm.pdf(1 / np.sqrt(5)) - 1
EVPPI_P1 = norm.cdf(1) + norm.pdf(1) - 1
EVPPI_P2 = norm.cdf(0.5) + 2 * norm.pdf(0.5) - 1
# seed study (20 seeds, n = 10,000 LHS): gam sd 0.005 / 0.004 (p1 / p2), bias < 0.001;
# so and sadatsafavi sd 0.006 / 0.005 with an upward bias of 0.005 on p1 (within-bin noise);
# gp (linear mean, hyperparameters on 500 draws, conditioned on 2,000; 6 seeds) mean error
# +0.002 / -0.001, sd 0.010 / 0.006; trees (1 seed) error 0.007 / 0.006
TOL = {"gam": 0.02, "so": 0.025, "sadatsafavi": 0.025, "gp": 0.045, "trees": 0.03}


def toy(n=10_000, seed=0, extra=None):
    rng = np.random.default_rng(seed)
    u1 = (rng.permutation(n) + rng.random(n)) / n
    u2 = (rng.permutation(n) + rng.random(n)) / n
    p = pd.DataFrame({"p1": 1 + norm.ppf(u1), "p2": 2 * norm.ppf(u2), "noise": rng.normal(size=n)})
    if extra:
        p = p.assign(**extra)
    nb = np.column_stack([np.zeros(n), p["p1"] - p["p2"]])
    return dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=["comparator", "new"], inputs=p)


@pytest.fixture(scope="module")
def out():
    return toy()


def test_closed_form_constants_match_the_issue():
    # the issue quotes EVPI = 0.4798107, EVPPI(p1) = 0.08332, EVPPI(p2) = 0.39559
    assert pytest.approx(0.4798107, abs=1e-7) == EVPI
    assert pytest.approx(0.08332, abs=1e-5) == EVPPI_P1
    assert pytest.approx(0.39559, abs=1e-5) == EVPPI_P2


def test_evpi_matches_closed_form(out):
    # MC sd of mean(max(0, D)) at n = 10,000 is about 0.012; tolerance 3 sd
    assert dk.voi.evpi(out, dk.utility.linear({"nb": 1})) == pytest.approx(EVPI, abs=0.035)


@pytest.mark.parametrize("method", ["gam", "so", "sadatsafavi"])
def test_single_parameter_evppi_matches_closed_form(out, method):
    res = dk.voi.evppi_each(out, None, ["p1", "p2"], method=method, random_seed=1)
    assert res.evppi["p1"] == pytest.approx(EVPPI_P1, abs=TOL[method])
    assert res.evppi["p2"] == pytest.approx(EVPPI_P2, abs=TOL[method])


def test_trees_evppi_matches_closed_form(out):
    res = dk.voi.evppi_each(out, None, ["p1", "p2"], method="trees", random_seed=1)
    assert res.evppi["p1"] == pytest.approx(EVPPI_P1, abs=TOL["trees"])
    assert res.evppi["p2"] == pytest.approx(EVPPI_P2, abs=TOL["trees"])


def test_gp_evppi_matches_closed_form(out):
    res = dk.voi.evppi_each(out, None, ["p1", "p2"], method="gp", random_seed=1)
    assert res.evppi["p1"] == pytest.approx(EVPPI_P1, abs=TOL["gp"])
    assert res.evppi["p2"] == pytest.approx(EVPPI_P2, abs=TOL["gp"])


def test_evppi_of_all_parameters_equals_evpi(out):
    # net benefit is an exact (linear) function of (p1, p2): the fit interpolates it
    res = dk.voi.evppi(out, None, ["p1", "p2"])
    assert res.evppi == pytest.approx(res.evpi, rel=1e-4)


@pytest.mark.parametrize("method", ["gam", "so", "sadatsafavi", "trees"])
def test_evppi_of_irrelevant_parameter_is_near_zero(out, method):
    # 'noise' does not enter the model; the seed study gives <= 0.001 for every method
    res = dk.voi.evppi(out, None, "noise", method=method, random_seed=2)
    assert 0.0 <= res.evppi < 0.005


def test_list_of_names_is_one_group_and_list_of_lists_is_many(out):
    one = dk.voi.evppi(out, None, ["p1", "p2"])
    many = dk.voi.evppi(out, None, [["p1"], ["p2"]])
    assert list(one.to_frame()["parameters"]) == ["p1+p2"]
    assert list(many.to_frame()["parameters"]) == ["p1", "p2"]


def test_dict_of_groups_uses_its_labels(out):
    res = dk.voi.evppi(out, None, {"efficacy": ["p1"], "both": ["p1", "p2"]})
    assert list(res.evppi.index) == ["efficacy", "both"]


def test_evppi_each_defaults_to_every_input(out):
    res = dk.voi.evppi_each(out, None, method="so")
    assert list(res.evppi.index) == ["p1", "p2", "noise"]


def test_evppi_each_default_leaves_out_fixed_parameters():
    # a PSA with a Fixed parameter (e.g. the Sick-Sicker model's c_D = 0): its EVPPI is 0 by
    # definition, so the default "every input" means every input that varies
    res = dk.voi.evppi_each(toy(n=2000, extra={"c_dead": 0.0}), None, method="so")
    assert list(res.evppi.index) == ["p1", "p2", "noise"]


def test_evppi_each_still_rejects_a_named_fixed_parameter():
    with pytest.raises(ValidationError, match="zero variance"):
        dk.voi.evppi_each(toy(n=2000, extra={"c_dead": 0.0}), None, ["p1", "c_dead"])


def test_evppi_each_in_parallel_gives_the_serial_numbers(out):
    serial = dk.voi.evppi_each(out, None, ["p1", "p2"], random_seed=3)
    parallel = dk.voi.evppi_each(out, None, ["p1", "p2"], random_seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(serial.to_frame(), parallel.to_frame())


def test_default_method_is_gam_up_to_four_parameters_and_trees_beyond():
    extra = {f"x{i}": np.random.default_rng(i).normal(size=1500) for i in range(3)}
    small = toy(n=1500, extra=extra)
    four = dk.voi.evppi(small, None, ["p1", "x0", "x1", "x2"], se=False)
    five = dk.voi.evppi(small, None, ["p1", "p2", "x0", "x1", "x2"], random_seed=0)
    assert four.to_frame()["method"].iloc[0] == "gam"
    assert five.to_frame()["method"].iloc[0] == "trees"


def test_gam_standard_error_is_of_the_size_of_the_seed_to_seed_spread(out):
    # seed study: sd across seeds 0.005 (p1) and 0.004 (p2); the posterior se should agree
    # within a factor of 3 (voi's se is the same kind of regression-posterior approximation)
    res = dk.voi.evppi_each(out, None, ["p1", "p2"], random_seed=4)
    assert 0.005 / 3 < res.se["p1"] < 0.005 * 3
    assert 0.004 / 3 < res.se["p2"] < 0.004 * 3


def test_methods_without_posterior_report_nan_se(out):
    assert np.isnan(dk.voi.evppi(out, None, "p1", method="so").se)


def test_same_seed_gives_same_numbers(out):
    a = dk.voi.evppi(out, None, "p1", method="trees", random_seed=7).evppi
    b = dk.voi.evppi(out, None, "p1", method="trees", random_seed=7).evppi
    assert a == b


@pytest.mark.parametrize("method", ["gam", "so", "sadatsafavi"])
def test_evppi_per_wtp_matches_evppi_at_each_wtp(method):
    rng = np.random.default_rng(5)
    n = 2000
    p = pd.DataFrame({"e": rng.normal(0.1, 0.05, n), "c": rng.normal(1000, 300, n)})
    qaly = np.column_stack([np.zeros(n), p["e"]])
    cost = np.column_stack([np.zeros(n), p["c"]])
    out = dk.OutcomeDistribution.from_arrays({"qaly": qaly, "cost": cost}, inputs=p)
    u_grid = dk.utility.net_monetary_benefit(wtp=[5000, 10000, 20000])
    grid = dk.voi.evppi(out, u_grid, "e", method=method)
    for wtp in (5000, 10000, 20000):
        single = dk.voi.evppi(out, dk.utility.net_monetary_benefit(wtp=wtp), "e", method=method)
        assert grid.evppi.loc[float(wtp)] == pytest.approx(single.evppi, rel=1e-9)


def test_check_frame_holds_fitted_and_residuals(out):
    res = dk.voi.evppi(out, None, "p1")
    frame = res.check()
    # incremental NB = p1 - p2 and E[NB | p1] = p1 - 0: residuals estimate -p2 (sd 2)
    assert len(frame) == out.n_draws
    assert np.allclose(frame["response"] - frame["fitted"], frame["residual"])
    assert frame["residual"].std() == pytest.approx(2.0, rel=0.05)
    assert set(frame["action"]) == {"new vs comparator"}


def test_estimates_above_evpi_are_clipped_with_a_warning():
    with pytest.warns(EstimationWarning, match="clipped"):
        clipped = clip_to_bounds(np.array([0.6, -0.1]), np.array([0.5, 0.5]), "EVPPI")
    assert list(clipped) == [0.5, 0.0]


def test_rounding_level_excess_is_not_warned_about():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clipped = clip_to_bounds(np.array([0.5 + 1e-12]), np.array([0.5]), "EVPPI")
    assert clipped[0] == 0.5


def test_summary_names_method_and_parameters(out):
    text = repr(dk.voi.evppi(out, None, "p1", method="so"))
    assert "so" in text and "p1" in text


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        (
            {"parameters": "p9"},
            ValidationError,
            "available parameters are ['p1', 'p2', 'noise', 'const']",
        ),
        (
            {"parameters": "p1", "inputs": pd.DataFrame({"p1": np.ones(10)})},
            ValidationError,
            "have 10 rows but the outcomes have 300 draws",
        ),
        ({"parameters": "const"}, ValidationError, "zero variance"),
        ({"parameters": "p1", "method": "magic"}, ValidationError, "'method' parameter"),
        ({"parameters": ["p1", "p2"], "method": "so"}, ValidationError, "single parameter"),
        (
            {"parameters": "p1", "method": "so", "n_bins": 200},
            ValidationError,
            "needs at least 400",
        ),
        ({"parameters": []}, ValidationError, "'parameters' parameter"),
        ({"parameters": "p1", "random_seed": -1}, ValidationError, "random_seed"),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, error, fragment):
    out = toy(n=300, extra={"const": np.full(300, 3.0)})
    with pytest.raises(error, match=None) as info:
        dk.voi.evppi(out, None, **kwargs)
    assert fragment in str(info.value)


def test_zero_variance_error_explains_why_evppi_is_zero():
    out = toy(n=300, extra={"const": np.full(300, 3.0)})
    with pytest.raises(ValidationError, match="EVPPI is 0 by definition"):
        dk.voi.evppi(out, None, "const")


def test_too_few_draws_for_gam_says_how_many_are_needed():
    out = toy(n=40)
    with pytest.raises(ValidationError, match="needs at least 50 draws, but 40"):
        dk.voi.evppi(out, None, "p1")


def test_missing_inputs_say_how_to_attach_them():
    out = dk.OutcomeDistribution.from_arrays({"nb": np.zeros((100, 2))})
    with pytest.raises(ValidationError, match="inputs=params"):
        dk.voi.evppi(out, None, "p1")


def test_utility_is_required_with_several_metrics():
    out = dk.OutcomeDistribution.from_arrays(
        {"a": np.zeros((100, 2)), "b": np.zeros((100, 2))}, inputs={"p": np.arange(100.0)}
    )
    with pytest.raises(ValidationError, match="metrics are"):
        dk.voi.evppi(out, None, "p")


@pytest.mark.parametrize("method", ["gam", "so", "sadatsafavi"])
def test_three_actions_evppi_matches_closed_form(method):
    # NB = (0, p1, p2), p1 ~ N(0.2, 1), p2 ~ N(0.1, 1): knowing p1 picks max(p1, E p2 = 0.1),
    # so EVPPI(p1) = E[max(0.1, p1)] - 0.2 = 0.1 + 0.1 Phi(0.1) + phi(0.1) - 0.2 (normal
    # max formula). LHS draws; same tolerances as the two-action toy.
    n = 10_000
    rng = np.random.default_rng(8)
    p1 = 0.2 + norm.ppf((rng.permutation(n) + rng.random(n)) / n)
    p2 = 0.1 + norm.ppf((rng.permutation(n) + rng.random(n)) / n)
    out = dk.OutcomeDistribution.from_arrays(
        {"nb": np.column_stack([np.zeros(n), p1, p2])}, inputs={"p1": p1, "p2": p2}
    )
    expected = 0.1 + 0.1 * norm.cdf(0.1) + norm.pdf(0.1) - 0.2
    res = dk.voi.evppi(out, None, "p1", method=method, random_seed=1)
    assert res.evppi == pytest.approx(expected, abs=TOL[method])


def test_n_draws_fit_uses_a_subsample(out):
    res = dk.voi.evppi(out, None, "p2", n_draws_fit=2000, random_seed=1)
    assert res.n_draws == 2000
    assert res.evppi == pytest.approx(EVPPI_P2, abs=0.05)  # MC sd ~0.02 at 2,000 draws


def test_utilities_with_a_unit_dim_are_rejected():
    out = dk.OutcomeDistribution.from_arrays(
        {"nb": np.zeros((100, 2, 3))}, dims=["unit"], inputs={"p": np.arange(100.0)}
    )
    with pytest.raises(ValidationError, match="Reduce extra dims such as 'unit'"):
        dk.voi.evppi(out, None, "p")

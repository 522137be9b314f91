import numpy as np
import pandas as pd
import pytest
from _models import USER_PSA, user_model

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models.cohort import sick_sicker as ss
from decisionkit.report import Scenario, run_scenarios

Beta = type(ss.sick_sicker_parameters().distributions["u_S1"])
Fixed = type(ss.sick_sicker_parameters().distributions["c_D"])
N, SEED, WTP = 40, 7, 100_000


def model(params, within_cycle="simpson"):
    return ss.sick_sicker_model(within_cycle=within_cycle).run(params)


OVERRIDES = {
    "Cheaper A": {"parameters": {"c_trtA": 6000.0}},
    "Utility source B": {"parameters": {"u_S1": Beta.from_counts(100, 45)}},
    "Published weights": {"settings": {"within_cycle": "published"}},
}


@pytest.fixture(scope="module")
def result():
    return run_scenarios(
        model,
        ss.sick_sicker_base_case(),
        ss.sick_sicker_parameters(),
        OVERRIDES,
        n_draws=N,
        random_seed=SEED,
        wtp=WTP,
    )


def _separate(parameters, settings):
    """The same override run by hand: edit the PSA and the base case, sample, run."""
    psa = ss.sick_sicker_parameters()
    dists, base = psa.distributions, ss.sick_sicker_base_case()
    for k, v in parameters.items():
        dists[k] = v if isinstance(v, Beta) else Fixed(v)
        base[k] = v.mean if isinstance(v, Beta) else v
    draws = dk.models.PSA(dists).sample(N, random_seed=SEED)
    psa_run = model(draws, **settings).values
    det_run = model(pd.DataFrame({k: [base[k]] for k in draws.columns}), **settings).values
    return det_run, psa_run


@pytest.mark.parametrize("name", ["Base case", *OVERRIDES])
def test_scenario_equals_a_separate_run_with_its_override(result, name):
    spec = OVERRIDES.get(name, {})
    det, psa = _separate(spec.get("parameters", {}), spec.get("settings", {}))
    for metric in ("cost", "qaly", "life_years"):
        got = result.psa[metric].sel(scenario=name).values
        np.testing.assert_array_equal(got, psa[metric].values)  # exactly, not approximately
        np.testing.assert_array_equal(
            result.deterministic[metric].sel(scenario=name).values, det[metric].values[0]
        )


def test_batched_run_is_identical(result):
    again = run_scenarios(
        model,
        ss.sick_sicker_base_case(),
        ss.sick_sicker_parameters(),
        OVERRIDES,
        n_draws=N,
        random_seed=SEED,
        wtp=WTP,
        batch=True,
    )
    assert again.psa.equals(result.psa)
    assert again.deterministic.equals(result.deterministic)


def test_scenario_dim_flows_through_decide(result):
    dec = dk.decide(result.outcomes, dk.utility.net_monetary_benefit(wtp=WTP))
    assert dec.extra_dims == ("scenario",)
    assert set(dec.best.index) == set(result.scenarios)
    # P(best) per scenario equals decide on that scenario alone
    alone = dk.decide(result.outcomes_for("Cheaper A"), dk.utility.net_monetary_benefit(wtp=WTP))
    summ = result.summary.set_index(["scenario", "strategy"])["prob_ce"]
    for _, row in alone.table.iterrows():
        assert summ.loc[("Cheaper A", row["action"])] == pytest.approx(row["prob_best"])


def test_summary_icer_matches_icer_table_of_deterministic_run(result):
    det, _ = _separate({"c_trtA": 6000.0}, {})
    table = dk.cea.icer_table(det["cost"].values[0], det["qaly"].values[0], result.strategies)
    got = result.summary.query("scenario == 'Cheaper A'").set_index("strategy")
    np.testing.assert_allclose(got["icer"].to_numpy(), table["icer"].to_numpy(), equal_nan=True)


def test_cheaper_treatment_lowers_its_cost_only(result):
    s = result.summary.set_index(["scenario", "strategy"])
    assert s.loc[("Cheaper A", "Strategy A"), "cost"] < s.loc[("Base case", "Strategy A"), "cost"]
    assert s.loc[("Cheaper A", "Strategy B"), "cost"] == s.loc[("Base case", "Strategy B"), "cost"]


def test_cea_of_a_scenario_and_tidy_frame(result):
    ce = result.cea("Published weights", wtp=[0, 50_000, 100_000])
    assert ce.n_draws == N
    frame = result.to_frame()
    assert len(frame) == N * 4 * len(result.scenarios)
    assert {"scenario", "draw", "strategy", "cost", "qaly"} <= set(frame.columns)
    assert "Base case" in repr(result)


@pytest.mark.parametrize(
    ("scenarios", "fragment"),
    [
        ({"Typo": {"parameters": {"c_trtZ": 1.0}}}, "'c_trtZ'"),
        ({"Bad setting": {"settings": {"horizon": 10}}}, "'horizon'"),
        ({"Bad key": {"params": {"c_H": 1.0}}}, "'parameters'"),
        ([Scenario("Base case")], "unique"),
    ],
)
def test_bad_scenarios_name_the_problem(scenarios, fragment):
    with pytest.raises(ValidationError, match=fragment):
        run_scenarios(
            model,
            ss.sick_sicker_base_case(),
            ss.sick_sicker_parameters(),
            scenarios,
            n_draws=5,
            random_seed=1,
            wtp=WTP,
        )


def test_scenario_with_another_setting_in_a_user_function():
    # a two-option user model: cost and effect depend on a parameter and a setting
    res = run_scenarios(
        user_model,
        {},
        USER_PSA,
        {"Double cost": {"settings": {"scale": 2.0}}},
        n_draws=10,
        random_seed=3,
        wtp=1000,
    )
    inc = res.summary.set_index(["scenario", "strategy"])["inc_cost"]
    # closed form: incremental cost = 1000 * p * scale, so doubling scale doubles it
    assert inc.loc[("Double cost", "New")] == pytest.approx(2 * inc.loc[("Base case", "New")])


def test_a_dirichlet_parameter_can_be_replaced_whole():
    from decisionkit.models.cohort.psa import Dirichlet

    psa = dk.models.PSA({"row": Dirichlet([8, 2], names=["p_stay", "p_go"])})

    def m(params):
        go = params["p_go"].to_numpy()
        return dk.OutcomeDistribution.from_arrays(
            {"cost": np.stack([go * 0, 100 * go], 1), "qaly": np.stack([go * 0, go], 1)},
            actions=["A", "B"],
        )

    res = run_scenarios(
        m,
        {},
        psa,
        {"More leave": {"parameters": {"row": Dirichlet([5, 5], names=["p_stay", "p_go"])}}},
        n_draws=20,
        random_seed=4,
        wtp=10,
    )
    det = res.deterministic["qaly"].sel(action="B")
    # deterministic value: the Dirichlet mean, 2/10 in the base case and 5/10 in the scenario
    assert float(det.sel(scenario="Base case")) == pytest.approx(0.2)
    assert float(det.sel(scenario="More leave")) == pytest.approx(0.5)
    with pytest.raises(ValidationError, match="Dirichlet parameter 'row'"):
        run_scenarios(
            m, {}, psa, {"Bad": {"parameters": {"row": 0.3}}}, n_draws=5, random_seed=1, wtp=10
        )

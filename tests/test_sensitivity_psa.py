"""dk.sensitivity.one_way_psa / two_way_psa: dampack's regression metamodel on PSA draws.

The numbers checked here come from closed forms: when a strategy's utility is an exact
polynomial of the parameter(s) of the metamodel's degree, least squares reproduces it, so the
prediction equals the true function. The comparison with dampack itself on its example PSA is
in benchmarks/validate_dampack_owsa.py (agreement to 4e-15 relative).
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import DecisionKitWarning, ValidationError


def _outcomes(nmb: np.ndarray, inputs: pd.DataFrame, actions=("A", "B")):
    # cost 0 and qaly = NMB / wtp, so net_monetary_benefit(wtp=1) is exactly ``nmb``
    return dk.OutcomeDistribution.from_arrays(
        {"qaly": nmb, "cost": np.zeros_like(nmb)}, actions=list(actions), inputs=inputs
    )


@pytest.fixture
def quadratic():
    rng = np.random.default_rng(3)
    p = pd.DataFrame({"x": rng.uniform(0, 2, 500), "y": rng.normal(5, 1, 500)})
    a = 3 + 2 * p["x"] - 5 * p["x"] ** 2  # A depends on x only
    b = 1 - p["y"] + 0.4 * p["y"] ** 2  # B depends on y only
    return _outcomes(np.column_stack([a, b]), p), p


def test_quadratic_truth_is_recovered_exactly(quadratic):
    out, p = quadratic
    res = dk.sensitivity.one_way_psa(out, 1.0)
    f = res.to_frame()
    a_x = f[(f.parameter == "x") & (f.strategy == "A")]
    b_y = f[(f.parameter == "y") & (f.strategy == "B")]
    # closed form: the true functions themselves
    np.testing.assert_allclose(
        a_x.expected_utility, 3 + 2 * a_x.value - 5 * a_x.value**2, atol=1e-9
    )
    np.testing.assert_allclose(b_y.expected_utility, 1 - b_y.value + 0.4 * b_y.value**2, atol=1e-9)
    assert res.r_squared.loc["x", "A"] == pytest.approx(1.0, abs=1e-12)
    assert res.r_squared.loc["y", "B"] == pytest.approx(1.0, abs=1e-12)
    assert res.r_squared.loc["x", "B"] < 0.05  # B does not depend on x
    # default ranges: dampack's 2.5% and 97.5% PSA quantiles, 100 points
    assert res.ranges["x"] == pytest.approx(tuple(np.quantile(p["x"], [0.025, 0.975])))
    assert len(a_x) == 100
    # predict() at any value gives the same function
    v = np.array([0.0, 0.5, 3.0])
    np.testing.assert_allclose(res.predict("x", v)["A"], 3 + 2 * v - 5 * v**2, atol=1e-9)


def test_linear_truth_is_recovered_with_degree_one():
    rng = np.random.default_rng(4)
    p = pd.DataFrame({"cost_drug": rng.gamma(10, 50, 300)})
    nmb = np.column_stack([np.full(300, 400.0), 1000 - 1.5 * p["cost_drug"]])
    res = dk.sensitivity.one_way_psa(_outcomes(nmb, p), 1.0, degree=1, n_points=5)
    f = res.to_frame().query("strategy == 'B'")
    np.testing.assert_allclose(f.expected_utility, 1000 - 1.5 * f.value, atol=1e-9)
    # the optimal strategy switches where 1000 - 1.5 c = 400, c = 400 (closed form)
    assert res.predict("cost_drug", [400.0]).to_numpy()[0] == pytest.approx([400.0, 400.0])


def test_one_way_regresses_on_the_parameter_alone():
    # Full factorial design: y is orthogonal to every function of x in the sample, so the
    # least-squares fit of U = 2 + 3x + 7y^2 on (1, x, x^2) is exactly 2 + 7 mean(y^2) + 3x,
    # the conditional expectation E[U | x] (dampack's formula y ~ poly(x, 2) has x alone).
    # Holding y at its mean instead would give 2 + 7 mean(y)^2 + 3x (4 vs 26/3 here).
    xs, ys = np.linspace(0, 1, 7), np.array([0.0, 1.0, 5.0])
    grid = pd.DataFrame({"x": np.repeat(xs, 3), "y": np.tile(ys, 7)})
    u = 2 + 3 * grid["x"] + 7 * grid["y"] ** 2
    out = _outcomes(np.column_stack([u, np.zeros(21)]), grid)
    res = dk.sensitivity.one_way_psa(out, 1.0, ["x"], ranges={"x": (0, 1)}, n_points=3)
    f = res.to_frame().query("strategy == 'A'")
    np.testing.assert_allclose(f.expected_utility, 2 + 7 * (ys**2).mean() + 3 * f.value, atol=1e-10)


def test_two_way_recovers_a_tensor_polynomial():
    rng = np.random.default_rng(5)
    p = pd.DataFrame({"a": rng.uniform(0, 1, 400), "b": rng.uniform(1, 2, 400), "c": 1.0})

    def truth(a, b):
        return 1 + a - 2 * b + 3 * a * b - a**2 * b**2

    nmb = np.column_stack([truth(p["a"], p["b"]), np.full(400, 0.2)])
    res = dk.sensitivity.two_way_psa(_outcomes(nmb, p), 1.0, "a", "b", n_points=9)
    f = res.to_frame()
    a_rows = f[f.strategy == "A"]
    np.testing.assert_allclose(a_rows.expected_utility, truth(a_rows.x, a_rows.y), atol=1e-9)
    # optimal: A where truth > 0.2, else B (ties to the first)
    best = f[f.optimal].set_index(["x", "y"])["strategy"]
    expect = np.where(truth(a_rows.x, a_rows.y) >= 0.2, "A", "B")
    assert (best.to_numpy() == expect).all()
    grid = res.optimal()
    assert grid.shape == (9, 9) and grid.index.name == "b" and grid.columns.name == "a"
    s = res.summary
    assert s["cells"].sum() == 81 and s.loc[0, "r_squared"] == pytest.approx(1.0)


def test_tornado_and_optimal_tables(quadratic):
    out, _ = quadratic
    res = dk.sensitivity.one_way_psa(out, 1.0)
    t = res.tornado("A")
    row = t.set_index("parameter").loc["x"]
    f = lambda v: 3 + 2 * v - 5 * v**2  # noqa: E731
    assert row.outcome_low == pytest.approx(f(row.low)) and row.outcome_high == pytest.approx(
        f(row.high)
    )
    assert row.base == pytest.approx(out.metric("qaly").sel(action="A").mean())
    assert t["swing"].is_monotonic_decreasing
    inc = res.tornado("A", reference="B").set_index("parameter")
    pa, pb = res.predict("x", [row.low]), res.predict("x", [row.low])
    assert inc.loc["x", "outcome_low"] == pytest.approx(pa["A"].iloc[0] - pb["B"].iloc[0])
    opt = res.optimal()
    assert set(opt.columns) == {"parameter", "strategy", "low", "high"}
    # runs tile each parameter's grid: first low and last high are the range ends
    for p, g in opt.groupby("parameter"):
        assert g["low"].iloc[0] == pytest.approx(res.ranges[p][0])
        assert g["high"].iloc[-1] == pytest.approx(res.ranges[p][1])
    assert list(res.summary.columns) == [
        "parameter",
        "low",
        "high",
        "outcome_low",
        "outcome_high",
        "swing",
        "optimal",
        "r_squared",
    ]
    assert "OneWayPSAResult" in repr(res)


def test_optimal_switches_at_the_closed_form_point():
    rng = np.random.default_rng(6)
    p = pd.DataFrame({"p": rng.permutation(np.linspace(0, 1, 200))})
    nmb = np.column_stack([p["p"], np.full(200, 0.5)])  # A better when p > 0.5
    res = dk.sensitivity.one_way_psa(_outcomes(nmb, p), 1.0, ranges={"p": (0, 1)}, n_points=100)
    opt = res.optimal()
    assert list(opt["strategy"]) == ["B", "A"]
    # grid k/99: the last value below the switch at 0.5 is 49/99, the first above 50/99
    assert opt["high"].iloc[0] == pytest.approx(49 / 99) and opt["low"].iloc[1] == pytest.approx(
        50 / 99
    )


def test_number_is_net_monetary_benefit_and_strategies_subset():
    rng = np.random.default_rng(7)
    p = pd.DataFrame({"k": rng.normal(0, 1, 100)})
    out = dk.OutcomeDistribution.from_arrays(
        {"qaly": rng.normal(1, 0.1, (100, 3)), "cost": rng.normal(10, 1, (100, 3))},
        actions=["A", "B", "C"],
        inputs=p,
    )
    u = dk.utility.net_monetary_benefit(wtp=20.0)
    r1, r2 = dk.sensitivity.one_way_psa(out, 20.0), dk.sensitivity.one_way_psa(out, u)
    pd.testing.assert_frame_equal(r1.to_frame(), r2.to_frame())
    sub = dk.sensitivity.one_way_psa(out, u, strategies=["C", "A"])
    assert sub.strategies == ["C", "A"]
    pd.testing.assert_frame_equal(
        sub.to_frame().query("strategy == 'A'").reset_index(drop=True),
        r1.to_frame().query("strategy == 'A'").reset_index(drop=True),
    )


@pytest.fixture
def small():
    rng = np.random.default_rng(8)
    p = pd.DataFrame({"x": rng.normal(0, 1, 50), "flat": 2.0, "coin": rng.integers(0, 2, 50)})
    return _outcomes(rng.normal(0, 1, (50, 2)), p), p


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["flat"]), "'flat' has no variation"),
        (lambda o: dk.sensitivity.two_way_psa(o, 1.0, "x", "flat"), "'flat' has no variation"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["nope"]), r"\['nope'\] are not among"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"], strategies=["A", "Z"]), "strategies"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"]).tornado("Z"), "'strategy'"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"]).tornado("A", "A"), "'reference'"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["coin"]), "too few distinct values"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"], degree=0), "'degree'"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"], ranges={"y": (0, 1)}), "'ranges'"),
        (lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"], ranges={"x": (1, 0)}), "low < high"),
        (lambda o: dk.sensitivity.two_way_psa(o, 1.0, "x", "x"), "'param_y'"),
        (
            lambda o: dk.sensitivity.one_way_psa(
                o, dk.utility.net_monetary_benefit(wtp=[1.0, 2.0]), ["x"]
            ),
            "one willingness to pay",
        ),
    ],
)
def test_bad_input_gives_clear_errors(small, call, match):
    out, _ = small
    with pytest.raises(ValidationError, match=match):
        call(out)


def test_outcomes_without_inputs_say_how_to_attach_them():
    out = dk.OutcomeDistribution.from_arrays({"qaly": np.ones((5, 2)), "cost": np.ones((5, 2))})
    with pytest.raises(ValidationError, match="inputs=params"):
        dk.sensitivity.one_way_psa(out, 1.0)


def test_range_beyond_the_draws_warns_and_data_is_untouched(small):
    out, p = small
    before = p.copy()
    with pytest.warns(DecisionKitWarning, match="extrapolates"):
        dk.sensitivity.one_way_psa(out, 1.0, ["x"], ranges={"x": (-50, 50)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dk.sensitivity.one_way_psa(out, 1.0, ["x"], inputs=p[["x"]])
    pd.testing.assert_frame_equal(p, before)


def test_default_parameters_skip_constant_inputs(small):
    out, p = small
    res = dk.sensitivity.one_way_psa(out, 1.0, inputs=p[["x", "flat"]])
    assert res.parameters == ["x"]
    with pytest.raises(ValidationError, match="none of the inputs"):
        dk.sensitivity.one_way_psa(out, 1.0, inputs=p[["flat"]])


# Issue 12: every error names the public function the user called, by its public path.
@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"], degree=0),
            "The 'degree' parameter of sensitivity.one_way_psa must be an integer >= 1 and <= 5",
        ),
        (
            lambda o: dk.sensitivity.two_way_psa(o, 1.0, "x", "x", n_points=1.5),
            "The 'n_points' parameter of sensitivity.two_way_psa must be an integer >= 2",
        ),
        (
            lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["nope"]),
            "sensitivity.one_way_psa: parameter(s) ['nope'] are not among the inputs",
        ),
        (
            lambda o: dk.sensitivity.two_way_psa(o, 1.0, "x", "flat"),
            "sensitivity.two_way_psa: parameter 'flat' has no variation",
        ),
        (
            lambda o: dk.sensitivity.two_way_psa(o, 1.0, "x", "coin", degree=3),
            "sensitivity.two_way_psa: the degree-3 metamodel of ['x', 'coin'] cannot be fitted",
        ),
        (
            lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"], strategies=["A", "Z"]),
            "The 'strategies' parameter of sensitivity.one_way_psa must be at least two",
        ),
        (
            lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"]).predict("y", [0.0]),
            "The 'parameter' parameter of OneWayPSAResult.predict must be one of ['x']",
        ),
        (
            lambda o: dk.sensitivity.one_way_psa(o, 1.0, ["x"]).tornado("A", "A"),
            "The 'reference' parameter of OneWayPSAResult.tornado must be a strategy other",
        ),
    ],
)
def test_errors_name_the_public_function(small, call, fragment):
    out, _ = small
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        call(out)


def test_extrapolation_warning_names_the_function_and_points_at_the_call(small):
    out, _ = small
    with pytest.warns(DecisionKitWarning, match="^sensitivity.one_way_psa: the range") as rec:
        dk.sensitivity.one_way_psa(out, 1.0, ["x"], ranges={"x": (-50, 50)})
    assert rec[0].filename == __file__  # stacklevel reaches past @validate_params

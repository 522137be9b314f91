import numpy as np
import pandas as pd
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError


@pytest.fixture
def two_metric():
    rng = np.random.default_rng(3)
    return dk.OutcomeDistribution.from_arrays(
        {"cost": rng.normal(1000, 50, (200, 3)), "qaly": rng.normal(1, 0.1, (200, 3))},
        actions=["A", "B", "C"],
        inputs=pd.DataFrame({"p": rng.uniform(size=200), "k": rng.integers(0, 5, 200)}),
    )


def test_from_arrays_exposes_labels_and_sizes(two_metric):
    assert two_metric.actions == ["A", "B", "C"]
    assert two_metric.metrics == ["cost", "qaly"]
    assert two_metric.n_draws == 200
    assert two_metric.n_actions == 3
    assert list(two_metric.inputs.columns) == ["p", "k"]


def test_from_arrays_does_not_alias_user_arrays():
    arr = np.ones((5, 2))
    out = dk.OutcomeDistribution.from_arrays({"x": arr})
    arr[:] = 7.0  # changing the user's array afterwards does not reach the distribution
    assert out["x"].values.max() == 1.0
    with pytest.raises(ValueError, match="read-only"):
        out.data["x"].values[0, 0] = 3.0


def test_extra_dims_are_kept():
    out = dk.OutcomeDistribution.from_arrays(
        {"x": np.zeros((4, 2, 3))}, dims=["unit"], coords={"unit": ["a", "b", "c"]}
    )
    assert out.extra_dims == ["unit"]
    assert list(out["x"].unit.values) == ["a", "b", "c"]


def test_long_and_wide_frames_give_the_same_distribution(two_metric):
    long = two_metric.to_frame()
    from_long = dk.OutcomeDistribution.from_dataframe(long)
    assert np.array_equal(from_long["cost"].values, two_metric["cost"].values)
    wide = pd.DataFrame(
        {f"{m}:{a}": two_metric[m].sel(action=a).values for m in ["cost", "qaly"] for a in "ABC"}
    )
    from_wide = dk.OutcomeDistribution.from_dataframe(wide)
    assert from_wide.actions == ["A", "B", "C"]
    assert np.array_equal(from_wide["qaly"].values, two_metric["qaly"].values)


def test_wide_frame_with_action_columns_is_one_metric():
    df = pd.DataFrame({"SoC": [1.0, 2.0, 3.0], "Novel": [2.0, 2.5, 1.0]})
    out = dk.OutcomeDistribution.from_dataframe(df, metric="nb")
    assert out.metrics == ["nb"]
    assert out.actions == ["SoC", "Novel"]


def test_long_frame_without_draw_column_numbers_rows_within_action():
    df = pd.DataFrame({"action": ["a", "b", "a", "b"], "y": [1.0, 2.0, 3.0, 4.0]})
    out = dk.OutcomeDistribution.from_dataframe(df)
    assert out["y"].sel(action="a").values.tolist() == [1.0, 3.0]


def test_from_posterior_stacks_chain_and_draw():
    post = xr.Dataset(
        {
            "p_a": (("chain", "draw"), np.arange(6.0).reshape(2, 3)),
            "p_b": (("chain", "draw"), np.arange(6.0).reshape(2, 3) * 10),
            "theta": (("chain", "draw", "arm"), np.arange(12.0).reshape(2, 3, 2)),
        },
        coords={"chain": [0, 1], "draw": [0, 1, 2], "arm": ["x", "y"]},
    )
    tree = xr.DataTree.from_dict({"posterior": post})
    out = dk.OutcomeDistribution.from_posterior(
        tree, {"risk": {"A": "p_a", "B": "p_b"}}, inputs=["p_a"]
    )
    assert out.n_draws == 6
    assert out["risk"].sel(action="B").values.tolist() == [0, 10, 20, 30, 40, 50]
    assert out.inputs["p_a"].tolist() == [0, 1, 2, 3, 4, 5]
    by_dim = dk.OutcomeDistribution.from_posterior(tree, {"t": "theta"}, action_dim="arm")
    assert by_dim.actions == ["x", "y"]
    assert by_dim["t"].sel(action="y").values.tolist() == [1, 3, 5, 7, 9, 11]


def test_summaries_are_tidy(two_metric):
    s = two_metric.summary(prob=0.9)
    assert list(s.columns) == ["metric", "action", "mean", "sd", "lower", "upper"]
    assert len(s) == 6
    row = s[(s.metric == "cost") & (s.action == "B")].iloc[0]
    draws = two_metric["cost"].sel(action="B").values
    assert row["mean"] == pytest.approx(draws.mean())
    assert row["upper"] == pytest.approx(np.quantile(draws, 0.95))


def test_sel_actions_keeps_order_and_inputs(two_metric):
    sub = two_metric.sel_actions(["C", "A"])
    assert sub.actions == ["C", "A"]
    assert sub.inputs.equals(two_metric.inputs)


def test_netcdf_round_trip_is_exact_with_inputs(tmp_path, two_metric):
    path = two_metric.to_netcdf(tmp_path / "out.nc")
    back = dk.OutcomeDistribution.from_netcdf(path)
    assert back == two_metric
    assert back.inputs.dtypes.tolist() == two_metric.inputs.dtypes.tolist()


def test_netcdf_round_trip_without_inputs(tmp_path):
    out = dk.OutcomeDistribution.from_arrays({"x": np.random.default_rng(0).normal(size=(9, 2))})
    assert dk.OutcomeDistribution.from_netcdf(out.to_netcdf(tmp_path / "x.nc")) == out
    assert not out.has_inputs


def test_has_inputs_says_whether_parameter_draws_are_attached(two_metric):
    assert two_metric.has_inputs and two_metric.inputs is not None


def _nan():
    a = np.ones((10, 2))
    a[[1, 4], 0] = np.nan
    a[2, 1] = np.inf
    return a


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"metrics": {"cost": _nan()}}, ValidationError, "Metric 'cost' holds 3 non-finite"),
        (
            {"metrics": {"a": np.ones((5, 2)), "b": np.ones((4, 2))}},
            ValidationError,
            "same shape",
        ),
        ({"metrics": {"a": np.ones((5, 2))}, "actions": ["x", "x"]}, ValidationError, "unique"),
        ({"metrics": {"a": np.ones((1, 2))}}, ValidationError, "at least 2 draws"),
        ({"metrics": {"a": np.ones(5)}}, ValidationError, "at least 2-D"),
        ({"metrics": {"a": np.ones((5, 2))}, "actions": ["x"]}, ValidationError, "2 columns"),
        (
            {"metrics": {"a": np.ones((5, 2))}, "inputs": pd.DataFrame({"p": range(4)})},
            ValidationError,
            "inputs has 4 rows but the outcomes have 5 draws",
        ),
        ({"metrics": {"a": np.array([["x", "y"], ["z", "w"]])}}, ValidationError, "numeric"),
        ({"metrics": {}}, ValidationError, "non-empty dict"),
    ],
)
def test_from_arrays_rejects_bad_input(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        dk.OutcomeDistribution.from_arrays(**kwargs)


def test_unknown_metric_lists_available(two_metric):
    with pytest.raises(ValidationError, match=r"available metrics are \['cost', 'qaly'\]"):
        two_metric["qalys"]


@pytest.mark.parametrize(
    ("df", "fragment"),
    [
        (pd.DataFrame(), "empty"),
        (pd.DataFrame({"action": ["a", "a"], "y": [1.0, 2.0], "draw": [0, 0]}), "duplicated"),
        (pd.DataFrame({"action": ["a", "b", "a"], "y": [1.0, 2.0, 3.0]}), "same draws"),
        (pd.DataFrame({"action": ["a", "b"], "y": ["p", "q"]}), "not numeric"),
    ],
)
def test_from_dataframe_rejects_bad_frames(df, fragment):
    with pytest.raises(ValidationError, match=fragment):
        dk.OutcomeDistribution.from_dataframe(df)


def test_repr_is_readable(two_metric):
    text = repr(two_metric)
    assert "draws: 200" in text and "2 parameters" in text


# -- every parameter error names the public function the user called (issue 12) -------------
def _long_frame(n: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {"action": ["A", "B"] * n, "draw": np.repeat(np.arange(n), 2), "cost": np.arange(2.0 * n)}
    )


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (
            lambda o: dk.OutcomeDistribution(5),
            TypeError,
            "'data' parameter of OutcomeDistribution ",
        ),
        (
            lambda o: dk.OutcomeDistribution.from_arrays({"x": np.ones((3, 2, 2))}, dims=[]),
            ValidationError,
            "The 'dims' parameter of OutcomeDistribution.from_arrays must be 1 name(s)",
        ),
        (
            lambda o: dk.OutcomeDistribution.from_arrays({"x": np.ones((3, 2))}, copy="no"),
            ValidationError,
            "The 'copy' parameter of OutcomeDistribution.from_arrays must be True or False.",
        ),
        (
            lambda o: dk.OutcomeDistribution.from_dataframe(_long_frame(), layout="tall"),
            ValidationError,
            "The 'layout' parameter of OutcomeDistribution.from_dataframe must be one of 'auto'",
        ),
        (
            lambda o: dk.OutcomeDistribution.from_dataframe(pd.concat([_long_frame()] * 2)),
            ValidationError,
            "OutcomeDistribution.from_dataframe: 8 duplicated (draw, action) row(s)",
        ),
        (
            # from_dataframe hands the arrays to from_arrays: the user called from_dataframe
            lambda o: dk.OutcomeDistribution.from_dataframe(
                _long_frame(), inputs=pd.DataFrame({"p": [1.0]})
            ),
            ValidationError,
            "OutcomeDistribution.from_dataframe: inputs has 1 rows but the outcomes have 4",
        ),
        (
            lambda o: dk.OutcomeDistribution.from_posterior(5, {"cost": "c"}),
            ValidationError,
            "The 'idata' parameter of OutcomeDistribution.from_posterior must be",
        ),
        (
            lambda o: o.sel_actions("A"),
            ValidationError,
            "The 'actions' parameter of OutcomeDistribution.sel_actions must be a list",
        ),
        (
            lambda o: o.interval(prob=1.5),
            ValidationError,
            "The 'prob' parameter of OutcomeDistribution.interval must be a number > 0 and < 1",
        ),
        (
            lambda o: o.summary(prob=0),
            ValidationError,
            "The 'prob' parameter of OutcomeDistribution.summary must be a number > 0 and < 1",
        ),
    ],
)
def test_errors_name_the_public_function(two_metric, call, error, fragment):
    with pytest.raises(error) as info:
        call(two_metric)
    assert fragment in str(info.value)

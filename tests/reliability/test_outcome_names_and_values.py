"""Issue 18 items 3, 12, 16: what OutcomeDistribution refuses at build time, and why."""

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError

RNG = np.random.default_rng(0)
COST = RNG.normal(size=(10, 2))


def _build(**kwargs):
    args = {"metrics": {"cost": COST}, "actions": ["A", "B"]} | kwargs
    return dk.OutcomeDistribution.from_arrays(**args)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"inputs": pd.DataFrame({"draw": np.arange(10.0)})}, "reserved"),  # vanished in netCDF
        ({"inputs": pd.DataFrame({"a/b": np.arange(10.0)})}, "contains '/'"),
        ({"inputs": pd.DataFrame({"p": pd.Categorical(["x", "y"] * 5)})}, "not numeric"),
        ({"inputs": pd.DataFrame({"p": pd.array([1, None] * 5, dtype="Int64")})}, "missing"),
        ({"inputs": pd.DataFrame({"p": ["1"] * 10})}, "not numeric"),
        ({"actions": ["A", "B\x00"]}, "printable characters"),
        ({"metrics": {"draw": COST}}, "reserved"),
        ({"metrics": {"cost\x00": COST}}, "printable characters"),
        ({"metrics": {"cost": np.empty((10, 0))}, "actions": []}, "no actions"),
    ],
)
def test_unrepresentable_or_reserved_names_and_inputs_are_refused(kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        _build(**kwargs)


def test_nullable_integer_inputs_without_missing_values_are_kept_as_numbers():
    inputs = pd.DataFrame({"p": pd.array(range(10), dtype="Int64")})
    out = _build(inputs=inputs)
    assert out.inputs["p"].tolist() == list(range(10))
    assert out.inputs["p"].dtype == np.int64


def test_a_masked_array_with_masked_values_is_refused():
    # issue 18 item 12: the mask was dropped and a masked 1e9 changed the recommendation
    masked = np.ma.masked_greater(np.where(np.eye(10, 2) > 0, 1e9, COST), 1e8)
    with pytest.raises(ValidationError, match="masked array with 2 masked value"):
        _build(metrics={"cost": masked})


def test_a_masked_array_without_masked_values_is_read_as_its_data():
    out = _build(metrics={"cost": np.ma.masked_array(COST, mask=False)})
    np.testing.assert_array_equal(out["cost"].values, COST)


def test_sel_actions_with_no_action_is_refused():
    with pytest.raises(ValidationError, match="at least one action"):
        _build().sel_actions([])


@pytest.mark.parametrize(
    ("frame", "kwargs", "fragment"),
    [
        (pd.DataFrame([[1.0, 2.0]] * 3, columns=[1, "1"]), {}, "more than once"),
        (
            pd.DataFrame({"draw": [0, 1, 2], "cost:A": [1.0, 2, 3], "cost:B": [1.0, 2, 3]}),
            {"layout": "wide"},
            "'draw' column",
        ),
        (
            pd.DataFrame({"cost:A": [1.0, 2], "cost:B": [1.0, 2], "p_resp": [0.1, 0.2]}),
            {},
            r"\['p_resp'\] is not",
        ),
    ],
)
def test_ambiguous_frames_are_refused_not_guessed(frame, kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        dk.OutcomeDistribution.from_dataframe(frame, **kwargs)


@pytest.mark.parametrize("name", ["Drug A (10 mg/day)", "é ünïcode ✓", "None", "NA", "01", " x "])
def test_printable_action_names_round_trip_through_netcdf(tmp_path, name):
    out = _build(actions=[name, "other"])
    back = dk.OutcomeDistribution.from_netcdf(out.to_netcdf(tmp_path / "o.nc"))
    assert back == out


def test_policy_json_with_missing_keys_is_a_validation_error():
    import json

    from decisionkit.scale import Policy

    rng = np.random.default_rng(0)
    pol = Policy(
        rng.normal(size=5), rng.normal(size=(5, 1)), feature_names=["x"], benefit=1.0, harm=0.2
    )
    obj = json.loads(pol.to_json())
    del obj["coef"]
    with pytest.raises(ValidationError, match=r"lacks the key\(s\) \['coef'\]"):
        Policy.from_json(json.dumps(obj))
    assert Policy.from_json(pol.to_json()) == pol


def test_decision_curve_accepts_thresholds_a_denormal_apart():
    # issue 18 item 16: thresholds [0, 5e-324] raised OverflowError while sizing a lookup table
    import warnings

    y = np.array([0, 1, 0, 1, 1, 0])
    r = np.array([0.1, 0.8, 0.3, 0.6, 0.7, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow on the way
        dc = dk.threshold.decision_curve(y, {"m": r}, thresholds=[0, 5e-324])
    nb = dc.to_frame().query("model == 'm'")["net_benefit"].to_numpy()
    # closed form at pt ~ 0: every patient has risk > 0, so all are treated: NB = prevalence
    np.testing.assert_allclose(nb, [0.5, 0.5])


def test_evppi_with_a_text_parameter_column_is_a_validation_error():
    rng = np.random.default_rng(0)
    out = dk.OutcomeDistribution.from_arrays({"nb": rng.normal(size=(200, 2))})
    inputs = pd.DataFrame({"arm": ["x", "y"] * 100})
    with pytest.raises(ValidationError, match=r"\['arm'\] are not numeric"):
        dk.voi.evppi(out, dk.utility.linear({"nb": 1}), ["arm"], inputs=inputs)


def test_a_file_that_is_not_netcdf_is_a_validation_error(tmp_path):
    bad = tmp_path / "notes.nc"
    bad.write_text("not a netCDF file")
    with pytest.raises(ValidationError, match="is not an OutcomeDistribution netCDF file"):
        dk.OutcomeDistribution.from_netcdf(bad)


def test_sel_actions_with_a_bare_string_is_refused_not_split_into_letters():
    with pytest.raises(ValidationError, match=r"For one action pass \['AB'\]"):
        _build().sel_actions("AB")

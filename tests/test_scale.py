"""Tests of decisionkit.scale: Policy (in memory and chunked) and exact PSA summaries."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.scale import Policy, psa_summary

FEATURES = ["age", "sbp", "chol"]


def make_policy(n_draws: int = 200, seed: int = 0, **spec) -> Policy:
    rng = np.random.default_rng(seed)
    spec = spec or {"benefit": 1.0, "harm": 0.25}
    return Policy(
        rng.normal(-1.0, 0.2, n_draws),
        rng.normal(0.6, 0.2, (n_draws, len(FEATURES))),
        feature_names=FEATURES,
        means=[60.0, 130.0, 5.0],
        scales=[10.0, 15.0, 1.0],
        **spec,
    )


def make_patients(n: int = 1000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "age": rng.normal(60, 10, n),
            "sbp": rng.normal(130, 15, n),
            "chol": rng.normal(5, 1, n),
            "other": rng.integers(0, 5, n),
        }
    )
    df.index = pd.Index([f"p{i}" for i in range(n)], name="patient")
    return df


def assert_bit_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert a.index.equals(b.index)
    assert list(a.columns) == list(b.columns)
    assert (a["recommended"].astype(str) == b["recommended"].astype(str)).all()
    for c in a.columns[1:]:
        assert np.array_equal(a[c].to_numpy(), b[c].to_numpy()), c


# ---------------------------------------------------------------- Policy: results
def test_apply_matches_closed_form_expected_utility():
    # closed form: with risk draws p_id, E[U_treat] = B*mean(p) - H*(1-mean(p)), E[U_none] = 0
    pol = make_policy()
    df = make_patients(50)
    z = (df[FEATURES].to_numpy() - pol.means) / pol.scales
    p = 1 / (1 + np.exp(-(pol.intercept_draws[None, :] + z @ pol.coef_draws.T)))
    res = pol.apply(df)
    expected = 1.0 * p.mean(axis=1) - 0.25 * (1 - p.mean(axis=1))
    np.testing.assert_allclose(res["expected_utility[Treat]"], expected, rtol=1e-12, atol=1e-14)
    assert (res["expected_utility[No treatment]"] == 0).all()


def test_apply_recommends_treat_above_decision_curve_threshold():
    # Vickers & Elkin (2006): treat iff risk > H / (B + H) = 0.2 for B=1, H=0.25
    pol = make_policy()
    df = make_patients(300)
    z = (df[FEATURES].to_numpy() - pol.means) / pol.scales
    p = 1 / (1 + np.exp(-(pol.intercept_draws[None, :] + z @ pol.coef_draws.T)))
    res = pol.apply(df)
    mean_p = p.mean(axis=1)
    clear = np.abs(mean_p - 0.2) > 1e-9
    treat = (res["recommended"] == "Treat").to_numpy()
    assert np.array_equal(treat[clear], (mean_p > 0.2)[clear])


def test_prob_best_is_share_of_draws_where_recommended_is_best():
    # definition: fraction of draws with U_treat > U_none (i.e. p_d > 0.2) for "Treat"
    pol = make_policy()
    df = make_patients(100)
    z = (df[FEATURES].to_numpy() - pol.means) / pol.scales
    p = 1 / (1 + np.exp(-(pol.intercept_draws[None, :] + z @ pol.coef_draws.T)))
    res = pol.apply(df)
    share_treat = (1.0 * p - 0.25 * (1 - p) > 0).mean(axis=1)
    expected = np.where(res["recommended"] == "Treat", share_treat, 1 - share_treat)
    np.testing.assert_allclose(res["prob_best"], expected, atol=1e-12)


def test_general_spec_with_relative_risk_and_cost():
    # U_a = uE_a * rr_a p + uN_a (1 - rr_a p) - c_a, averaged over draws (closed form)
    spec = {
        "actions": ["None", "Drug", "Surgery"],
        "u_event": [-10.0, -10.0, -10.0],
        "u_noevent": [0.0, 0.0, -0.5],
        "cost": [0.0, 0.3, 1.0],
        "relative_risk": [1.0, 0.7, 0.4],
    }
    pol = make_policy(**spec)
    df = make_patients(40)
    p = pol.risk_draws(df[FEATURES].to_numpy())
    res = pol.apply(df)
    for a, ue, un, c, rr in zip(*spec.values(), strict=True):
        u = ue * rr * p + un * (1 - rr * p) - c
        np.testing.assert_allclose(res[f"expected_utility[{a}]"], u.mean(axis=1), rtol=1e-12)
    eu = res[[f"expected_utility[{a}]" for a in spec["actions"]]].to_numpy()
    assert (
        res["recommended"].astype(str).to_numpy() == np.array(spec["actions"])[eu.argmax(axis=1)]
    ).all()


def test_prob_best_shares_ties_equally():
    # identical actions tie in every draw, so each is best in half of them (as in decide())
    pol = make_policy(actions=["A", "B"], u_event=[1.0, 1.0], u_noevent=[0.0, 0.0])
    res = pol.apply(make_patients(5))
    assert (res["prob_best"] == 0.5).all()
    assert (res["recommended"] == "A").all()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_overflowing_utilities_raise_the_kernels_error():
    # u_event - u_noevent overflows float64, so every treated utility is -inf: the tiles are
    # refused and the policy's utility arrays get the kernel's usual message
    pol = make_policy(
        actions=["No treatment", "Treat"],
        u_event=[-1e308, -1e308],
        u_noevent=[1e308, 1e308],
        cost=[0.0, 0.0],
        relative_risk=[1.0, 0.5],
    )
    with pytest.raises(ValidationError, match=r"policy's utility draws .*non-finite"):
        pol.apply(make_patients(10))


def test_apply_preserves_index_and_row_count():
    df = make_patients(123).iloc[::-1]
    res = make_policy().apply(df)
    assert res.index.equals(df.index)
    assert list(res.columns) == [
        "recommended",
        "expected_utility[No treatment]",
        "expected_utility[Treat]",
        "prob_best",
    ]


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 999, 1000])
def test_chunked_apply_is_bit_identical_to_in_memory(chunk_size):
    pol, df = make_policy(), make_patients(1000)
    whole = pol.apply(df, chunk_size=len(df))
    assert_bit_identical(pol.apply(df, chunk_size=chunk_size), whole)


def test_patient_result_does_not_depend_on_its_neighbours():
    # a patient's row computed alone equals its row within the full frame, bit for bit
    pol, df = make_policy(), make_patients(257)
    whole = pol.apply(df)
    for i in (0, 100, 256):
        assert_bit_identical(pol.apply(df.iloc[[i]]), whole.iloc[[i]])


def test_on_progress_reports_done_and_total_per_chunk():
    calls = []
    make_policy().apply(
        make_patients(10), chunk_size=4, on_progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(4, 10), (8, 10), (10, 10)]


def test_integer_columns_are_accepted():
    df = make_patients(20)
    df["age"] = df["age"].round().astype("int64")
    res = make_policy().apply(df)
    assert len(res) == 20


def test_empty_frame_gives_empty_result():
    res = make_policy().apply(make_patients(0))
    assert len(res) == 0
    assert res.columns[0] == "recommended"


# ---------------------------------------------------------------- Policy: bad input
def _drop_chol(df):
    return df.drop(columns="chol")


def _string_sbp(df):
    return df.assign(sbp=df["sbp"].astype(str))


def _nan_age(df):
    df = df.copy()
    df.iloc[3, 0] = np.nan
    return df


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (_drop_chol, "['chol'] of the policy are missing"),
        (_string_sbp, "'sbp' must be numeric"),
        (_nan_age, "'age' holds 1 missing"),
    ],
)
def test_bad_patient_data_raises_naming_the_column(mutate, fragment):
    with pytest.raises(ValidationError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        make_policy().apply(mutate(make_patients(10)))


GENERAL = {"benefit": None, "harm": None}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"coef_draws": np.zeros((5, 3))}, "one row per intercept draw"),
        ({"feature_names": ["a", "b"]}, "3 names"),
        ({"scales": [1.0, 0.0, 1.0]}, "positive numbers"),
        ({"means": [1.0, 2.0]}, "one number per feature"),
        ({"intercept_draws": [np.nan] * 10}, "non-finite"),
        ({"benefit": 1.0, "harm": None}, "both benefit and harm"),
        ({"benefit": -1.0, "harm": 1.0}, "'benefit' parameter of Policy"),
        ({"benefit": None, "harm": None}, "needs a utility spec"),
        (
            {**GENERAL, "u_event": [0, 1], "u_noevent": [0, 0], "relative_risk": [1, 1.5]},
            "in [0, 1]",
        ),
        ({**GENERAL, "u_event": [0, 1, 2], "u_noevent": [0, 0, 0]}, "one number per action"),
        ({"benefit": 1.0, "harm": 1.0, "cost": [0, 1]}, "not both"),
    ],
)
def test_bad_policy_arguments_raise(kwargs, fragment):
    args = {
        "intercept_draws": np.zeros(10),
        "coef_draws": np.zeros((10, 3)),
        "feature_names": FEATURES,
        "benefit": 1.0,
        "harm": 0.5,
    }
    args.update(kwargs)
    args = {k: v for k, v in args.items() if v is not None}
    a, c = args.pop("intercept_draws"), args.pop("coef_draws")
    with pytest.raises(ValidationError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        Policy(a, c, **args)


def test_bad_chunk_size_raises():
    with pytest.raises(ValidationError, match="'chunk_size' parameter"):
        make_policy().apply(make_patients(5), chunk_size=0)


def test_policy_arrays_are_read_only():
    pol = make_policy()
    with pytest.raises(ValueError, match="read-only"):
        pol.coef_draws[0, 0] = 1.0


# ---------------------------------------------------------------- serialisation
def test_netcdf_round_trip_is_exact(tmp_path):
    pol = make_policy(actions=["a", "b", "c"], u_event=[0.1, 0.2, 1 / 3], u_noevent=[0, 0, 0])
    back = Policy.from_netcdf(pol.to_netcdf(tmp_path / "policy.nc"))
    assert back == pol
    assert np.array_equal(back.coef_draws, pol.coef_draws)


def test_json_round_trip_is_exact():
    pol = make_policy(n_draws=20)
    text = pol.to_json()
    back = Policy.from_json(text)
    assert back == pol
    assert json.loads(text)["format"] == "decisionkit.Policy"
    df = make_patients(30)
    assert_bit_identical(back.apply(df), pol.apply(df))


def test_from_json_rejects_other_text():
    with pytest.raises(
        ValidationError, match=r"^Policy\.from_json needs text written by Policy\.to_json"
    ):
        Policy.from_json('{"a": 1}')


def test_from_netcdf_rejects_other_files(tmp_path):
    import xarray as xr

    path = tmp_path / "x.nc"
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(ValidationError, match=r"not a decisionkit Policy file"):
        Policy.from_netcdf(path)


def test_policy_pickles_for_workers():
    import pickle

    pol = make_policy()
    assert pickle.loads(pickle.dumps(pol)) == pol


# ---------------------------------------------------------------- from_model
class FakeRiskModel:
    """Implements the duck-typed contract of Policy.from_model."""

    feature_names_in_ = np.array(FEATURES, dtype=object)
    means_ = np.array([60.0, 130.0, 5.0])
    scales_ = np.array([10.0, 15.0, 1.0])

    def posterior_draws(self, *, scale="standardised"):
        assert scale == "standardised"
        rng = np.random.default_rng(0)
        return rng.normal(-1.0, 0.2, 200), rng.normal(0.6, 0.2, (200, 3))


def test_from_model_reads_the_duck_typed_contract():
    pol = Policy.from_model(FakeRiskModel(), benefit=1.0, harm=0.25)
    assert pol == make_policy()


def test_from_model_rejects_unfitted_objects():
    with pytest.raises(ValidationError, match="posterior_draws"):
        Policy.from_model(object(), benefit=1.0, harm=0.25)


# ---------------------------------------------------------------- exact sums and PSA
def test_exact_column_sums_equal_the_rational_sum():
    # reference: Python's Fraction arithmetic (exact) on floats spanning 600 orders of magnitude
    from fractions import Fraction

    from decisionkit.scale._exact import SCALE_BITS, exact_column_sums

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)) * 10.0 ** rng.integers(-300, 300, (400, 2))
    x = np.vstack([x, [[1e308, 5e-324], [-1e308, -1e-320]]])
    sums = exact_column_sums(x)
    for j in range(2):
        assert Fraction(sums[j], 2**SCALE_BITS) == sum(Fraction(v) for v in x[:, j])


def test_exact_column_sums_merge_across_any_split():
    from decisionkit.scale._exact import exact_column_sums

    x = np.random.default_rng(1).normal(size=(1001, 3)) * 1e6
    whole = exact_column_sums(x)
    parts = [exact_column_sums(x[:17]), exact_column_sums(x[17:600]), exact_column_sums(x[600:])]
    assert [sum(p[j] for p in parts) for j in range(3)] == whole


def test_exact_mean_is_the_correctly_rounded_fsum_mean():
    # math.fsum gives the correctly rounded sum; dividing exactly by n can round once more,
    # so compare against the Fraction mean (exact), which to_float rounds correctly
    import math
    from fractions import Fraction

    from decisionkit.scale._exact import exact_column_sums, to_float

    x = np.random.default_rng(2).normal(size=(999, 1))
    (s,) = exact_column_sums(x)
    assert to_float(s, 999) == float(sum(Fraction(v) for v in x[:, 0]) / 999)
    assert abs(to_float(s, 999) - math.fsum(x[:, 0]) / 999) <= 1e-16


def _cea_outcomes(n=4000, seed=0):
    import decisionkit as dk

    rng = np.random.default_rng(seed)
    e0, d = rng.normal(5, 1, n), rng.normal(0.2, 0.1, n)
    qaly = np.stack([e0, e0 + d], axis=1)
    cost = np.stack([rng.normal(1e4, 1e3, n), rng.normal(1.5e4, 1e3, n)], axis=1)
    return dk.OutcomeDistribution.from_arrays({"qaly": qaly, "cost": cost}, actions=["A", "B"])


def test_psa_summary_matches_decide():
    import decisionkit as dk
    from decisionkit.scale import psa_summary

    out = _cea_outcomes()
    wtp = [10_000.0, 25_000.0, 50_000.0]
    res = psa_summary(out, wtp=wtp)
    dec = dk.decide(out, dk.utility.net_monetary_benefit(wtp=wtp))
    ref = dec.table.set_index(["wtp", "action"]).loc[
        res.to_frame().set_index(["wtp", "action"]).index
    ]
    frame = res.to_frame()
    np.testing.assert_allclose(frame["expected_net_benefit"], ref["expected_utility"], rtol=1e-12)
    np.testing.assert_allclose(frame["prob_best"], ref["prob_best"], rtol=1e-12)
    np.testing.assert_allclose(frame["sd"], ref["sd"], rtol=1e-10)
    assert list(res.best) == list(dec.best)


def test_psa_ceac_shares_ties_like_decide():
    # identical strategies tie in every draw: CEAC 1/2 each (decide() shares ties equally)
    import decisionkit as dk
    from decisionkit.scale import psa_summary

    q = np.ones((10, 2))
    out = dk.OutcomeDistribution.from_arrays({"qaly": q, "cost": q}, actions=["A", "B"])
    assert np.all(psa_summary(out, wtp=1.0).prob_best == 0.5)


def test_psa_sums_add_like_the_concatenated_draws():
    from decisionkit.scale import psa_summary

    out = _cea_outcomes(1000)
    first, second = out.data.isel(draw=slice(0, 300)), out.data.isel(draw=slice(300, None))
    from decisionkit import OutcomeDistribution

    a = psa_summary(OutcomeDistribution(first), wtp=20_000)
    b = psa_summary(OutcomeDistribution(second), wtp=20_000)
    assert (a.sums + b.sums).result() == psa_summary(out, wtp=20_000)


def test_psa_sums_refuse_different_grids():
    from decisionkit.scale import psa_summary

    out = _cea_outcomes(100)
    with pytest.raises(ValidationError, match="same actions and wtp grid"):
        psa_summary(out, wtp=1.0).sums + psa_summary(out, wtp=2.0).sums


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"wtp": -1.0}, ValidationError, "'wtp' parameter"),
        ({"wtp": 1.0, "effect": "life_years"}, ValidationError, "Unknown metric .life_years."),
    ],
)
def test_psa_summary_bad_arguments(kwargs, error, fragment):
    from decisionkit.scale import psa_summary

    with pytest.raises(error, match=fragment):
        psa_summary(_cea_outcomes(10), **kwargs)


def test_importing_scale_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, decisionkit as dk; dk.scale.Policy; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_from_fitted_bayesian_model_reproduces_its_risk_draws():
    # The Policy built from a real BayesianLogisticRisk must give the model's own posterior
    # risks (the contract is the standardised scale plus means_/scales_).
    import pandas as pd

    from decisionkit.models import BayesianLogisticRisk

    rng = np.random.default_rng(5)
    X = pd.DataFrame({"age": rng.normal(60, 8, 300), "sbp": rng.normal(130, 15, 300)})
    y = rng.binomial(1, 1 / (1 + np.exp(-(-1 + 0.05 * (X["age"] - 60)))))
    model = BayesianLogisticRisk(draws=100, tune=200, chains=2, cores=1, random_seed=1)
    with pytest.warns(Warning):  # 200 draws in all: the ESS check warns, as it should
        model.fit(X, y)
    pol = Policy.from_model(model, benefit=1.0, harm=0.2)
    risk = model.predict_risk(X.iloc[:20]).values.T  # (unit, draw)
    np.testing.assert_allclose(pol.risk_draws(X.iloc[:20].to_numpy()), risk, rtol=1e-10)


# ---------------------------------------------------------------- errors name the public call
def _psa_fn(params: pd.DataFrame):
    return _cea_outcomes(len(params))


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (
            lambda: Policy(np.zeros(4), np.zeros((3, 1)), feature_names=["x"], benefit=1, harm=1),
            "The 'coef_draws' parameter of Policy must be an array with one row per intercept",
        ),
        (
            lambda: Policy([np.nan, 0.0], np.zeros((2, 1)), feature_names=["x"], benefit=1, harm=1),
            "The 'intercept_draws' parameter of Policy holds 1 non-finite",
        ),
        (lambda: make_policy(benefit=1.0, harm=-1.0), "The 'harm' parameter of Policy must be"),
        (lambda: make_policy(benefit=1.0), "Policy needs both benefit and harm"),
        (
            lambda: Policy.from_model(object(), benefit=1, harm=1),
            "The 'model' parameter of Policy.from_model must be a fitted risk model",
        ),
        (
            lambda: make_policy().apply(np.zeros((2, 3))),
            "The 'data' parameter of Policy.apply must be a pandas or dask DataFrame",
        ),
        (
            lambda: make_policy().apply(make_patients(3), chunk_size=0),
            "The 'chunk_size' parameter of Policy.apply must be an integer >= 1",
        ),
        (
            lambda: make_policy().apply(make_patients(3), on_progress=3),
            "The 'on_progress' parameter of Policy.apply must be a callable on_progress",
        ),
        (
            lambda: psa_summary(_cea_outcomes(10), wtp=[2.0, 1.0]),
            "The 'wtp' parameter of scale.psa_summary must be a strictly increasing grid",
        ),
    ],
)
def test_errors_name_the_public_function(call, fragment):
    with pytest.raises(ValidationError) as info:
        call()
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n_draws": 3}, "The 'n_draws' parameter of scale.run_psa_distributed must be None or"),
        ({"n_partitions": 0}, "'n_partitions' parameter of scale.run_psa_distributed must be"),
        ({"n_partitions": 50}, "'n_partitions' parameter of scale.run_psa_distributed must be at"),
        ({"wtp": -1.0}, "The 'wtp' parameter of scale.run_psa_distributed must be"),
    ],
)
def test_distributed_psa_errors_name_it(kwargs, fragment):
    pytest.importorskip("dask")
    from decisionkit.scale import run_psa_distributed

    args = {"wtp": 1.0, "n_partitions": 2, **kwargs}
    with pytest.raises(ValidationError) as info:
        run_psa_distributed(_psa_fn, pd.DataFrame({"p": np.arange(10.0)}), **args)
    assert fragment in str(info.value)


def test_apply_to_parquet_errors_name_it(tmp_path):
    pytest.importorskip("pyarrow")
    from decisionkit.scale import apply_to_parquet

    existing = tmp_path / "out.parquet"
    existing.write_text("not a folder")
    pol, df = make_policy(), make_patients(5)
    for kwargs, fragment in [
        ({}, "The 'path' parameter of scale.apply_to_parquet must be a path that does not"),
        ({"overwrite": True}, "scale.apply_to_parquet will not replace"),
        ({"overwrite": "yes"}, "'overwrite' parameter of scale.apply_to_parquet must be True"),
    ]:
        with pytest.raises(ValidationError) as info:
            apply_to_parquet(pol, df, existing, **kwargs)
        assert fragment in str(info.value)
    # the policy's own checks run inside the call: they name the function the user called
    with pytest.raises(ValidationError, match=r"'chunk_size' parameter of scale\.apply_to_par"):
        apply_to_parquet(pol, df, tmp_path / "new.parquet", chunk_size=0)
    assert not (tmp_path / "new.parquet").exists()

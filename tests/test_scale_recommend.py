"""dk.scale.recommend: the generic per-patient path (predict_risk -> outcomes -> decide)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.models import treatment_outcomes

N_DRAWS = 200


class LogisticDraws:
    """A fitted-model stand-in: logistic risk draws from fixed coefficient draws."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.b0 = rng.normal(-1.5, 0.2, N_DRAWS)
        self.b = rng.normal([0.8, -0.4], 0.1, (N_DRAWS, 2))

    def predict_risk(self, X: pd.DataFrame) -> xr.DataArray:
        eta = self.b0[:, None] + self.b @ X[["x1", "x2"]].to_numpy().T
        return xr.DataArray(
            1 / (1 + np.exp(-eta)), dims=["draw", "unit"], coords={"unit": X.index.to_numpy()}
        )


OUTCOMES = partial(
    treatment_outcomes, effect=0.7, cost_treat=300.0, cost_event=5_000.0, qaly_event=0.5
)
UTILITY = dk.utility.net_monetary_benefit(wtp=20_000)


def patients(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.Index([f"p{i}" for i in range(n)], name="patient")
    return pd.DataFrame(rng.normal(size=(n, 2)), columns=["x1", "x2"], index=index)


def test_equals_decide_on_the_model_outcomes_patient_by_patient():
    # the definition: decide(outcomes(predict_risk(X))) per unit, reshaped per patient
    model, X = LogisticDraws(), patients(60)
    got = dk.scale.recommend(model, X, outcomes=OUTCOMES, utility=UTILITY)
    dec = dk.decide(OUTCOMES(model.predict_risk(X)), UTILITY, prob=None)
    table = dec.table.set_index(["unit", "action"])
    assert got.index.equals(X.index)
    assert got["recommended"].tolist() == dec.best.loc[X.index].tolist()
    for action in ("No treatment", "Treat"):
        want = table.xs(action, level="action").loc[X.index, "expected_utility"]
        np.testing.assert_array_equal(got[f"expected_utility[{action}]"], want.to_numpy())
    best = pd.MultiIndex.from_arrays([X.index, got["recommended"].astype(str)])
    np.testing.assert_array_equal(got["prob_best"], table.loc[best, "prob_best"].to_numpy())
    assert set(got["recommended"]) == {"No treatment", "Treat"}  # both occur in this set-up


def test_blocks_do_not_change_the_result_and_progress_is_reported():
    model, X = LogisticDraws(), patients(50)
    whole = dk.scale.recommend(model, X, outcomes=OUTCOMES, utility=UTILITY)
    seen = []
    blocks = dk.scale.recommend(
        model,
        X,
        outcomes=OUTCOMES,
        utility=UTILITY,
        chunk_size=7,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    pd.testing.assert_frame_equal(blocks, whole)
    assert seen == [(min(50, k), 50) for k in range(7, 57, 7)]


def test_dask_frame_gives_the_pandas_result():
    dd = pytest.importorskip("dask.dataframe")
    model, X = LogisticDraws(), patients(40)
    want = dk.scale.recommend(model, X, outcomes=OUTCOMES, utility=UTILITY)
    lazy = dk.scale.recommend(
        model, dd.from_pandas(X, npartitions=3), outcomes=OUTCOMES, utility=UTILITY
    )
    got = lazy.compute(scheduler="sync")
    # dask's from_pandas sorts the rows by label and keeps them with its own string dtype
    assert sorted(got.index.tolist()) == sorted(want.index.tolist())
    got.index = got.index.astype(object)
    pd.testing.assert_frame_equal(got.loc[want.index], want, check_index_type=False)


def test_errors_in_dask_partitions_name_recommend():
    # a partition runs later in a worker thread, outside the call: it still names recommend
    dd = pytest.importorskip("dask.dataframe")

    def drop_one_unit(risk):  # fine for the one-row sample dask's meta needs, wrong after
        return OUTCOMES(risk.isel(unit=slice(1, None)) if risk.sizes["unit"] > 1 else risk)

    lazy = dk.scale.recommend(
        LogisticDraws(),
        dd.from_pandas(patients(20), npartitions=2),
        outcomes=drop_one_unit,
        utility=UTILITY,
    )
    with pytest.raises(ValidationError, match=r"^scale\.recommend: 'outcomes' returned 9 units"):
        lazy.compute(scheduler="threads")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"model": object()}, "'model' parameter of scale.recommend must"),
        ({"outcomes": "treatment_outcomes"}, "'outcomes' parameter of scale.recommend must"),
        ({"utility": 3}, "'utility' parameter of scale.recommend must"),
        ({"chunk_size": 0}, "'chunk_size' parameter of scale.recommend must"),
        ({"patients": np.zeros((3, 2))}, "'patients' parameter of scale.recommend must"),
        ({"patients": patients(0)}, "scale.recommend: the patient table has no rows"),
        (
            {"outcomes": lambda risk: risk},
            "scale.recommend: 'outcomes' must return an OutcomeDistribution",
        ),
        (
            {"outcomes": lambda risk: OUTCOMES(risk.isel(unit=slice(1, None)))},
            "one unit per patient",
        ),
    ],
)
def test_bad_input_is_named_in_recommend_terms(kwargs, fragment):
    args = {
        "model": LogisticDraws(),
        "patients": patients(5),
        "outcomes": OUTCOMES,
        "utility": UTILITY,
        **kwargs,
    }
    with pytest.raises(ValidationError) as info:
        dk.scale.recommend(args.pop("model"), args.pop("patients"), **args)
    assert fragment in str(info.value)


def test_compiled_linear_predictor_does_not_depend_on_the_block():
    # each patient's sum over features runs in a fixed order: a block of 3 patients and the
    # same patients inside a block of 500 give bit-identical values (BLAS need not)
    from decisionkit.models.bayes._logistic_jit import linear_predictor

    rng = np.random.default_rng(2)
    b0, beta, x = rng.normal(size=300), rng.normal(size=(300, 6)), rng.normal(size=(500, 6))
    whole = np.empty((300, 500))
    linear_predictor(-b0, -beta, np.ascontiguousarray(x.T), whole)
    part = np.empty((300, 3))
    linear_predictor(-b0, -beta, np.ascontiguousarray(x[100:103].T), part)
    np.testing.assert_array_equal(part, whole[:, 100:103])
    np.testing.assert_allclose(whole, -(b0[:, None] + beta @ x.T), rtol=1e-12, atol=1e-12)


# ---- the fused path: treatment outcomes + a linear utility, reduced tile by tile -----------
# recommend() then never builds the outcome arrays (scale/_fused.py); the definition it must
# reproduce bit for bit is decide(treatment_outcomes(risk), utility) on the same risk draws.


def _by_decide(model, X, outcomes, utility):
    """recommend()'s columns computed from the public definition, decide() on the outcomes."""
    out = outcomes(model.predict_risk(X))
    dec = dk.decide(out, utility, prob=None)
    table = dec.table.set_index(["unit", "action"])
    actions = out.actions
    cols = {"recommended": dec.best.loc[X.index].tolist()}
    for a in actions:
        want = table.xs(a, level="action").loc[X.index, "expected_utility"]
        cols[f"expected_utility[{a}]"] = want.to_numpy()
    best = pd.MultiIndex.from_arrays([X.index, cols["recommended"]])
    cols["prob_best"] = table.loc[best, "prob_best"].to_numpy()
    return cols


FUSED_CASES = {
    "relative risk, NMB": (OUTCOMES, UTILITY),
    "odds ratio draws, three actions, NHB": (
        partial(
            treatment_outcomes,
            effect={
                "Drug A": np.random.default_rng(5).lognormal(np.log(0.7), 0.2, N_DRAWS),
                "Drug B": 0.8,
            },
            effect_scale="odds_ratio",
            cost_treat={"Drug A": 400.0, "Drug B": np.linspace(100, 300, N_DRAWS)},
            cost_event=np.linspace(4_000, 6_000, N_DRAWS),
            qaly_event=0.4,
            harm_qaly={"Drug A": 0.001, "Drug B": 0.0},
        ),
        dk.utility.net_health_benefit(wtp=30_000),
    ),
    "linear in three metrics": (
        OUTCOMES,
        dk.utility.linear({"qaly": 20_000, "cost": -1, "events": -250.5}),
    ),
    "ties in every draw": (
        # no effect and no cost: both actions equal in every draw, the draw is shared
        partial(treatment_outcomes, effect=1.0, cost_treat=0.0, cost_event=5_000.0),
        UTILITY,
    ),
}


@pytest.mark.parametrize("case", list(FUSED_CASES))
def test_fused_path_is_bit_identical_to_decide_on_the_outcomes(case, monkeypatch):
    import decisionkit.scale._recommend as rec

    outcomes, utility = FUSED_CASES[case]
    # 400 patients: tiles of 327 (200 draws x 2 actions x 8 bytes in 1 MiB) and a short one
    model, X = LogisticDraws(seed=2), patients(400, seed=3)
    with monkeypatch.context() as m:  # the fused path never calls decide on arrays
        m.setattr(rec, "decide", lambda *a, **k: pytest.fail("the arrays were built"))
        got = dk.scale.recommend(model, X, outcomes=outcomes, utility=utility)
    want = _by_decide(model, X, outcomes, utility)
    assert got.columns.tolist() == list(want)
    assert got["recommended"].astype(str).tolist() == want["recommended"]
    for col in list(want)[1:]:
        np.testing.assert_array_equal(got[col].to_numpy(), want[col], err_msg=col)
    if case == "ties in every draw":
        assert (got["recommended"] == "No treatment").all()  # first action on ties
        np.testing.assert_array_equal(got["prob_best"], 0.5)  # each tie shares the draw


def test_fused_path_is_not_taken_for_other_outcome_functions_or_utilities():
    from decisionkit.scale._fused import FusedPlan

    assert FusedPlan.of(lambda r: OUTCOMES(r), UTILITY) is None
    assert FusedPlan.of(OUTCOMES, dk.utility.exponential("cost", risk_aversion=1e-4)) is None
    assert FusedPlan.of(OUTCOMES, dk.utility.net_monetary_benefit(wtp=[1e4, 2e4])) is None
    assert FusedPlan.of(OUTCOMES, dk.utility.linear({"other": 1.0})) is None
    # ... and the result is the same either way (lambda: the materialised path)
    model, X = LogisticDraws(), patients(30)
    pd.testing.assert_frame_equal(
        dk.scale.recommend(model, X, outcomes=lambda r: OUTCOMES(r), utility=UTILITY),
        dk.scale.recommend(model, X, outcomes=OUTCOMES, utility=UTILITY),
    )


class _Shifted(LogisticDraws):
    """Risk draws pushed out of [0, 1] for one patient."""

    def predict_risk(self, X):
        risk = super().predict_risk(X)
        return risk + xr.where(risk["unit"] == "p3", 2.0, 0.0)


@pytest.mark.parametrize(
    ("model", "outcomes", "utility", "fragment"),
    [
        (_Shifted(), OUTCOMES, UTILITY, "not probabilities in [0, 1]"),
        (
            LogisticDraws(),
            partial(treatment_outcomes, effect=3.0, cost_treat=1.0, cost_event=1.0),
            UTILITY,
            "above 1",
        ),
        (LogisticDraws(), OUTCOMES, dk.utility.linear({"cost": 1e308, "qaly": 1e308}), "finite"),
        (
            LogisticDraws(),
            partial(treatment_outcomes, effect=-1.0, cost_treat=1.0, cost_event=1.0),
            UTILITY,
            "effect",
        ),
    ],
)
def test_fused_path_raises_the_errors_of_the_materialised_path(
    model, outcomes, utility, fragment, monkeypatch
):
    from decisionkit.scale._fused import FusedPlan

    X = patients(20)
    with pytest.raises(ValidationError) as fused:
        dk.scale.recommend(model, X, outcomes=outcomes, utility=utility, chunk_size=8)
    monkeypatch.setattr(FusedPlan, "of", classmethod(lambda cls, o, u: None))
    with pytest.raises(ValidationError) as materialised:
        dk.scale.recommend(model, X, outcomes=outcomes, utility=utility, chunk_size=8)
    assert str(fused.value) == str(materialised.value)
    assert fragment in str(fused.value)


def test_fused_plan_survives_pickling_for_dask_workers():
    import pickle

    from decisionkit.scale._fused import FusedPlan

    outcomes, utility = FUSED_CASES["odds ratio draws, three actions, NHB"]
    plan = pickle.loads(pickle.dumps(FusedPlan.of(outcomes, utility)))
    risk = LogisticDraws().predict_risk(patients(10))
    stats, actions = plan.statistics(risk, 10)
    assert actions == ["No treatment", "Drug A", "Drug B"]
    dec = dk.decide(outcomes(risk), utility, prob=None)
    eu = dec.table.set_index(["unit", "action"])["expected_utility"]
    np.testing.assert_array_equal(stats[0, :, 0], eu.loc["p0"].loc[actions].to_numpy())

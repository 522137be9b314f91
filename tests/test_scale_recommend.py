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

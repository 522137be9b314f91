"""BayesianLogisticRisk.predict_risk on a Dask DataFrame: lazy, per partition, same numbers."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models import BayesianLogisticRisk

dd = pytest.importorskip("dask.dataframe")

# fits a small PyMC model (compilation dominates); its convergence does not matter here
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::decisionkit.exceptions.ConvergenceWarning"),
]


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"age": rng.normal(60, 10, 200), "sbp": rng.normal(130, 15, 200)})
    y = (rng.random(200) < 1 / (1 + np.exp(-(X["age"] - 60) / 10))).astype(int)
    fast = {"draws": 100, "tune": 100, "chains": 2, "cores": 1, "progressbar": False}
    return BayesianLogisticRisk(random_seed=1, **fast).fit(X, y)


def test_predict_risk_on_dask_frame_is_lazy_and_equals_pandas(fitted):
    rng = np.random.default_rng(6)
    patients = pd.DataFrame(
        {"sbp": rng.normal(130, 15, 500), "age": rng.normal(60, 10, 500), "other": 1.0},
        index=pd.RangeIndex(1000, 1500, name="patient"),
    )
    lazy = fitted.predict_risk(dd.from_pandas(patients, npartitions=3))
    assert lazy.chunks is not None and len(lazy.chunks[1]) == 3  # one chunk per partition
    eager = fitted.predict_risk(patients)
    np.testing.assert_array_equal(lazy["unit"].values, eager["unit"].values)
    # the same per-block arithmetic (matmul per patient block): equal to rounding
    np.testing.assert_allclose(lazy.values, eager.values, rtol=1e-13, atol=0)


def test_predict_risk_on_dask_frame_checks_each_partition(fitted):
    bad = pd.DataFrame({"age": [50.0, np.nan, 70.0, 65.0], "sbp": [120.0, 130.0, 140.0, 150.0]})
    lazy = fitted.predict_risk(dd.from_pandas(bad, npartitions=2))
    with pytest.raises(ValidationError, match="age"):
        lazy.compute()

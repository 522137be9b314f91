"""SurvivalData validation."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import SurvivalData

FRAME = pd.DataFrame(
    {
        "t": [1.0, 2.0, 3.0, 4.0],
        "d": [1, 0, 1, 1],
        "arm": ["A", "B", "A", "B"],
        "age": [50, 60, 70, 80.0],
    }
)


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        ({"t": [1.0, -2.0, 3.0, 4.0]}, {}, "negative time"),
        ({"d": [1, 2, 1, 0]}, {}, "event indicators 0"),
        ({"t": [1.0, np.nan, 3.0, 4.0]}, {}, "NaN"),
        ({"d": [1, np.nan, 1, 0]}, {}, "NaN"),
        ({"age": [50, np.nan, 70, 80]}, {"covariates": ["age"]}, "NaN"),
        ({"arm": ["A", None, "A", "B"]}, {"covariates": ["arm"]}, "missing value"),
        ({"arm": ["A", "A", "A", "A"]}, {"covariates": ["arm"]}, "only one level"),
        ({"t": ["1", "2", "3", "4"]}, {}, "must hold numbers"),
        ({}, {"covariates": ["sex"]}, "'covariates' parameter"),
        ({}, {"entry": "t"}, "entry time at or after"),
    ],
)
def test_bad_inputs_are_clear_errors(change, kwargs, message):
    frame = FRAME.assign(**change)
    with pytest.raises(ValidationError, match=message):
        SurvivalData.from_frame(frame, time="t", event="d", **kwargs)


def test_design_uses_treatment_coding_and_does_not_alter_the_frame():
    before = FRAME.copy()
    data = SurvivalData.from_frame(FRAME, time="t", event="d", covariates=["arm", "age"])
    assert data.design_columns == ["arm[B]", "age"]
    np.testing.assert_array_equal(data.design[:, 0], [0, 1, 0, 1])
    pd.testing.assert_frame_equal(FRAME, before)
    with pytest.raises(ValueError):
        data.time[0] = 5.0  # read-only


def test_categorical_dtype_sets_the_reference_level():
    frame = FRAME.assign(arm=pd.Categorical(FRAME["arm"], ["B", "A"]))
    data = SurvivalData.from_frame(frame, time="t", event="d", covariates="arm")
    assert data.design_columns == ["arm[A]"]


def test_profiles_for_prediction():
    data = SurvivalData.from_frame(FRAME, time="t", event="d", covariates=["arm"])
    rows, w = data.design_for({"arm": "B"}, "test")
    np.testing.assert_array_equal(rows, [[1.0]])
    rows, w = data.design_for(None, "test")
    np.testing.assert_allclose(w, [0.5, 0.5])
    with pytest.raises(ValidationError, match="Missing"):
        data.design_for({"age": 3}, "test")

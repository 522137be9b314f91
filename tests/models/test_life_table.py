import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models import LifeTable


def _table():
    return pd.DataFrame({"age": [60, 61, 62], "rate": [0.01, 0.02, 0.03]})


def test_hazard_is_the_rate_of_the_age_band_and_the_last_band_extends():
    lt = LifeTable(_table())
    np.testing.assert_array_equal(
        lt.hazard([60.0, 60.99, 61.5, 62.0, 90.0]), [0.01, 0.01, 0.02, 0.03, 0.03]
    )


def test_cumulative_hazard_integrates_the_step_function():
    # closed form: 0.5 y at 0.01 + 1 y at 0.02 + 2 y at 0.03 (last band extends) = 0.085
    lt = LifeTable(_table())
    assert lt.cumulative_hazard(60.5, 3.5) == pytest.approx(0.005 + 0.02 + 0.06, rel=1e-12)
    assert lt.survival(60.5, 3.5) == pytest.approx(np.exp(-0.085), rel=1e-12)


def test_cumulative_hazard_broadcasts_over_ages_and_times():
    lt = LifeTable(_table())
    h = lt.cumulative_hazard(np.array([[60.0], [61.0]]), np.array([0.0, 1.0]))
    np.testing.assert_allclose(h, [[0.0, 0.01], [0.0, 0.02]], rtol=1e-12)


def test_rates_by_sex_are_looked_up_per_person():
    df = pd.DataFrame(
        {"age": [60, 61, 60, 61], "sex": ["F", "F", "M", "M"], "rate": [0.01, 0.02, 0.03, 0.04]}
    )
    lt = LifeTable(df, sex="sex")
    np.testing.assert_array_equal(lt.hazard([60.2, 61.3], sex=["M", "F"]), [0.03, 0.02])


@pytest.mark.parametrize(
    ("frame", "kwargs", "fragment"),
    [
        (pd.DataFrame({"age": [60, 62], "rate": [0.01, 0.02]}), {}, "missing ages [61]"),
        (pd.DataFrame({"age": [60, 61], "rate": [0.01, np.nan]}), {}, "no missing values"),
        (pd.DataFrame({"age": [60, 61], "rate": [0.01, -0.02]}), {}, "non-negative"),
        (pd.DataFrame({"age": [60, 61], "q": [0.01, 0.02]}), {}, "'rate' parameter"),
        (pd.DataFrame({"age": [60.5, 61], "rate": [0.01, 0.02]}), {}, "whole-year ages"),
    ],
)
def test_bad_life_tables_are_refused_with_the_reason(frame, kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        LifeTable(frame, **kwargs)


def test_lookups_below_the_first_age_and_unknown_sex_are_refused():
    lt = LifeTable(_table())
    with pytest.raises(ValidationError, match="below the life table's first age"):
        lt.hazard(59.0)
    df = pd.DataFrame({"age": [60, 60], "sex": ["F", "M"], "rate": [0.01, 0.02]})
    with pytest.raises(ValidationError, match="Unknown sex 'X'"):
        LifeTable(df, sex="sex").hazard(60.0, sex="X")

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.survival import SurvivalDraws


def test_survival_draws_are_read_only_copies():
    t = np.linspace(0, 2, 3)
    s = np.exp(-0.5 * t)[None, :]
    sd = SurvivalDraws(t, s, pd.DataFrame({"rate": [0.5]}))
    s[0, 0] = 0.0
    assert sd.survival[0, 0] == 1.0
    with pytest.raises(ValueError):
        sd.survival[0, 0] = 0.3


@pytest.mark.parametrize(
    ("times", "surv", "fragment"),
    [
        ([0, 1, 1], [[1, 0.9, 0.8]], "strictly increasing"),
        ([0, 1, 2], [[1, 0.9]], "shape"),
        ([0, 1, 2], [[1, 1.2, 0.8]], r"\[0, 1\]"),
        ([0, 1, 2], [[1, 0.7, 0.8]], "must not increase"),
    ],
)
def test_bad_survival_draws_are_refused(times, surv, fragment):
    with pytest.raises(ValidationError, match=fragment):
        SurvivalDraws(np.array(times, float), np.array(surv, float))

"""Outputs on fixed seeds agree with those recorded before the decision kernel (issue 12).

The CSVs in tests/data/golden/ were written by ``python -m tests.golden_cases`` on main at
cf83c56, before any reduction moved into ``decisionkit.decision._kernel``. Numbers must agree to
1e-12 relative to each frame's largest magnitude: EVPI and expected loss are now the mean
per-draw regret instead of the difference ``E[max U] - max E[U]``, which changes the rounding
of these small differences of large numbers but nothing else.
"""

import numpy as np
import pandas as pd
import pytest

from tests.golden_cases import CASES, GOLDEN

RTOL = 1e-12
# public renames after the recording (issue 12's one vocabulary): recorded name -> current name
RENAMED = {"probability": "prob_best"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_outputs_match_the_recorded_golden_values(case):
    frames = CASES[case]()
    for name, got in frames.items():
        want = pd.read_csv(GOLDEN / f"{name}.csv", keep_default_na=False, na_values=["NaN", ""])
        want = want.rename(columns=RENAMED)
        assert list(got.columns) == list(want.columns), name
        assert len(got) == len(want), name
        numeric = [c for c in want.columns if pd.api.types.is_numeric_dtype(want[c])]
        scale = max(
            [float(np.nanmax(np.abs(want[c].to_numpy(float)), initial=0.0)) for c in numeric]
            + [1e-300]
        )
        for col in want.columns:
            w, g = want[col], got[col]
            if col in numeric and not pd.api.types.is_bool_dtype(w):
                np.testing.assert_allclose(
                    g.to_numpy(float), w.to_numpy(float), rtol=RTOL, atol=RTOL * scale,
                    err_msg=f"{name}.{col}",
                )  # fmt: skip
            else:
                assert g.astype(str).tolist() == w.astype(str).tolist(), f"{name}.{col}"

"""The per-unit layout of the decision kernel (utilities with dims draw, action, unit)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from decisionkit.decision import _kernel
from decisionkit.exceptions import ValidationError


def _layouts(u: np.ndarray) -> tuple[xr.Dataset, xr.Dataset]:
    """Statistics of ``u`` (draw, action, unit) read in place and from a transposed copy."""
    in_place = xr.DataArray(u, dims=("draw", "action", "unit"))
    copied = xr.DataArray(
        np.ascontiguousarray(np.moveaxis(u, -1, 0)), dims=("unit", "draw", "action")
    )
    return (
        _kernel.reduce_draws(in_place, prob=None),
        _kernel.reduce_draws(copied, prob=None),
    )


def test_units_last_layout_is_bit_identical_to_the_general_pass():
    # same sums in the same order: exact equality, ties (rounded values) included
    rng = np.random.default_rng(3)
    u = np.round(rng.normal(size=(401, 3, 57)), 1)
    u[:, 2, :10] = u[:, 0, :10]
    assert _kernel._units_last(np.moveaxis(u, -1, 0), None) is not None
    fast, general = _layouts(u)
    for name in (*_kernel.STATS, "evpi"):
        np.testing.assert_array_equal(fast[name].values, general[name].values)


def test_units_last_layout_matches_the_brute_force_definitions():
    # closed forms: mean, P(best) with shared ties, mean regret, EVPI = E[max] - max E[U]
    rng = np.random.default_rng(4)
    u = np.round(rng.normal(size=(300, 2, 5)), 1)
    fast, _ = _layouts(u)
    fast = fast.transpose("action", "unit")
    top = u.max(axis=1, keepdims=True)
    best = u == top
    share = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
    np.testing.assert_allclose(fast["expected_utility"].values, u.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(fast["prob_best"].values, share, rtol=1e-14)
    np.testing.assert_allclose(fast["expected_loss"].values, (top - u).mean(axis=0), atol=1e-15)
    evpi = top[:, 0].mean(axis=0) - u.mean(axis=0).max(axis=0)
    np.testing.assert_allclose(fast["evpi"].values, evpi, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fast["sd"].values, u.std(axis=0, ddof=1), rtol=1e-13)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_units_last_layout_refuses_non_finite_draws(bad):
    u = np.zeros((10, 2, 4))
    u[3, 1, 2] = bad
    with pytest.raises(ValidationError, match="non-finite"):
        _kernel.reduce_draws(xr.DataArray(u, dims=("draw", "action", "unit")), prob=None)

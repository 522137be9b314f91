"""annuity_factor stays accurate as the discount rate tends to 0 (issue 18, item 14)."""

import math

import pytest

import decisionkit as dk


@pytest.mark.parametrize("rate", [1e-17, 1e-15, 1e-12, 1e-9, 1e-6, 1e-3, 0.035, 0.5])
@pytest.mark.parametrize("horizon", [1, 10, 40])
def test_annuity_factor_matches_the_explicit_discounted_sum(horizon, rate):
    # Source: the definition, sum_{t=0}^{H-1} (1 + r)^{-t}, summed term by term with fsum
    # (each term is exact to rounding, so the sum is exact to ~1e-15 relative).
    explicit = math.fsum((1 + rate) ** -t for t in range(horizon))
    assert dk.voi.annuity_factor(horizon, rate) == pytest.approx(explicit, rel=1e-12)


def test_annuity_factor_tends_to_the_horizon_as_the_rate_tends_to_zero():
    # The reproduction from issue 18: the direct closed form gave 0.0 for r = 1e-17 and 11.10
    # for r = 1e-15 (catastrophic cancellation in 1 - (1 + r)^-H); the limit is H = 10.
    assert dk.voi.annuity_factor(10, 1e-17) == pytest.approx(10.0, rel=1e-14)
    assert dk.voi.annuity_factor(10, 1e-15) == pytest.approx(10.0, rel=1e-13)
    assert dk.voi.annuity_factor(10, 0.0) == 10.0

"""EVPI, population EVPI and the annuity factor used to scale per-person values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import Interval, check_number, fail, validate_params
from decisionkit.decision.analysis import decide
from decisionkit.decision.utility import Utility
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["annuity_factor", "evpi", "population_evpi"]


@validate_params()
def evpi(outcomes: OutcomeDistribution, utility: Utility | Any) -> float | pd.Series:
    """Expected value of perfect information, ``E[max_a U_a] - max_a E[U_a]``.

    Delegates to :func:`decisionkit.decide`; a utility with a wtp grid gives a Series by wtp.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> out = dk.OutcomeDistribution.from_arrays({"nb": rng.normal(0, 1, (4000, 2))})
    >>> round(dk.voi.evpi(out, dk.utility.linear({"nb": 1})), 1)
    0.6
    """
    return decide(outcomes, utility).evpi


@validate_params(
    {"horizon_years": Interval(0.0, None, closed="right"), "discount_rate": Interval(0.0, None)}
)
def annuity_factor(horizon_years: float, discount_rate: float) -> float:
    r"""Discounted person-years per yearly person: ``sum_{t=0}^{H-1} (1 + r)^{-t}``.

    Equals ``(1 + r) (1 - (1 + r)^{-H}) / r`` for ``r > 0`` and ``H`` for ``r = 0`` (voi's
    ``pop_voi`` discounts year ``t`` by ``(1 + r)^{-t}`` with the first year undiscounted).
    Computed as ``-(1 + r) expm1(-H log1p(r)) / r`` so that it tends to ``H`` smoothly as
    ``r -> 0`` instead of losing every digit to cancellation.
    """
    h = float(horizon_years)
    r = float(discount_rate)
    if r == 0.0:
        return float(h)
    # 1 - (1 + r)^{-H} = -expm1(-H log1p(r)): exact to rounding for tiny r, where the
    # direct form cancels to 0 (r = 1e-17) or to noise (r = 1e-15 gave 11.1 for H = 10).
    return float((1 + r) * -np.expm1(-h * np.log1p(r)) / r)


@validate_params({"population_per_year": Interval(0.0, None, closed="right")})
def population_evpi(
    value: float | pd.Series | np.ndarray,
    *,
    population_per_year: float,
    horizon_years: float,
    discount_rate: float = 0.035,
) -> float | pd.Series | np.ndarray:
    r"""Scale a per-person value of information (EVPI, EVPPI or EVSI) to a population.

    .. math::

        \mathrm{pop} = v \cdot N \sum_{t=0}^{H-1} (1 + r)^{-t}
        = v \cdot N \frac{(1 + r)(1 - (1 + r)^{-H})}{r},

    with ``N`` people affected per year, horizon ``H`` years and discount rate ``r``
    (``H`` itself when ``r = 0``).

    Parameters
    ----------
    value : float, Series or array
        Per-person value (e.g. ``evpi(...)`` or ``result.evppi``).
    population_per_year : float
        People affected by the decision each year (> 0).
    horizon_years : float
        Years the decision applies (> 0).
    discount_rate : float
        Annual discount rate (default 0.035, NICE's reference case).

    Examples
    --------
    >>> round(population_evpi(10.0, population_per_year=1000, horizon_years=2,
    ...                       discount_rate=0.0))
    20000
    """
    n = float(population_per_year)
    factor = annuity_factor(horizon_years, discount_rate)
    if isinstance(value, pd.Series | np.ndarray):
        return value * (n * factor)
    if hasattr(value, "evppi") or hasattr(value, "evsi"):  # an EVPPIResult or EVSIResult
        raise fail(
            "value",
            "a number or Series",
            type(value).__name__,
            hint="Pass result.evppi or result.evsi.",
        )
    return check_number(value, "value") * n * factor

r"""EVSI by Gaussian approximation (Jalal and Alarid-Escudero 2018; dampack's ``calc_evsi``).

A study of ``n`` new observations on a parameter :math:`\theta` whose current (prior)
information is worth ``n0`` observations shrinks the spread of what we will believe about
:math:`\theta` after the study: if the preposterior mean is approximately Gaussian, it is
distributed as :math:`\bar\theta + \sqrt{n / (n + n_0)}\,(\theta - \bar\theta)`. dampack applies
this variance-reduction factor to the basis functions of the EVPPI regression (GAM) of the
incremental net benefit; for a one-parameter smooth with an intercept that is the same as
shrinking its fitted values towards their mean,

.. math::

    \tilde g_a = \bar g_a + \sqrt{\tfrac{n}{n + n_0}}\,\bigl(\hat g_a(\theta) - \bar g_a\bigr),
    \qquad \text{EVSI}(n) = E\bigl[\max_a \tilde g_a\bigr] - \max_a E[\tilde g_a],

so one regression serves every sample size, without simulating any data. As ``n`` grows the
EVSI rises to the parameter's EVPPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import Interval, caller_name, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.voi._evppi import (
    clip_to_bounds,
    parameter_matrix,
    resolve_inputs,
    utility_draws,
    value_from_fitted,
)
from decisionkit.voi._evsi import EVSIResult
from decisionkit.voi._regression import REGRESSIONS, min_draws

__all__ = ["evsi_gaussian"]


@validate_params({"n0": Interval(0.0, None, closed="right")})
def evsi_gaussian(
    outcomes: Any,
    utility: Any,
    parameter: str,
    n: float | Sequence[float],
    n0: float,
    *,
    inputs: pd.DataFrame | None = None,
) -> EVSIResult:
    r"""EVSI of a study on one parameter by Gaussian approximation (dampack's ``calc_evsi``).

    Fits the EVPPI regression of the incremental net benefit on ``parameter`` (the GAM of
    :func:`evppi`) once, shrinks the fitted values towards their mean by the variance
    reduction factor :math:`\sqrt{n / (n + n_0)}` and takes the EVPI of the result
    (see the module notes). No study data are simulated.

    Parameters
    ----------
    outcomes : OutcomeDistribution
        PSA draws with the parameter draws attached (or passed as ``inputs``).
    utility : Utility or callable
        Net-benefit utility, e.g. ``dk.utility.net_monetary_benefit(wtp=20_000)`` (a wtp grid
        gives one EVSI per grid value).
    parameter : str
        The parameter the study informs.
    n : float or sequence of float
        New sample size(s) (> 0).
    n0 : float
        Effective sample size of the current information on ``parameter`` (> 0): e.g.
        :math:`a + b` for a Beta(a, b) prior on a proportion, or :math:`\sigma^2 /
        \sigma_0^2` for a normal prior with sd :math:`\sigma_0` on a mean measured with
        per-observation sd :math:`\sigma`.
    inputs : DataFrame, optional
        Parameter draws (default: those attached to ``outcomes``).

    Returns
    -------
    EVSIResult
        ``table`` with ``n``, the grid column if any, ``evsi``, ``se`` (NaN: the
        approximation has no standard error) and ``evpi``; usable with :func:`enbs`.

    References
    ----------
    Jalal H, Alarid-Escudero F. A Gaussian approximation approach for value of information
    analysis. Med Decis Making 2018;38(2):174-188.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.normal(0.1, 0.2, 5_000)       # prior worth n0 = 25 observations of sd 1
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"nb": np.column_stack([np.zeros(5_000), theta])}, actions=["Old", "New"],
    ...     inputs=pd.DataFrame({"theta": theta}))
    >>> res = dk.voi.evsi_gaussian(out, None, "theta", n=[10, 100], n0=25)
    >>> bool(res.evsi[10] < res.evsi[100] < res.table["evpi"].iloc[0])
    True
    """
    nb = utility_draws(outcomes, utility)
    if not isinstance(parameter, str):
        raise fail("parameter", "the name of one parameter (a string)", parameter)
    sizes = np.atleast_1d(np.asarray(n, dtype=float) if _numeric(n) else np.nan).ravel()
    if sizes.size == 0 or not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise fail("n", "a positive number or a sequence of positive numbers", n)
    n0 = float(n0)
    frame = resolve_inputs(outcomes, inputs)
    x = parameter_matrix(frame, [parameter])
    n_draws = x.shape[0]
    if n_draws < min_draws("gam", 1):
        raise ValidationError(
            f"{caller_name()} needs at least {min_draws('gam', 1)} draws for its regression; got "
            f"{n_draws}. Use more PSA draws."
        )
    k = len(nb.actions)
    fitted = REGRESSIONS["gam"](x, nb.incremental).fitted  # (n_draws, (A - 1) * G)
    centre = fitted.mean(axis=0)
    evpi = nb.evpi
    values = np.empty((sizes.size, evpi.size))
    for i, size in enumerate(sizes):
        vrf = np.sqrt(size / (size + n0))
        values[i] = value_from_fitted(centre + vrf * (fitted - centre), k)
    values = clip_to_bounds(values, evpi[None, :], "EVSI")
    as_given = sizes.astype(int) if np.all(sizes == np.round(sizes)) else sizes
    table = pd.DataFrame({"n": np.repeat(as_given, evpi.size)})
    if nb.grid_dim is not None and nb.grid is not None:
        table[nb.grid_dim] = np.tile(nb.grid, sizes.size)
    table["evsi"] = values.ravel()
    table["se"] = np.nan
    table["evpi"] = np.tile(evpi, sizes.size)
    study = f"Gaussian approximation: a study of {parameter} (prior worth n0 = {n0:g})"
    return EVSIResult(table, study, nb.grid_dim, 1, n_draws, method="gaussian")


def _numeric(value: Any) -> bool:
    try:
        np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return True

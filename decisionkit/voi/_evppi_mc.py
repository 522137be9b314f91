r"""Nested (two-level) Monte-Carlo EVPPI: the gold standard for small models.

.. math::

    \mathrm{EVPPI}(\phi) = E_\phi\left[\max_a E_{\psi}(NB_a(\phi, \psi))\right]
    - \max_a E(NB_a),

with the outer expectation over ``n_outer`` draws of the focal parameters ``phi`` and the
inner one over ``n_inner`` draws of the other parameters ``psi``, all drawn independently of
``phi`` (so the inner draws are conditional on ``phi`` only when the parameters are
independent, as in voi's ``evppi_mc``). It needs the model itself, not only a PSA sample, and
``n_outer x n_inner`` model evaluations, so it is for checking regression estimates on small
(vectorised) models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError

__all__ = ["EVPPIMCResult", "evppi_mc"]

_CHUNK_ROWS = 200_000  # model rows evaluated at once (outer draws x inner draws)


@dataclass(frozen=True, repr=False)
class EVPPIMCResult:
    """Nested Monte-Carlo EVPPI of one parameter group.

    Attributes
    ----------
    table : pandas.DataFrame
        One row: ``parameters`` (names joined by ``+``), ``evppi``, ``se`` (Monte-Carlo
        standard error over the outer draws), ``n_outer``, ``n_inner``, ``method`` ("mc").
    actions : list of str
        Actions compared (the columns of the model's output).
    """

    table: pd.DataFrame
    actions: list[str]

    @property
    def evppi(self) -> float:
        """The EVPPI estimate."""
        return float(self.table["evppi"].iloc[0])

    @property
    def se(self) -> float:
        """Monte-Carlo standard error of the outer loop."""
        return float(self.table["se"].iloc[0])

    @property
    def summary(self) -> pd.DataFrame:
        """The one-row table (a copy) indexed by the parameter group."""
        return self.table.set_index("parameters")

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def _text(self) -> str:
        row = self.table.iloc[0]
        return (
            f"Nested Monte-Carlo EVPPI of {row['parameters']}: {row['evppi']:.4g} "
            f"(se {row['se']:.2g}; {row['n_outer']} outer x {row['n_inner']} inner draws)"
        )

    def print_summary(self) -> None:
        """Print the readable report."""
        print(self._text())

    def __repr__(self) -> str:
        return f"<EVPPIMCResult> {self._text()}"


@validate_params(
    {
        "n_outer": Interval(2, None, integer=True),
        "n_inner": Interval(1, None, integer=True),
        "random_seed": "random_state",
    }
)
def evppi_mc(
    model: Callable[[pd.DataFrame], Any],
    sampler: Callable[[int, np.random.Generator], pd.DataFrame],
    parameters: str | Sequence[str],
    *,
    n_outer: int = 200,
    n_inner: int = 1_000,
    actions: Sequence[str] | None = None,
    random_seed: Any = None,
) -> EVPPIMCResult:
    r"""EVPPI by nested (two-level) Monte Carlo simulation.

    For each of ``n_outer`` draws ``phi_j`` of the focal parameters, ``n_inner`` draws of
    all parameters are taken from ``sampler`` with the focal ones set to ``phi_j``; the
    model's net benefit averaged over them estimates ``m_ja = E(NB_a | phi_j)``. Then

    .. math::

        \widehat{\mathrm{EVPPI}} = \frac{1}{J}\sum_j \left(\max_a m_{ja} - m_{j a^*}\right),
        \qquad a^* = \arg\max_a \frac{1}{J}\sum_j m_{ja},

    whose terms give the standard error ``sd / sqrt(J)``. The inner means carry Monte-Carlo
    noise, which biases the estimate *upwards* by ``O(1 / n_inner)``; raise ``n_inner`` until
    the estimate stops falling.

    Parameters
    ----------
    model : callable
        ``model(params) -> (n, n_actions)`` net benefit for a DataFrame of ``n`` parameter
        draws (one row each); vectorise it over rows.
    sampler : callable
        ``sampler(n, rng) -> DataFrame`` of ``n`` independent draws of every parameter from
        its distribution (the focal parameters must be independent of the others).
    parameters : str or sequence of str
        The focal parameter(s), columns of the sampler's output (one group).
    n_outer, n_inner : int
        Outer draws of the focal parameters and inner draws of the rest per outer draw.
    actions : sequence of str, optional
        Names of the model's output columns (default ``action_0, action_1, ...``).
    random_seed : int or numpy.random.Generator, optional
        Seed for the sampler.

    Returns
    -------
    EVPPIMCResult

    References
    ----------
    Brennan A, Kharroubi S, O'Hagan A, Chilcott J. Calculating partial expected value of
    perfect information via Monte Carlo sampling algorithms. Medical Decision Making
    2007;27:448-470. (voi's ``evppi_mc``.)

    Examples
    --------
    >>> import numpy as np, pandas as pd, decisionkit as dk
    >>> def sampler(n, rng):
    ...     return pd.DataFrame({"p1": rng.normal(1, 1, n), "p2": rng.normal(0, 2, n)})
    >>> def model(p):
    ...     return np.column_stack([np.zeros(len(p)), p["p1"] - p["p2"]])
    >>> res = dk.voi.evppi_mc(model, sampler, "p1", n_outer=400, n_inner=400, random_seed=1)
    >>> abs(res.evppi - 0.0833) < 3 * res.se + 0.01  # closed form Phi(1) + phi(1) - 1
    True
    """
    if not callable(model):
        raise fail("model", "a callable model(params) -> net benefit array", model)
    if not callable(sampler):
        raise fail("sampler", "a callable sampler(n, rng) -> DataFrame", sampler)
    names = [parameters] if isinstance(parameters, str) else list(parameters)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise fail("parameters", "a parameter name or a list of names", parameters)
    n_outer = int(n_outer)
    n_inner = int(n_inner)
    rng = check_random_state(random_seed)
    outer = _sample(sampler, n_outer, rng)
    missing = [n for n in names if n not in outer.columns]
    if missing:
        raise ValidationError(
            f"{caller_name()}: parameter(s) {missing} are not among the sampler's columns "
            f"{[str(c) for c in outer.columns]}."
        )
    block = max(1, _CHUNK_ROWS // n_inner)  # outer draws per model call
    means = []
    for lo in range(0, n_outer, block):
        focal = outer[names].iloc[lo : lo + block]
        inner = _sample(sampler, len(focal) * n_inner, rng).reset_index(drop=True)
        for name in names:  # each outer draw's focal values over its n_inner rows
            inner[name] = np.repeat(focal[name].to_numpy(), n_inner)
        nb = _net_benefit(model, inner)
        means.append(nb.reshape(len(focal), n_inner, -1).mean(axis=1))
    m = np.concatenate(means)  # (n_outer, n_actions)
    if m.shape[1] < 2:
        raise ValidationError(
            f"{caller_name()}: the model returned 1 action; EVPPI needs at least 2."
        )
    best = int(np.argmax(m.mean(axis=0)))
    regret = m.max(axis=1) - m[:, best]
    labels = list(actions) if actions is not None else [f"action_{i}" for i in range(m.shape[1])]
    if len(labels) != m.shape[1]:
        raise fail("actions", f"{m.shape[1]} names (one per model column)", actions)
    table = pd.DataFrame(
        {
            "parameters": ["+".join(names)],
            "evppi": [float(regret.mean())],
            "se": [float(regret.std(ddof=1) / np.sqrt(n_outer))],
            "n_outer": [n_outer],
            "n_inner": [n_inner],
            "method": ["mc"],
        }
    )
    return EVPPIMCResult(table, labels)


def _sample(sampler: Callable[..., Any], n: int, rng: np.random.Generator):
    draws = sampler(n, rng)
    if not isinstance(draws, pd.DataFrame) or len(draws) != n:
        raise ValidationError(
            f"{caller_name()}: sampler(n, rng) must return a DataFrame with n rows; for n={n} it "
            f"returned {type(draws).__name__}"
            + (f" with {len(draws)} rows." if hasattr(draws, "__len__") else ".")
        )
    return draws


def _net_benefit(model: Callable[..., Any], params: pd.DataFrame) -> np.ndarray:
    nb = np.asarray(model(params), dtype=float)
    if nb.ndim != 2 or nb.shape[0] != len(params):
        raise ValidationError(
            f"{caller_name()}: model(params) must return an array of shape (n_draws, n_actions); "
            f"for {len(params)} draws it returned shape {nb.shape}."
        )
    finite_or_raise(nb, f"The model's net benefit in {caller_name()}")
    return nb

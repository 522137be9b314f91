r"""Value of information for estimation: expected reduction in the variance of an output.

When the question is "how precisely do we know this quantity?" rather than "which action?",
the value of learning parameters ``phi`` is the expected reduction in the variance of the
output ``Y`` (Jackson et al. 2019):

.. math::

    \mathrm{EVPPI}_{var}(\phi) = \mathrm{Var}(Y) - E_\phi[\mathrm{Var}(Y \mid \phi)]
    = \mathrm{Var}_\phi(E[Y \mid \phi]),

estimated as voi's ``evppivar`` does: regress the output draws on the parameter draws and
take the variance of the fitted values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    caller_name,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.voi._evppi import parameter_matrix, parse_groups
from decisionkit.voi._regression import REGRESSIONS, min_draws

__all__ = ["EVPPIVarResult", "evppivar"]

_METHODS = ("gam", "gp", "mars", "trees")


@dataclass(frozen=True, repr=False)
class EVPPIVarResult:
    """Expected reduction in the variance of an output from learning parameter groups.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group: ``parameters``, ``n_parameters``, ``evppivar`` (expected variance
        reduction), ``variance`` (total variance of the output), ``proportion``
        (``evppivar / variance``) and ``method``.
    n_draws : int
        Draws used.
    """

    table: pd.DataFrame
    n_draws: int

    @property
    def evppivar(self) -> float | pd.Series:
        """The expected variance reduction: a float for one group, else a Series by group."""
        if len(self.table) == 1:
            return float(self.table["evppivar"].iloc[0])
        return self.table.set_index("parameters")["evppivar"]

    @property
    def summary(self) -> pd.DataFrame:
        """The table (a copy) indexed by group."""
        return self.table.set_index("parameters")

    def to_frame(self) -> pd.DataFrame:
        """The tidy table (a copy)."""
        return self.table.copy()

    def _text(self) -> str:
        from decisionkit._format import number

        head = f"Expected variance reduction ({self.table['method'].iloc[0]}), {self.n_draws} draws"
        cols = ["parameters", "evppivar", "variance", "proportion"]
        return head + "\n" + self.table[cols].to_string(index=False, float_format=number)

    def print_summary(self) -> None:
        """Print the readable report."""
        print(self._text())

    def __repr__(self) -> str:
        return f"<EVPPIVarResult>\n{self._text()}"


@validate_params({"random_seed": "random_state"})
def evppivar(
    outputs: Any,
    inputs: pd.DataFrame | Mapping[str, Any],
    parameters: str | Sequence[Any] | Mapping[str, Sequence[str]],
    *,
    method: str | None = None,
    random_seed: Any = None,
) -> EVPPIVarResult:
    r"""Expected value of partial perfect information for estimation (variance reduction).

    .. math::

        \mathrm{EVPPI}_{var}(\phi) = \mathrm{Var}(Y) - E_\phi[\mathrm{Var}(Y \mid \phi)]
        = \mathrm{Var}_\phi(E[Y \mid \phi]),

    estimated by regressing the output draws ``Y`` on the draws of ``phi`` and taking the
    sample variance of the fitted values (as voi's ``evppivar``).

    Parameters
    ----------
    outputs : array-like, pandas.Series or one-column DataFrame
        Draws of the output quantity, one per parameter draw.
    inputs : DataFrame or dict of arrays
        Parameter draws, one row per draw, in the same order as ``outputs``.
    parameters : str, list or dict
        As in :func:`evppi`: a name, a list of names (one group), a list of lists or a dict
        of groups.
    method : {"gam", "gp", "mars", "trees"}, optional
        Regression (default ``"gam"`` for up to 4 parameters, ``"mars"`` for more).
    random_seed : int or numpy.random.Generator, optional
        Seed for the regressions that use randomness (gp, trees).

    Returns
    -------
    EVPPIVarResult

    References
    ----------
    Jackson C, Presanis A, Conti S, De Angelis D. Value of information: sensitivity analysis
    and research design in Bayesian evidence synthesis. Journal of the American Statistical
    Association 2019;114:1436-1449.

    Examples
    --------
    >>> import numpy as np, pandas as pd, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> p = pd.DataFrame({"a": rng.normal(0, 2, 4000), "b": rng.normal(0, 1, 4000)})
    >>> res = dk.voi.evppivar(p.a + p.b, p, [["a"], ["b"]])
    >>> res.evppivar.round(1).tolist()  # Var(a) = 4, Var(b) = 1
    [4.0, 1.0]
    """
    frame = _inputs_frame(inputs)
    y = _outputs_vector(outputs, len(frame))
    groups = parse_groups(parameters)
    rng = check_random_state(random_seed)
    total = float(np.var(y, ddof=1))
    records = []
    for label, names in groups.items():
        chosen = method if method is not None else ("gam" if len(names) <= 4 else "mars")
        if chosen not in _METHODS:
            raise fail("method", "one of " + ", ".join(map(repr, _METHODS)), method)
        x = parameter_matrix(frame, names)
        need = min_draws(chosen, len(names))
        if len(y) < need:
            raise ValidationError(
                f"{caller_name()}: method {chosen!r} with {len(names)} parameter(s) needs at least "
                f"{need} draws, but {len(y)} were given."
            )
        fitted = REGRESSIONS[chosen](x, y[:, None], rng).fitted[:, 0]
        value = min(float(np.var(fitted, ddof=1)), total)  # a fit cannot explain > Var(Y)
        records.append(
            {
                "parameters": label,
                "n_parameters": len(names),
                "evppivar": value,
                "variance": total,
                "proportion": value / total if total > 0 else np.nan,
                "method": chosen,
            }
        )
    return EVPPIVarResult(pd.DataFrame.from_records(records), len(y))


def _inputs_frame(inputs: Any, caller: str | None = None) -> pd.DataFrame:
    caller = caller or caller_name()
    if isinstance(inputs, Mapping):
        return pd.DataFrame({str(k): np.asarray(v) for k, v in inputs.items()})
    if not isinstance(inputs, pd.DataFrame):
        raise fail("inputs", caller, "a DataFrame with one row per draw", type(inputs).__name__)
    return inputs


def _outputs_vector(outputs: Any, n: int) -> np.ndarray:
    if isinstance(outputs, pd.DataFrame):
        if outputs.shape[1] != 1:
            raise fail("outputs", "a vector or a one-column DataFrame", outputs.shape)
        outputs = outputs.iloc[:, 0]
    try:
        y = np.asarray(outputs, dtype=float)
    except (TypeError, ValueError) as exc:
        raise fail("outputs", "numeric draws of the output", type(outputs).__name__) from exc
    if y.ndim != 1:
        raise fail("outputs", "a 1-D vector of draws", f"shape {y.shape}")
    if y.size != n:
        raise ValidationError(
            f"{caller_name()}: 'outputs' has {y.size} draws but 'inputs' has {n} rows. Pass the "
            "output computed from these parameter draws, one value per row, in the same order."
        )
    finite_or_raise(y, f"The output draws in {caller_name()}")
    return y

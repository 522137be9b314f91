"""EVPPI: expected value of partial perfect information, by nonparametric regression.

For a parameter (group) ``phi`` the EVPPI is ``E_phi[max_a E(NB_a | phi)] - max_a E(NB_a)``.
Every method here estimates ``E(NB_a - NB_1 | phi)`` at each draw (incremental net benefit
against the first action, which leaves the maximising action unchanged) and plugs the fitted
values ``g_a`` into ``mean_i max_a g_a(phi_i) - max_a mean_i g_a(phi_i)`` (with ``g_1 = 0``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    caller_name,
    check_number,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision._kernel import mean_regret
from decisionkit.decision.utility import Utility, custom
from decisionkit.exceptions import EstimationWarning, ValidationError
from decisionkit.outcomes import OutcomeDistribution, require_outcomes
from decisionkit.voi._regression import (
    REGRESSIONS,
    fit_sadatsafavi,
    fit_so,
    min_draws,
)

__all__ = ["EVPPIResult", "evppi", "evppi_each"]

METHODS = ("gam", "gp", "trees", "mars", "bart", "so", "sadatsafavi")
_SE_SIMS = 200  # posterior draws of the GAM's fitted values for the standard error
_SE_ROWS = 2000  # draws at which those posterior curves are evaluated (see evppi's se)


# ---------------------------------------------------------------------- shared helpers
@dataclass(frozen=True)
class NetBenefit:
    """Utility draws as a plain array: ``values`` (n_draws, n_actions, n_grid)."""

    values: np.ndarray
    actions: list[str]
    grid_dim: str | None
    grid: np.ndarray | None

    @property
    def incremental(self) -> np.ndarray:
        """``NB_a - NB_first`` for the other actions, flattened to (n, (A - 1) * G)."""
        inc = self.values[:, 1:, :] - self.values[:, :1, :]
        return inc.reshape(inc.shape[0], -1)

    @property
    def evpi(self) -> np.ndarray:
        """EVPI per grid value from the draws (the kernel's mean regret of the chosen action)."""
        return mean_regret(self.values, action_axis=1)


def utility_draws(outcomes: Any, utility: Any, caller: str | None = None) -> NetBenefit:
    """Evaluate ``utility`` on ``outcomes`` into a :class:`NetBenefit` (checked)."""
    caller = caller or caller_name()
    require_outcomes(
        outcomes,
        caller,
        hint="Build one with dk.OutcomeDistribution.from_arrays(..., inputs=params).",
    )
    if utility is None:
        if len(outcomes.metrics) != 1:
            raise fail(
                "utility",
                caller,
                "a utility when the outcomes have several metrics",
                None,
                f"The metrics are {outcomes.metrics}; pass e.g. "
                "dk.utility.net_monetary_benefit(wtp=20000).",
            )
        only = outcomes.metrics[0]
        utility = custom(lambda o: o[only], name=only)
    elif not isinstance(utility, Utility):
        if not callable(utility):
            raise fail("utility", caller, "a Utility from dk.utility or a callable", utility)
        utility = custom(utility)
    if outcomes.n_actions < 2:
        raise ValidationError(
            f"{caller} needs at least 2 actions to value information; got "
            f"{outcomes.actions}. With one action there is no decision to improve."
        )
    u = utility(outcomes)
    extra = [d for d in u.dims[2:]]
    if len(extra) > 1 or (extra and extra[0] != utility.grid_dim):
        raise ValidationError(
            f"{caller} works on utilities with dims (draw, action) plus at most the utility's "
            f"grid (e.g. wtp); got dims {u.dims}. Reduce extra dims such as 'unit' first "
            "(e.g. sum over patients in the utility)."
        )
    values = np.asarray(u.transpose("draw", "action", *extra).values, dtype=float)
    finite_or_raise(values, f"The utility draws in {caller}")
    if values.ndim == 2:
        values = values[:, :, None]
    grid = None if not extra else np.asarray(u[extra[0]].values, dtype=float)
    return NetBenefit(values, outcomes.actions, extra[0] if extra else None, grid)


def resolve_inputs(
    outcomes: OutcomeDistribution, inputs: Any, caller: str | None = None
) -> pd.DataFrame:
    """The parameter draws: ``inputs`` if given, else those attached to ``outcomes``."""
    caller = caller or caller_name()
    if inputs is None:
        inputs = outcomes.inputs
        if inputs is None:
            raise ValidationError(
                f"{caller} needs the input parameter draws: attach them with "
                "OutcomeDistribution.from_arrays(..., inputs=params) or pass inputs=params "
                "(a DataFrame with one row per draw)."
            )
    elif isinstance(inputs, Mapping):
        inputs = pd.DataFrame({str(k): np.asarray(v) for k, v in inputs.items()})
    elif not isinstance(inputs, pd.DataFrame):
        raise fail("inputs", caller, "a DataFrame with one row per draw", type(inputs).__name__)
    if len(inputs) != outcomes.n_draws:
        raise ValidationError(
            f"The inputs passed to {caller} have {len(inputs)} rows but the outcomes have "
            f"{outcomes.n_draws} draws. Pass the parameter draws that produced these outcomes, "
            "one row per draw, in the same order."
        )
    return inputs


def parameter_matrix(inputs: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Columns ``names`` of ``inputs`` as a float matrix, with clear errors."""
    available = [str(c) for c in inputs.columns]
    missing = [n for n in names if n not in available]
    if missing:
        raise ValidationError(
            f"{caller_name()}: parameter(s) {missing} are not among the inputs. The available "
            f"parameters are {available}."
        )
    text = [n for n in names if not pd.api.types.is_numeric_dtype(inputs[n])]
    if text:
        raise ValidationError(
            f"{caller_name()}: parameter(s) {text} are not numeric (dtype "
            f"{inputs[text[0]].dtype}). EVPPI regresses net benefit on parameter values, so "
            "they must be numbers; encode categories as 0/1 indicators."
        )
    x = np.column_stack([np.asarray(inputs[n], dtype=float) for n in names])
    finite_or_raise(x, f"The parameter draws {list(names)} in {caller_name()}")
    for j, name in enumerate(names):
        if np.ptp(x[:, j]) == 0:
            raise ValidationError(
                f"{caller_name()}: parameter '{name}' has zero variance (every draw equals "
                f"{x[0, j]:g}). Its EVPPI is 0 by definition: learning a parameter that is "
                "already known cannot change the decision. Drop it from 'parameters'."
            )
    return x


def parse_groups(parameters: Any) -> dict[str, list[str]]:
    """Parameter spec -> {label: [names]}.

    A string is one parameter; a list of strings is ONE group; a list of lists (or of
    strings and lists) or a dict ``{label: [names]}`` is several groups.
    """
    if isinstance(parameters, str):
        return {parameters: [parameters]}
    if isinstance(parameters, Mapping):
        groups = {}
        for label, names in parameters.items():
            names = [names] if isinstance(names, str) else list(names)
            groups[str(label)] = _check_group(names)
        if not groups:
            raise fail("parameters", "a non-empty dict of label to names", parameters)
        return groups
    if isinstance(parameters, Sequence) and len(parameters) > 0:
        items = list(parameters)
        if all(isinstance(p, str) for p in items):
            names = _check_group(items)
            return {"+".join(names): names}
        groups = {}
        for item in items:
            names = _check_group([item] if isinstance(item, str) else list(item))
            groups["+".join(names)] = names
        return groups
    raise fail(
        "parameters",
        "a name, a list of names (one group), a list of lists or a dict of groups",
        parameters,
    )


def _check_group(names: list[Any]) -> list[str]:
    if not names or not all(isinstance(n, str) and n for n in names):
        raise fail("parameters", "non-empty groups of parameter names", names)
    if len(set(names)) != len(names):
        raise fail("parameters", "groups without repeated names", names)
    return names


def value_from_fitted(fitted: np.ndarray, n_actions: int) -> np.ndarray:
    """``mean max_a g_a - max_a mean g_a`` with ``g_1 = 0``; fitted is (n, (A-1)*G[, S]).

    The maximisation step of EVPPI: the EVPI of the fitted values, by the kernel's mean
    regret of the action with the highest mean (never negative).
    """
    n = fitted.shape[0]
    g = fitted.reshape(n, n_actions - 1, -1, *fitted.shape[2:])
    g = np.concatenate([np.zeros_like(g[:, :1]), g], axis=1)
    return mean_regret(g, action_axis=1)


def clip_to_bounds(values: np.ndarray, upper: np.ndarray, what: str) -> np.ndarray:
    """Clip estimates to ``[0, upper]``, warning (never silently) when it changes them."""
    # differences within 1e-6 of the EVPI scale are rounding (e.g. a near-interpolating
    # spline for a group of all parameters), not estimation error: no warning for those
    tol = 1e-6 * max(float(np.max(np.abs(upper))), np.finfo(float).tiny)
    low = values < -tol
    high = values > upper + tol
    if low.any() or high.any():
        warnings.warn(
            f"{what} estimate(s) outside [0, EVPI] were clipped: {int(low.sum())} below 0 and "
            f"{int(high.sum())} above the EVPI (largest excess "
            f"{float(np.max(np.r_[-values[low], (values - upper)[high]])):.3g}). This is "
            "estimation error; more draws or another method will reduce it.",
            EstimationWarning,
            stacklevel=3,
        )
    return np.clip(values, 0.0, upper)


# ---------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class EVPPIResult:
    """EVPPI of one or more parameter groups (immutable).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (and grid value, e.g. wtp): ``parameters`` (group label, names
        joined by ``+``), ``n_parameters``, the grid column if any, ``evppi``, ``se``
        (standard error from the regression's posterior; NaN for methods without one),
        ``evpi`` and ``method``.
    grid_dim : str or None
        Name of the utility's grid (e.g. ``"wtp"``), if any.
    actions : list of str
        Actions compared; the regressions model ``NB_a - NB_<first action>``.
    n_draws : int
        Draws used.
    """

    table: pd.DataFrame
    grid_dim: str | None
    actions: list[str]
    n_draws: int
    _groups: dict[str, list[str]] = field(repr=False)
    _fitted: dict[str, np.ndarray] = field(repr=False)
    _response: np.ndarray = field(repr=False)
    _grid: np.ndarray | None = field(repr=False, default=None)

    @property
    def groups(self) -> dict[str, list[str]]:
        """Group label -> parameter names."""
        return {k: list(v) for k, v in self._groups.items()}

    def _value(self, column: str) -> float | pd.Series:
        if len(self._groups) == 1 and self.grid_dim is None:
            return float(self.table[column].iloc[0])
        index = ["parameters"] + ([self.grid_dim] if self.grid_dim else [])
        if len(self._groups) == 1:
            index = index[1:]
        return self.table.set_index(index)[column]

    @property
    def evppi(self) -> float | pd.Series:
        """EVPPI: a float for one group without a grid, else a Series by group (and grid)."""
        return self._value("evppi")

    @property
    def se(self) -> float | pd.Series:
        """Standard error of the EVPPI estimate (NaN when the method has none)."""
        return self._value("se")

    @property
    def evpi(self) -> float | pd.Series:
        """EVPI from the same draws (the upper bound of every EVPPI)."""
        return self._value("evpi")

    def to_frame(self) -> pd.DataFrame:
        """The tidy long table (a copy)."""
        return self.table.copy()

    @validate_params()
    def check(self, parameters: str | None = None) -> pd.DataFrame:
        """Regression check: fitted values and residuals per draw and action.

        Parameters
        ----------
        parameters : str, optional
            Group label (default: the first group).

        Returns
        -------
        pandas.DataFrame
            Long frame with ``parameters``, ``action`` (the incremental comparison
            ``"<action> vs <first>"``), the grid column if any, ``draw``, ``response``
            (incremental net benefit), ``fitted`` and ``residual``. A good fit shows residuals
            centred on 0 with no trend against the fitted values.
        """
        label = next(iter(self._groups)) if parameters is None else parameters
        if label not in self._fitted:
            raise fail("parameters", f"one of {list(self._fitted)}", label)
        fitted = self._fitted[label]
        n = fitted.shape[0]
        comps = [f"{a} vs {self.actions[0]}" for a in self.actions[1:]]
        n_grid = 1 if self._grid is None else self._grid.size
        frame = pd.DataFrame(
            {
                "parameters": label,
                "action": np.tile(np.repeat(comps, n_grid), n),
                "draw": np.repeat(np.arange(n), len(comps) * n_grid),
                "response": self._response.ravel(),
                "fitted": fitted.ravel(),
            }
        )
        if self._grid is not None:
            frame.insert(2, self.grid_dim, np.tile(self._grid, n * len(comps)))
        frame["residual"] = frame["response"] - frame["fitted"]
        return frame

    def summary(self) -> str:
        """A short readable report."""
        from decisionkit._format import number

        head = (
            f"EVPPI ({self.table['method'].iloc[0]}) for {len(self._groups)} parameter "
            f"group(s), {self.n_draws} draws, actions {self.actions}"
        )
        cols = ["parameters", *([self.grid_dim] if self.grid_dim else []), "evppi", "se", "evpi"]
        return head + "\n" + self.table[cols].to_string(index=False, float_format=number)

    def __repr__(self) -> str:
        return f"<EVPPIResult>\n{self.summary()}"


# ---------------------------------------------------------------------- public functions
@validate_params({"random_seed": "random_state", "n_jobs": Interval(None, None, integer=True)})
def evppi(
    outcomes: OutcomeDistribution,
    utility: Utility | Any,
    parameters: str | Sequence[Any] | Mapping[str, Sequence[str]],
    *,
    method: str | None = None,
    n_bins: int | None = None,
    n_draws_fit: int | None = None,
    inputs: pd.DataFrame | None = None,
    se: bool = True,
    n_jobs: int = 1,
    random_seed: Any = None,
) -> EVPPIResult:
    r"""Expected value of partial perfect information by nonparametric regression.

    .. math::

        \mathrm{EVPPI}(\phi) = E_\phi\left[\max_a E(NB_a \mid \phi)\right]
        - \max_a E(NB_a),

    estimated by regressing the incremental net benefit ``NB_a - NB_1`` of each action on
    the draws of ``phi`` and plugging in the fitted values ``g_a``:
    ``mean_i max(0, g_2(phi_i), ..., g_A(phi_i)) - max(0, mean_i g_2, ..., mean_i g_A)``.

    Parameters
    ----------
    outcomes : OutcomeDistribution
        Outcome draws with the input parameter draws attached (or pass ``inputs``).
    utility : Utility, callable or None
        Net-benefit utility (e.g. ``dk.utility.net_monetary_benefit(wtp=...)``); a wtp grid
        gives one EVPPI per wtp. None uses the single metric of ``outcomes`` as is.
    parameters : str, list or dict
        **Grouping rule:** a string is one parameter; a list of strings is ONE group whose
        joint EVPPI is estimated (``["p1", "p2"]``); a list of lists (``[["p1"], ["p2"]]``)
        or a dict ``{label: [names]}`` gives one EVPPI per group. For one EVPPI per single
        parameter (the bar chart) use :func:`evppi_each`.
    method : {"gam", "gp", "trees", "mars", "bart", "so", "sadatsafavi"}, optional
        ``"gam"`` (penalised regression splines, tensor product for groups; default for
        1-4 parameters), ``"trees"`` (cross-fitted gradient-boosted trees; default for
        more than 4), ``"mars"`` (multivariate adaptive regression splines with GCV
        pruning, as voi's ``"earth"``; fast for many parameters, pairwise interactions for
        groups), ``"bart"`` (Bayesian additive regression trees, as voi's ``"bart"``; needs
        ``pip install pydecisionkit[bart]``; slow: MCMC), ``"gp"`` (Gaussian process with a
        linear mean, hyperparameters from 500 draws, conditioned on ``n_draws_fit`` draws,
        default 2,000), ``"so"`` (Strong & Oakley order-and-bin, single parameter) or
        ``"sadatsafavi"`` (Sadatsafavi et al., single parameter). See the guide's
        "Choosing an EVPPI method".
    n_bins : int, optional
        Bins for ``"so"`` (default ``round(sqrt(n_draws))``).
    n_draws_fit : int, optional
        For ``"gp"``, the training subsample size; for the other methods, use only a random
        subsample of this many draws.
    inputs : DataFrame, optional
        Parameter draws, one row per draw (overrides those attached to ``outcomes``).
    se : bool
        Compute a standard error (``"gam"``, ``"mars"``, ``"bart"``: the sd of the EVPPI
        over 200 draws from the regression's posterior, as voi does, each evaluated at a
        random subset of 2,000 draws to keep it cheap; other methods report NaN). It
        measures regression uncertainty given these draws, not the Monte-Carlo error of the
        draws themselves.
    n_jobs : int
        Parallel jobs over groups (joblib); 1 runs serially.
    random_seed : int or numpy.random.Generator, optional
        Seed for subsampling, cross-fitting and the standard-error draws.

    Returns
    -------
    EVPPIResult
        Estimates are clipped to ``[0, EVPI]`` with an :class:`EstimationWarning`.

    References
    ----------
    Strong M, Oakley JE, Brennan A. Estimating multiparameter partial expected value of perfect
    information from a probabilistic sensitivity analysis sample: a nonparametric regression
    approach. Medical Decision Making 2014;34:311-326.
    Strong M, Oakley JE. An efficient method for computing single-parameter partial expected
    value of perfect information. Medical Decision Making 2013;33:755-766.
    Sadatsafavi M, Bansback N, Zafari Z, Najafzadeh M, Marra C. Need for speed: an efficient
    algorithm for calculation of single-parameter expected value of partial perfect
    information. Value in Health 2013;16:438-448.
    Jackson CH, Baio G, Heath A, Strong M, Welton NJ, Wilson ECF. Value of information analysis
    in models to inform health policy. Annual Review of Statistics and Its Application
    2022;9:95-118 (the R package voi).

    Examples
    --------
    >>> import numpy as np, pandas as pd, decisionkit as dk
    >>> rng = np.random.default_rng(1)
    >>> p = pd.DataFrame({"p1": rng.normal(1, 1, 2000), "p2": rng.normal(0, 2, 2000)})
    >>> nb = np.column_stack([np.zeros(2000), p.p1 - p.p2])
    >>> out = dk.OutcomeDistribution.from_arrays({"nb": nb}, inputs=p)
    >>> round(dk.voi.evppi(out, None, "p2").evppi, 1)
    0.4
    """
    nb = utility_draws(outcomes, utility)
    frame = resolve_inputs(outcomes, inputs)
    groups = parse_groups(parameters)
    rng = check_random_state(random_seed)
    n = nb.values.shape[0]
    rows = np.arange(n)
    if n_draws_fit is not None:
        n_draws_fit = int(check_number(n_draws_fit, "n_draws_fit", low=2, integer=True))
    if n_draws_fit is not None and n_draws_fit < n and method != "gp":
        rows = np.sort(rng.choice(n, size=n_draws_fit, replace=False))
    if n_bins is not None:
        n_bins = int(check_number(n_bins, "n_bins", low=2, integer=True))
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise fail("n_jobs", "a non-zero integer (-1 for all cores)", n_jobs)
    values = nb.values[rows]
    y = nb.incremental[rows]
    evpi_g = NetBenefit(values, nb.actions, nb.grid_dim, nb.grid).evpi
    xs = {lab: parameter_matrix(frame.iloc[rows], names) for lab, names in groups.items()}
    methods = {lab: _choose_method(method, len(names)) for lab, names in groups.items()}
    for lab, names in groups.items():
        _check_enough(methods[lab], len(names), len(rows), n_bins)
    seeds = rng.integers(2**32 - 1, size=len(groups))
    args = [
        (xs[lab], y, methods[lab], nb.values.shape[1], n_bins, n_draws_fit, se, int(seed))
        for lab, seed in zip(groups, seeds, strict=True)
    ]
    if n_jobs == 1 or len(groups) == 1:
        fits = [_estimate(*a) for a in args]
    else:
        from joblib import Parallel, delayed

        # threads: the work is numpy/BLAS (releases the GIL) and avoids process start-up
        fits = Parallel(n_jobs=n_jobs, prefer="threads")(delayed(_estimate)(*a) for a in args)
    records = []
    fitted = {}
    n_grid = evpi_g.size
    for (lab, names), (value, err, fit) in zip(groups.items(), fits, strict=True):
        value = clip_to_bounds(value, evpi_g, f"EVPPI of {lab!r}")
        fitted[lab] = fit
        for gi in range(n_grid):
            rec = {"parameters": lab, "n_parameters": len(names)}
            if nb.grid_dim and nb.grid is not None:
                rec[nb.grid_dim] = nb.grid[gi]
            rec |= {
                "evppi": value[gi],
                "se": err[gi],
                "evpi": evpi_g[gi],
                "method": methods[lab],
            }
            records.append(rec)
    table = pd.DataFrame.from_records(records)
    return EVPPIResult(table, nb.grid_dim, nb.actions, len(rows), groups, fitted, y, nb.grid)


@validate_params()
def evppi_each(
    outcomes: OutcomeDistribution,
    utility: Utility | Any,
    parameters: Sequence[str] | None = None,
    **kwargs: Any,
) -> EVPPIResult:
    """EVPPI of each parameter on its own (the bar chart of a VOI report).

    Parameters
    ----------
    outcomes, utility
        As in :func:`evppi`.
    parameters : sequence of str, optional
        Parameter names (default: every input column that varies across draws; fixed
        parameters have EVPPI 0 by definition and are left out).
    **kwargs
        Passed to :func:`evppi` (``method``, ``n_jobs``, ``random_seed``, ...).

    Returns
    -------
    EVPPIResult
        One row per parameter (and grid value).

    Examples
    --------
    >>> res = dk.voi.evppi_each(out, u)  # doctest: +SKIP
    >>> dk.plot.evppi_bars(res)  # doctest: +SKIP
    """
    if parameters is None:
        frame = kwargs.get("inputs")
        if frame is None and isinstance(outcomes, OutcomeDistribution):
            frame = outcomes.inputs
        if frame is None:
            raise ValidationError(
                f"{caller_name()} needs input parameter draws: attach them to the outcomes or pass "
                "inputs=..."
            )
        # constant columns (fixed parameters) have EVPPI 0 by definition and no regression
        parameters = [str(c) for c in frame.columns if np.ptp(np.asarray(frame[c])) > 0]
    if isinstance(parameters, str):
        parameters = [parameters]
    if not isinstance(parameters, Sequence) or not all(isinstance(p, str) for p in parameters):
        raise fail("parameters", "a list of parameter names", parameters)
    return evppi(outcomes, utility, [[p] for p in parameters], **kwargs)


def _choose_method(method: str | None, n_params: int) -> str:
    if method is None:
        return "gam" if n_params <= 4 else "trees"
    if method not in METHODS:
        raise fail("method", "one of " + ", ".join(repr(m) for m in METHODS), method)
    if method in ("so", "sadatsafavi") and n_params > 1:
        raise ValidationError(
            f"{caller_name()}: method={method!r} handles a single parameter, but a group of "
            f"{n_params} was given. Use method='gam' (up to 4) or 'trees', or evppi_each()."
        )
    return method


def _check_enough(method: str, n_params: int, n: int, n_bins: int | None) -> None:
    need = min_draws(method, n_params)
    if method == "so":
        need = max(need, 2 * (n_bins or 2))
    if n < need:
        raise ValidationError(
            f"{caller_name()}: method {method!r} with {n_params} parameter(s) needs at "
            f"least {need} "
            f"draws, but {n} were given. Use more draws (thousands are typical)"
            + (" or fewer bins." if method == "so" else ".")
        )


def _estimate(
    x: np.ndarray,
    y: np.ndarray,
    method: str,
    n_actions: int,
    n_bins: int | None,
    n_fit: int | None,
    se: bool,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit one group and return (evppi per grid value, se per grid value, fitted)."""
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    n_grid = y.shape[1] // (n_actions - 1)
    err = np.full(n_grid, np.nan)
    if method == "so":
        fitted = fit_so(x, y, n_bins or max(2, round(np.sqrt(n))))
    elif method == "sadatsafavi":
        fitted = fit_sadatsafavi(x, y, n_actions)
    else:
        args = (x, y, rng, n_fit) if method == "gp" else (x, y, rng)
        fit = REGRESSIONS[method](*args)
        fitted = fit.fitted
        if se and fit.samples is not None:
            rows = np.sort(rng.choice(n, size=_SE_ROWS, replace=False)) if n > _SE_ROWS else None
            sims = fit.samples(_SE_SIMS, rng, rows)
            err = value_from_fitted(sims, n_actions).std(axis=-1, ddof=1)
    return value_from_fitted(fitted, n_actions), err, fitted

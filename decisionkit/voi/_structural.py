r"""Structural uncertainty: mixtures of model structures, and the value of learning the right one.

With structures :math:`s = 1..K` (e.g. alternative survival extrapolations), each giving outcome
draws for the same actions and metrics, and weights :math:`w_s` (judgement, or information
criteria: :math:`w_s \propto \exp(-\Delta_s / 2)` with :math:`\Delta_s` the AIC, BIC or DIC
difference from the best, as BCEA's ``struct.psa``):

- the **mixture** (Bayesian model averaging; Jackson, Thompson & Sharples 2009) draws structure
  :math:`s` with probability :math:`w_s` and then an outcome from that structure, so its
  expected net benefit is :math:`\sum_s w_s E(NB_a \mid s)` and its spread includes the
  disagreement between structures;
- the **value of learning the structure** is the EVPPI of the structure indicator,

  .. math::

      \mathrm{EVPPI}_S = \sum_s w_s \max_a E(NB_a \mid s) - \max_a \sum_s w_s E(NB_a \mid s),

  exact (no regression) because :math:`s` is discrete: each conditional expectation is the
  mean of that structure's own draws. It is the mean regret over the "draws"
  :math:`K w_s E(NB \mid s)` (a positive rescaling of row :math:`s` keeps its best action), which
  is how the decision kernel computes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    caller_name,
    check_number,
    check_random_state,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision._kernel import mean_regret
from decisionkit.decision.analysis import decide
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution, require_outcomes
from decisionkit.voi._evppi import utility_draws

__all__ = ["StructuralResult", "mix_structures", "structural_voi", "structure_weights"]

STRUCTURE = "structure"
_TOL = 1e-8


# ---------------------------------------------------------------------------- weights
@validate_params()
def structure_weights(criteria: Any) -> pd.Series:
    r"""Weights from information criteria (AIC, BIC or DIC): :math:`w_s \propto e^{-\Delta_s/2}`.

    :math:`\Delta_s` is the criterion of structure :math:`s` minus the smallest one (BCEA's
    ``struct.psa`` with DIC; Akaike weights of Burnham & Anderson 2002 with AIC).

    Parameters
    ----------
    criteria : mapping or Series
        Structure name to its criterion (lower is better), all on the same data.

    Returns
    -------
    pandas.Series
        Weights summing to 1, named ``weight``.

    Examples
    --------
    >>> import decisionkit as dk
    >>> dk.voi.structure_weights({"weibull": 100.0, "lognormal": 102.0}).round(3).tolist()
    [0.731, 0.269]
    """
    if not isinstance(criteria, Mapping | pd.Series) or len(criteria) < 2:
        raise fail("criteria", "a mapping of at least 2 structure names to AIC/DIC", criteria)
    ic = pd.Series({str(k): v for k, v in dict(criteria).items()}, dtype=float)
    finite_or_raise(ic.to_numpy(), f"The criteria of {caller_name()}")
    w = np.exp(-0.5 * (ic - ic.min()))
    return (w / w.sum()).rename("weight")


def _check_weights(weights: Any, names: list[str]) -> pd.Series:
    if isinstance(weights, str):
        if weights != "equal":
            raise fail("weights", "'equal', a mapping name -> weight or a sequence", weights)
        return pd.Series(1.0 / len(names), index=names, name="weight")
    if isinstance(weights, Mapping | pd.Series):
        given = {str(k): v for k, v in dict(weights).items()}
        if set(given) != set(names):
            raise ValidationError(
                f"The 'weights' of {caller_name()} must name exactly the structures {names}; got "
                f"{sorted(given)}."
            )
        values = np.array([given[n] for n in names])
    else:
        values = np.atleast_1d(np.asarray(weights))
        if values.ndim != 1 or values.size != len(names):
            raise fail("weights", f"{len(names)} weights, one per structure", weights)
    if values.dtype.kind not in "biuf":
        raise fail("weights", "numbers", weights)
    values = values.astype(float)
    finite_or_raise(values, f"The 'weights' of {caller_name()}")
    if np.any(values < 0):
        raise fail("weights", "non-negative (probabilities of each structure)", values.tolist())
    if abs(values.sum() - 1.0) > _TOL:
        raise fail(
            "weights",
            "probabilities summing to 1",
            f"weights summing to {values.sum():.6g}",
            hint="They are not rescaled silently, because weights that do not sum to 1 "
            "usually mean "
            "a structure is missing. Divide by their sum yourself, or build them from AIC/DIC "
            "with dk.voi.structure_weights().",
        )
    return pd.Series(values, index=names, name="weight")


def _check_models(models: Any) -> dict[str, OutcomeDistribution]:
    if not isinstance(models, Mapping) or len(models) < 2:
        raise fail(
            "models",
            "a mapping of at least 2 structure names to OutcomeDistributions",
            type(models).__name__ if not isinstance(models, Mapping) else list(models),
        )
    named = {str(k): v for k, v in models.items()}
    for name, out in named.items():
        require_outcomes(out, f"{caller_name()} (structure {name!r})")
    first_name, first = next(iter(named.items()))
    for name, out in named.items():
        for what, a, b in (
            ("actions", first.actions, out.actions),
            ("metrics", sorted(first.metrics), sorted(out.metrics)),
            ("extra dims", first.extra_dims, out.extra_dims),
        ):
            if a != b:
                raise ValidationError(
                    f"{caller_name()}: every structure must describe the same decision, but "
                    "structure "
                    f"{name!r} has {what} {b} while {first_name!r} has {a}. Align them (e.g. "
                    "out.sel_actions([...])) before combining."
                )
    return named


def _allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder allocation of ``total`` draws in proportion to ``weights``."""
    raw = weights * total
    counts = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return counts


# ---------------------------------------------------------------------------- mixture
@validate_params({"random_seed": "random_state"})
def mix_structures(
    models: Mapping[str, OutcomeDistribution],
    *,
    weights: Any,
    method: str = "mixture",
    n_draws: int | None = None,
    random_seed: int | np.random.Generator | None = None,
) -> OutcomeDistribution:
    r"""Combine several structures' outcome draws into one ``OutcomeDistribution``.

    Parameters
    ----------
    models : mapping of str to OutcomeDistribution
        One per structure, with the same actions, metrics and extra dims.
    weights : "equal", mapping or sequence
        Probability of each structure: non-negative and summing to 1 (never rescaled
        silently); :func:`structure_weights` builds them from AIC/BIC/DIC.
    method : {"mixture", "average"}
        ``"mixture"`` (default): a random subset of :math:`\mathrm{round}(w_s N)` draws of each
        structure (largest remainders), :math:`N` = ``n_draws``, the proper model-averaged
        distribution. ``"average"``: draw-by-draw weighted sum :math:`\sum_s w_s X_s` of
        equally many draws, as BCEA's ``struct.psa``; it keeps the mixture's mean but shrinks
        the spread (draws of different structures are paired arbitrarily), so it understates
        decision uncertainty and its EVPI; offered to reproduce BCEA.
    n_draws : int, optional
        Draws of the mixture (default: the fewest draws of any structure).
    random_seed : int or numpy Generator, optional
        Chooses the subsets of the mixture.

    Returns
    -------
    OutcomeDistribution
        For ``"mixture"``, its ``inputs`` hold a ``structure`` column (the structure's
        position in ``models``) and, when every structure carries the same input columns,
        those parameter draws.

    References
    ----------
    Jackson CH, Thompson SG, Sharples LD. Accounting for uncertainty in health economic
    decision models by using model averaging. J R Stat Soc A 2009;172(2):383-404.

    Baio G. Bayesian Methods in Health Economics. CRC Press, 2013 (BCEA ``struct.psa``).

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> a = dk.OutcomeDistribution.from_arrays({"nb": rng.normal([0, 1], 1, (1000, 2))})
    >>> b = dk.OutcomeDistribution.from_arrays({"nb": rng.normal([0, -1], 1, (1000, 2))})
    >>> mix = dk.voi.mix_structures({"A": a, "B": b}, weights=[0.75, 0.25], random_seed=1)
    >>> mix.n_draws, mix.inputs["structure"].value_counts().sort_index().tolist()
    (1000, [750, 250])
    """
    named = _check_models(models)
    names = list(named)
    w = _check_weights(weights, names)
    if method not in ("mixture", "average"):
        raise fail("method", "'mixture' or 'average'", method)
    sizes = np.array([named[n].n_draws for n in names])
    if n_draws is None:
        total = int(sizes.min())
    else:
        total = int(check_number(n_draws, "n_draws", low=2, integer=True))
    rng = check_random_state(random_seed)
    datas = [named[n].data for n in names]
    inputs = [named[n].inputs for n in names]
    shared = _shared_inputs(inputs)
    if method == "average":
        if total > sizes.min():
            raise fail(
                "n_draws",
                f"at most the fewest draws of any structure ({sizes.min()}) for 'average'",
                n_draws,
            )
        parts = [d.isel(draw=slice(0, total)) for d in datas]
        mixed = sum(
            float(wi) * p.assign_coords(draw=np.arange(total))
            for wi, p in zip(w.to_numpy(), parts, strict=True)
        )
        assert isinstance(mixed, xr.Dataset)
        return OutcomeDistribution(mixed.transpose(*datas[0].dims))
    counts = _allocate(w.to_numpy(), total)
    short = [n for n, c, s in zip(names, counts, sizes, strict=True) if c > s]
    if short:
        raise ValidationError(
            f"{caller_name()}: structure(s) {short} have fewer draws than their share of "
            f"n_draws={total} ({dict(zip(names, counts.tolist(), strict=True))}). Pass a "
            "smaller n_draws or simulate more draws of those structures."
        )
    picks = [
        np.sort(rng.choice(s, size=c, replace=False)) for s, c in zip(sizes, counts, strict=True)
    ]
    parts = [d.isel(draw=p) for d, p in zip(datas, picks, strict=True) if p.size]
    mixed = xr.concat(parts, dim="draw").assign_coords(draw=np.arange(total))
    code = np.repeat(np.arange(len(names)), counts)
    frame = pd.DataFrame({STRUCTURE: code})
    if shared:
        chosen = [
            inp.iloc[p].reset_index(drop=True)  # type: ignore[union-attr]
            for inp, p in zip(inputs, picks, strict=True)
        ]
        params = pd.concat(chosen, ignore_index=True)[shared]
        frame = pd.concat([params, frame], axis=1)
    return OutcomeDistribution(mixed, inputs=frame)


def _shared_inputs(inputs: list[pd.DataFrame | None]) -> list[str]:
    if any(i is None for i in inputs):
        return []
    cols = [list(map(str, i.columns)) for i in inputs]  # type: ignore[union-attr]
    if any(c != cols[0] for c in cols) or STRUCTURE in cols[0]:
        return []
    return cols[0]


# ---------------------------------------------------------------------------- value
@dataclass(frozen=True, repr=False)
class StructuralResult:
    """Structural uncertainty: weights, per-structure decisions, mixture and its value.

    Attributes
    ----------
    weights : pandas.Series
        Probability of each structure.
    table : pandas.DataFrame
        One row per structure (and grid value, e.g. wtp) and action: ``structure``,
        ``weight``, the grid column if any, ``action``, ``expected_utility`` (the mean of that
        structure's draws) and ``best`` (True for the structure's best action).
    value : float or pandas.Series
        EVPPI of the structure indicator (by grid value when the utility has a grid).
    evpi : float or pandas.Series
        EVPI of the mixture (all uncertainty, structural and parametric).
    mixture : OutcomeDistribution
        The weighted mixture (:func:`mix_structures`), for :func:`decisionkit.decide` and
        :func:`decisionkit.cea.analyze`.
    best : str or pandas.Series
        The action with the highest expected utility under the weights.
    """

    weights: pd.Series
    table: pd.DataFrame
    value: float | pd.Series
    evpi: float | pd.Series
    mixture: OutcomeDistribution
    best: str | pd.Series
    grid_dim: str | None

    def summary(self) -> pd.DataFrame:
        """Per structure: weight and best action (by grid value if any), plus the value."""
        keys = [STRUCTURE, "weight"] + ([self.grid_dim] if self.grid_dim else [])
        best = self.table[self.table["best"]].rename(columns={"action": "best_action"})
        return best[[*keys, "best_action", "expected_utility"]].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per structure, grid value and action (a copy)."""
        return self.table.copy()

    def print_summary(self) -> None:
        """Print the per-structure decisions and the value of learning the structure."""
        print(repr(self))
        print(self.summary().to_string(index=False))

    def __repr__(self) -> str:
        if isinstance(self.value, pd.Series):
            v = f"value of learning the structure up to {self.value.max():.4g}"
        else:
            v = f"value of learning the structure {self.value:.4g} (EVPI {self.evpi:.4g})"
        return f"<StructuralResult: {self.weights.size} structures, {v}>"


@validate_params({"random_seed": "random_state"})
def structural_voi(
    models: Mapping[str, OutcomeDistribution],
    utility: Any = None,
    *,
    weights: Any,
    n_draws: int | None = None,
    random_seed: int | np.random.Generator | None = None,
) -> StructuralResult:
    r"""The decision under structural uncertainty and the value of learning the structure.

    .. math::

        \mathrm{EVPPI}_S = \sum_s w_s \max_a \bar U_{a \mid s} - \max_a \sum_s w_s
        \bar U_{a \mid s},

    with :math:`\bar U_{a \mid s}` the mean utility of action :math:`a` over structure
    :math:`s`'s draws. Exact given those means (no regression: the structure is discrete);
    computed by the decision kernel as the mean regret over the rows :math:`K w_s \bar U_s`.
    Zero when every structure recommends the same action.

    Parameters
    ----------
    models : mapping of str to OutcomeDistribution
        One per structure (same actions, metrics and extra dims).
    utility : Utility or callable, optional
        As in :func:`decisionkit.voi.evppi` (``None`` when the outcomes hold one net-benefit
        metric); a wtp grid gives one value per wtp.
    weights : "equal", mapping or sequence
        Structure probabilities, non-negative and summing to 1 (see :func:`structure_weights`).
    n_draws, random_seed
        Passed to :func:`mix_structures` for the mixture.

    Returns
    -------
    StructuralResult

    References
    ----------
    Jackson CH, Bojke L, Thompson SG, Claxton K, Sharples LD. A framework for addressing
    structural uncertainty in decision models. Med Decis Making 2011;31(4):662-674.

    Price MJ, Welton NJ, Briggs AH, Ades AE. Model averaging in the presence of structural
    uncertainty about treatment effects: influence on treatment decision and expected value of
    information. Value Health 2011;14(2):205-218.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> a = dk.OutcomeDistribution.from_arrays({"nb": rng.normal([0, 1], 1, (2000, 2))})
    >>> b = dk.OutcomeDistribution.from_arrays({"nb": rng.normal([0, -1], 1, (2000, 2))})
    >>> res = dk.voi.structural_voi({"A": a, "B": b}, weights=[0.5, 0.5], random_seed=1)
    >>> round(res.value, 1)  # 0.5 * 1 + 0.5 * 0 - max(0, 0): about 0.5
    0.5
    """
    named = _check_models(models)
    names = list(named)
    w = _check_weights(weights, names)
    means = []
    grid_dim: str | None = None
    grid: np.ndarray | None = None
    actions: list[str] = []
    for name in names:
        nb = utility_draws(named[name], utility)
        means.append(nb.values.mean(axis=0))  # (A, G): E(U | structure)
        grid_dim, grid, actions = nb.grid_dim, nb.grid, nb.actions
    mu = np.stack(means)  # (K, A, G)
    k = len(names)
    value = mean_regret(k * w.to_numpy()[:, None, None] * mu, action_axis=1)  # (G,)
    pooled = np.tensordot(w.to_numpy(), mu, axes=1)  # (A, G)
    best_idx = pooled.argmax(axis=0)
    mixture = mix_structures(named, weights=w, n_draws=n_draws, random_seed=random_seed)
    evpi = decide(mixture, utility if utility is not None else _single(mixture)).evpi
    rows = []
    g_values = grid if grid is not None else np.array([np.nan])
    for s, name in enumerate(names):
        top = mu[s].argmax(axis=0)
        for j, g in enumerate(g_values):
            for a, action in enumerate(actions):
                row: dict[str, Any] = {STRUCTURE: name, "weight": w.iloc[s]}
                if grid_dim is not None:
                    row[grid_dim] = g
                row.update(action=action, expected_utility=mu[s, a, j], best=bool(top[j] == a))
                rows.append(row)
    table = pd.DataFrame(rows)
    if grid_dim is None:
        return StructuralResult(
            w, table, float(value[0]), float(evpi), mixture, actions[best_idx[0]], None
        )
    index = pd.Index(grid, name=grid_dim)
    return StructuralResult(
        w,
        table,
        pd.Series(value, index=index, name="value"),
        evpi,
        mixture,
        pd.Series(np.asarray(actions)[best_idx], index=index, name="best"),
        grid_dim,
    )


def _single(out: OutcomeDistribution) -> Any:
    from decisionkit.decision.utility import linear

    if len(out.metrics) != 1:
        raise ValidationError(
            "structural_voi needs a utility when the outcomes have several metrics; pass e.g. "
            "dk.utility.net_monetary_benefit(wtp=20000)."
        )
    return linear({out.metrics[0]: 1})

"""Policy: a fitted risk model's posterior plus utilities, as a pure serialisable object.

A :class:`Policy` maps a pandas DataFrame of patients to recommendations. It holds only
numpy arrays and floats, so it pickles cheaply to Dask workers and round-trips exactly
through netCDF and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._atomic import atomic_file
from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_names,
    check_number,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.decision._kernel import best_of_units, reduce_draws, reduce_unit_tiles
from decisionkit.exceptions import ValidationError

__all__ = ["Policy"]

_FORMAT = "decisionkit.Policy"
_FORMAT_VERSION = 1
# keys a policy's JSON must hold (see Policy.to_json)
_KEYS = (
    "feature",
    "action",
    "intercept",
    "coef",
    "means",
    "scales",
    "u_event",
    "u_noevent",
    "cost",
    "relative_risk",
)


def _float_array(values: Any, param: str, ndim: int) -> np.ndarray:
    try:
        arr = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail(param, f"a {ndim}-D array of numbers", values) from None
    if arr.ndim != ndim or arr.size == 0:
        raise fail(param, f"a non-empty {ndim}-D array of numbers", f"shape {arr.shape}")
    finite_or_raise(arr, f"The '{param}' parameter of {caller_name()}")
    arr.setflags(write=False)
    return arr


def _per_action(values: Any, param: str, n_actions: int) -> np.ndarray:
    arr = _float_array(values, param, 1)
    if arr.size != n_actions:
        raise fail(param, f"one number per action ({n_actions})", values)
    return arr


@dataclass(frozen=True, eq=False, repr=False)
class Policy:
    r"""A per-patient treatment policy from posterior draws of a logistic risk model.

    For patient :math:`i` with predictors :math:`x_{ij}`, the standardised predictors are
    :math:`z_{ij} = (x_{ij} - m_j) / s_j` and, in posterior draw :math:`d`, the untreated
    risk is :math:`p_{id} = \operatorname{logit}^{-1}(\alpha_d + \sum_j \beta_{dj} z_{ij})`
    (the sum runs over features in a fixed order, so the result for a patient never depends
    on which other patients share its chunk or partition). Action :math:`a` has relative risk
    :math:`r_a`, utility :math:`u^{E}_a` if the event happens, :math:`u^{N}_a` if not, and
    cost :math:`c_a`, so its utility in draw :math:`d` is

    .. math:: U_{ida} = u^{E}_a r_a p_{id} + u^{N}_a (1 - r_a p_{id}) - c_a
                      = (u^{N}_a - c_a) + r_a (u^{E}_a - u^{N}_a)\, p_{id},

    linear in the risk, so its posterior mean is
    :math:`\bar U_{ia} = (u^{N}_a - c_a) + r_a (u^{E}_a - u^{N}_a)\, \bar p_i` with
    :math:`\bar p_i` the posterior mean risk. The recommended action maximises
    :math:`\bar U_{ia}` (ties: first action); ``prob_best`` is the share of draws in which it
    has the highest :math:`U_{ida}` (ties shared equally, as in :func:`decisionkit.decide`).

    The two-action shortcut ``benefit=B, harm=H`` is the decision-curve set-up
    ("No treatment" has utility 0; "Treat" gains ``B`` for a case and loses ``H`` for a
    non-case): ``u_event=(0, B)``, ``u_noevent=(0, -H)``, ``cost=(0, 0)``,
    ``relative_risk=(1, 1)``, so treating is best when :math:`\bar p_i > H / (B + H)`.

    Parameters
    ----------
    intercept_draws : array, shape (n_draws,)
        Posterior draws of the intercept on the standardised scale.
    coef_draws : array, shape (n_draws, n_features)
        Posterior draws of the coefficients on the standardised scale.
    feature_names : sequence of str
        Predictor columns, in the order of ``coef_draws``' columns.
    means, scales : array, shape (n_features,), optional
        Standardisation used when fitting (default 0 and 1: raw scale). Scales must be > 0.
    actions : sequence of str
        Action labels (default ``("No treatment", "Treat")``).
    benefit, harm : float, optional
        Two-action shortcut (see above); both >= 0. Give these or the general spec.
    u_event, u_noevent, cost, relative_risk : array, shape (n_actions,), optional
        General spec. ``cost`` defaults to 0 and ``relative_risk`` to 1 (values in [0, 1]:
        a treatment that raises risk should carry its harm in ``u_*`` or ``cost``).

    References
    ----------
    Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
    models. Med Decis Making 2006;26(6):565-574.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from decisionkit.scale import Policy
    >>> rng = np.random.default_rng(0)
    >>> pol = Policy(rng.normal(-1, 0.1, 200), rng.normal(0.8, 0.1, (200, 1)),
    ...              feature_names=["age"], means=[60.0], scales=[10.0], benefit=1, harm=0.25)
    >>> pol.apply(pd.DataFrame({"age": [40.0, 80.0]}))["recommended"].tolist()
    ['No treatment', 'Treat']
    """

    intercept_draws: np.ndarray = field(repr=False)
    coef_draws: np.ndarray = field(repr=False)
    feature_names: tuple[str, ...]
    means: np.ndarray = field(repr=False)
    scales: np.ndarray = field(repr=False)
    actions: tuple[str, ...]
    u_event: np.ndarray = field(repr=False)
    u_noevent: np.ndarray = field(repr=False)
    cost: np.ndarray = field(repr=False)
    relative_risk: np.ndarray = field(repr=False)

    @validate_params({"benefit": [Interval(0.0, None), None], "harm": [Interval(0.0, None), None]})
    def __init__(
        self,
        intercept_draws: Any,
        coef_draws: Any,
        *,
        feature_names: Sequence[str],
        means: Any = None,
        scales: Any = None,
        actions: Sequence[str] = ("No treatment", "Treat"),
        benefit: float | None = None,
        harm: float | None = None,
        u_event: Any = None,
        u_noevent: Any = None,
        cost: Any = None,
        relative_risk: Any = None,
    ) -> None:
        alpha = _float_array(intercept_draws, "intercept_draws", 1)
        beta = _float_array(coef_draws, "coef_draws", 2)
        if beta.shape[0] != alpha.size:
            raise fail(
                "coef_draws",
                f"an array with one row per intercept draw ({alpha.size})",
                f"shape {beta.shape}",
            )
        names = tuple(check_names(feature_names, "feature_names"))
        n_feat = beta.shape[1]
        if len(names) != n_feat:
            raise fail("feature_names", f"{n_feat} names (one per coef column)", names)
        m = np.zeros(n_feat) if means is None else _float_array(means, "means", 1)
        s = np.ones(n_feat) if scales is None else _float_array(scales, "scales", 1)
        for param, arr in (("means", m), ("scales", s)):
            if arr.size != n_feat:
                raise fail(param, f"one number per feature ({n_feat})", arr.tolist())
        if np.any(s <= 0):
            raise fail("scales", "positive numbers", s.tolist())
        acts = tuple(check_names(actions, "actions"))
        spec = _utility_spec(len(acts), benefit, harm, u_event, u_noevent, cost, relative_risk)
        m.setflags(write=False)
        s.setflags(write=False)
        for name, value in (
            ("intercept_draws", alpha),
            ("coef_draws", beta),
            ("feature_names", names),
            ("means", m),
            ("scales", s),
            ("actions", acts),
            *spec.items(),
        ):
            object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ constructors
    @classmethod
    @validate_params()
    def from_model(cls, model: Any, **spec: Any) -> Policy:
        """Build a Policy from a fitted risk model (duck-typed).

        The model must provide ``posterior_draws(scale="standardised") -> (intercept, coef)``
        (numpy arrays of shapes ``(n_draws,)`` and ``(n_draws, n_features)`` for the
        standardised predictors ``(X - means_) / scales_``) and the
        attributes ``means_``, ``scales_`` and ``feature_names_in_`` (as
        ``decisionkit.models.BayesianLogisticRisk`` does). ``spec`` is passed on to
        :class:`Policy` (``actions``, ``benefit``/``harm`` or the general utility spec).
        """
        missing = [
            a
            for a in ("posterior_draws", "means_", "scales_", "feature_names_in_")
            if not hasattr(model, a)
        ]
        if missing:
            raise fail(
                "model",
                "a fitted risk model with posterior_draws(), means_, scales_ and feature_names_in_",
                type(model).__name__,
                hint=f"It lacks {missing}; call fit() first or build Policy from arrays.",
            )
        intercept, coef = model.posterior_draws(scale="standardised")
        return cls(
            intercept,
            coef,
            feature_names=list(model.feature_names_in_),
            means=model.means_,
            scales=model.scales_,
            **spec,
        )

    # ------------------------------------------------------------------ properties
    @property
    def n_draws(self) -> int:
        """Number of posterior draws."""
        return int(self.intercept_draws.size)

    @property
    def output_columns(self) -> list[str]:
        """Columns of :meth:`apply`'s output, in order."""
        return ["recommended", *(f"expected_utility[{a}]" for a in self.actions), "prob_best"]

    def _meta(self) -> pd.DataFrame:
        """An empty frame with the output columns and dtypes (Dask's ``meta``)."""
        cols: dict[str, Any] = {
            "recommended": pd.Categorical([], categories=list(self.actions)),
        }
        for a in self.actions:
            cols[f"expected_utility[{a}]"] = np.empty(0, dtype=np.float64)
        cols["prob_best"] = np.empty(0, dtype=np.float64)
        return pd.DataFrame(cols)

    # ------------------------------------------------------------------ apply
    @validate_params({"chunk_size": [Interval(1, None, integer=True), None]})
    def apply(
        self,
        data: Any,
        *,
        chunk_size: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """Recommend an action for every patient (row) of ``data``.

        Parameters
        ----------
        data : pandas.DataFrame or dask.dataframe.DataFrame
            One row per patient with (at least) the numeric columns ``feature_names``.
            A Dask DataFrame gives a lazy Dask DataFrame (see :func:`apply_dask`).
        chunk_size : int, optional
            Patients per chunk (pandas input); default keeps one patients x draws block
            under about 4 million values (32 MB). Results do not depend on it.
        on_progress : callable, optional
            ``on_progress(done, total)`` called after each chunk (pandas input).

        Returns
        -------
        DataFrame
            Indexed like ``data``: ``recommended`` (categorical over the actions),
            ``expected_utility[<action>]`` per action and ``prob_best`` (of the recommended
            action).
        """
        if _is_dask_frame(data):
            from decisionkit.scale._dask import apply_dask

            return apply_dask(self, data)
        return self._apply_pandas(data, chunk_size=chunk_size, on_progress=on_progress)

    def _apply_pandas(
        self,
        df: Any,
        *,
        chunk_size: int | None,
        on_progress: Callable[[int, int], None] | None,
        partition: int | None = None,
    ) -> pd.DataFrame:
        if not isinstance(df, pd.DataFrame):
            raise fail("data", "a pandas or dask DataFrame", type(df).__name__)
        n = len(df)
        if chunk_size is None:
            chunk_size = chunk_values(2 * self.n_draws * max(2, len(self.actions)))
        else:
            chunk_size = check_number(chunk_size, "chunk_size", low=1, integer=True)
        if on_progress is not None and not callable(on_progress):
            raise fail("on_progress", "a callable on_progress(done, total)", on_progress)
        x = self._features(df, partition)
        eu = np.empty((n, len(self.actions)))
        best = np.empty(n, dtype=np.intp)
        prob = np.empty(n)
        for start in range(0, n, chunk_size):
            stop = min(n, start + chunk_size)
            best[start:stop], eu[start:stop], prob[start:stop] = self._decide_block(x[start:stop])
            if on_progress is not None:
                on_progress(stop, n)
        out = {
            "recommended": pd.Categorical.from_codes(best, categories=list(self.actions)),
        }
        for k, a in enumerate(self.actions):
            out[f"expected_utility[{a}]"] = eu[:, k]
        out["prob_best"] = prob
        return pd.DataFrame(out, index=df.index)

    @validate_params()
    def features(self, df: pd.DataFrame, *, partition: int | None = None) -> np.ndarray:
        """The predictor matrix ``(n_patients, n_features)`` as float64, after checks.

        Raises a :class:`~decisionkit.exceptions.ValidationError` naming the column (and the
        Dask partition, if any) for missing columns, non-numeric dtypes and NaN/inf values.
        """
        return self._features(df, partition)

    def _features(self, df: pd.DataFrame, partition: int | None) -> np.ndarray:
        where = "" if partition is None else f" in partition {partition}"
        missing = [c for c in self.feature_names if c not in df.columns]
        if missing:
            raise ValidationError(
                f"The predictor column(s) {missing} of the policy are missing{where}. "
                f"The data must hold the columns {list(self.feature_names)}."
            )
        cols = []
        for c in self.feature_names:
            col = df[c]
            if pd.api.types.is_bool_dtype(col.dtype) or not pd.api.types.is_numeric_dtype(
                col.dtype
            ):
                raise ValidationError(
                    f"The predictor column '{c}'{where} must be numeric; got dtype "
                    f"{col.dtype}. Convert it (e.g. with pd.to_numeric) before applying."
                )
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            bad = ~np.isfinite(values)
            if bad.any():
                raise ValidationError(
                    f"The predictor column '{c}'{where} holds {int(bad.sum())} missing or "
                    f"non-finite value(s) (first at index {df.index[np.argmax(bad)]!r}). "
                    "Drop or impute them before applying the policy."
                )
            cols.append(values)
        if not cols:
            return np.empty((len(df), 0))
        return np.stack(cols, axis=1)

    @validate_params()
    def risk_draws(self, x: np.ndarray) -> np.ndarray:
        """Untreated risk draws ``(n_patients, n_draws)`` for a predictor matrix ``x``.

        Elementwise arithmetic only (no BLAS): the linear predictor is accumulated feature by
        feature in a fixed order, so each patient's numbers are independent of chunking.
        """
        return self._risk_draws(x)

    def _risk_draws(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.means) / self.scales
        eta = np.broadcast_to(self.intercept_draws, (x.shape[0], self.n_draws)).copy()
        tmp = np.empty_like(eta)
        for j in range(z.shape[1]):
            np.multiply(z[:, j, None], self.coef_draws[None, :, j], out=tmp)
            eta += tmp
        np.negative(eta, out=eta)
        np.exp(eta, out=eta)
        eta += 1.0
        return np.reciprocal(eta, out=eta)

    def _decide_block(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per patient: recommended action, expected utilities and its P(best), by the kernel."""
        from decisionkit.scale._fused_jit import policy_tiles

        risk = self._risk_draws(x).T  # (draw, patient); undecorated: runs once per block
        base = self.u_noevent - self.cost
        slope = self.relative_risk * (self.u_event - self.u_noevent)
        # the utilities base + slope * risk are written and reduced by the kernel a
        # cache-sized tile of patients at a time, never as one (draw, action, patient) array
        args = (np.ascontiguousarray(risk), base, slope)
        tiled = reduce_unit_tiles(policy_tiles, args, risk.shape[0], base.size, risk.shape[1])
        if tiled is None:  # a non-finite utility: the arrays' pass raises the usual error
            u = base[None, :, None] + slope[None, :, None] * risk[:, None, :]
            reduce_draws(
                xr.DataArray(u, dims=("draw", "action", "unit")),
                prob=None,
                what="The policy's utility draws",
            )
            raise AssertionError("unreachable: the kernel refused the tiles")  # pragma: no cover
        return best_of_units(tiled)

    # ------------------------------------------------------------------ serialisation
    def _dataset(self) -> xr.Dataset:
        return xr.Dataset(
            {
                "intercept": (("draw",), self.intercept_draws),
                "coef": (("draw", "feature"), self.coef_draws),
                "means": (("feature",), self.means),
                "scales": (("feature",), self.scales),
                "u_event": (("action",), self.u_event),
                "u_noevent": (("action",), self.u_noevent),
                "cost": (("action",), self.cost),
                "relative_risk": (("action",), self.relative_risk),
            },
            coords={
                "feature": list(self.feature_names),
                "action": list(self.actions),
            },
            attrs={"format": _FORMAT, "format_version": _FORMAT_VERSION},
        )

    @validate_params()
    def to_netcdf(self, path: str | Path) -> Path:
        """Write the policy to a netCDF file (float64 arrays, exact; never pickles)."""
        path = Path(path)
        with atomic_file(path) as tmp:  # never destroys an older file on error or kill
            self._dataset().to_netcdf(tmp, mode="w", engine="h5netcdf")
        return path

    @classmethod
    @validate_params()
    def from_netcdf(cls, path: str | Path) -> Policy:
        """Read a policy written by :meth:`to_netcdf`."""
        with xr.open_dataset(Path(path), engine="h5netcdf") as ds:
            ds = ds.load()
        if ds.attrs.get("format") != _FORMAT:
            raise ValidationError(
                f"{path} is not a decisionkit Policy file (attribute 'format' is "
                f"{ds.attrs.get('format')!r}). Write it with Policy.to_netcdf()."
            )
        return cls._from_mapping(
            {str(k): ds[k].values for k in ds.data_vars},
            features=[str(f) for f in ds["feature"].values],
            actions=[str(a) for a in ds["action"].values],
        )

    def to_json(self) -> str:
        """The policy as JSON text. Floats are written with ``repr`` so they round-trip."""
        return json.dumps(
            {
                "format": _FORMAT,
                "format_version": _FORMAT_VERSION,
                "feature": list(self.feature_names),
                "action": list(self.actions),
                **{k: v.values.tolist() for k, v in self._dataset().data_vars.items()},
            }
        )

    @classmethod
    @validate_params()
    def from_json(cls, text: str) -> Policy:
        """Read a policy written by :meth:`to_json`."""
        try:
            obj = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"{caller_name()} could not parse the text: {exc}.") from None
        if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
            raise ValidationError(
                f"{caller_name()} needs text written by Policy.to_json() "
                "(a JSON object with format 'decisionkit.Policy')."
            )
        missing = [k for k in _KEYS if k not in obj]
        if missing:
            raise ValidationError(
                f"{caller_name()}: the text lacks the key(s) {missing}; it was not written by "
                "Policy.to_json() or was edited. Write it again with Policy.to_json()."
            )
        try:
            return cls._from_mapping(obj, features=obj["feature"], actions=obj["action"])
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(
                f"{caller_name()}: the stored arrays do not fit together ({exc}). Write the "
                "policy again with Policy.to_json()."
            ) from None

    @classmethod
    def _from_mapping(cls, m: dict[str, Any], *, features: list[str], actions: list[str]):
        n_feat = len(features)
        coef = np.asarray(m["coef"], dtype=np.float64).reshape(-1, n_feat)
        return cls(
            m["intercept"],
            coef,
            feature_names=features,
            means=m["means"],
            scales=m["scales"],
            actions=actions,
            u_event=m["u_event"],
            u_noevent=m["u_noevent"],
            cost=m["cost"],
            relative_risk=m["relative_risk"],
        )

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return self._dataset().identical(other._dataset())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Policy({self.n_draws} draws, features={list(self.feature_names)}, "
            f"actions={list(self.actions)})"
        )


def _utility_spec(
    n_actions: int,
    benefit: Any,
    harm: Any,
    u_event: Any,
    u_noevent: Any,
    cost: Any,
    relative_risk: Any,
) -> dict[str, np.ndarray]:
    shortcut = benefit is not None or harm is not None
    general = u_event is not None or u_noevent is not None
    if shortcut and (general or cost is not None or relative_risk is not None):
        raise ValidationError(
            f"{caller_name()} takes either benefit/harm (two actions) or the general spec "
            "u_event/u_noevent/cost/relative_risk, not both."
        )
    if shortcut:
        if n_actions != 2:
            raise fail("actions", "two actions when benefit/harm are given", n_actions)
        if benefit is None or harm is None:
            raise ValidationError(f"{caller_name()} needs both benefit and harm (or neither).")
        b = check_number(benefit, "benefit", low=0.0)
        h = check_number(harm, "harm", low=0.0)
        u_event, u_noevent, cost, relative_risk = (0.0, b), (0.0, -h), (0.0, 0.0), (1.0, 1.0)
    elif u_event is None or u_noevent is None:
        raise ValidationError(
            f"{caller_name()} needs a utility spec: benefit= and harm= (two actions), or u_event= "
            "and u_noevent= (one number per action; cost= and relative_risk= optional)."
        )
    spec = {
        "u_event": _per_action(u_event, "u_event", n_actions),
        "u_noevent": _per_action(u_noevent, "u_noevent", n_actions),
        "cost": _per_action(np.zeros(n_actions) if cost is None else cost, "cost", n_actions),
        "relative_risk": _per_action(
            np.ones(n_actions) if relative_risk is None else relative_risk,
            "relative_risk",
            n_actions,
        ),
    }
    rr = spec["relative_risk"]
    if np.any((rr < 0) | (rr > 1)):
        raise fail("relative_risk", "numbers in [0, 1]", rr.tolist())
    return spec


def _is_dask_frame(data: Any) -> bool:
    module = type(data).__module__ or ""
    return module.startswith("dask") and hasattr(data, "map_partitions")

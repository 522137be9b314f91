"""OutcomeDistribution: labelled draws of outcomes per action, the one currency between layers.

Models produce an :class:`OutcomeDistribution`; the decision layer consumes it. It wraps an
:class:`xarray.Dataset` with dims ``draw`` and ``action`` (plus optional extra dims such as
``unit`` for patients), one data variable per outcome metric, and optionally the input
parameter draws that produced it (one row per draw, used by EVPPI and EVSI).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._atomic import atomic_file
from decisionkit._validation import (
    Interval,
    Options,
    caller_name,
    check_names,
    fail,
    finite_or_raise,
    validate_params,
)
from decisionkit.exceptions import ValidationError

__all__ = ["OutcomeDistribution"]

DRAW = "draw"
ACTION = "action"
_FORMAT_ATTR = "decisionkit_format"
_FORMAT_VERSION = "outcome-distribution/1"
_RESERVED = (DRAW, ACTION)


class OutcomeDistribution:
    """Draws of one or more outcome metrics for each action (decision option).

    Parameters
    ----------
    data : xarray.Dataset
        One variable per metric, each with dims ``("draw", "action", ...)``. All metrics
        share the same dims. Action labels are strings and unique; at least 2 draws.
    inputs : pandas.DataFrame, optional
        Input parameter draws, one row per draw, in the order of ``data.draw``.

    Notes
    -----
    Prefer the constructors :meth:`from_arrays`, :meth:`from_dataframe`,
    :meth:`from_posterior` and :meth:`from_netcdf`. The object is immutable: every method
    returns new objects and never changes the user's arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> out = dk.OutcomeDistribution.from_arrays(
    ...     {"cost": rng.normal(1000, 100, (500, 2)), "qaly": rng.normal(1, 0.1, (500, 2))},
    ...     actions=["Standard care", "New drug"],
    ... )
    >>> out.actions, out.metrics, out.n_draws
    (['Standard care', 'New drug'], ['cost', 'qaly'], 500)
    """

    __slots__ = ("_data", "_inputs")

    @validate_params()
    def __init__(self, data: xr.Dataset, *, inputs: pd.DataFrame | None = None) -> None:
        if not isinstance(data, xr.Dataset):
            raise TypeError(
                f"The 'data' parameter of {caller_name()} must be an xarray.Dataset. "
                f"Got {type(data).__name__} instead. Use OutcomeDistribution.from_arrays() "
                "for dicts of arrays or from_dataframe() for pandas data."
            )
        self._adopt(data, inputs, copy=True)

    def _adopt(self, data: xr.Dataset, inputs: Any, *, copy: bool) -> None:
        """Check ``data`` and keep it read-only: a deep copy, or the arrays themselves."""
        data = _check_dataset(data)
        # dask arrays are immutable already; copying would not load them either
        data = data.copy(deep=copy and not _is_lazy(data))
        if not _is_lazy(data):
            for var in data.data_vars.values():
                var.values.flags.writeable = False  # immutable: never aliases the user's arrays
        self._data = data
        self._inputs = _check_inputs(inputs, data.sizes[DRAW])

    # ------------------------------------------------------------------ constructors
    @classmethod
    @validate_params({"copy": "boolean"})
    def from_arrays(
        cls,
        metrics: Mapping[str, Any],
        *,
        actions: Sequence[str] | None = None,
        dims: Sequence[str] | None = None,
        coords: Mapping[str, Any] | None = None,
        inputs: pd.DataFrame | Mapping[str, Any] | None = None,
        copy: bool = True,
    ) -> OutcomeDistribution:
        """Build from a dict of arrays, each of shape ``(n_draws, n_actions[, ...])``.

        Parameters
        ----------
        metrics : mapping of str to array-like
            Metric name to array of draws. All arrays must have the same shape.
        actions : sequence of str, optional
            Action labels (default ``"action_0"``, ``"action_1"``, ...).
        dims : sequence of str, optional
            Names of dims beyond ``draw`` and ``action`` (e.g. ``["unit"]``).
        coords : mapping, optional
            Coordinate labels for the extra dims.
        inputs : DataFrame or mapping of 1-D arrays, optional
            Input parameter draws, one row per draw.
        copy : bool, default True
            ``False`` hands float64 numpy arrays over instead of copying them: they are
            checked as usual, then made read-only in place, so the distribution stays
            immutable and later writes through your own references raise. Use it for
            arrays built only to be wrapped (per-patient outputs of millions of values).
            Arrays of other dtypes are still copied; dask arrays never are.
        """
        if not isinstance(metrics, Mapping) or not metrics:
            raise fail("metrics", "a non-empty dict of metric name to array", metrics)
        names = check_names(metrics.keys(), "metrics")
        for name in names:
            _check_label(name, "metric")
        arrays = {}
        for name, value in zip(names, metrics.values(), strict=True):
            if isinstance(value, np.ma.MaskedArray):
                if np.ma.getmaskarray(value).any():
                    raise ValidationError(
                        f"{caller_name()}: metric '{name}' is a masked array with "
                        f"{int(np.ma.getmaskarray(value).sum())} masked value(s). decisionkit "
                        "never drops draws silently: fill them (value.filled(...)) or remove "
                        "those draws first."
                    )
                value = value.data
            arr = value if _is_dask_array(value) else np.asarray(value)
            if not copy and not _is_dask_array(arr) and arr.dtype != np.float64:
                arr = arr.copy()  # only float64 arrays are handed over
            if arr.dtype.kind not in "biuf":
                raise fail(f"metrics['{name}']", "a numeric array", arr.dtype)
            arrays[name] = arr
        shapes = {n: a.shape for n, a in arrays.items()}
        if len(set(shapes.values())) > 1:
            raise ValidationError(
                f"All metrics passed to {caller_name()} must have the same shape "
                f"(n_draws, n_actions, ...), but got {shapes}. Check that each metric has one "
                "row per draw and one column per action."
            )
        shape = next(iter(shapes.values()))
        if len(shape) < 2:
            raise ValidationError(
                f"Metrics passed to {caller_name()} must be at least 2-D (n_draws, n_actions); "
                f"got shape {shape}. For a single action, reshape with arr[:, None]."
            )
        extra = list(dims) if dims is not None else [f"dim_{i}" for i in range(len(shape) - 2)]
        if len(extra) != len(shape) - 2:
            raise fail("dims", f"{len(shape) - 2} name(s) for the extra axes", dims)
        if actions is None:
            actions = [f"action_{i}" for i in range(shape[1])]
        actions = check_names(actions, "actions")
        if len(actions) != shape[1]:
            raise ValidationError(
                f"{caller_name()} got {len(actions)} action names for arrays with {shape[1]} "
                "columns. Pass one name per column."
            )
        all_coords: dict[str, Any] = {DRAW: np.arange(shape[0]), ACTION: actions}
        for dim, size in zip(extra, shape[2:], strict=True):
            labels = (coords or {}).get(dim)
            all_coords[dim] = np.arange(size) if labels is None else np.asarray(labels)
        full_dims = [DRAW, ACTION, *extra]
        ds = xr.Dataset(
            {n: (full_dims, a) for n, a in arrays.items()},
            coords=all_coords,
        )
        # the checks of OutcomeDistribution(ds) without a second public call
        out = cls.__new__(cls)
        out._adopt(ds, _inputs_frame(inputs), copy=copy)
        return out

    @classmethod
    @validate_params({"layout": Options(("auto", "long", "wide"))})
    def from_dataframe(
        cls,
        df: pd.DataFrame,
        *,
        layout: str = "auto",
        action: str = "action",
        draw: str | None = "draw",
        metrics: Sequence[str] | None = None,
        metric: str = "value",
        sep: str = ":",
        inputs: pd.DataFrame | None = None,
    ) -> OutcomeDistribution:
        """Build from a pandas DataFrame in long or wide layout.

        Long layout: one row per (draw, action), an ``action`` column, an optional ``draw``
        column (otherwise rows are numbered within each action in order) and one column per
        metric. Wide layout: one row per draw, and either one column per action (a single
        metric named ``metric``) or columns named ``"<metric><sep><action>"`` (or a
        two-level column MultiIndex ``(metric, action)``).

        Parameters
        ----------
        df : DataFrame
            The draws.
        layout : {"auto", "long", "wide"}
            ``"auto"`` picks long when ``action`` is a column of ``df``.
        action, draw : str
            Column names in the long layout.
        metrics : sequence of str, optional
            Metric columns in the long layout (default: every other numeric column).
        metric : str
            Metric name for a wide frame whose columns are the actions.
        sep : str
            Separator between metric and action in wide column names.
        inputs : DataFrame, optional
            Input parameter draws, one row per draw.
        """
        if not isinstance(df, pd.DataFrame):
            raise fail("df", "a pandas DataFrame", type(df).__name__)
        if df.shape[0] == 0 or df.shape[1] == 0:
            raise ValidationError(
                f"The DataFrame passed to {caller_name()} is empty ({df.shape[0]} rows, "
                f"{df.shape[1]} columns). It needs one row per draw (wide) or per draw and "
                "action (long)."
            )
        check_names(list(df.columns), "df columns")  # `1` and "1" are the same name
        if layout == "auto":
            layout = "long" if action in df.columns else "wide"
        if layout == "long":
            return cls._from_long(df, action=action, draw=draw, metrics=metrics, inputs=inputs)
        if layout == "wide":
            return cls._from_wide(df, metric=metric, sep=sep, inputs=inputs)
        raise fail("layout", "one of 'auto', 'long', 'wide'", layout)

    @classmethod
    def _from_long(cls, df, *, action, draw, metrics, inputs) -> OutcomeDistribution:
        if action not in df.columns:
            raise ValidationError(
                f"{caller_name()}: the long layout needs an '{action}' column; the columns are "
                f"{list(df.columns)}. Pass action='<column name>' or layout='wide'."
            )
        has_draw = draw is not None and draw in df.columns
        if metrics is None:
            skip = {action, draw} if has_draw else {action}
            metrics = [c for c in df.columns if c not in skip]
        metrics = [str(m) for m in metrics]
        missing = [m for m in metrics if m not in df.columns]
        if missing:
            raise ValidationError(
                f"{caller_name()}: metric column(s) {missing} are not in the data; the columns are "
                f"{list(df.columns)}."
            )
        if not metrics:
            raise ValidationError(f"{caller_name()}: no metric columns found besides '{action}'.")
        _check_numeric_columns(df, metrics)
        actions = list(pd.unique(df[action].astype(str)))
        keyed = df.assign(**{action: df[action].astype(str)})
        draw_col = keyed[draw] if has_draw else keyed.groupby(action, sort=False).cumcount()
        keyed = keyed.assign(_draw=draw_col.to_numpy())
        dup = keyed.duplicated(["_draw", action])
        if dup.any():
            first = keyed.loc[dup, ["_draw", action]].iloc[0].tolist()
            raise ValidationError(
                f"{caller_name()}: {int(dup.sum())} duplicated (draw, action) row(s), e.g. "
                f"{first}. Each draw must appear once per action."
            )
        wide = keyed.set_index(["_draw", action])[metrics].unstack(action)
        if wide.isna().to_numpy().any():
            counts = keyed.groupby(action, sort=False).size().to_dict()
            raise ValidationError(
                f"{caller_name()}: the actions do not all have the same draws (rows per action: "
                f"{counts}). Every action needs a value for every draw."
            )
        arrays = {m: wide[m][actions].to_numpy() for m in metrics}
        return cls.from_arrays(arrays, actions=actions, inputs=inputs)

    @classmethod
    def _from_wide(cls, df, *, metric, sep, inputs) -> OutcomeDistribution:
        if DRAW in df.columns and not isinstance(df.columns, pd.MultiIndex):
            raise ValidationError(
                f"{caller_name()}: the wide layout has one row per draw, so a '{DRAW}' "
                "column would "
                "be read as an action. Drop it (or make it the index), or use layout='long'."
            )
        _check_numeric_columns(df, list(df.columns))
        if isinstance(df.columns, pd.MultiIndex):
            pairs = [(str(m), str(a)) for m, a in df.columns]
        else:
            with_sep = [isinstance(c, str) and sep in c for c in df.columns]
            if any(with_sep) and not all(with_sep):
                lacking = [c for c, w in zip(df.columns, with_sep, strict=True) if not w]
                raise ValidationError(
                    f"{caller_name()}: some columns are named '<metric>{sep}<action>' but "
                    f"{lacking[:5]} "
                    f"{'is' if len(lacking) == 1 else 'are'} not. Rename them the same way, "
                    "or pass the parameter columns separately as inputs=."
                )
            if all(with_sep):
                pairs = [tuple(c.split(sep, 1)) for c in df.columns]
            else:
                pairs = [(metric, str(c)) for c in df.columns]
        if len(set(pairs)) != len(pairs):
            dupes = sorted({f"{m}{sep}{a}" for m, a in pairs if pairs.count((m, a)) > 1})
            raise ValidationError(
                f"{caller_name()}: the columns {dupes} appear more than once. Each (metric, "
                "action) "
                "pair needs exactly one column."
            )
        metric_names = list(dict.fromkeys(m for m, _ in pairs))
        actions = list(dict.fromkeys(a for _, a in pairs))
        lookup = dict(zip(pairs, range(len(pairs)), strict=True))
        values = df.to_numpy(dtype=float)
        arrays = {}
        for m in metric_names:
            cols = [lookup.get((m, a)) for a in actions]
            if None in cols:
                absent = [a for a, c in zip(actions, cols, strict=True) if c is None]
                raise ValidationError(
                    f"{caller_name()}: metric '{m}' has no column for action(s) {absent}. Every "
                    "metric needs one column per action."
                )
            arrays[m] = values[:, cols]
        return cls.from_arrays(arrays, actions=actions, inputs=inputs)

    @classmethod
    @validate_params()
    def from_posterior(
        cls,
        idata: Any,
        metrics: Mapping[str, str | Mapping[str, str]],
        *,
        group: str = "posterior",
        action_dim: str = "action",
        inputs: Sequence[str] | None = None,
    ) -> OutcomeDistribution:
        """Build from a PyMC/ArviZ posterior (DataTree) or posterior predictive.

        ``chain`` and ``draw`` are stacked into a single ``draw`` dim, which keeps a ``chain``
        coordinate (the chain of each draw): :func:`~decisionkit.decide` then reports the
        ESS-based Monte-Carlo standard error of ArviZ (``arviz_stats`` ``mcse``, method
        ``"mean"``) instead of ``sd / sqrt(n)``, which understates it for autocorrelated draws.

        Parameters
        ----------
        idata : xarray.DataTree or xarray.Dataset
            The result of ``pm.sample`` (ArviZ 1.x DataTree) or one of its groups.
        metrics : mapping
            Metric name to either the name of a variable with an ``action_dim`` dim, or a
            mapping ``{action label: variable name}`` of scalar-per-draw variables.
        group : str
            Group of ``idata`` to read (``"posterior"`` or ``"posterior_predictive"``).
        action_dim : str
            Name of the dim that indexes actions in single-variable metrics.
        inputs : sequence of str, optional
            Variables to attach as input parameter draws (vector variables are flattened to
            columns ``name[i]``).
        """
        ds = _posterior_dataset(idata, group)
        if not isinstance(metrics, Mapping) or not metrics:
            raise fail("metrics", "a non-empty dict of metric name to variable(s)", metrics)
        stacked = {}
        for name, spec in metrics.items():
            if isinstance(spec, str):
                da = _stack_var(ds, spec)
                if action_dim not in da.dims:
                    raise ValidationError(
                        f"{caller_name()}: variable '{spec}' has dims {list(da.dims)} and no "
                        f"'{action_dim}' dim. Pass action_dim='<dim name>' or map actions to "
                        "variables: {'metric': {'A': 'var_a', 'B': 'var_b'}}."
                    )
                da = da.rename({action_dim: ACTION})
            elif isinstance(spec, Mapping):
                parts = [_stack_var(ds, v) for v in spec.values()]
                labels = check_names(spec.keys(), f"metrics['{name}']")
                da = xr.concat(
                    parts,
                    dim=pd.Index(labels, name=ACTION),
                    coords="minimal",
                    compat="override",
                    join="exact",
                )
            else:
                raise fail(f"metrics['{name}']", "a variable name or a dict", spec)
            da = da.transpose(DRAW, ACTION, ...)
            da = da.assign_coords({ACTION: [str(a) for a in da[ACTION].values]})
            stacked[str(name)] = da.drop_vars([c for c in da.coords if c not in da.dims])
        data = xr.Dataset(stacked)
        data = data.assign_coords({DRAW: np.arange(data.sizes[DRAW])})
        if "chain" in ds.dims:
            # the chain of each stacked draw (chain-major blocks), so that decide() reports
            # ArviZ's ESS-based Monte-Carlo error for autocorrelated MCMC draws
            chains = np.repeat(np.asarray(ds["chain"].values), ds.sizes[DRAW])
            data = data.assign_coords(chain=(DRAW, chains))
        in_frame = None
        if inputs:
            cols = {}
            for var in inputs:
                da = _stack_var(ds, var)
                flat = da.values.reshape(da.sizes[DRAW], -1)
                if flat.shape[1] == 1:
                    cols[var] = flat[:, 0]
                else:
                    for j in range(flat.shape[1]):
                        cols[f"{var}[{j}]"] = flat[:, j]
            in_frame = pd.DataFrame(cols)
        return cls(data, inputs=in_frame)

    @classmethod
    @validate_params()
    def from_netcdf(
        cls, path: str | Path, *, chunks: Mapping[str, int] | None = None
    ) -> OutcomeDistribution:
        """Read an OutcomeDistribution written by :meth:`to_netcdf`.

        Parameters
        ----------
        path : str or Path
            The file.
        chunks : mapping of dim to chunk size, optional
            Open lazily as dask arrays with these chunks (e.g. ``{"unit": 100_000}``): the
            draws stay on disk and every reduction runs chunk by chunk (on a
            ``dask.distributed`` cluster when one is active). Every chunk holds all draws.
            Default: load into memory.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"No such netCDF file: '{path}'.")
        try:
            if chunks is not None:
                spec = {DRAW: -1, **dict(chunks)}
                data = xr.open_dataset(path, group="outcomes", engine="h5netcdf", chunks=spec)
            else:
                with xr.open_dataset(path, group="outcomes", engine="h5netcdf") as f:
                    data = f.load()
        except (OSError, ValueError, KeyError) as exc:
            raise ValidationError(
                f"'{path}' is not an OutcomeDistribution netCDF file (written by "
                f"OutcomeDistribution.to_netcdf): {type(exc).__name__}: {exc}"
            ) from None
        if data.attrs.get(_FORMAT_ATTR) != _FORMAT_VERSION:
            raise ValidationError(
                f"'{path}' was not written by OutcomeDistribution.to_netcdf (its format "
                f"attribute is {data.attrs.get(_FORMAT_ATTR)!r})."
            )
        data.attrs = {k: v for k, v in data.attrs.items() if k != _FORMAT_ATTR}
        inputs = None
        if data.attrs.pop("has_inputs", 0):
            with xr.open_dataset(path, group="inputs", engine="h5netcdf") as f:
                inputs = f.load().to_dataframe().reset_index(drop=True)
        return cls(data, inputs=inputs)

    # ------------------------------------------------------------------ accessors
    @property
    def data(self) -> xr.Dataset:
        """The underlying Dataset: a shallow copy over read-only arrays (deep-copy to modify)."""
        return self._data.copy()

    @property
    def actions(self) -> list[str]:
        """Action labels in order."""
        return [str(a) for a in self._data[ACTION].values]

    @property
    def metrics(self) -> list[str]:
        """Metric names in order."""
        return [str(m) for m in self._data.data_vars]

    @property
    def n_draws(self) -> int:
        """Number of draws."""
        return int(self._data.sizes[DRAW])

    @property
    def n_actions(self) -> int:
        """Number of actions."""
        return int(self._data.sizes[ACTION])

    @property
    def extra_dims(self) -> list[str]:
        """Dims beyond ``draw`` and ``action`` (e.g. ``unit``)."""
        return [str(d) for d in next(iter(self._data.data_vars.values())).dims[2:]]

    @property
    def is_lazy(self) -> bool:
        """True when the draws are dask arrays (computed chunk by chunk, never all at once)."""
        return _is_lazy(self._data)

    def compute(self) -> OutcomeDistribution:
        """An in-memory copy (loads every draw: only for data that fits in memory)."""
        return OutcomeDistribution(self._data.compute(), inputs=self._inputs)

    @property
    def inputs(self) -> pd.DataFrame | None:
        """Input parameter draws (a copy), one row per draw, or None."""
        return None if self._inputs is None else self._inputs.copy()

    @property
    def has_inputs(self) -> bool:
        """Whether input parameter draws are attached (without copying them, as ``inputs``)."""
        return self._inputs is not None

    def __getitem__(self, metric: str) -> xr.DataArray:
        """Draws of one metric as a DataArray (draw, action, ...)."""
        return self.metric(metric)

    @validate_params()
    def metric(self, name: str) -> xr.DataArray:
        """Draws of metric ``name`` as a DataArray; a clear error lists the available ones."""
        if name not in self._data.data_vars:
            raise ValidationError(
                f"Unknown metric {name!r}. The available metrics are {self.metrics}."
            )
        return self._data[name]

    @validate_params()
    def sel_actions(self, actions: Sequence[str]) -> OutcomeDistribution:
        """A new OutcomeDistribution with only ``actions``, in the given order."""
        if isinstance(actions, str):
            raise fail(
                "actions",
                "a list of action names",
                actions,
                hint=f"For one action pass [{actions!r}].",
            )
        wanted = check_names(actions, "actions")
        if not wanted:
            raise fail("actions", "at least one action name", actions)
        unknown = [a for a in wanted if a not in self.actions]
        if unknown:
            raise ValidationError(
                f"Unknown action(s) {unknown}. The available actions are {self.actions}."
            )
        return OutcomeDistribution(self._data.sel({ACTION: wanted}), inputs=self._inputs)

    # ------------------------------------------------------------------ summaries
    def mean(self) -> pd.DataFrame:
        """Posterior/PSA mean of each metric per action (tidy: one row per action)."""
        return self._summary_frame(self._data.mean(DRAW), "mean")

    def sd(self) -> pd.DataFrame:
        """Standard deviation over draws of each metric per action."""
        return self._summary_frame(self._data.std(DRAW, ddof=1), "sd")

    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
    def interval(self, prob: float = 0.95) -> pd.DataFrame:
        """Central (equal-tailed) interval of each metric per action, with probability ``prob``."""
        prob = float(prob)
        q = self._data.quantile([(1 - prob) / 2, (1 + prob) / 2], dim=DRAW)
        lo = self._summary_frame(q.isel(quantile=0, drop=True), "lower")
        hi = self._summary_frame(q.isel(quantile=1, drop=True), "upper")
        return lo.merge(hi)

    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
    def summary(self, prob: float = 0.95) -> pd.DataFrame:
        """Mean, sd and central interval of every metric per action, in one tidy frame."""
        return self.mean().merge(self.sd()).merge(self.interval(prob))

    def _summary_frame(self, ds: xr.Dataset, stat: str) -> pd.DataFrame:
        frame = ds.to_dataframe().reset_index()
        keys = [c for c in frame.columns if c not in self.metrics]
        long = frame.melt(id_vars=keys, value_vars=self.metrics, var_name="metric", value_name=stat)
        return long[["metric", *keys, stat]]

    def to_frame(self) -> pd.DataFrame:
        """Long tidy frame: one row per (draw, action, extra dims), one column per metric."""
        return self._data.to_dataframe().reset_index()

    @validate_params()
    def to_netcdf(self, path: str | Path) -> Path:
        """Write to a netCDF file (groups ``outcomes`` and ``inputs``); never pickles.

        The file is written to a temporary sibling and moved over ``path`` only when complete,
        so an error or a killed process never leaves a damaged file or destroys the old one.
        """
        path = Path(path)
        data = self._data.copy()
        data.attrs = {
            **data.attrs,
            _FORMAT_ATTR: _FORMAT_VERSION,
            "has_inputs": int(self._inputs is not None),
        }
        with atomic_file(path) as tmp:
            data.to_netcdf(tmp, group="outcomes", mode="w", engine="h5netcdf")
            if self._inputs is not None:
                inp = xr.Dataset.from_dataframe(self._inputs.rename_axis(DRAW))
                inp.to_netcdf(tmp, group="inputs", mode="a", engine="h5netcdf")
        return path

    def __repr__(self) -> str:
        extra = "".join(f", {d}: {self._data.sizes[d]}" for d in self.extra_dims)
        inputs = "none" if self._inputs is None else f"{self._inputs.shape[1]} parameters"
        return (
            f"<OutcomeDistribution draws: {self.n_draws}, actions: {self.n_actions}{extra}>\n"
            f"  actions: {self.actions}\n  metrics: {self.metrics}\n  inputs: {inputs}"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OutcomeDistribution):
            return NotImplemented
        same_inputs = (self._inputs is None and other._inputs is None) or (
            self._inputs is not None
            and other._inputs is not None
            and self._inputs.equals(other._inputs)
        )
        return bool(self._data.identical(other._data)) and same_inputs

    __hash__ = None  # type: ignore[assignment]


# ---------------------------------------------------------------------- helpers
def require_outcomes(obj: Any, caller: str | None = None, *, hint: str = "") -> OutcomeDistribution:
    """Return ``obj`` if it is an OutcomeDistribution, else raise the standard error.

    The one check every consumer of outcomes (decide, utilities, CEA, VOI) runs at its
    public boundary; ``hint`` says how to build one for that caller. The error names
    ``caller`` when given (a utility or a structure inside the call), else the public
    function running (see :func:`decisionkit._validation.validate_params`).
    """
    if not isinstance(obj, OutcomeDistribution):
        raise fail(
            "outcomes",
            caller if caller is not None else caller_name(),
            "an OutcomeDistribution",
            type(obj).__name__,
            hint or "Build one with dk.OutcomeDistribution.from_arrays().",
        )
    return obj


def _check_label(name: str, kind: str) -> None:
    """Refuse names that cannot be written to netCDF and read back as they were.

    Control characters are refused for every name by ``check_names``; a variable name (a
    metric or an input column) may also not contain '/' (a netCDF group separator) nor be a
    name the format uses itself (``draw``, ``action``), which would vanish in a round trip.
    """
    if name == ".":  # HDF5 reads "." as the group itself: the variable cannot be written
        raise ValidationError(
            f"{caller_name()}: a {kind} cannot be called '.', which files cannot store. Rename it."
        )
    if "/" in name:
        raise ValidationError(
            f"{caller_name()}: the {kind} name {name!r} contains '/', which files cannot store. "
            "Rename it (for example with '_' or ' per ')."
        )
    if name in _RESERVED:
        raise ValidationError(
            f"{caller_name()}: {kind} cannot be called {name!r}: the name is reserved for the "
            f"{name} dimension. Rename it (for example '{name}_value')."
        )


_FINITE_HINT = "Remove or fix the draws that produced them; decisionkit never drops draws silently."


def _is_dask_array(x: Any) -> bool:
    return type(x).__module__.startswith("dask.") and hasattr(x, "chunks")


def _is_lazy(data: xr.Dataset) -> bool:
    return any(_is_dask_array(v.data) for v in data.data_vars.values())


def _check_finite_block(block: np.ndarray, what: str) -> np.ndarray:
    """Runs inside the dask graph: a block with NaN or infinity fails the computation."""
    finite_or_raise(block, what + " (in one chunk)", _FINITE_HINT)
    return block


def _finite_in_graph(da: xr.DataArray, what: str) -> xr.DataArray:
    """Validate a dask-backed metric chunk by chunk when it is computed, never loading it all.

    Every chunk must hold all draws (chunk along ``action`` or extra dims such as ``unit``),
    because every reduction over draws needs a whole column of draws at once.
    """
    draw_chunks = da.chunksizes.get(DRAW, (da.sizes[DRAW],))
    if len(draw_chunks) > 1:
        raise ValidationError(
            f"{caller_name()}: {what} is split into {len(draw_chunks)} chunks along 'draw'. Each "
            "chunk must hold every draw; chunk along another dim instead, e.g. "
            "ds.chunk({'draw': -1, 'unit': 100_000})."
        )
    return xr.apply_ufunc(
        _check_finite_block,
        da,
        kwargs={"what": what},
        dask="parallelized",
        output_dtypes=[da.dtype],
        keep_attrs=True,
    )


def _check_dataset(data: xr.Dataset) -> xr.Dataset:
    if not data.data_vars:
        raise ValidationError(f"{caller_name()}: the dataset has no metric variables.")
    for name in data.data_vars:
        _check_label(str(name), "metric")
    dims = None
    for name, da in data.data_vars.items():
        if da.dims[:2] != (DRAW, ACTION):
            raise ValidationError(
                f"{caller_name()}: metric '{name}' has dims {list(da.dims)}; every metric "
                "must start "
                f"with ('{DRAW}', '{ACTION}'). Transpose it first."
            )
        if dims is not None and da.dims != dims:
            raise ValidationError(
                f"{caller_name()}: metrics have different dims ({list(dims)} vs "
                f"{list(da.dims)} for "
                f"'{name}'). Every metric must have the same dims."
            )
        dims = da.dims
        if da.dtype.kind not in "biuf":
            raise ValidationError(f"{caller_name()}: metric '{name}' is not numeric ({da.dtype}).")
        if _is_dask_array(da.data):
            data[name] = _finite_in_graph(da, f"Metric '{name}'")
        else:
            finite_or_raise(da.values, f"Metric '{name}'", _FINITE_HINT)
    if data.sizes[DRAW] < 2:
        raise ValidationError(
            f"{caller_name()}: got {data.sizes[DRAW]} draw(s); at least 2 draws are "
            "needed to describe "
            "uncertainty. Sample more draws (typically 1,000 or more)."
        )
    if data.sizes[ACTION] == 0:
        raise ValidationError(
            f"{caller_name()}: there are no actions to decide between. Pass at least one column "
            "(action) of draws; two or more to compare."
        )
    if ACTION not in data.coords:
        data = data.assign_coords({ACTION: [f"action_{i}" for i in range(data.sizes[ACTION])]})
    check_names(list(data[ACTION].values), "actions")
    if DRAW not in data.coords:
        data = data.assign_coords({DRAW: np.arange(data.sizes[DRAW])})
    return data


def _check_inputs(inputs: Any, n_draws: int) -> pd.DataFrame | None:
    if inputs is None:
        return None
    if not isinstance(inputs, pd.DataFrame):
        raise fail("inputs", "a pandas DataFrame (one row per draw) or None", type(inputs).__name__)
    if len(inputs) != n_draws:
        raise ValidationError(
            f"{caller_name()}: inputs has {len(inputs)} rows but the outcomes have "
            f"{n_draws} draws. "
            "Pass one row of input parameters per draw, in the same order."
        )
    names = check_names(inputs.columns, "inputs")
    frame = inputs.copy()
    frame.columns = names
    for name in names:
        _check_label(name, "input parameter")
        frame[name] = _numeric_input(frame[name], name)
    return frame.reset_index(drop=True)


def _numeric_input(col: pd.Series, name: str) -> pd.Series:
    """Input parameters must be plain numbers: EVPPI regresses on them and files store them.

    pandas' nullable numbers (``Int64``, ``Float64``, ``boolean``) without missing values
    become the equal numpy dtype (the values are unchanged); anything else is refused.
    """
    dtype = col.dtype
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "biuf":
        if col.isna().any():
            raise ValidationError(
                f"{caller_name()}: input parameter {name!r} has {int(col.isna().sum())} missing "
                "value(s). Every draw needs a value of every input; fix or drop them."
            )
        return col.to_numpy(dtype=dtype.numpy_dtype)
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
        raise ValidationError(
            f"{caller_name()}: input parameter {name!r} is not numeric (dtype {dtype}). Inputs are "
            "the model's parameter draws and must be numbers; encode categories as 0/1 "
            "indicators or drop the column."
        )
    finite_or_raise(col.to_numpy(), f"Input parameter {name!r}", "Fix or drop those draws.")
    return col


def _inputs_frame(inputs: Any) -> pd.DataFrame | None:
    if inputs is None or isinstance(inputs, pd.DataFrame):
        return inputs
    if isinstance(inputs, Mapping):
        try:
            return pd.DataFrame({k: np.asarray(v) for k, v in inputs.items()})
        except ValueError as exc:
            raise ValidationError(f"{caller_name()}: inputs could not be aligned: {exc}") from exc
    raise fail("inputs", "a DataFrame or a dict of 1-D arrays", type(inputs).__name__)


def _check_numeric_columns(df: pd.DataFrame, columns: list[Any]) -> None:
    for col in columns:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise ValidationError(
                f"{caller_name()}: column {col!r} is not numeric (dtype {df[col].dtype}). Metric "
                "columns must hold numbers; convert or drop it."
            )


def _posterior_dataset(idata: Any, group: str) -> xr.Dataset:
    if isinstance(idata, xr.Dataset):
        return idata
    if isinstance(idata, xr.DataTree):
        if group not in idata.children:
            raise ValidationError(
                f"{caller_name()}: the DataTree has no '{group}' group; its groups are "
                f"{list(idata.children)}."
            )
        return idata[group].to_dataset()
    raise fail("idata", "an xarray DataTree (ArviZ 1.x) or Dataset", type(idata).__name__)


def _stack_var(ds: xr.Dataset, var: str) -> xr.DataArray:
    if var not in ds.data_vars:
        raise ValidationError(
            f"{caller_name()}: variable {var!r} is not in the posterior; its variables are "
            f"{list(ds.data_vars)}."
        )
    da = ds[var]
    if "chain" in da.dims:
        da = da.stack(_sample=("chain", DRAW)).drop_vars(
            ["_sample", "chain", DRAW], errors="ignore"
        )
        da = da.rename({"_sample": DRAW})
    if DRAW not in da.dims:
        raise ValidationError(f"{caller_name()}: variable {var!r} has no 'draw' dim.")
    return da.transpose(DRAW, ...).drop_vars(DRAW, errors="ignore")

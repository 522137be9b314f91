"""Dask back end: apply a Policy to a Dask DataFrame, write results atomically, progress.

Dask is optional; it is imported inside the functions here, through
:func:`decisionkit._validation.require`, so ``import decisionkit.scale`` never needs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from decisionkit._atomic import atomic_folder, check_replaceable_folder
from decisionkit._validation import Interval, caller_name, fail, require, validate_params
from decisionkit.exceptions import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from decisionkit.scale._policy import Policy

__all__ = ["active_client", "apply_dask", "apply_to_parquet", "progress_context"]


def _require_dask(feature: str) -> Any:
    require("dask", feature, "dask")
    return require("dask.dataframe", feature, "dask")


def active_client() -> Any | None:
    """The current ``dask.distributed`` client, or None (also when distributed is absent)."""
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    try:
        return get_client()
    except ValueError:  # no client in this context
        return None


def _apply_partition(df: pd.DataFrame, policy: Policy, partition_info: Any = None) -> pd.DataFrame:
    number = None if partition_info is None else partition_info.get("number")
    return policy._apply_pandas(df, chunk_size=None, on_progress=None, partition=number)


def _check_schema(policy: Policy, ddf: Any) -> None:
    """Checks that need no computation: columns present and numeric (from ``ddf.dtypes``)."""
    missing = [c for c in policy.feature_names if c not in ddf.columns]
    if missing:
        raise ValidationError(
            f"The predictor column(s) {missing} of the policy are missing from the Dask "
            f"DataFrame (all partitions). The data must hold the columns "
            f"{list(policy.feature_names)}."
        )
    for c in policy.feature_names:
        dtype = ddf.dtypes[c]
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise ValidationError(
                f"The predictor column '{c}' of the Dask DataFrame (all partitions) must be "
                f"numeric; got dtype {dtype}. Convert it (e.g. with dd.to_numeric) first."
            )


@validate_params()
def apply_dask(policy: Policy, ddf: Any, *, client: Any = None) -> Any:
    """Lazily apply ``policy`` to every partition of a Dask DataFrame.

    Each partition is processed by the same code as the in-memory path, so the computed
    result is bit-identical to ``policy.apply(ddf.compute())``. Missing or non-numeric
    predictor columns raise at once; NaN/inf values raise a
    :class:`~decisionkit.exceptions.ValidationError` naming the column and the partition
    number when the result is computed.

    Broadcast: when a ``dask.distributed`` client is active (or given), the policy is sent
    once to every worker with ``client.scatter(policy, broadcast=True, hash=True)`` and the
    tasks receive the resulting future, so a worker deserialises the posterior once, not
    once per partition, and the task graph stays small. Without a client the policy is
    embedded once in the graph (dask deduplicates the argument by its token) and shared by
    the threads of the local scheduler.

    Parameters
    ----------
    policy : Policy
    ddf : dask.dataframe.DataFrame
        One row per patient; its index is kept.
    client : distributed.Client, optional
        Defaults to the active client, if any.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; columns as :attr:`Policy.output_columns`.
    """
    _require_dask(f"{caller_name()} on a Dask DataFrame")
    _check_schema(policy, ddf)
    meta = policy._meta()
    meta.index = ddf._meta.index[:0]
    client = client if client is not None else active_client()
    arg: Any = policy
    if client is not None:
        arg = client.scatter(policy, broadcast=True, hash=True)
    return ddf.map_partitions(_apply_partition, arg, meta=meta, align_dataframes=False)


@contextlib.contextmanager
def progress_context(enabled: bool, client: Any = None) -> Iterator[Any]:
    """Yield a function ``show(futures)`` and, locally, show dask's ProgressBar.

    With a distributed client, ``show`` calls :func:`distributed.progress` on the futures
    (the dashboard also shows the tasks); without one, :class:`dask.diagnostics.ProgressBar`
    is active for the duration of the block.
    """
    if not enabled:
        yield lambda futures: None
        return
    if client is not None:
        from distributed import progress

        yield lambda futures: progress(futures)
        return
    from dask.diagnostics import ProgressBar

    with ProgressBar():
        yield lambda futures: None


@validate_params(
    {
        "chunk_size": [Interval(1, None, integer=True), None],
        "overwrite": "boolean",
        "progress": "boolean",
    }
)
def apply_to_parquet(
    policy: Policy,
    data: Any,
    path: str | Path,
    *,
    chunk_size: int | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> Path:
    """Apply ``policy`` and write the recommendations to a Parquet dataset, atomically.

    Output goes to a hidden temporary directory next to ``path`` that is renamed to
    ``path`` only after every partition was written; on any error (bad data in a partition,
    a lost cluster) the temporary directory is removed and nothing appears at ``path``.

    Parameters
    ----------
    policy : Policy
    data : pandas.DataFrame or dask.dataframe.DataFrame
    path : str or Path
        Directory to create (one ``part.*.parquet`` file per partition or chunk).
    chunk_size : int, optional
        Patients per chunk for pandas input (one file each).
    overwrite : bool
        Replace an existing ``path`` (after the new output is complete).
    progress : bool
        Show progress (dask's ProgressBar locally, ``distributed.progress`` with a client).

    Returns
    -------
    Path
    """
    require("pyarrow", "Writing Parquet", "dask")
    path = Path(path)
    if path.exists() and not overwrite:
        raise fail("path", "a path that does not exist yet", str(path), hint="Pass overwrite=True.")
    # only a folder this function wrote earlier may be replaced (never '.', a parent, a
    # project folder or the folder the input is read from)
    check_replaceable_folder(path, sources=_source_paths(data))

    def write(tmp: Path) -> None:
        if _is_dask(data):
            client = active_client()
            result = apply_dask(policy, data, client=client)
            with progress_context(progress, client) as show:
                if client is not None:
                    job = client.compute(result.to_parquet(str(tmp), compute=False))
                    show(job)
                    job.result()
                else:
                    result.to_parquet(str(tmp))
        else:
            tmp.mkdir()
            n = len(data)
            step = n if chunk_size is None else int(chunk_size)
            result = policy.apply(data, chunk_size=chunk_size)
            for k, start in enumerate(range(0, max(n, 1), max(step, 1))):
                result.iloc[start : start + step].to_parquet(tmp / f"part.{k}.parquet")

    atomic_folder(path, write)
    return path


def _source_paths(data: Any) -> tuple[Path, ...]:
    """Files or folders a Dask DataFrame reads from (best effort; empty for pandas)."""
    expr = getattr(data, "expr", None)
    if expr is None or not hasattr(expr, "walk"):
        return ()
    found: list[Path] = []
    for node in expr.walk():
        params = getattr(type(node), "_parameters", ())
        if "path" in params:
            value = node.operand("path")
            items = value if isinstance(value, list | tuple) else [value]
            found += [Path(v) for v in items if isinstance(v, str | Path)]
    return tuple(found)


def _is_dask(data: Any) -> bool:
    from decisionkit.scale._policy import _is_dask_frame

    return _is_dask_frame(data)

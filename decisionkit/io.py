"""Read user-supplied CSV files safely: outcome draws and patient tables.

These readers are the one place where bytes from outside (a dashboard upload, a file on
disk) become decisionkit objects. They parse with :func:`pandas.read_csv` only (never
pickle, never ``eval``), refuse files larger than ``max_bytes`` before reading them whole,
and check the content at once, raising :class:`~decisionkit.exceptions.ValidationError`
with what is wrong and how to fix it: bytes that are not UTF-8 text, an empty file, a header
without rows, unnamed or duplicated columns, text in number columns, missing or infinite
values, a single draw, risks outside [0, 1]. They never drop, clip or impute anything.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import check_in, check_number, fail
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = [
    "DEFAULT_MAX_BYTES",
    "read_outcomes_csv",
    "read_patient_csv",
    "read_predictor_csv",
    "read_survival_csv",
]

#: Default size limit of a CSV file (50 MiB), the same as the dashboard's upload limit.
DEFAULT_MAX_BYTES = 50 * 2**20

_Source = bytes | bytearray | memoryview | str | os.PathLike | Any


def read_outcomes_csv(
    source: _Source,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    layout: str = "auto",
    action: str = "action",
    draw: str = "draw",
    sep: str = ":",
    metric: str = "value",
) -> OutcomeDistribution:
    r"""Read outcome draws from a CSV file in long or wide layout.

    Long layout: one row per (draw, action), an ``action`` column, an optional ``draw``
    column and one column per metric::

        draw,action,cost,qaly
        0,Standard care,1000,6.1
        0,New drug,1500,6.3

    Wide layout: one row per draw, columns named ``"<metric>:<action>"`` (or one column per
    action for a single metric, named ``metric``)::

        cost:Standard care,cost:New drug,qaly:Standard care,qaly:New drug
        1000,1500,6.1,6.3

    Parameters
    ----------
    source : bytes, str, path-like or binary file-like
        The CSV content (``bytes``), a path to it, or an open binary file (e.g. a Streamlit
        ``UploadedFile``). Text must be UTF-8 (a byte-order mark is allowed).
    max_bytes : int
        Refuse larger files (default 50 MiB) without reading them whole.
    layout : {"auto", "long", "wide"}
        ``"auto"`` picks long when there is an ``action`` column.
    action, draw : str
        Column names of the long layout.
    sep : str
        Separator between metric and action in wide column names.
    metric : str
        Metric name when the wide columns are just the actions.

    Returns
    -------
    OutcomeDistribution

    Raises
    ------
    ValidationError
        When the file cannot be used; the message says what is wrong and how to fix it.

    Examples
    --------
    >>> from decisionkit.io import read_outcomes_csv
    >>> out = read_outcomes_csv(b"cost:A,cost:B\n1,2\n3,4\n")
    >>> out.actions, out.metrics, out.n_draws
    (['A', 'B'], ['cost'], 2)
    """
    caller = "read_outcomes_csv"
    check_in(layout, ("auto", "long", "wide"), "layout", caller)
    df = _read_frame(source, max_bytes=max_bytes, caller=caller)
    if layout == "auto":
        layout = "long" if action in df.columns else "wide"
    if layout == "long":
        if action not in df.columns:
            raise ValidationError(
                f"{caller}: the long layout needs an {action!r} column naming the action of each "
                f"row, but the columns are {_cols(df)}. Add it, or use the wide layout with "
                f"columns named '<metric>{sep}<action>'."
            )
        numeric = [c for c in df.columns if c != action]
        if len(numeric) == (1 if draw in df.columns else 0):
            raise ValidationError(
                f"{caller}: the file has an {action!r} column but no metric columns (columns: "
                f"{_cols(df)}). Add one numeric column per outcome metric, e.g. cost and qaly."
            )
        _check_numbers(df, numeric, caller)
        n_draws = df.groupby(action, sort=False).size().max()
    else:
        _check_numbers(df, list(df.columns), caller)
        n_draws = len(df)
    if n_draws < 2:
        raise ValidationError(
            f"{caller}: the file holds a single draw per action; at least 2 draws are needed to "
            "describe uncertainty. Export all the draws of your simulation or posterior "
            "(typically 1,000 or more), not just their mean."
        )
    try:
        return OutcomeDistribution.from_dataframe(
            df, layout=layout, action=action, draw=draw, sep=sep, metric=metric
        )
    except ValidationError as exc:
        raise ValidationError(f"{caller}: {exc}") from None


def read_patient_csv(
    source: _Source,
    *,
    outcome: str = "outcome",
    risks: Sequence[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[pd.Series, pd.DataFrame]:
    r"""Read a patient table: a binary outcome column and one or more predicted-risk columns.

    ::

        outcome,model_a,model_b
        1,0.31,0.25
        0,0.04,0.10

    Parameters
    ----------
    source : bytes, str, path-like or binary file-like
        As in :func:`read_outcomes_csv`.
    outcome : str
        Name of the outcome column; its values must be 0 (no event) or 1 (event).
    risks : sequence of str, optional
        Risk columns (predicted probabilities in [0, 1]). Default: every other column.
    max_bytes : int
        Refuse larger files (default 50 MiB).

    Returns
    -------
    outcome : pandas.Series
        The 0/1 outcomes as integers, named ``outcome``.
    risks : pandas.DataFrame
        The risk columns as floats, one row per patient, in file order.

    Raises
    ------
    ValidationError
        When the file cannot be used; the message says what is wrong and how to fix it.

    Examples
    --------
    >>> from decisionkit.io import read_patient_csv
    >>> y, r = read_patient_csv(b"outcome,model\n1,0.8\n0,0.1\n")
    >>> y.tolist(), list(r.columns)
    ([1, 0], ['model'])
    """
    caller = "read_patient_csv"
    y, frame = _outcome_table(
        source,
        outcome,
        risks,
        kind="risk",
        add_hint="Add at least one column of predicted risks (probabilities between 0 and 1), "
        "one per model.",
        use="a patient table needs one row per patient of a cohort (typically hundreds)",
        max_bytes=max_bytes,
        caller=caller,
    )
    risk_cols = list(frame.columns)
    values = frame.to_numpy()
    outside = (values < 0) | (values > 1)
    if outside.any():
        rows, cols = np.nonzero(outside)
        col = risk_cols[cols[0]]
        raise ValidationError(
            f"{caller}: risk column {col!r} holds {int(outside[:, cols[0]].sum())} value(s) "
            f"outside [0, 1], first {float(values[rows[0], cols[0]]):g} in data row {rows[0] + 1}. "
            "Risks are probabilities: if they are percentages, divide by 100; if they "
            "are scores or log-odds, convert them to probabilities first."
        )
    return y, frame


def read_predictor_csv(
    source: _Source,
    *,
    outcome: str = "event",
    predictors: Sequence[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[pd.Series, pd.DataFrame]:
    r"""Read a cohort to fit a risk model on: a binary outcome column and numeric predictors.

    ::

        age,male,sbp,event
        63,1,141,0
        71,0,158,1

    Parameters
    ----------
    source : bytes, str, path-like or binary file-like
        As in :func:`read_outcomes_csv`.
    outcome : str
        Name of the outcome column; its values must be 0 (no event) or 1 (event).
    predictors : sequence of str, optional
        Predictor columns. Default: every other column. Each must hold finite numbers
        (one-hot encode categories as 0/1 columns first) and vary across patients.
    max_bytes : int
        Refuse larger files (default 50 MiB).

    Returns
    -------
    outcome : pandas.Series
        The 0/1 outcomes as integers, named ``outcome``.
    predictors : pandas.DataFrame
        The predictor columns as floats, one row per patient, in file order.

    Raises
    ------
    ValidationError
        When the file cannot be used; the message says what is wrong and how to fix it.

    Examples
    --------
    >>> from decisionkit.io import read_predictor_csv
    >>> y, X = read_predictor_csv(b"age,event\n63,0\n71,1\n")
    >>> y.tolist(), list(X.columns)
    ([0, 1], ['age'])
    """
    caller = "read_predictor_csv"
    y, frame = _outcome_table(
        source,
        outcome,
        predictors,
        kind="predictor",
        add_hint="Add at least one predictor column (a number per patient, e.g. age).",
        use="fitting a risk model needs one row per patient of a cohort (typically hundreds)",
        max_bytes=max_bytes,
        caller=caller,
    )
    cols = list(frame.columns)
    constant = [c for c in cols if frame[c].nunique() < 2]
    if constant:
        raise ValidationError(
            f"{caller}: predictor column(s) {constant} have the same value for every patient, "
            "so they carry no information; remove them."
        )
    return y, frame


# ---------------------------------------------------------------------- private steps
def read_survival_csv(source: _Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> pd.DataFrame:
    r"""Read a time-to-event table: one row per patient, time and event columns (and others).

    ::

        arm,pfs_months,pfs_event,os_months,os_event
        New drug,7.5,1,16.2,0

    Only the reading is checked here (size, UTF-8, a header, rows of equal length); the
    time and event columns are checked when the data are used
    (:meth:`decisionkit.models.survival.SurvivalData.from_frame`: negative times, events not
    0/1, missing values), since which columns they are is the user's choice.

    Parameters
    ----------
    source : bytes, str, path-like or binary file-like
        As in :func:`read_outcomes_csv`.
    max_bytes : int
        Refuse larger files (default 50 MiB).

    Returns
    -------
    pandas.DataFrame
        The table as read by :func:`pandas.read_csv`.

    Examples
    --------
    >>> from decisionkit.io import read_survival_csv
    >>> read_survival_csv(b"time,event\n3.2,1\n5.0,0\n").shape
    (2, 2)
    """
    caller = "read_survival_csv"
    df = _read_frame(source, max_bytes=max_bytes, caller=caller)
    if df.shape[1] < 2:
        raise ValidationError(
            f"{caller}: the file has one column ({_cols(df)}); a survival table needs at least "
            "a time column and an event column (1 = event, 0 = censored)."
        )
    return df


def _outcome_table(
    source: _Source,
    outcome: str,
    columns: Sequence[str] | None,
    *,
    kind: str,
    add_hint: str,
    use: str,
    max_bytes: int,
    caller: str,
) -> tuple[pd.Series, pd.DataFrame]:
    """Read a table of a 0/1 ``outcome`` and numeric ``kind`` columns (default: all others).

    The shared steps of :func:`read_patient_csv` and :func:`read_predictor_csv`.
    """
    df = _read_frame(source, max_bytes=max_bytes, caller=caller)
    _check_outcome_column(df, outcome, caller)
    if columns is None:
        cols = [c for c in df.columns if c != outcome]
    else:
        cols = [str(c) for c in columns]
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValidationError(
                f"{caller}: {kind} column(s) {missing} are not in the file; the columns are "
                f"{_cols(df)}."
            )
    if not cols:
        raise ValidationError(f"{caller}: the file has only the {outcome!r} column. {add_hint}")
    _check_numbers(df, [outcome, *cols], caller)
    y = df[outcome]
    _check_binary(y, outcome, caller)
    if len(df) < 2:
        raise ValidationError(f"{caller}: the file holds a single patient; {use}.")
    frame = df[cols].astype(float).reset_index(drop=True)
    return y.astype(int).rename(outcome).reset_index(drop=True), frame


def _read_frame(source: _Source, *, max_bytes: int, caller: str) -> pd.DataFrame:
    """Bytes -> UTF-8 text -> checked header -> pandas DataFrame with at least one row."""
    max_bytes = int(check_number(max_bytes, "max_bytes", caller, low=1, integer=True))
    raw = _read_bytes(source, max_bytes, caller)
    text = _decode(raw, caller)
    if not text.strip():
        raise ValidationError(
            f"{caller}: the file is empty. Upload a CSV file with a header row and one row "
            "per draw (or per patient)."
        )
    _check_header(text, caller)
    try:
        with warnings.catch_warnings():
            # a row longer than the header would otherwise become a silent index column
            # (or, with index_col=False, be truncated with only a ParserWarning)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(io.StringIO(text), skipinitialspace=True, index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning, ValueError) as exc:
        raise ValidationError(
            f"{caller}: the file is not a valid CSV table ({str(exc).strip()}). Check that every "
            "row has as many comma-separated fields as the header."
        ) from None
    if df.empty:
        raise ValidationError(
            f"{caller}: the file has a header ({_cols(df)}) but no data rows. Add one row per "
            "draw (or per patient) below the header."
        )
    return df


def _read_bytes(source: _Source, max_bytes: int, caller: str) -> bytes:
    limit = f"{max_bytes / 2**20:.0f} MB" if max_bytes >= 2**20 else f"{max_bytes} bytes"
    too_big = (
        f"{caller}: the file is larger than the limit of {limit}. Thin the draws (e.g. keep "
        "every 10th) or drop unused columns, then try again."
    )
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
        if len(raw) > max_bytes:
            raise ValidationError(too_big + f" (It has {len(raw) / 2**20:.1f} MB.)")
        return raw
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"{caller}: no file at {str(path)!r}. Check the path.")
        size = path.stat().st_size
        if size > max_bytes:
            raise ValidationError(too_big + f" (It has {size / 2**20:.1f} MB.)")
        return path.read_bytes()
    if hasattr(source, "read"):
        size = getattr(source, "size", None)  # Streamlit's UploadedFile knows its size
        if isinstance(size, int) and size > max_bytes:
            raise ValidationError(too_big + f" (It has {size / 2**20:.1f} MB.)")
        raw = source.read(max_bytes + 1)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        if len(raw) > max_bytes:
            raise ValidationError(too_big)
        return bytes(raw)
    raise fail("source", caller, "CSV bytes, a file path or an open binary file", source)


def _decode(raw: bytes, caller: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{caller}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line} "
            "cannot be decoded). Is it a spreadsheet (.xlsx) or a CSV saved in another "
            "encoding? Save it as 'CSV UTF-8' and upload again."
        ) from None


def _check_header(text: str, caller: str) -> None:
    """Refuse unnamed or duplicated column names, which pandas would rename silently."""
    header = next(csv.reader(io.StringIO(text.lstrip("\r\n"))), [])
    names = [h.strip() for h in header]
    empty = [i + 1 for i, n in enumerate(names) if n == ""]
    if empty:
        raise ValidationError(
            f"{caller}: column {empty[0]} of the header has no name (often a row index written "
            "by DataFrame.to_csv()). Remove that column or save with index=False, and give "
            "every column a name."
        )
    seen: set[str] = set()
    dupes = sorted({n for n in names if n in seen or seen.add(n)})
    if dupes:
        raise ValidationError(
            f"{caller}: the header repeats the column name(s) {dupes}. Give every column a "
            "unique name."
        )


def _check_numbers(df: pd.DataFrame, columns: Sequence[Any], caller: str) -> None:
    """Every listed column must hold finite numbers; say where the first bad cell is."""
    for col in columns:
        values = df[col]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            coerced = pd.to_numeric(values, errors="coerce")
            text = values[coerced.isna() & values.notna()]
            if len(text):
                row = df.index.get_loc(text.index[0])
                raise ValidationError(
                    f"{caller}: column {col!r} must hold numbers but has text, first "
                    f"{str(text.iloc[0])!r} in data row {row + 1}. Fix that value; "
                    "if this column labels the actions, name it 'action' (long layout)."
                )
            if pd.api.types.is_bool_dtype(values):
                raise ValidationError(
                    f"{caller}: column {col!r} holds true/false values; write them as 1/0."
                )
        finite = np.isfinite(df[col].to_numpy(dtype=float, na_value=np.nan))
        if not finite.all():
            row = int(np.flatnonzero(~finite)[0])
            n_nan = int(df[col].isna().sum())
            raise ValidationError(
                f"{caller}: column {col!r} holds {int((~finite).sum())} missing or infinite "
                f"value(s) ({n_nan} missing/NaN), first in data row {row + 1}. "
                "decisionkit never drops rows silently: fill them in or remove those rows."
            )


def _cols(df: pd.DataFrame) -> list[str]:
    cols = [str(c) for c in df.columns]
    return cols if len(cols) <= 12 else [*cols[:12], "..."]


def _check_outcome_column(df: pd.DataFrame, outcome: str, caller: str) -> None:
    if outcome not in df.columns:
        raise ValidationError(
            f"{caller}: there is no {outcome!r} column; the columns are {_cols(df)}. Name the "
            "column holding the observed outcome (1 = event, 0 = no event) "
            f"{outcome!r}, or choose it with outcome='<column>'."
        )


def _check_binary(y: pd.Series, outcome: str, caller: str) -> None:
    bad = ~y.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValidationError(
            f"{caller}: the {outcome!r} column must hold 0 (no event) or 1 (event), but "
            f"{int(bad.sum())} value(s) are neither, first {y.iloc[row]:g} in data row "
            f"{row + 1}. Recode the outcome as 0/1."
        )

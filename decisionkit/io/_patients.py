"""Read patient tables: a 0/1 event column with predicted risks, or with predictors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from decisionkit._validation import validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.io._source import DEFAULT_MAX_BYTES, _Source, check_numbers, read_table
from decisionkit.io._source import cols as shown


@validate_params()
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
    y, frame = _outcome_table(
        source,
        outcome,
        risks,
        kind="risk",
        add_hint="Add at least one column of predicted risks (probabilities between 0 and 1), "
        "one per model.",
        use="a patient table needs one row per patient of a cohort (typically hundreds)",
        max_bytes=max_bytes,
    )
    risk_cols = list(frame.columns)
    values = frame.to_numpy()
    outside = (values < 0) | (values > 1)
    if outside.any():
        rows, cols = np.nonzero(outside)
        col = risk_cols[cols[0]]
        raise ValidationError(
            f"Risk column {col!r} holds {int(outside[:, cols[0]].sum())} value(s) "
            f"outside [0, 1], first {float(values[rows[0], cols[0]]):g} in data row {rows[0] + 1}. "
            "Risks are probabilities: if they are percentages, divide by 100; if they "
            "are scores or log-odds, convert them to probabilities first."
        )
    return y, frame


@validate_params()
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
    y, frame = _outcome_table(
        source,
        outcome,
        predictors,
        kind="predictor",
        add_hint="Add at least one predictor column (a number per patient, e.g. age).",
        use="fitting a risk model needs one row per patient of a cohort (typically hundreds)",
        max_bytes=max_bytes,
    )
    cols = list(frame.columns)
    constant = [c for c in cols if frame[c].nunique() < 2]
    if constant:
        raise ValidationError(
            f"Predictor column(s) {constant} have the same value for every patient, "
            "so they carry no information; remove them."
        )
    return y, frame


@validate_params()
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
        As in :func:`decisionkit.io.read_psa`.
    max_bytes : int
        Refuse larger files (default :data:`decisionkit.io.DEFAULT_MAX_BYTES`).

    Returns
    -------
    pandas.DataFrame
        The table as read (text labels as written).

    Examples
    --------
    >>> from decisionkit.io import read_survival_csv
    >>> read_survival_csv(b"time,event\n3.2,1\n5.0,0\n").shape
    (2, 2)
    """
    df = read_table(source, max_bytes=max_bytes).frame
    if df.shape[1] < 2:
        raise ValidationError(
            f"The file has one column ({shown(df.columns)}); a survival table needs at least "
            "a time column and an event column (1 = event, 0 = censored)."
        )
    return df


# ---------------------------------------------------------------------- private steps
def _outcome_table(
    source: _Source,
    outcome: str,
    columns: Sequence[str] | None,
    *,
    kind: str,
    add_hint: str,
    use: str,
    max_bytes: int,
) -> tuple[pd.Series, pd.DataFrame]:
    """Read a table of a 0/1 ``outcome`` and numeric ``kind`` columns (default: all others).

    The shared steps of :func:`read_patient_csv` and :func:`read_predictor_csv`.
    """
    df = read_table(source, max_bytes=max_bytes).frame
    _check_outcome_column(df, outcome)
    if columns is None:
        cols = [c for c in df.columns if c != outcome]
    else:
        cols = [str(c) for c in columns]
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValidationError(
                f"{kind.capitalize()} column(s) {missing} are not in the file; the columns are "
                f"{shown(df.columns)}."
            )
    if not cols:
        raise ValidationError(f"The file has only the {outcome!r} column. {add_hint}")
    check_numbers(df, [outcome, *cols])
    y = df[outcome]
    _check_binary(y, outcome)
    if len(df) < 2:
        raise ValidationError(f"The file holds a single patient; {use}.")
    frame = df[cols].astype(float).reset_index(drop=True)
    return y.astype(int).rename(outcome).reset_index(drop=True), frame


def _check_outcome_column(df: pd.DataFrame, outcome: str) -> None:
    if outcome not in df.columns:
        raise ValidationError(
            f"There is no {outcome!r} column; the columns are {shown(df.columns)}. Name the "
            "column holding the observed outcome (1 = event, 0 = no event) "
            f"{outcome!r}."
        )


def _check_binary(y: pd.Series, outcome: str) -> None:
    bad = ~y.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValidationError(
            f"The {outcome!r} column must hold 0 (no event) or 1 (event), but "
            f"{int(bad.sum())} value(s) are neither, first {y.iloc[row]:g} in data row "
            f"{row + 1}. Recode the outcome as 0/1."
        )

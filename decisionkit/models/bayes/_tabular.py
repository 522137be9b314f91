"""Checks of tabular predictors and binary outcomes shared by the risk models.

Every check raises :class:`~decisionkit.exceptions.ValidationError` (or ``TypeError``)
with a message that names the offending column and says how to fix it, and the public
function the user called (:func:`~decisionkit._validation.caller_name`, set by its
``@validate_params``). Nothing here changes the user's data: columns are only selected and
reordered by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name
from decisionkit.exceptions import ValidationError

__all__ = ["check_binary_y", "check_predict_X", "check_train_X"]


def _as_frame(X: Any) -> pd.DataFrame:
    caller = caller_name()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"The 'X' parameter of {caller} must be a pandas DataFrame with one named column per "
            f"predictor. Got {type(X).__name__} instead. Wrap arrays with "
            "pd.DataFrame(X, columns=[...]) so predictors are matched by name at predict time."
        )
    if X.shape[1] == 0:
        raise ValidationError(f"{caller}: X has no columns. Pass at least one predictor column.")
    if X.shape[0] == 0:
        raise ValidationError(f"{caller}: X has no rows. Pass at least one patient (row).")
    if X.columns.duplicated().any():
        dupes = sorted({str(c) for c in X.columns[X.columns.duplicated()]})
        raise ValidationError(
            f"{caller}: X has duplicated column names {dupes}. Rename or drop the duplicates."
        )
    return X


def _numeric_matrix(X: pd.DataFrame) -> np.ndarray:
    bad = [
        str(c)
        for c, dt in X.dtypes.items()
        if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))
    ]
    if bad:
        raise ValidationError(
            f"{caller_name()}: predictor column(s) {bad} are not numeric. One-hot encode "
            f"categorical columns first, e.g. X = pd.get_dummies(X, columns={bad}, "
            "drop_first=True, dtype=float), or convert them with pd.to_numeric."
        )
    values = X.to_numpy(dtype=float, na_value=np.nan)
    bad_counts = (~np.isfinite(values)).sum(axis=0)
    if bad_counts.any():
        where = ", ".join(
            f"'{c}' ({int(n)})" for c, n in zip(X.columns, bad_counts, strict=True) if n
        )
        raise ValidationError(
            f"{caller_name()}: NaN or infinite values were detected in predictor column(s) {where} "
            "(count in brackets). Drop or impute them before calling again."
        )
    return values


def check_train_X(X: Any) -> tuple[np.ndarray, list[str]]:
    """Check training predictors; return a float matrix and the column names.

    Raises for non-DataFrames, non-numeric columns, NaN/inf (naming the columns and
    counts) and constant columns (naming them).
    """
    X = _as_frame(X)
    values = _numeric_matrix(X)
    names = [str(c) for c in X.columns]
    constant = [n for n, sd in zip(names, values.std(axis=0), strict=True) if not sd > 0]
    if constant:
        raise ValidationError(
            f"{caller_name()}: predictor column(s) {constant} are constant (one value in every "
            f"row) and carry no information about risk. Drop them, e.g. "
            f"X = X.drop(columns={constant})."
        )
    return values, names


def check_predict_X(X: Any, feature_names: Sequence[str]) -> tuple[np.ndarray, pd.Index]:
    """Check predictors at predict time; select the training columns by name.

    Columns are reordered to the training order by name; extra columns are ignored;
    missing ones raise an error listing them. Returns the float matrix and the row index.
    """
    X = _as_frame(X)
    by_name = {str(c): c for c in X.columns}
    missing = [f for f in feature_names if f not in by_name]
    if missing:
        raise ValidationError(
            f"{caller_name()}: X lacks the predictor column(s) {missing} that the model was fitted "
            "on. Add them (with the same encoding as at fit time) before predicting."
        )
    selected = X[[by_name[f] for f in feature_names]]
    return _numeric_matrix(selected), X.index


def check_binary_y(y: Any, n_rows: int, caller: str | None = None) -> np.ndarray:
    """Check a binary outcome of length ``n_rows``; return it as an int8 array of 0/1.

    Errors name ``caller`` if given, else the public function running (the default).
    """
    caller = caller if caller is not None else caller_name()
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValidationError(
                f"{caller}: y must be one column of 0/1 outcomes; got a DataFrame with "
                f"{y.shape[1]} columns. Pass the outcome column, e.g. df['event']."
            )
        y = y.iloc[:, 0]
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValidationError(
            f"{caller}: y must be 1-D (one 0/1 outcome per row of X); got shape {arr.shape}."
        )
    if arr.shape[0] != n_rows:
        raise ValidationError(
            f"{caller}: X has {n_rows} rows but y has {arr.shape[0]} values. Pass one outcome "
            "per row of X (check for rows dropped from only one of them)."
        )
    if arr.dtype.kind == "b":
        return arr.astype(np.int8)
    missing = pd.isna(arr)
    if missing.any():
        raise ValidationError(
            f"{caller}: y holds {int(missing.sum())} missing value(s) (NaN/None) out of "
            f"{arr.shape[0]}. Drop those rows from both X and y, or impute the outcome."
        )
    if arr.dtype.kind not in "iuf":
        found = sorted({str(v) for v in arr.tolist()})[:10]
        raise ValidationError(
            f"{caller}: y must be binary 0/1 (or bool); found non-numeric values {found}. "
            "Recode it, e.g. y = (y == 'yes').astype(int)."
        )
    values = np.unique(arr)
    if not np.isin(values, [0, 1]).all():
        shown = values[:10].tolist()
        raise ValidationError(
            f"{caller}: y must be binary 0/1 (or bool); found the values {shown}"
            f"{' ...' if values.size > 10 else ''}. Recode the outcome to 0 (no event) and "
            "1 (event)."
        )
    if values.size < 2:
        raise ValidationError(
            f"{caller}: y holds only the value {int(values[0])}; a risk model needs both events "
            "(1) and non-events (0) to learn from."
        )
    return arr.astype(np.int8)


def check_enough_rows(n_rows: int, n_features: int) -> None:
    """Require ``n_rows >= n_features + 2`` (intercept + one residual degree of freedom)."""
    needed = n_features + 2
    if n_rows < needed:
        raise ValidationError(
            f"{caller_name()}: {n_rows} rows are too few for {n_features} predictor(s); at least "
            f"{needed} rows are needed (n_predictors + 2), and about 10 events per predictor "
            "for stable estimates. Collect more data or use fewer predictors."
        )

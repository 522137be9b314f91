"""Survival data: times, event indicators, optional entry times and covariates, validated.

:class:`SurvivalData` is the one input every survival model takes. It is built from a pandas
DataFrame with :meth:`SurvivalData.from_frame`, which checks the columns once (negative times,
events other than 0/1, NaN, entry after exit) with errors that say how to fix them, and never
alters the user's frame. Covariates are turned into a design matrix: numeric columns are used
as they are, text/categorical/boolean columns get treatment (dummy) coding against their first
level, and a level that was not in the fitted data is an error at prediction time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, fail, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["SurvivalData"]


@dataclass(frozen=True)
class _Covariate:
    """How one covariate column enters the design matrix."""

    name: str
    levels: tuple[Any, ...] | None  # None for a numeric column; levels[0] is the reference

    @property
    def columns(self) -> list[str]:
        if self.levels is None:
            return [self.name]
        return [f"{self.name}[{level}]" for level in self.levels[1:]]

    def encode(self, values: pd.Series) -> np.ndarray:
        if self.levels is None:
            try:
                arr = pd.to_numeric(values).to_numpy(dtype=float)
            except (TypeError, ValueError):
                raise fail(
                    "covariates", f"numeric in column '{self.name}'", values.iloc[0]
                ) from None
            if not np.isfinite(arr).all():
                raise ValidationError(
                    f"Column '{self.name}' holds NaN or infinite values. "
                    "Drop or impute them before calling again."
                )
            return arr[:, None]
        if values.isna().any():
            raise ValidationError(
                f"Column '{self.name}' holds {int(values.isna().sum())} missing value(s). "
                "Drop or impute them before calling again."
            )
        unknown = sorted({str(v) for v in values.unique() if v not in self.levels})
        if unknown:
            raise ValidationError(
                f"Column '{self.name}' has level(s) {unknown} that were not in the data the "
                f"model was fitted to; the known levels are {[str(v) for v in self.levels]}. "
                "Use one of those, or refit with data that contain the new level."
            )
        return np.column_stack([(values == lev).to_numpy(dtype=float) for lev in self.levels[1:]])


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


@dataclass(frozen=True, eq=False)
class SurvivalData:
    r"""Right-censored (optionally left-truncated) survival times with covariates.

    Build it with :meth:`from_frame`. Each row is a patient followed from ``entry`` (0 unless
    left-truncated) to ``time``, where ``event`` is 1 for the event of interest and 0 for
    censoring.

    Attributes
    ----------
    time, event, entry : ndarray
        Exit times, event indicators (0/1 as integers) and entry times (all 0 when there is
        no left truncation).
    covariates : DataFrame
        A copy of the covariate columns (possibly with no columns).
    design : ndarray
        The design matrix ``(n, k)`` built from ``covariates`` (treatment coding for
        categorical columns, reference = first level).
    """

    time: np.ndarray
    event: np.ndarray
    entry: np.ndarray
    covariates: pd.DataFrame
    design: np.ndarray
    _terms: tuple[_Covariate, ...] = field(repr=False)

    @classmethod
    @validate_params()
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        time: str,
        event: str | None = None,
        entry: str | None = None,
        covariates: Sequence[str] | str | None = None,
    ) -> SurvivalData:
        """Read and validate survival data from a DataFrame.

        Parameters
        ----------
        frame : DataFrame
            One row per patient. It is not modified.
        time : str
            Column of follow-up (exit) times, >= 0, in the unit every later time is read in.
        event : str, optional
            Column of event indicators, 1 = event, 0 = censored (booleans accepted). Without
            it every row is an event.
        entry : str, optional
            Column of entry (left-truncation) times, 0 <= entry < time.
        covariates : str or sequence of str, optional
            Columns used as covariates. Numeric columns enter as they are; text, categorical
            and boolean columns are dummy-coded against their first level (the first
            category of a pandas Categorical, otherwise the first in sorted order).

        Returns
        -------
        SurvivalData

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"t": [1.0, 2.5, 3.0], "d": [1, 0, 1], "arm": ["A", "B", "A"]})
        >>> SurvivalData.from_frame(df, time="t", event="d", covariates="arm").design_columns
        ['arm[B]']
        """
        if not isinstance(frame, pd.DataFrame):
            raise fail("frame", "a pandas DataFrame", type(frame).__name__)
        if len(frame) == 0:
            raise fail("frame", "a DataFrame with at least one row", "an empty frame")
        if isinstance(covariates, str):
            covariates = [covariates]
        covariates = list(covariates or [])
        for param, col in [("time", time), ("event", event), ("entry", entry)] + [
            ("covariates", c) for c in covariates
        ]:
            if col is not None and col not in frame.columns:
                raise fail(
                    param,
                    "a column of the frame",
                    col,
                    hint=f"The columns are {list(map(str, frame.columns))}.",
                )
        t = _numeric_column(frame[time], time)
        if (t < 0).any():
            raise ValidationError(
                f"Column '{time}' holds {int((t < 0).sum())} negative time(s) (the first is "
                f"{t[t < 0][0]:g}). Survival times must be >= 0; check the data for entry errors."
            )
        d = np.ones(len(t), dtype=np.int64) if event is None else _event_column(frame[event], event)
        if entry is None:
            e = np.zeros(len(t))
        else:
            e = _numeric_column(frame[entry], entry)
            if (e < 0).any():
                raise ValidationError(
                    f"Column '{entry}' holds negative entry time(s). Entry times must be >= 0."
                )
            if (e >= t).any():
                raise ValidationError(
                    f"{int((e >= t).sum())} row(s) have an entry time at or after their exit "
                    f"time ('{entry}' >= '{time}'). Each patient must enter before leaving."
                )
        terms = []
        for col in covariates:
            series = frame[col]
            if _is_categorical(series):
                if isinstance(series.dtype, pd.CategoricalDtype):
                    levels = tuple(series.cat.categories)
                else:
                    levels = tuple(sorted(series.dropna().unique(), key=str))
                if len(levels) < 2:
                    raise ValidationError(
                        f"Covariate '{col}' has only one level ({list(levels)}); it cannot be "
                        "estimated. Drop it from 'covariates'."
                    )
                terms.append(_Covariate(str(col), levels))
            else:
                terms.append(_Covariate(str(col), None))
        cov = frame[covariates].copy()
        X = _design(terms, cov)
        for arr in (t, d, e, X):
            arr.setflags(write=False)
        return cls(t, d, e, cov, X, tuple(terms))

    # ------------------------------------------------------------------ properties
    @property
    def n(self) -> int:
        """Number of patients."""
        return len(self.time)

    @property
    def n_events(self) -> int:
        """Number of events."""
        return int(self.event.sum())

    @property
    def truncated(self) -> bool:
        """Whether any patient enters after time 0."""
        return bool((self.entry > 0).any())

    @property
    def design_columns(self) -> list[str]:
        """Names of the design-matrix columns, e.g. ``['group[Medium]', 'group[Poor]']``."""
        return [c for term in self._terms for c in term.columns]

    @property
    def covariate_names(self) -> list[str]:
        """Names of the covariate columns."""
        return [term.name for term in self._terms]

    @validate_params()
    def levels(self, column: str) -> list[Any] | None:
        """Levels of a categorical covariate (reference first), ``None`` for a numeric one."""
        for term in self._terms:
            if term.name == column:
                return None if term.levels is None else list(term.levels)
        raise fail("column", "a covariate name", column)

    @validate_params()
    def design_for(
        self, covariates: Any, caller: str | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Design rows and weights for predictions.

        ``covariates`` is ``None`` (no covariates, or the average over the fitted patients),
        a mapping ``{column: value}`` (one profile) or a DataFrame (the average over its
        rows). Returns the unique design rows ``(m, k)`` and their weights (summing to 1).
        """
        caller = caller or caller_name()
        if not self._terms:
            if covariates is not None and len(covariates) > 0:
                raise fail("covariates", caller, "None for a model without covariates", covariates)
            return np.zeros((1, 0)), np.ones(1)
        if covariates is None:
            X = self.design
        elif isinstance(covariates, Mapping):
            missing = [n for n in self.covariate_names if n not in covariates]
            if missing:
                raise fail(
                    "covariates",
                    caller,
                    f"a mapping with a value for each covariate {self.covariate_names}",
                    dict(covariates),
                    f"Missing: {missing}.",
                )
            row = pd.DataFrame({n: [covariates[n]] for n in self.covariate_names})
            X = _design(self._terms, row)
        elif isinstance(covariates, pd.DataFrame):
            missing = [n for n in self.covariate_names if n not in covariates.columns]
            if missing or len(covariates) == 0:
                raise fail(
                    "covariates",
                    caller,
                    f"a non-empty DataFrame with columns {self.covariate_names}",
                    f"columns {list(covariates.columns)}",
                )
            X = _design(self._terms, covariates[self.covariate_names])
        else:
            raise fail(
                "covariates",
                caller,
                "None, a mapping {column: value} or a DataFrame",
                type(covariates).__name__,
            )
        rows, counts = np.unique(X, axis=0, return_counts=True)
        return rows, counts / counts.sum()

    @validate_params()
    def design_rows(self, frame: pd.DataFrame) -> np.ndarray:
        """The design matrix ``(len(frame), k)`` of every row of ``frame``, in order.

        Coded as the fitted data are (same reference levels). Unlike :meth:`design_for`,
        rows are neither merged nor weighted: one design row per patient.
        """
        return _design(self._terms, frame[self.covariate_names])

    @validate_params()
    def subset(self, index: Any) -> SurvivalData:
        """The patients at ``index`` (integer positions, repeats allowed), same coding."""
        idx = np.asarray(index)
        arrays = [a[idx].copy() for a in (self.time, self.event, self.entry, self.design)]
        for arr in arrays:
            arr.setflags(write=False)
        cov = self.covariates.iloc[idx].reset_index(drop=True)
        return SurvivalData(arrays[0], arrays[1], arrays[2], cov, arrays[3], self._terms)

    def to_frame(self) -> pd.DataFrame:
        """The data as a tidy DataFrame (time, event, entry, covariates)."""
        out = pd.DataFrame({"time": self.time, "event": self.event, "entry": self.entry})
        return pd.concat([out, self.covariates.reset_index(drop=True)], axis=1)

    def __repr__(self) -> str:
        trunc = ", left-truncated" if self.truncated else ""
        cov = f", covariates {self.covariate_names}" if self._terms else ""
        return f"SurvivalData(n={self.n}, events={self.n_events}{trunc}{cov})"


def _design(terms: Sequence[_Covariate], frame: pd.DataFrame) -> np.ndarray:
    if not terms:
        return np.zeros((len(frame), 0))
    return np.hstack([term.encode(frame[term.name]) for term in terms]).astype(float)


def _numeric_column(series: pd.Series, name: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise ValidationError(
            f"Column '{name}' must hold numbers; it has dtype {series.dtype}. Convert it with "
            "pd.to_numeric first."
        )
    arr = series.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(arr).all():
        n_bad = int((~np.isfinite(arr)).sum())
        raise ValidationError(
            f"Column '{name}' holds {n_bad} NaN or infinite value(s). Drop or impute them "
            "before calling again."
        )
    return arr.copy()


def _event_column(series: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(series) and not series.isna().any():
        return series.to_numpy(dtype=np.int64)
    arr = _numeric_column(series, name)
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        raise ValidationError(
            f"Column '{name}' must hold event indicators 0 (censored) or 1 (event); it holds "
            f"{sorted(set(arr[bad].tolist()))[:5]}. Recode it (e.g. R's censrec is already "
            "0/1; a 1/2 coding as in survival::lung needs `status - 1`)."
        )
    return arr.astype(np.int64)

"""LifeTable: age- (and optionally sex-) banded background mortality rates.

Shared by the cohort models, the microsimulation and the survival models (general
population mortality as a floor on an extrapolated hazard).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import fail, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["LifeTable"]


class LifeTable:
    r"""Annual mortality rates by single year of age (and optionally sex).

    The rate (hazard) is constant within each one-year age band :math:`[a, a+1)`; the
    last band extends to all higher ages. So the cumulative hazard from age :math:`x_0`
    over :math:`t` years is the integral of a step function,

    .. math:: H(x_0, t) = \int_0^t \mu(\lfloor x_0 + u \rfloor)\,du,
              \qquad S(x_0, t) = e^{-H(x_0, t)}.

    Parameters
    ----------
    frame : DataFrame
        One row per age (and sex); ages must be consecutive integers with no gaps.
    age : str, default "age"
        Column of integer ages (years).
    rate : str, default "rate"
        Column of annual mortality rates (hazards, per person-year), non-negative. To use
        one-year death probabilities :math:`q`, pass ``-log(1 - q)``.
    sex : str, optional
        Column of sex labels; every sex must cover the same ages.

    Examples
    --------
    >>> import pandas as pd
    >>> lt = LifeTable(pd.DataFrame({"age": [60, 61, 62], "rate": [0.01, 0.02, 0.03]}))
    >>> float(lt.hazard(61.5))
    0.02
    >>> round(float(lt.cumulative_hazard(60.5, 1.0)), 6)
    0.015
    """

    @validate_params()
    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        age: str = "age",
        rate: str = "rate",
        sex: str | None = None,
    ) -> None:
        if not isinstance(frame, pd.DataFrame) or frame.empty:
            raise fail("frame", "a non-empty DataFrame of ages and rates", frame)
        for param, col in (("age", age), ("rate", rate)) + ((("sex", sex),) if sex else ()):
            if col not in frame.columns:
                raise fail(
                    param,
                    f"a column of the life table (columns: {list(frame.columns)})",
                    col,
                )
        ages = pd.to_numeric(frame[age], errors="coerce").to_numpy(dtype=float)
        rates = pd.to_numeric(frame[rate], errors="coerce").to_numpy(dtype=float)
        if np.isnan(ages).any() or np.any(ages != np.round(ages)):
            raise ValidationError(
                f"The life table's '{age}' column must hold whole-year ages with no missing values."
            )
        if not np.all(np.isfinite(rates)) or np.any(rates < 0):
            raise ValidationError(
                f"The life table's '{rate}' column must hold finite, non-negative annual "
                "mortality rates with no missing values."
            )
        labels = frame[sex].astype(str).to_numpy() if sex else np.full(len(frame), "")
        self.sexes_: tuple[str, ...] = tuple(sorted(set(labels)))
        table: dict[str, np.ndarray] = {}
        first_age: int | None = None
        for s in self.sexes_:
            mask = labels == s
            a = ages[mask].astype(int)
            order = np.argsort(a)
            a, r = a[order], rates[mask][order]
            if np.any(np.diff(a) != 1):
                gaps = np.setdiff1d(np.arange(a[0], a[-1] + 1), a)
                who = f" for sex {s!r}" if sex else ""
                raise ValidationError(
                    f"The life table{who} must list every age once from {a[0]} to {a[-1]}; "
                    + (
                        f"missing ages {gaps[:10].tolist()}."
                        if gaps.size
                        else "some ages appear twice."
                    )
                )
            if first_age is None:
                first_age = int(a[0])
            if int(a[0]) != first_age or (table and a.size != next(iter(table.values())).size):
                raise ValidationError("Every sex in the life table must cover the same ages.")
            table[s] = r
        self.min_age_: int = int(first_age)  # type: ignore[arg-type]
        self.rates_: dict[str, np.ndarray] = table
        self.has_sex_: bool = sex is not None

    @property
    def max_age(self) -> int:
        """The last tabulated age (its rate applies to all higher ages)."""
        return self.min_age_ + next(iter(self.rates_.values())).size - 1

    # -- lookups ---------------------------------------------------------------------------
    def _rates_for(self, sex: Any, shape: tuple[int, ...]) -> np.ndarray:
        """Rates table per element: array (n_sexes, n_ages) and index array of ``shape``."""
        if not self.has_sex_:
            if sex is not None:
                raise ValidationError("This life table has no sex column; call it without 'sex'.")
            return np.zeros(shape, dtype=int)
        if sex is None:
            raise ValidationError(
                f"This life table is by sex ({', '.join(self.sexes_)}); pass 'sex'."
            )
        sex_arr = np.broadcast_to(np.asarray(sex).astype(str), shape)
        idx = np.searchsorted(np.array(self.sexes_), sex_arr)
        idx = np.clip(idx, 0, len(self.sexes_) - 1)
        bad = np.array(self.sexes_)[idx] != sex_arr
        if bad.any():
            raise ValidationError(
                f"Unknown sex {str(sex_arr[bad].flat[0])!r}; the life table has "
                f"{', '.join(self.sexes_)}."
            )
        return idx

    def _matrix(self) -> np.ndarray:
        return np.stack([self.rates_[s] for s in self.sexes_])

    @validate_params()
    def hazard(self, age: Any, sex: Any = None) -> np.ndarray:
        """Annual mortality rate at ``age`` (years; any array shape), by ``sex`` if tabulated.

        Ages below the table's first age are refused; ages past its last use the last rate.
        """
        a = np.asarray(age, dtype=float)
        self._check_ages(a)
        band = np.clip(np.floor(a).astype(int) - self.min_age_, 0, self.max_age - self.min_age_)
        s = self._rates_for(sex, a.shape)
        return self._matrix()[s, band]

    @validate_params()
    def cumulative_hazard(self, age0: Any, t: Any, sex: Any = None) -> np.ndarray:
        """Cumulative hazard from age ``age0`` over the next ``t`` years (broadcast)."""
        a0, tt = np.broadcast_arrays(np.asarray(age0, dtype=float), np.asarray(t, dtype=float))
        self._check_ages(a0)
        if not np.all(np.isfinite(tt)) or np.any(tt < 0):
            raise ValidationError("Times in a life-table lookup must be finite and >= 0.")
        s = self._rates_for(sex, a0.shape)
        mat = self._matrix()
        # cumulative hazard at integer ages: H_int[s, k] = sum of rates of bands below k
        cum = np.concatenate([np.zeros((mat.shape[0], 1)), np.cumsum(mat, axis=1)], axis=1)
        return self._h_at(a0 + tt, s, mat, cum) - self._h_at(a0, s, mat, cum)

    def _h_at(self, x: np.ndarray, s: np.ndarray, mat: np.ndarray, cum: np.ndarray) -> np.ndarray:
        """Cumulative hazard from the table's first age to age ``x``."""
        n_bands = mat.shape[1]
        rel = x - self.min_age_
        k = np.clip(np.floor(rel).astype(int), 0, n_bands - 1)
        return cum[s, k] + (rel - k) * mat[s, k]

    @validate_params()
    def survival(self, age0: Any, t: Any, sex: Any = None) -> np.ndarray:
        """Probability of surviving ``t`` more years from age ``age0``."""
        return np.exp(-self.cumulative_hazard(age0, t, sex))

    def _check_ages(self, a: np.ndarray) -> None:
        if not np.all(np.isfinite(a)):
            raise ValidationError("Ages in a life-table lookup must be finite numbers.")
        if np.any(a < self.min_age_):
            raise ValidationError(
                f"Age {float(a.min()):g} is below the life table's first age "
                f"({self.min_age_}); extend the table to younger ages."
            )

    def __repr__(self) -> str:
        by = f", by sex ({', '.join(self.sexes_)})" if self.has_sex_ else ""
        return f"LifeTable(ages {self.min_age_}-{self.max_age}{by})"

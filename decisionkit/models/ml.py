r"""Risk draws from any scikit-learn classifier by the nonparametric bootstrap.

:class:`BootstrapRisk` refits a classifier on :math:`B` bootstrap resamples of the
training data and returns, for every patient :math:`i`, the :math:`B` predicted risks
:math:`\hat p^{(b)}_i`: draws of the model's risk estimate that carry its estimation
uncertainty (Efron and Tibshirani 1993, ch. 6), in the same ``(draw, unit)`` layout as
:meth:`~decisionkit.models.BayesianLogisticRisk.predict_risk`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    caller_name,
    check_in,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import NotFittedError, ValidationError
from decisionkit.models.bayes._tabular import check_binary_y

__all__ = ["BootstrapRisk"]

# plain bootstrap: how many times to redraw a resample that holds a single class
_MAX_REDRAWS = 100


class BootstrapRisk:
    r"""Bootstrap a scikit-learn classifier into draws of each patient's risk.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Any unfitted estimator with ``predict_proba`` (a Pipeline ending in a classifier is
        fine). It is cloned for every resample; if it has a ``random_state`` parameter, each
        clone gets its own seed derived from ``random_seed``.
    n_bootstrap : int, default 200
        Number of bootstrap resamples :math:`B` (= number of risk draws).
    stratify : bool, default True
        Resample within each outcome class, keeping the number of events fixed. With
        ``False`` (plain bootstrap), a resample that holds only one class cannot be fitted,
        so it is redrawn (up to 100 times; this conditions on both classes being present,
        which matters only when events are very rare).
    calibrate : bool, default False
        Wrap each clone in :class:`sklearn.calibration.CalibratedClassifierCV` so that the
        risks of every resample are recalibrated by internal cross-validation.
    calibration_method : {"sigmoid", "isotonic"}, default "sigmoid"
        Platt scaling or isotonic regression (used when ``calibrate=True``).
    n_jobs : int, optional
        Resamples fitted in parallel with joblib (None = 1; -1 = all cores).
    random_seed : int or numpy.random.Generator, optional
        Seed of the resampling; the same seed gives the same draws.

    Attributes
    ----------
    estimators_ : list
        The :math:`B` fitted clones.
    feature_names_in_ : list of str or None
        Columns of ``X`` at fit when it was a DataFrame.
    resample_indices_ : numpy.ndarray
        ``(B, n)`` row positions of every resample.

    Notes
    -----
    The bootstrap draws describe sampling variability of the fitted risk, not a Bayesian
    posterior; with penalised or very flexible models they also inherit their bias.

    References
    ----------
    Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman &
    Hall.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from decisionkit.models import BootstrapRisk
    >>> boot = BootstrapRisk(LogisticRegression(), n_bootstrap=100, random_seed=0)
    >>> risk = boot.fit(X, y).predict_risk(X_new)  # DataArray (draw, unit)  # doctest: +SKIP
    """

    @validate_params({"random_seed": "random_state"})
    def __init__(
        self,
        estimator: Any,
        *,
        n_bootstrap: int = 200,
        stratify: bool = True,
        calibrate: bool = False,
        calibration_method: str = "sigmoid",
        n_jobs: int | None = None,
        random_seed: int | np.random.Generator | None = None,
    ) -> None:
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(
                f"The 'estimator' parameter of {caller_name()} must be a classifier with a "
                f"predict_proba method; {type(estimator).__name__} has none. Use a "
                "probabilistic classifier (e.g. LogisticRegression, RandomForestClassifier), "
                "or SVC(probability=True), or wrap it in CalibratedClassifierCV."
            )
        if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
            raise TypeError(
                f"The 'estimator' parameter of {caller_name()} must be a scikit-learn estimator "
                f"(with fit and get_params); got {type(estimator).__name__}."
            )
        self.estimator = estimator
        self.n_bootstrap = check_number(n_bootstrap, "n_bootstrap", low=2, integer=True)
        for name, value in (("stratify", stratify), ("calibrate", calibrate)):
            if not isinstance(value, bool):
                raise fail(name, "True or False", value)
        self.stratify = stratify
        self.calibrate = calibrate
        self.calibration_method = check_in(
            calibration_method, ("sigmoid", "isotonic"), "calibration_method"
        )
        if n_jobs is not None:
            n_jobs = check_number(n_jobs, "n_jobs", integer=True)
            if n_jobs == 0:
                raise fail("n_jobs", "None, -1 or a positive integer", n_jobs)
        self.n_jobs = n_jobs
        check_random_state(random_seed)
        self.random_seed = random_seed

    # ------------------------------------------------------------------ fitting
    @validate_params()
    def fit(self, X: Any, y: Any) -> BootstrapRisk:
        """Fit one clone of the estimator on each of ``n_bootstrap`` resamples.

        Parameters
        ----------
        X : pandas.DataFrame or 2-D array-like
            Predictors, passed to the estimator as given (so a Pipeline may encode
            categorical columns itself).
        y : array-like of 0/1 or bool
            Outcome per row of ``X``.
        """
        from joblib import Parallel, delayed

        n_rows = _n_rows(X)
        yy = check_binary_y(y, n_rows, caller_name())
        rng = check_random_state(self.random_seed)
        idx = self._resample(yy, rng)
        seeds = rng.integers(0, 2**31 - 1, size=self.n_bootstrap)
        is_frame = isinstance(X, pd.DataFrame)
        Xa = X if is_frame else np.asarray(X)
        jobs = (
            delayed(self._fit_one)(Xa, yy, rows, int(seed), is_frame)
            for rows, seed in zip(idx, seeds, strict=True)
        )
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(jobs)
        self.resample_indices_ = idx
        self.feature_names_in_ = [str(c) for c in X.columns] if is_frame else None
        self._columns = list(X.columns) if is_frame else None
        self.n_features_in_ = Xa.shape[1]
        return self

    def _resample(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, B = y.size, self.n_bootstrap
        if self.stratify:
            parts = []
            for cls in (0, 1):
                rows = np.flatnonzero(y == cls)
                parts.append(rows[rng.integers(0, rows.size, size=(B, rows.size))])
            return np.concatenate(parts, axis=1)
        idx = rng.integers(0, n, size=(B, n))
        for _ in range(_MAX_REDRAWS):
            events = y[idx].sum(axis=1)
            bad = np.flatnonzero((events == 0) | (events == n))
            if bad.size == 0:
                return idx
            idx[bad] = rng.integers(0, n, size=(bad.size, n))
        raise ValidationError(
            f"{caller_name()}: after {_MAX_REDRAWS} redraws some plain bootstrap resamples "
            "still held "
            f"a single outcome class ({int(y.sum())} events in {n} rows). Use stratify=True."
        )

    def _fit_one(self, X: Any, y: np.ndarray, rows: np.ndarray, seed: int, is_frame: bool):
        from sklearn.base import clone

        est = clone(self.estimator)
        if "random_state" in est.get_params(deep=False):
            est.set_params(random_state=seed)
        if self.calibrate:
            from sklearn.calibration import CalibratedClassifierCV

            est = CalibratedClassifierCV(est, method=self.calibration_method)
        Xb = X.iloc[rows] if is_frame else X[rows]
        return est.fit(Xb, y[rows])

    # ------------------------------------------------------------------ prediction
    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "estimators_"):
            raise NotFittedError(
                f"This BootstrapRisk is not fitted yet; call fit(X, y) before {method}()."
            )

    def _prepare(self, X: Any, caller: str | None = None) -> tuple[Any, np.ndarray]:
        caller = caller or caller_name()
        if self._columns is None:
            arr = np.asarray(X)
            if arr.ndim != 2 or arr.shape[1] != self.n_features_in_:
                raise ValidationError(
                    f"{caller}: X must have {self.n_features_in_} columns like the training "
                    f"data; got shape {arr.shape}."
                )
            index = X.index.to_numpy() if isinstance(X, pd.DataFrame) else np.arange(len(arr))
            return arr, index
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"{caller}: the model was fitted on a DataFrame, so X must be a DataFrame with "
                f"the columns {self.feature_names_in_}. Got {type(X).__name__}."
            )
        missing = [c for c in self._columns if c not in X.columns]
        if missing:
            raise ValidationError(
                f"{caller}: X lacks the column(s) {[str(c) for c in missing]} that the model "
                "was fitted on. Add them before predicting."
            )
        return X[self._columns], X.index.to_numpy()

    @validate_params()
    def predict_risk(self, X: Any) -> xr.DataArray:
        """Risk of every patient under each bootstrap refit, dims ``(draw, unit)``.

        Columns of a DataFrame are matched by name (reordered if needed; extras ignored).
        """
        self._check_fitted("predict_risk")
        Xp, index = self._prepare(X)
        out = np.empty((len(self.estimators_), len(index)))
        for b, est in enumerate(self.estimators_):  # one model per draw: no way to vectorise
            col = int(np.flatnonzero(est.classes_ == 1)[0])
            out[b] = est.predict_proba(Xp)[:, col]
        return xr.DataArray(
            out,
            dims=["draw", "unit"],
            coords={"draw": np.arange(out.shape[0]), "unit": index},
            name="risk",
        )

    @validate_params()
    def predict_proba(self, X: Any) -> np.ndarray:
        """Bootstrap-mean risk as an ``(n, 2)`` array ``[P(y=0), P(y=1)]``."""
        p = self.predict_risk(X).mean("draw").values
        return np.column_stack([1.0 - p, p])

    def __repr__(self) -> str:
        state = (
            f"fitted, {len(self.estimators_)} draws"
            if hasattr(self, "estimators_")
            else ("not fitted")
        )
        return (
            f"BootstrapRisk({self.estimator!r}, n_bootstrap={self.n_bootstrap}, "
            f"stratify={self.stratify}, calibrate={self.calibrate}) [{state}]"
        )


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is None:
        X = np.asarray(X)
        shape = X.shape
    if len(shape) != 2 or shape[0] == 0:
        raise ValidationError(
            f"{caller_name()}: X must be 2-D with at least one row (patients x predictors); "
            "got shape "
            f"{tuple(shape)}."
        )
    return int(shape[0])

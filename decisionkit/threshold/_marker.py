"""marker_to_risk(): turn a marker (not a probability) into a risk with a documented model."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_in, finite_or_raise, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.threshold._inputs import check_outcome, check_survival

__all__ = ["MarkerRisk", "marker_to_risk"]

SURVIVAL_MODELS = ("weibull", "exponential", "gompertz", "loglogistic", "lognormal")


@dataclass(frozen=True, repr=False, eq=False)
class MarkerRisk:
    """Risks of each patient from a marker, and the model that produced them (immutable).

    Built by :func:`marker_to_risk`; pass ``.risk`` to :func:`decision_curve` or
    :func:`test_consequences`.

    Attributes
    ----------
    risk : ndarray
        Risk of each patient (in the order of the input), in (0, 1).
    marker : ndarray
        The marker values.
    model : str
        ``"logistic"`` or the parametric survival distribution.
    summary : DataFrame
        The fitted coefficients.
    horizon : float or None
        Time horizon of a survival risk.
    """

    risk: np.ndarray
    marker: np.ndarray
    model: str
    summary: pd.DataFrame
    horizon: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per patient: marker and risk."""
        return pd.DataFrame({"marker": self.marker, "risk": self.risk})

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        what = (
            "logistic regression: P(event) = 1 / (1 + exp(-(b0 + b1 * marker)))"
            if self.model == "logistic"
            else f"{self.model} survival model: risk = 1 - S({self.horizon:g} | marker)"
        )
        return (
            f"<MarkerRisk> {self.risk.size} patients, {what}; risks from "
            f"{self.risk.min():.4g} to {self.risk.max():.4g}\n" + self.summary.to_string()
        )


@validate_params()
def marker_to_risk(
    outcome: Any,
    marker: Any,
    *,
    time_to_event: Any = None,
    horizon: float | None = None,
    time: float | None = None,
    model: str | None = None,
) -> MarkerRisk:
    r"""Convert a marker into each patient's risk with a fitted model (dcurves' ``as_probability``).

    Binary outcome (default ``model="logistic"``): maximum-likelihood logistic regression
    without penalty (scikit-learn's ``LogisticRegression`` with ``C=inf``),

    .. math:: \hat p_i = \operatorname{logit}^{-1}(\hat\beta_0 + \hat\beta_1 x_i).

    Time-to-event outcome (``time_to_event`` and ``horizon``; default ``model="weibull"``): a
    parametric survival model with the marker on the location parameter, fitted by
    :class:`decisionkit.models.survival.ParametricSurvival`, and the **risk of the event by the
    horizon** (its ``predict_risk``)

    .. math:: \hat r_i = 1 - \hat S(h \mid x_i),

    so a marker that shortens survival gives a higher risk and patients with higher risk have
    their events earlier. (R dcurves' ``.convert_to_risk()`` returns
    ``exp(-predict(coxph, type = "expected"))``, which is :math:`S(h \mid x)`, the
    probability of *no* event, and the Python dcurves package follows it: there a marker that
    shortens survival gets a *lower* "risk", and the decision curve is of the wrong
    direction.) Weibull: :math:`S(t \mid x) = \exp\{-(t / (\lambda e^{\beta x}))^{k}\}` in
    flexsurv's parameterisation.

    Risks are returned for the patients the model was fitted on (as dcurves does); a decision
    curve on the same patients is then optimistic (no out-of-sample validation).

    Parameters
    ----------
    outcome : array-like of 0/1
        Binary outcome, or the event indicator of a time-to-event outcome.
    marker : array-like
        Numeric marker, one value per patient (any scale; not a probability).
    time_to_event : array-like, optional
        Follow-up times (positive).
    horizon : float, optional
        Time point of the survival risk (``time`` is an alias, the name dcurves uses).
    time : float, optional
        Alias of ``horizon``.
    model : str, optional
        ``"logistic"`` (binary) or one of ``"weibull"``, ``"exponential"``, ``"gompertz"``,
        ``"loglogistic"``, ``"lognormal"`` (time to event).

    Returns
    -------
    MarkerRisk

    References
    ----------
    Vickers AJ, Elkin EB. Decision curve analysis: a novel method for evaluating prediction
    models. Med Decis Making 2006;26(6):565-574 (markers converted by logistic regression).

    Sjoberg DD. dcurves: Decision Curve Analysis for Model Evaluation (R package),
    ``dca(..., as_probability = )``.

    Examples
    --------
    >>> import numpy as np, decisionkit as dk
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=200)
    >>> y = (rng.random(200) < 1 / (1 + np.exp(-x))).astype(int)
    >>> mr = dk.threshold.marker_to_risk(y, x)
    >>> bool(np.all(np.diff(mr.risk[np.argsort(x)]) > 0))  # higher marker, higher risk
    True
    """
    caller = caller_name()
    y = check_outcome(outcome)
    x = np.asarray(marker)
    if x.ndim != 1 or x.shape[0] != y.size or x.dtype.kind not in "biuf":
        raise ValidationError(
            f"The 'marker' of {caller} must be a 1-D numeric array with one value per patient "
            f"({y.size}); got shape {x.shape} and dtype {x.dtype}."
        )
    finite_or_raise(x, f"The 'marker' of {caller}", "Drop or impute the missing marker values.")
    x = x.astype(float)
    if x.min() == x.max():
        raise ValidationError(
            f"The 'marker' of {caller} takes a single value ({x[0]:g}), so it cannot separate "
            "patients. Pass a marker that varies."
        )
    t, h = check_survival(time_to_event, horizon, time, y.size)
    if t is None:
        chosen = check_in("logistic" if model is None else model, ("logistic",), "model")
        risk, summary = _logistic(y, x)
    else:
        chosen = check_in("weibull" if model is None else model, SURVIVAL_MODELS, "model")
        assert h is not None
        risk, summary = _parametric(y, x, t, h, chosen)
    risk.flags.writeable = False
    x.flags.writeable = False
    return MarkerRisk(risk=risk, marker=x, model=chosen, summary=summary, horizon=h)


def _logistic(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    from sklearn.linear_model import LogisticRegression

    caller = caller_name()
    if y.min() == y.max():
        raise ValidationError(
            f"{caller} needs both events and non-events in 'outcome' to fit a logistic "
            "regression; it holds only one class."
        )
    # centred and scaled marker: a well-conditioned fit; coefficients mapped back below
    mu, sd = x.mean(), x.std()
    fit = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separable data: reported below instead
        fit.fit(((x - mu) / sd)[:, None], y.astype(int))
    b1 = float(fit.coef_[0, 0]) / sd
    b0 = float(fit.intercept_[0]) - b1 * mu
    if not np.isfinite([b0, b1]).all() or abs(b1 * sd) > 30:
        raise ValidationError(
            f"The marker separates events from non-events (almost) perfectly, so {caller}'s "
            "logistic regression has no finite estimate. Use the marker's ranks or a "
            "penalised model and pass the risks directly."
        )
    risk = 1 / (1 + np.exp(-(b0 + b1 * x)))
    summary = pd.DataFrame(
        {"estimate": [b0, b1]}, index=pd.Index(["intercept", "marker"], name="parameter")
    )
    return risk, summary


def _parametric(
    y: np.ndarray, x: np.ndarray, t: np.ndarray, h: float, distribution: str
) -> tuple[np.ndarray, pd.DataFrame]:
    from decisionkit.models.survival import ParametricSurvival

    frame = pd.DataFrame({"time": t, "event": y.astype(int), "marker": x})
    fit = ParametricSurvival(distribution).fit(
        frame, time="time", event="event", covariates=["marker"]
    )
    # 1 - S(h | x_i) of each fitted patient, in input order, through the fitted model's
    # public per-patient prediction (one vectorised evaluation, exact for small risks)
    risk = fit.predict_risk(frame[["marker"]], horizon=h)
    return np.array(risk, dtype=float), fit.summary

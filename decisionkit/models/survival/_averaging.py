r"""Model averaging: a mixture of fitted survival models whose draws carry structural uncertainty.

Given models :math:`m = 1..M` with weights :math:`w_m`, the averaged survival is
:math:`\bar S(t) = \sum_m w_m S_m(t)`. For PSA each draw first picks a model with
probability :math:`w_m`, then takes that model's parameter draw, so the spread of the draws
includes the uncertainty about which extrapolation is right, not only within-model
uncertainty (Jackson, Sharples and Thompson 2010).

Weights:

* ``"aic"`` / ``"bic"``: Akaike / Schwarz weights
  :math:`w_m \propto \exp(-\Delta_m / 2)`, :math:`\Delta_m = IC_m - \min IC` (Burnham and
  Anderson 2002); needs maximum-likelihood fits to the same data.
* ``"stacking"`` (or ``"pseudo-BMA"``, ``"BB-pseudo-BMA"``): weights from
  :func:`arviz.compare` on PSIS-LOO (Yao et al. 2018); needs Bayesian fits
  (:class:`BayesianSurvival`), which keep the pointwise log-likelihood.
* a mapping ``{name: weight}`` or a sequence of weights (normalised to sum to 1).

References
----------
Burnham, K. P. and Anderson, D. R. (2002). *Model Selection and Multimodel Inference*, 2nd
edn, section 2.9. Springer.
Jackson, C. H., Sharples, L. D. and Thompson, S. G. (2010). Structural and parameter
uncertainty in Bayesian cost-effectiveness models. *JRSS C* 59(2), 233-253.
Yao, Y., Vehtari, A., Simpson, D. and Gelman, A. (2018). Using stacking to average Bayesian
predictive distributions. *Bayesian Analysis* 13(3), 917-1007.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import (
    Interval,
    check_number,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.models.survival._compose import DerivedCurve, check_curve, monotone
from decisionkit.models.survival._predict import check_times

__all__ = ["ModelAverage", "average_models"]

_LOO = ("stacking", "pseudo-BMA", "BB-pseudo-BMA")


def _as_named(models: Any) -> dict[str, Any]:
    if isinstance(models, Mapping):
        named = {str(k): v for k, v in models.items()}
    elif isinstance(models, Sequence) and not isinstance(models, str):
        named = {}
        for m in models:
            base = getattr(m, "label", type(m).__name__)
            name, k = base, 2
            while name in named:
                name, k = f"{base} ({k})", k + 1
            named[name] = m
    else:
        raise fail("models", "a mapping {name: fitted model} or a list of them", models)
    if len(named) < 1:
        raise fail("models", "at least one fitted model", models)
    for name, m in named.items():
        check_curve(m, f"models[{name!r}]")
    return named


def _information_weights(named: dict[str, Any], kind: str) -> tuple[np.ndarray, pd.Series]:
    attr = f"{kind}_"
    missing = [n for n, m in named.items() if not hasattr(m, attr)]
    if missing:
        raise ValidationError(
            f"{kind.upper()} weights need maximum-likelihood fits (ParametricSurvival); "
            f"{missing} have no {kind.upper()}. Use weights='stacking' for Bayesian fits or "
            "give the weights."
        )
    first = next(iter(named.values())).data_
    for n, m in named.items():
        d = m.data_
        if d.n != first.n or not (
            np.array_equal(d.time, first.time) and np.array_equal(d.event, first.event)
        ):
            raise ValidationError(
                f"{kind.upper()} weights compare models fitted to the same data, but "
                f"{n!r} was fitted to different data. Refit the models on one data set."
            )
    ic = pd.Series({n: float(getattr(m, attr)) for n, m in named.items()})
    delta = ic - ic.min()
    w = np.exp(-0.5 * delta.to_numpy())
    return w / w.sum(), ic


def _loo_weights(named: dict[str, Any], method: str) -> tuple[np.ndarray, pd.Series]:
    import arviz as az

    missing = [n for n, m in named.items() if getattr(m, "idata_", None) is None]
    if missing:
        raise ValidationError(
            f"{method} weights need Bayesian fits (BayesianSurvival); {missing} are not. Use "
            "weights='aic' for maximum-likelihood fits."
        )
    table = az.compare({n: m.idata_ for n, m in named.items()}, method=method, round_to="none")
    w = table["weight"].reindex(list(named)).to_numpy(dtype=float)
    return w / w.sum(), table["elpd"].reindex(list(named)).astype(float)


@validate_params()
def average_models(models: Any, *, weights: Any = "aic") -> ModelAverage:
    """Average fitted survival models; returns a :class:`ModelAverage`.

    Parameters
    ----------
    models : mapping {name: model} or sequence of models
        Fitted models (any mix for explicit weights; MLE fits for AIC/BIC; Bayesian fits for
        stacking).
    weights : {"aic", "bic", "stacking", "pseudo-BMA", "BB-pseudo-BMA"}, mapping or sequence
        How to weight them (see the module notes).

    Returns
    -------
    ModelAverage
    """
    named = _as_named(models)
    criterion = None
    if isinstance(weights, str):
        if weights in ("aic", "bic"):
            w, criterion = _information_weights(named, weights)
        elif weights in _LOO:
            w, criterion = _loo_weights(named, weights)
        else:
            raise fail("weights", "'aic', 'bic', 'stacking', 'pseudo-BMA' or a mapping", weights)
        label = weights
    else:
        if isinstance(weights, Mapping):
            unknown = set(map(str, weights)) - set(named)
            if unknown or set(named) - set(map(str, weights)):
                raise fail(
                    "weights",
                    f"a mapping with one weight for each of {list(named)}",
                    dict(weights),
                )
            raw = [weights[n] for n in named]
        else:
            raw = list(weights)
            if len(raw) != len(named):
                raise fail("weights", f"{len(named)} weights, one per model", weights)
        w = np.array([check_number(v, "weights", low=0) for v in raw], dtype=float)
        if w.sum() <= 0:
            raise fail("weights", "weights with a positive sum", weights)
        w = w / w.sum()
        label = "given"
    return ModelAverage(named, w, label, criterion)


class ModelAverage(DerivedCurve):
    """A weighted mixture of fitted survival models (see :func:`average_models`).

    Attributes
    ----------
    models : dict
        ``{name: fitted model}``.
    weights : Series
        Normalised weights by model name.
    method : str
        How the weights were obtained.
    """

    @validate_params()
    def __init__(self, models: dict[str, Any], weights: np.ndarray, method: str, criterion: Any):
        self.models = dict(models)
        self.weights = pd.Series(weights, index=list(models), name="weight")
        self.method = method
        self._criterion = criterion

    def _point(self, times: np.ndarray, covariates: Any) -> np.ndarray:
        curves = [m.survival(times, covariates=covariates) for m in self.models.values()]
        return np.einsum("m,mt->t", self.weights.to_numpy(), np.stack(curves))

    @validate_params({"n_draws": Interval(1, None, integer=True), "random_seed": "random_state"})
    def draw_survival(self, times, *, n_draws, random_seed=None, covariates=None):
        """Mixture draws of :math:`S(t)`.

        Each draw picks a model with probability equal to its weight. ``parameters`` holds a
        ``model`` column (the index of the model picked) and every model's parameter draws
        (prefixed ``"name: "``), all drawn for every row, so the frame has no gaps and can
        serve EVPPI directly.
        """
        from decisionkit.models.survival._draws import SurvivalDraws

        times = check_times(times)
        n = int(n_draws)
        rng = check_random_state(random_seed)
        pick = rng.choice(len(self.models), size=n, p=self.weights.to_numpy())
        seeds = rng.integers(0, 2**63 - 1, size=len(self.models))
        surv = np.empty((n, len(times)))
        params = [pd.DataFrame({"model": pick})]
        for j, (name, model) in enumerate(self.models.items()):
            draws = model.draw_survival(
                times, n_draws=n, random_seed=int(seeds[j]), covariates=covariates
            )
            surv[pick == j] = draws.survival[pick == j]
            params.append(draws.parameters.add_prefix(f"{name}: "))
        frame = pd.concat(params, axis=1)
        return SurvivalDraws(times=times, survival=monotone(surv), parameters=frame)

    @property
    def summary(self) -> pd.DataFrame:
        """Weights (and the criterion they came from) by model."""
        out = self.weights.to_frame()
        if self._criterion is not None:
            name = {"aic": "AIC", "bic": "BIC"}.get(self.method, "elpd_loo")
            out.insert(0, name, self._criterion)
        return out.sort_values("weight", ascending=False)

    def to_frame(self) -> pd.DataFrame:
        """The summary as a tidy frame."""
        return self.summary.rename_axis("model").reset_index()

    def print_summary(self) -> None:
        """Print the weights."""
        print(repr(self))

    def __repr__(self) -> str:
        return f"Model average ({self.method} weights)\n" + self.summary.round(4).to_string()

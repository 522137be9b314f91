r"""Bayesian parametric survival models (PyMC), with the same predictions as the MLE fits.

The likelihood is the one of :mod:`._families` (written once for numpy and PyTensor), so a
Bayesian Weibull and a maximum-likelihood Weibull are the same model fitted two ways. Every
transformed parameter (log shape, log scale, the covariate coefficients, the spline
:math:`\gamma`\ s, ...) gets an independent normal prior,

.. math:: \theta_j \sim N(0, \sigma_j^2), \qquad \sigma_j = 10 \text{ by default (vague)},

so with enough data the posterior agrees with the MLE. The pointwise log-likelihood is kept
in ``idata_`` so fits can be compared and stacked with ArviZ (:func:`average_models` with
``weights="stacking"``).

References
----------
Jackson, C. H. (2023). survextrap: a package for flexible and transparent survival
extrapolation. *BMC Medical Research Methodology* 23, 282. doi:10.1186/s12874-023-02094-1
Yao, Y., Vehtari, A., Simpson, D. and Gelman, A. (2018). Using stacking to average Bayesian
predictive distributions. *Bayesian Analysis* 13(3), 917-1007.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_number, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.models.bayes import BayesianModel
from decisionkit.models.survival._data import SurvivalData
from decisionkit.models.survival._families import Family, PyTensorOps
from decisionkit.models.survival._parametric import ParametricSurvival, as_survival_data
from decisionkit.models.survival._predict import ParametricPredictions

__all__ = ["BayesianSurvival"]


def _variable_names(family: Family, data: SurvivalData) -> list[str]:
    base = [f"log_{p}" if pos else p for p, pos in zip(family.params, family.positive, strict=True)]
    return base + [f"beta[{c}]" for c in data.design_columns]


class BayesianSurvival(ParametricPredictions, BayesianModel):
    r"""A parametric survival model fitted by MCMC (PyMC NUTS).

    Parameters
    ----------
    distribution, knots, scale
        As for :class:`ParametricSurvival`.
    prior_sd : float or mapping, default 10
        Prior sd of the normal priors on the transformed parameters; a mapping
        ``{variable: sd}`` (names as in :attr:`variable_names_`, e.g. ``"log_shape"``,
        ``"beta[arm[B]]"``) overrides single ones.
    sampler_config : dict, optional
        Passed to ``pm.sample`` (see :class:`decisionkit.models.bayes.BayesianModel`).
    random_seed : int or Generator, optional
        Same seed, same draws.

    Attributes
    ----------
    idata_ : DataTree
        Posterior, sample stats and the pointwise log-likelihood.
    mle_ : ParametricSurvival
        The maximum-likelihood fit to the same data (for comparison, and the spline knots).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"t": 5 * rng.weibull(1.2, 100), "d": 1})
    >>> fit = BayesianSurvival(
    ...     "weibull", sampler_config={"draws": 300, "tune": 300, "chains": 2}, random_seed=1
    ... ).fit(df, time="t", event="d")  # doctest: +SKIP
    """

    @validate_params()
    def __init__(
        self,
        distribution: str = "weibull",
        *,
        knots: int = 1,
        scale: str = "hazard",
        prior_sd: Any = 10.0,
        sampler_config: Mapping[str, Any] | None = None,
        random_seed: Any = None,
    ) -> None:
        self.distribution = distribution
        self.knots = knots
        self.scale = scale
        self.prior_sd = prior_sd
        self.sampler_config = sampler_config
        self.random_seed = random_seed

    @validate_params()
    def fit(
        self,
        data: SurvivalData | pd.DataFrame,
        *,
        time: str | None = None,
        event: str | None = None,
        entry: str | None = None,
        covariates: Any = None,
    ) -> BayesianSurvival:
        """Sample the posterior; returns the fitted model (see :meth:`ParametricSurvival.fit`)."""
        import pymc as pm

        data = as_survival_data(data, time, event, entry, covariates, caller_name())
        mle = ParametricSurvival(self.distribution, knots=self.knots, scale=self.scale).fit(data)
        family = mle.family_
        names = _variable_names(family, data)
        sds = self._prior_sds(names)
        with pm.Model() as model:
            theta = [pm.Normal(n, 0.0, sd) for n, sd in zip(names, sds, strict=True)]
            _likelihood(family, data, theta)
        idata = self._sample(model)
        post = idata.posterior
        samples = np.column_stack([post[n].to_numpy().reshape(-1) for n in names])
        _add_log_likelihood(idata, family, data, samples)
        self.data_ = data
        self.family_ = family
        self.mle_ = mle
        self.idata_ = idata
        self.variable_names_ = names
        self._samples = samples
        return self

    def _prior_sds(self, names: list[str]) -> list[float]:
        if isinstance(self.prior_sd, Mapping):
            unknown = sorted(set(self.prior_sd) - set(names))
            if unknown:
                raise fail("prior_sd", f"a mapping with keys among {names}", unknown)
            return [
                check_number(self.prior_sd.get(n, 10.0), "prior_sd", low=0, low_inclusive=False)
                for n in names
            ]
        sd = check_number(self.prior_sd, "prior_sd", low=0, low_inclusive=False)
        return [sd] * len(names)

    # ---- prediction hooks ------------------------------------------------------------------
    def _theta_draws(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        total = len(self._samples)
        idx = rng.choice(total, size=n_draws, replace=n_draws > total)
        return self._samples[idx]

    def _theta_point(self) -> None:
        return None  # point predictions are posterior means over the draws

    def _check_fitted(self, method: str) -> None:
        self._require_fitted(method)

    # ---- reporting -------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """Model name, e.g. ``"Weibull (Bayesian)"``."""
        self._require_fitted("label")
        return f"{self.family_.label} (Bayesian)"

    @property
    def summary(self) -> pd.DataFrame:
        """Posterior mean, sd and 95% equal-tailed interval of each natural-scale parameter."""
        self._require_fitted("summary")
        nat = self._natural_frame(self._samples)
        return pd.DataFrame(
            {
                "mean": nat.mean(),
                "sd": nat.std(ddof=1),
                "lower": nat.quantile(0.025),
                "upper": nat.quantile(0.975),
            }
        ).rename_axis("parameter")

    def to_frame(self) -> pd.DataFrame:
        """The summary as a tidy frame with the model name."""
        out = self.summary.reset_index()
        out.insert(0, "model", self.label)
        return out

    @validate_params()
    def print_summary(self, decimals: int = 4) -> None:
        """Print the posterior summary."""
        print(repr(self))

    def __repr__(self) -> str:
        if getattr(self, "idata_", None) is None:
            return f"BayesianSurvival({self.distribution!r}) (not fitted)"
        head = (
            f"{self.label} survival model, n={self.data_.n}, events={self.data_.n_events}, "
            f"{len(self._samples)} posterior draws\n"
        )
        return head + self.summary.round(4).to_string()


def _likelihood(family: Family, data: SurvivalData, theta: list[Any]) -> Any:
    """Add the censored, left-truncated likelihood as an observed CustomDist."""
    import pymc as pm
    import pytensor.tensor as pt

    ops = PyTensorOps()
    p = family.n_params
    base = list(theta[:p])
    if data.design.shape[1]:
        beta = pt.stack(theta[p:])
        base[family.location] = base[family.location] + pt.dot(pt.as_tensor(data.design), beta)
    natural = family.natural(base, ops)
    trunc = data.entry > 0
    entry = np.where(trunc, data.entry, data.time)  # placeholder where not truncated

    def logp(value, event, log_entry, truncated, *params):
        log_s, log_h = family.log_sh(pt.log(value), list(params), ops)
        ll = event * log_h + log_s
        if data.truncated:
            ll = ll - truncated * family.log_sh(log_entry, list(params), ops)[0]
        return ll

    if not np.all(data.time > 0):
        raise ValidationError("Bayesian survival models need positive times.")
    return pm.CustomDist(
        "time",
        data.event.astype(float),
        np.log(entry),
        trunc.astype(float),
        *natural,
        logp=logp,
        observed=np.asarray(data.time, dtype=float),
    )


def _add_log_likelihood(idata: Any, family: Family, data: SurvivalData, samples: np.ndarray):
    """Pointwise log-likelihood per draw, stored as ArviZ expects (for LOO and stacking).

    Computed with the numpy likelihood (the same code as the MLE) rather than
    ``pm.compute_log_likelihood``, which would recompile the model.
    """
    import xarray as xr

    from decisionkit.models.survival._parametric import _LogLik

    post = idata.posterior
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    terms = _LogLik(family, data)
    values = np.stack([terms.loglik_terms(s) for s in samples]).reshape(n_chain, n_draw, -1)
    ds = xr.Dataset(
        {"time": (("chain", "draw", "patient"), values)},
        coords={"chain": post["chain"].to_numpy(), "draw": post["draw"].to_numpy()},
    )
    idata["log_likelihood"] = xr.DataTree(dataset=ds)

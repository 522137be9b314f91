r"""Bayesian logistic regression for patient-level risk of a binary outcome (PyMC).

The model, on standardised predictors :math:`z_{ij} = (x_{ij} - m_j) / s_j`:

.. math::

    y_i \sim \mathrm{Bernoulli}(p_i), \qquad
    \operatorname{logit} p_i = \alpha + \sum_j \gamma_j z_{ij}, \qquad
    \alpha \sim N(0, \sigma_\alpha^2), \quad \gamma_j \sim N(0, \sigma_\gamma^2),

with :math:`m_j, s_j` the training mean and standard deviation of predictor :math:`j`.
The coefficients on the original predictor scale, reported in ``coef_draws_``, are
:math:`\beta_j = \gamma_j / s_j` and :math:`\beta_0 = \alpha - \sum_j \gamma_j m_j / s_j`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._options import chunk_values
from decisionkit._validation import (
    Interval,
    caller_name,
    check_number,
    check_probability,
    check_random_state,
    fail,
    validate_params,
)
from decisionkit.exceptions import NotFittedError, ValidationError
from decisionkit.models.bayes._base import BayesianModel
from decisionkit.models.bayes._diagnostics import check_convergence
from decisionkit.models.bayes._tabular import (
    check_binary_y,
    check_enough_rows,
    check_predict_X,
    check_train_X,
)

__all__ = ["BayesianLogisticRisk"]

_FORMAT = "decisionkit.BayesianLogisticRisk/1"
_PARAMS = (
    "prior_intercept_sd",
    "prior_coef_sd",
    "draws",
    "tune",
    "chains",
    "target_accept",
)
# bytes of float64 scratch per predict_risk chunk (the (draw, chunk) block)


class BayesianLogisticRisk(BayesianModel):
    r"""Bayesian logistic regression giving posterior draws of each patient's risk.

    Predictors are standardised internally (training mean and standard deviation, stored
    and reused at predict time), so the default priors are weakly informative on any scale
    (Gelman et al. 2008): a one-standard-deviation change of a predictor is a priori within
    about :math:`\pm 2` on the log-odds scale.

    Parameters
    ----------
    prior_intercept_sd : float, default 2.5
        Standard deviation :math:`\sigma_\alpha` of the normal prior on the intercept
        (log-odds of the outcome at the mean of every predictor).
    prior_coef_sd : float, default 1.0
        Standard deviation :math:`\sigma_\gamma` of the normal priors on the coefficients
        of the *standardised* predictors (log-odds ratio per standard deviation).
    draws, tune, chains : int, default 1000, 1000, 2
        Posterior draws kept per chain, tuning steps per chain, and number of chains.
    cores : int, optional
        Chains run in parallel on this many processes (PyMC's default when None).
    random_seed : int or numpy.random.Generator, optional
        Seed of the sampler; the same seed gives the same draws.
    progressbar : bool, optional
        Show PyMC's progress bar; default (None) shows it when stderr is a terminal.
    target_accept : float, default 0.9
        Target acceptance rate of NUTS; raise it (0.95-0.99) if there are divergences.

    Attributes
    ----------
    feature_names_in_ : list of str
        Predictor columns seen at fit, in order.
    means_, scales_ : numpy.ndarray
        Training mean and standard deviation (``ddof=0``) of every predictor.
    idata_ : xarray.DataTree
        ArviZ 1.x inference data. Posterior variables ``intercept_std`` and ``coef_std``
        (standardised scale, sampled) and ``intercept`` and ``coef`` (original scale).
    intercept_draws_ : xarray.DataArray
        Intercept draws :math:`\beta_0` on the ORIGINAL predictor scale, dim ``draw``
        (chains stacked: ``draw = chain * draws + draw_in_chain``).
    coef_draws_ : xarray.DataArray
        Coefficient draws :math:`\beta_j` on the ORIGINAL predictor scale (log-odds ratio
        per unit of the predictor), dims ``(draw, feature)``.
    diagnostics_ : dict
        Output of :func:`~decisionkit.models.bayes._diagnostics.check_convergence`.

    Notes
    -----
    A :class:`~decisionkit.exceptions.ConvergenceWarning` is issued after sampling when
    :math:`\hat R > 1.01`, the bulk ESS is below 400 or there are divergences. As a rule of
    thumb, aim for about 10 events per predictor; the priors keep estimates finite with
    fewer (even under separation) but the posterior is then prior-dominated.

    References
    ----------
    Gelman, A., Jakulin, A., Pittau, M. G. and Su, Y.-S. (2008). A weakly informative
    default prior distribution for logistic and other regression models. *Annals of
    Applied Statistics* 2(4), 1360-1383.

    Examples
    --------
    >>> import decisionkit as dk
    >>> model = dk.models.BayesianLogisticRisk(random_seed=1).fit(X, y)  # doctest: +SKIP
    >>> risk = model.predict_risk(X_new)  # DataArray (draw, unit)  # doctest: +SKIP
    >>> model.summary()  # doctest: +SKIP
    """

    _convergence_vars = ("intercept_std", "coef_std")

    # scikit-learn style, no declared constraints: the body checks and converts each setting
    @validate_params()
    def __init__(
        self,
        *,
        prior_intercept_sd: float = 2.5,
        prior_coef_sd: float = 1.0,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 2,
        cores: int | None = None,
        random_seed: int | np.random.Generator | None = None,
        progressbar: bool | None = None,
        target_accept: float = 0.9,
        sampler_config: dict[str, Any] | None = None,
    ) -> None:
        self.sampler_config = sampler_config
        self.prior_intercept_sd = check_number(
            prior_intercept_sd, "prior_intercept_sd", low=0, low_inclusive=False
        )
        self.prior_coef_sd = check_number(
            prior_coef_sd, "prior_coef_sd", low=0, low_inclusive=False
        )
        self.draws = check_number(draws, "draws", low=1, integer=True)
        self.tune = check_number(tune, "tune", low=0, integer=True)
        self.chains = check_number(chains, "chains", low=1, integer=True)
        self.cores = None if cores is None else check_number(cores, "cores", low=1, integer=True)
        check_random_state(random_seed)  # validate now, use at fit
        self.random_seed = random_seed
        if progressbar is not None and not isinstance(progressbar, bool):
            raise fail("progressbar", "None, True or False", progressbar)
        self.progressbar = progressbar
        self.target_accept = check_probability(target_accept, "target_accept")

    # ------------------------------------------------------------------ fitting
    @validate_params()
    def fit(self, X: pd.DataFrame, y: Any) -> BayesianLogisticRisk:
        """Sample the posterior given predictors ``X`` and binary outcomes ``y``.

        Parameters
        ----------
        X : pandas.DataFrame
            One numeric column per predictor (one-hot encode categoricals first), no NaN,
            no constant columns.
        y : array-like of 0/1 or bool
            Outcome per row of ``X``.

        Returns
        -------
        BayesianLogisticRisk
            ``self``, fitted.
        """
        import pymc as pm

        values, names = check_train_X(X)
        yy = check_binary_y(y, values.shape[0])
        check_enough_rows(values.shape[0], values.shape[1])
        means = values.mean(axis=0)
        scales = values.std(axis=0)
        z = (values - means) / scales

        progress = _progressbar(self.progressbar)
        coords = {"feature": names}
        # Bernoulli-logit log-likelihood written through its sufficient statistics,
        #   sum_i [y_i eta_i - softplus(eta_i)] = alpha sum(y) + (Z'y) gamma - sum softplus(eta),
        # as a Potential: the same posterior as pm.Bernoulli(logit_p=eta, observed=y), but
        # about 30% cheaper per gradient (no per-row switch and bound checks), which is most
        # of the sampling time. Consequence: idata_ has no observed_data/log_likelihood group.
        zy = z.T @ yy.astype(float)
        n_events = float(yy.sum())
        with pm.Model(coords=coords):
            alpha = pm.Normal("intercept_std", 0.0, self.prior_intercept_sd)
            gamma = pm.Normal("coef_std", 0.0, self.prior_coef_sd, dims="feature")
            pm.Deterministic("coef", gamma / scales, dims="feature")
            pm.Deterministic("intercept", alpha - (gamma * (means / scales)).sum())
            eta = alpha + pm.math.dot(z, gamma)
            pm.Potential(
                "log_likelihood",
                alpha * n_events + pm.math.dot(zy, gamma) - pm.math.sum(pm.math.softplus(eta)),
            )
            model = pm.modelcontext(None)
        idata = self._sample(
            model,
            seed=self._seed(),
            quiet=not progress,
            compute_convergence_checks=False,
        )
        self._set_fitted(idata, names, means, scales)
        return self

    def _seed(self) -> int | None:
        if self.random_seed is None:
            return None
        if isinstance(self.random_seed, np.random.Generator):
            # draw the sampler seed from the user's generator (advances it, as numpy does)
            return int(self.random_seed.integers(2**31 - 1))
        return int(self.random_seed)

    def _set_fitted(self, idata: Any, names: list[str], means: np.ndarray, scales: np.ndarray):
        self.idata_ = idata
        self.feature_names_in_ = list(names)
        self.n_features_in_ = len(names)
        self.means_ = np.asarray(means, dtype=float)
        self.scales_ = np.asarray(scales, dtype=float)
        post = idata["posterior"].to_dataset()
        stacked = post[["intercept", "coef"]].stack(sample=("chain", "draw"))
        n = stacked.sizes["sample"]
        self.intercept_draws_ = xr.DataArray(
            stacked["intercept"].values,
            dims=["draw"],
            coords={"draw": np.arange(n)},
            name="intercept",
        )
        self.coef_draws_ = xr.DataArray(
            stacked["coef"].transpose("sample", "feature").values,
            dims=["draw", "feature"],
            coords={"draw": np.arange(n), "feature": list(names)},
            name="coef",
        )

    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "idata_"):
            raise NotFittedError(
                f"This BayesianLogisticRisk is not fitted yet; call fit(X, y) before {method}()."
            )

    # ------------------------------------------------------------------ prediction
    @validate_params()
    def posterior_draws(self, *, scale: str = "original") -> tuple[np.ndarray, np.ndarray]:
        r"""Plain numpy posterior draws ``(intercept (draw,), coef (draw, feature))``.

        Parameters
        ----------
        scale : {"original", "standardised"}
            ``"original"``: :math:`\beta` for raw predictors, so
            ``logit p = intercept + X @ coef.T``. ``"standardised"``: :math:`(\alpha, \gamma)`
            for ``(X - means_) / scales_``.
        """
        self._check_fitted("posterior_draws")
        if scale == "original":
            return self.intercept_draws_.values.copy(), self.coef_draws_.values.copy()
        if scale == "standardised":
            post = self.idata_["posterior"].to_dataset()
            st = post[["intercept_std", "coef_std"]].stack(sample=("chain", "draw"))
            return (
                st["intercept_std"].values.copy(),
                st["coef_std"].transpose("sample", "feature").values.copy(),
            )
        raise fail("scale", "'original' or 'standardised'", scale)

    def _prepare(self, X: Any, chunk_size: int | None):
        """The checked predictors, their index, the draws and the block size (declared >= 1)."""
        values, index = check_predict_X(X, self.feature_names_in_)
        n_draws = self.intercept_draws_.shape[0]
        chunk = chunk_values(n_draws) if chunk_size is None else int(chunk_size)
        return values, index, n_draws, chunk

    @validate_params({"chunk_size": [Interval(1, None, integer=True), None]})
    def predict_risk(self, X: Any, *, chunk_size: int | None = None) -> xr.DataArray:
        r"""Posterior draws of each patient's risk.

        :math:`p_{si} = \operatorname{expit}(\beta_{0s} + x_i^\top \beta_s)` for draw
        :math:`s` and patient :math:`i`, computed as one matrix product per block of patients.

        Parameters
        ----------
        X : pandas.DataFrame or dask.dataframe.DataFrame
            Predictors, matched to the training columns by name (reordered if needed; extra
            columns are ignored; missing ones raise). A Dask DataFrame gives a dask-backed
            result, one chunk of ``unit`` per partition, checked and computed partition by
            partition inside the graph (only the row index is read at once, for the labels).
        chunk_size : int, optional
            Patients per block (default: blocks of about 32 MB). Each block is computed in
            place inside the output array, so the (draw, unit) output is the only large
            array allocated.

        Returns
        -------
        xarray.DataArray
            Risks with dims ``(draw, unit)``; ``unit`` labels are ``X.index``.
        """
        self._check_fitted("predict_risk")
        if type(X).__module__.startswith("dask"):
            return self._predict_risk_dask(X, chunk_size)
        values, index, n_draws, chunk = self._prepare(X, chunk_size)
        return xr.DataArray(
            self._risk_values(values, chunk),
            dims=["draw", "unit"],
            coords={"draw": np.arange(n_draws), "unit": np.asarray(index)},
            name="risk",
        )

    def _risk_values(self, values: np.ndarray, chunk: int) -> np.ndarray:
        """Risk draws (draw, patient) of a checked predictor matrix, block by block."""
        out = np.empty((self.intercept_draws_.shape[0], values.shape[0]), dtype=float)
        for start in range(0, values.shape[0], chunk):
            # each block is computed in place inside the output: no (draw, unit) temporaries
            block = out[:, start : start + chunk]
            self._neg_eta(values[start : start + chunk], block)
            _expit_of_negated(block)
        return out

    def _neg_eta(self, values: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Minus the linear predictor, (draw, patient), into ``out`` (compiled, fixed order)."""
        from decisionkit.models.bayes._logistic_jit import linear_predictor

        linear_predictor(
            -self.intercept_draws_.values,
            -np.ascontiguousarray(self.coef_draws_.values, dtype=float),
            np.ascontiguousarray(values.T, dtype=float),
            out,
        )
        return out

    def _predict_risk_dask(self, X: Any, chunk_size: int | None) -> xr.DataArray:
        """predict_risk on a Dask DataFrame: one lazy (draw, unit) chunk per partition."""
        import dask
        import dask.array as da

        n_draws = self.intercept_draws_.shape[0]
        chunk = chunk_values(n_draws) if chunk_size is None else int(chunk_size)
        parts = X.to_delayed()
        indexes = dask.compute(*[dask.delayed(lambda p: p.index)(p) for p in parts])
        # the blocks run at compute time (in a worker, after predict_risk returned): their
        # checks name the public method the user called, captured now as a plain string
        name = caller_name()

        def block(frame: pd.DataFrame) -> np.ndarray:
            check = validate_params(name=name)(check_predict_X)
            values, _ = check(frame, self.feature_names_in_)
            return self._risk_values(values, chunk)

        blocks = [
            da.from_delayed(dask.delayed(block)(p), shape=(n_draws, len(ix)), dtype=float)
            for p, ix in zip(parts, indexes, strict=True)
        ]
        index = indexes[0].append(list(indexes[1:])) if len(indexes) > 1 else indexes[0]
        return xr.DataArray(
            da.concatenate(blocks, axis=1),
            dims=["draw", "unit"],
            coords={"draw": np.arange(n_draws), "unit": np.asarray(index)},
            name="risk",
        )

    @validate_params()
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Posterior mean risk as an ``(n, 2)`` array ``[P(y=0), P(y=1)]`` (scikit-learn style)."""
        self._check_fitted("predict_proba")
        values, _, _, chunk = self._prepare(X, None)
        p = np.empty(values.shape[0])
        for start in range(0, values.shape[0], chunk):
            rows = values[start : start + chunk]
            block = self._neg_eta(rows, np.empty((self.intercept_draws_.shape[0], len(rows))))
            p[start : start + chunk] = _expit_of_negated(block).mean(axis=0)
        return np.column_stack([1.0 - p, p])

    # ------------------------------------------------------------------ reporting
    @validate_params({"prob": Interval(0.0, 1.0, closed="neither")})
    def summary(self, *, prob: float = 0.94, kind: str = "eti") -> pd.DataFrame:
        """ArviZ summary of the intercept and coefficients on the original predictor scale.

        Parameters
        ----------
        prob : float, default 0.94
            Probability mass of the credible interval.
        kind : {"eti", "hdi"}, default "eti"
            Equal-tailed or highest-density interval.
        """
        import arviz as az

        self._check_fitted("summary")
        if kind not in ("eti", "hdi"):
            raise fail("kind", "'eti' or 'hdi'", kind)
        return az.summary(
            self.idata_, var_names=["intercept", "coef"], ci_prob=float(prob), ci_kind=kind
        )

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={getattr(self, p)!r}" for p in _PARAMS)
        state = (
            f"fitted on {self.n_features_in_} predictors, {self.intercept_draws_.size} draws"
            if hasattr(self, "idata_")
            else "not fitted"
        )
        return f"BayesianLogisticRisk({args}) [{state}]"

    # ------------------------------------------------------------------ persistence
    @validate_params()
    def save(self, path: str | Path) -> Path:
        """Write the posterior and the preprocessing to a netCDF file (no pickle).

        The file holds the ArviZ groups of ``idata_`` plus a ``decisionkit`` group with
        ``means``/``scales`` per feature and the hyperparameters as attributes.
        """
        self._check_fitted("save")
        path = Path(path)
        prep = xr.Dataset(
            {"means": ("feature", self.means_), "scales": ("feature", self.scales_)},
            coords={"feature": self.feature_names_in_},
            attrs={"format": _FORMAT, **{p: getattr(self, p) for p in _PARAMS}},
        )
        tree = self.idata_.copy()
        tree["decisionkit"] = xr.DataTree(prep)
        tree.to_netcdf(path, mode="w", engine="h5netcdf")
        return path

    @classmethod
    @validate_params()
    def load(cls, path: str | Path) -> BayesianLogisticRisk:
        """Read a model written by :meth:`save`; it predicts exactly as the saved one."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"No such netCDF file: '{path}'.")
        with xr.open_datatree(path, engine="h5netcdf") as f:
            tree = f.load()
        if "decisionkit" not in tree.children or tree["decisionkit"].attrs.get("format") != _FORMAT:
            raise ValidationError(
                f"'{path}' was not written by BayesianLogisticRisk.save (no 'decisionkit' group "
                f"with format {_FORMAT!r})."
            )
        prep = tree["decisionkit"].to_dataset()
        model = cls(**{p: prep.attrs[p] for p in _PARAMS})
        idata = tree.copy()
        del idata["decisionkit"]
        names = [str(f) for f in prep["feature"].values]
        model._set_fitted(idata, names, prep["means"].values, prep["scales"].values)
        model.diagnostics_ = check_convergence(
            idata,
            model_name="BayesianLogisticRisk",
            var_names=["intercept_std", "coef_std"],
            warn=False,
        )
        return model


def _expit_of_negated(neg_eta: np.ndarray) -> np.ndarray:
    """Overwrite ``neg_eta`` (= -eta) with expit(eta) = 1 / (1 + exp(-eta)) and return it.

    Written with numpy's SIMD ``exp`` rather than ``scipy.special.expit`` because it is
    about 2.5x faster on large arrays (0.2 vs 0.5 s per 1e8 values here), and equal to it
    within 1 ulp; exp overflow for eta < -709 gives 1 / inf = 0, the correct limit.
    """
    with np.errstate(over="ignore", under="ignore"):
        np.exp(neg_eta, out=neg_eta)
    neg_eta += 1.0
    return np.reciprocal(neg_eta, out=neg_eta)


def _progressbar(value: bool | None) -> bool:
    if value is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return value

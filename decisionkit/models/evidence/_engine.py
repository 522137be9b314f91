r"""The NICE DSU TSD 2 model in PyMC, shared by pairwise meta-analysis, NMA and its checks.

For study :math:`i` with arms :math:`k = 1..a_i` (arm 1 the study's baseline) the linear
predictor of arm-level data is

.. math::

    \theta_{ik} = \mu_i + \delta_{ik}, \qquad \delta_{i1} = 0,

with a binomial likelihood and logit link (:math:`r_{ik} \sim \mathrm{Bin}(n_{ik},
\operatorname{logit}^{-1}\theta_{ik})`) or a normal likelihood and identity link
(:math:`y_{ik} \sim \mathcal N(\theta_{ik}, se_{ik}^2)`). Risk ratios use the binomial
likelihood with a log link, :math:`p_{ik} = \exp\{\min(\theta_{ik}, 0)\}`: a probability
cannot exceed 1, so the linear predictor is capped at 0 with ``min`` as in TSD 2's code for
the log link (Warn, Thompson and Spiegelhalter 2002); the cap sits a hair below 0
(:math:`p \le 1 - 10^{-9}`) so that arms with non-events keep a finite likelihood.
Contrast-level data skip :math:`\mu_i`: the vector of a study's contrasts against its
baseline arm is :math:`\mathcal N(\delta_i, \Sigma_i)` with
:math:`\Sigma_i = V_i \mathbf 1\mathbf 1^\top + \operatorname{diag}(se_{ik}^2)`,
:math:`V_i` the variance of the baseline arm's mean.

The mean of :math:`\delta_{ik}` is a row of a design matrix times the basic parameters
:math:`d`: :math:`d_{t_{ik}} - d_{t_{i1}}` (consistency, :math:`d_{\text{ref}} = 0`), one free
parameter per observed contrast (unrelated mean effects) or the consistency row plus a
"direct" parameter (node splitting). Fixed effects set :math:`\delta_{ik}` to that mean;
random effects add between-study variation with variance :math:`\sigma^2` and covariance
:math:`\sigma^2/2` between the arms of one multi-arm study (the multi-arm correction of
TSD 2), non-centred: :math:`\delta_i = \text{mean}_i + \sigma L_i z_i`, :math:`z_i \sim
\mathcal N(0, I)`, :math:`L_i L_i^\top = \tfrac12(I + \mathbf 1\mathbf 1^\top)`.

References
----------
Dias S, Welton NJ, Sutton AJ, Ades AE. NICE DSU Technical Support Document 2: a generalised
linear modelling framework for pairwise and network meta-analysis of randomised controlled
trials. 2011 (updated 2016).
Warn DE, Thompson SG, Spiegelhalter DJ. Bayesian random effects meta-analysis of trials with
binary outcomes: methods for the absolute risk difference and relative risk scales.
Statistics in Medicine 2002;21:1601-1623.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from decisionkit._validation import check_in, check_number
from decisionkit.models.evidence._data import Network

__all__ = ["Priors", "build_model", "consistency_design", "deviance", "draws_of"]

EFFECTS = ("fixed", "random")
LINKS = ("logit", "log")
LOG_P_MAX = float(np.log1p(-1e-9))  # the log link's cap: p <= 1 - 1e-9


def probability(eta: np.ndarray, link: str) -> np.ndarray:
    """Event probability from the linear predictor (numpy): inverse logit, or capped exp."""
    if link == "log":
        return np.exp(np.minimum(eta, LOG_P_MAX))
    return special.expit(eta)


HETEROGENEITY = ("uniform", "halfnormal")


@dataclass(frozen=True)
class Priors:
    r"""Prior distributions (TSD 2 defaults).

    ``d_sd``: sd of the normal prior on each basic parameter (relative effect against the
    reference), default 100. ``mu_sd``: sd of the normal prior on each study's baseline,
    default 100. ``heterogeneity``: ``"uniform"`` (:math:`\sigma \sim U(0, \text{scale})`,
    TSD 2's choice with scale 5 on the log-odds scale) or ``"halfnormal"``
    (:math:`\sigma \sim \mathcal N^+(0, \text{scale}^2)`).
    """

    d_sd: float = 100.0
    mu_sd: float = 100.0
    heterogeneity: str = "uniform"
    heterogeneity_scale: float = 5.0

    def check(self) -> None:
        check_number(self.d_sd, "prior_d_sd", low=0.0, low_inclusive=False)
        check_number(self.mu_sd, "prior_mu_sd", low=0.0, low_inclusive=False)
        check_in(self.heterogeneity, HETEROGENEITY, "prior_heterogeneity")
        check_number(
            self.heterogeneity_scale,
            "prior_heterogeneity_scale",
            low=0.0,
            low_inclusive=False,
        )


def consistency_design(net: Network) -> tuple[np.ndarray, list[str]]:
    """Design of the consistency model: row = non-baseline arm, column = non-reference trt."""
    rel = net.rel
    x = np.zeros((rel.size, net.n_treatments - 1))
    base_trt = net.arm_trt[net.base_of[rel]]
    for r, (t, b) in enumerate(zip(net.arm_trt[rel], base_trt, strict=True)):
        if t > 0:
            x[r, t - 1] += 1.0
        if b > 0:
            x[r, b - 1] -= 1.0
    return x, list(net.treatments[1:])


def _multiarm_cholesky(net: Network) -> np.ndarray | None:
    """Block-diagonal Cholesky factor of the within-study correlation of the deltas.

    ``None`` when every study has two arms (the factor is then the identity).
    """
    rel_study = net.arm_study[net.rel]
    sizes = np.bincount(rel_study, minlength=net.n_studies)
    if sizes.max() <= 1:
        return None
    b = np.zeros((rel_study.size, rel_study.size))
    start = 0
    for k in sizes.tolist():
        c = 0.5 * (np.eye(k) + np.ones((k, k)))
        b[start : start + k, start : start + k] = np.linalg.cholesky(c)
        start += k
    return b


def _whitening(net: Network) -> np.ndarray:
    """Inverse Cholesky factor of each study's contrast covariance (block diagonal)."""
    rel = net.rel
    rel_study = net.arm_study[rel]
    base_se = net.se[net.base_of[rel]]
    w = np.zeros((rel.size, rel.size))
    for s in range(net.n_studies):
        idx = np.flatnonzero(rel_study == s)
        var_base = base_se[idx[0]] ** 2 if idx.size > 1 else 0.0
        cov = var_base * np.ones((idx.size, idx.size)) + np.diag(net.se[rel[idx]] ** 2)
        w[np.ix_(idx, idx)] = np.linalg.inv(np.linalg.cholesky(cov))
    return w


def build_model(
    net: Network,
    design: np.ndarray,
    param_names: list[str],
    *,
    effects: str,
    priors: Priors,
    param_dim: str = "treatment",
) -> Any:
    """The PyMC model of TSD 2 for ``net`` with relative-effect design ``design``.

    Free variables: ``d`` (dims ``param_dim``), ``mu`` (arm-level data), ``sd`` and ``z``
    (random effects). ``eta`` is the fitted linear predictor of each data point (arm-level:
    per arm; contrast-level: the study contrasts) kept for the deviance.
    """
    import pymc as pm
    import pytensor.tensor as pt

    rel = net.rel
    arm_labels = [
        f"{net.studies[s]}: {net.treatments[t]}"
        for s, t in zip(net.arm_study, net.arm_trt, strict=True)
    ]
    coords = {
        param_dim: param_names,
        "study": list(net.studies),
        "rel_arm": [arm_labels[i] for i in rel],
        "arm": arm_labels,
    }
    with pm.Model(coords=coords) as model:
        d = pm.Normal("d", 0.0, priors.d_sd, dims=param_dim)
        mean_rel = pt.dot(pt.as_tensor(design), d)
        if effects == "random":
            if priors.heterogeneity == "uniform":
                sd = pm.Uniform("sd", 0.0, priors.heterogeneity_scale)
            else:
                sd = pm.HalfNormal("sd", priors.heterogeneity_scale)
            z = pm.Normal("z", 0.0, 1.0, dims="rel_arm")
            chol = _multiarm_cholesky(net)
            noise = z if chol is None else pt.dot(pt.as_tensor(chol), z)
            delta = mean_rel + sd * noise
        else:
            delta = mean_rel
        if net.kind == "contrast":
            _contrast_likelihood(net, delta, "", "rel_arm")
        else:
            mu = pm.Normal("mu", 0.0, priors.mu_sd, dims="study")
            full = pt.set_subtensor(pt.zeros(net.arm_study.size)[rel], delta)
            eta = pm.Deterministic("eta", mu[net.arm_study] + full, dims="arm")
            if net.kind == "binomial" and net.link == "log":
                pm.Binomial(
                    "y",
                    n=net.n.astype("int64"),
                    p=pt.exp(pt.minimum(eta, LOG_P_MAX)),
                    observed=net.y.astype("int64"),
                    dims="arm",
                )
            elif net.kind == "binomial":
                pm.Binomial(
                    "y",
                    n=net.n.astype("int64"),
                    logit_p=eta,
                    observed=net.y.astype("int64"),
                    dims="arm",
                )
            else:
                pm.Normal("y", mu=eta, sigma=net.se, observed=net.y, dims="arm")
        if net.contrast is not None:
            _contrast_part(net.contrast, d, sd if effects == "random" else None, model)
    return model


def _contrast_part(cnet: Network, d: Any, sd: Any, model: Any) -> None:
    """Contrast-level studies of a mixed network: their own deltas, the shared d and sd.

    TSD 2's combined likelihood: arm-level studies enter through the binomial (or normal)
    likelihood above, contrast-level studies through the multivariate normal of their
    contrasts; both share the basic parameters and the between-study sd.
    """
    import pymc as pm
    import pytensor.tensor as pt

    design, _ = consistency_design(cnet)
    rel = cnet.rel
    labels = [
        f"{cnet.studies[s]}: {cnet.treatments[t]}"
        for s, t in zip(cnet.arm_study[rel], cnet.arm_trt[rel], strict=True)
    ]
    model.add_coord("rel_contrast", labels)
    delta = pt.dot(pt.as_tensor(design), d)
    if sd is not None:
        z = pm.Normal("z_contrast", 0.0, 1.0, dims="rel_contrast")
        chol = _multiarm_cholesky(cnet)
        delta = delta + sd * (z if chol is None else pt.dot(pt.as_tensor(chol), z))
    _contrast_likelihood(cnet, delta, "_contrast", "rel_contrast")


def _contrast_likelihood(net: Network, delta: Any, suffix: str, dim: str) -> None:
    """Whitened multivariate normal of each study's contrasts; ``eta<suffix>`` kept."""
    import pymc as pm
    import pytensor.tensor as pt

    w = _whitening(net)
    eta = pm.Deterministic(f"eta{suffix}", delta, dims=dim)
    observed = w @ net.y[net.rel]
    pm.Normal(f"y{suffix}", mu=pt.dot(pt.as_tensor(w), eta), sigma=1.0, observed=observed, dims=dim)


def sampler_arguments(net: Network) -> dict[str, Any]:
    r"""``pm.sample`` arguments the model needs.

    Under the log link's cap the sampler starts every study's baseline inside the constraint
    (:math:`p = e^{\mu} < 1`, where the likelihood has a gradient), at its crude risk capped at
    0.3, without jitter.
    """
    if net.kind == "binomial" and net.link == "log":
        base = net.arm_base
        crude = (net.y[base] + 0.5) / (net.n[base] + 1.0)
        return {"init": "adapt_diag", "initvals": {"mu": np.log(np.minimum(crude, 0.3))}}
    return {}


def free_variables(net: Network, effects: str) -> list[str]:
    """Variables the convergence check looks at."""
    names = ["d"]
    if net.kind != "contrast":
        names.append("mu")
    if effects == "random":
        names.append("sd")
    return names


def draws_of(idata: Any, name: str) -> np.ndarray:
    """Posterior draws of ``name`` with chains stacked: shape ``(n_draws, ...)``."""
    values = np.asarray(idata["posterior"][name].values)
    return values.reshape((-1, *values.shape[2:]))


def deviance(net: Network, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Residual deviance per data point: draws ``(S, n_data)`` and the plug-in values.

    TSD 2 definitions: binomial :math:`2[r\log(r/\hat r) + (n-r)\log((n-r)/(n-\hat r))]`;
    normal :math:`(y-\theta)^2/se^2`; contrast-level, per study,
    :math:`(y-\delta)^\top\Sigma^{-1}(y-\delta)` (spread over the study's contrasts through
    the whitened residuals). The plug-in deviance (for the leverage) is evaluated at the
    posterior mean of the fitted values on the natural scale (:math:`\hat r / n` for binomial
    data, :math:`\theta` for normal data), as in TSD 2's WinBUGS code.
    """
    if net.kind == "binomial":
        y, n = net.y, net.n
        p = probability(eta, net.link)

        def dev(prob: np.ndarray) -> np.ndarray:
            rhat = n * prob
            return 2.0 * (
                special.xlogy(y, y)
                - special.xlogy(y, rhat)
                + special.xlogy(n - y, n - y)
                - special.xlogy(n - y, n - rhat)
            )

        return dev(p), dev(p.mean(axis=0))
    if net.kind == "normal":
        return ((net.y - eta) / net.se) ** 2, ((net.y - eta.mean(axis=0)) / net.se) ** 2
    w = _whitening(net)
    y = net.y[net.rel]
    return ((y - eta) @ w.T) ** 2, (w @ (y - eta.mean(axis=0))) ** 2

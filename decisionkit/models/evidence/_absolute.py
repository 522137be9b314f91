r"""From relative effects to absolute effects: correlated PSA inputs for decision models.

The absolute effect of treatment :math:`k` in draw :math:`s` is the baseline (the reference
treatment's outcome in the target population, on the linear-predictor scale) plus the NMA's
relative effect in the *same* posterior draw:

.. math::

    g(p_k^{(s)}) = g(p_\text{ref}^{(s)}) + d_k^{(s)},

so a row of the returned table is one joint posterior draw: the correlations between the
relative effects (they share the reference arms and the multi-arm studies) are kept, as a
probabilistic sensitivity analysis needs. The baseline is estimated separately from the
relative effects (NICE DSU TSD 5), e.g. by a random-effects model of the reference arms'
event rates whose predictive distribution for a new study is the baseline.

References
----------
Dias S, Welton NJ, Sutton AJ, Ades AE. NICE DSU Technical Support Document 5: evidence
synthesis in the baseline natural history model. 2011.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from decisionkit._validation import check_in, check_number, check_random_state, fail
from decisionkit.exceptions import ValidationError

__all__ = ["psa_inputs", "reference_arms"]

LINKS = {"logit": "p", "log": "rate", "identity": "mean"}
_INVERSE = {"logit": special.expit, "log": np.exp, "identity": lambda x: x}
_FORWARD = {"logit": special.logit, "log": np.log, "identity": lambda x: x}


def reference_arms(nma: Any) -> pd.DataFrame:
    """The arms of the reference treatment, in the layout ``HierarchicalRates.fit`` reads."""
    net = nma.network_
    if net.kind != "binomial":
        raise ValidationError(
            f"{nma._name}.reference_arms: the baseline model reads binary arm-level data "
            f"(events and totals); this model was fitted on {net.kind} data. Pass baseline "
            "draws to psa_inputs directly instead."
        )
    arms = net.arm_trt == 0
    return pd.DataFrame(
        {
            "group": np.asarray(net.studies, dtype=object)[net.arm_study[arms]],
            "events": net.y[arms].astype(int),
            "n": net.n[arms].astype(int),
        }
    )


def psa_inputs(
    nma: Any,
    baseline: Any,
    *,
    n_draws: int | None,
    link: str | None,
    predictive: bool,
    random_seed: Any,
    heterogeneity: bool = False,
) -> pd.DataFrame:
    """See :meth:`NetworkMetaAnalysis.psa_inputs`."""
    rng = check_random_state(random_seed)
    net = nma.network_
    if link is None:
        if net.kind == "contrast":
            raise fail(
                "link",
                "one of 'logit', 'log', 'identity'",
                link,
                hint="Contrast-level data do not say their scale; name the link of the "
                "relative effects (log odds ratios: 'logit').",
            )
        link = net.link if net.kind == "binomial" else "identity"
    check_in(link, tuple(LINKS), "link")
    if not isinstance(predictive, bool):
        raise fail("predictive", "True or False", predictive)
    if not isinstance(heterogeneity, bool):
        raise fail("heterogeneity", "True or False", heterogeneity)
    if heterogeneity and nma.effects != "random":
        raise fail(
            "heterogeneity",
            "False for a fixed-effect model",
            heterogeneity,
            hint="Only a random-effects model has a between-study sd.",
        )
    d = nma.relative_effect_draws().values  # (S, K), reference column 0
    total = d.shape[0]
    n = int(
        total
        if n_draws is None
        else check_number(n_draws, "n_draws", low=1, high=total, integer=True)
    )
    rows = np.sort(rng.choice(total, size=n, replace=False)) if n < total else np.arange(n)
    d = d[rows]
    if predictive and nma.effects == "random":
        # a new study comparing every treatment: correlation 1/2 between its arms (TSD 2)
        sd = nma.idata_["posterior"]["sd"].values.reshape(-1)[rows]
        k = d.shape[1] - 1
        chol = np.linalg.cholesky(0.5 * (np.eye(k) + np.ones((k, k))))
        d = d.copy()
        d[:, 1:] += sd[:, None] * (rng.standard_normal((n, k)) @ chol.T)
    base = _baseline_draws(baseline, n, link, rng)
    absolute = _INVERSE[link](_FORWARD[link](base)[:, None] + d)
    names = list(net.treatments)
    prefix = LINKS[link]
    if link == "log" and net.kind == "binomial":
        # risk ratios of a binomial outcome: probabilities, capped at 1 as in the model (TSD 2)
        absolute, prefix = np.minimum(absolute, 1.0), "p"
    frame = pd.DataFrame(absolute, columns=[f"{prefix}[{t}]" for t in names])
    for j, t in enumerate(names[1:], start=1):
        frame[f"d[{t}]"] = d[:, j]
    if heterogeneity:
        frame["sd"] = nma.idata_["posterior"]["sd"].values.reshape(-1)[rows]
    return frame


def _baseline_draws(baseline: Any, n: int, link: str, rng) -> np.ndarray:
    post = getattr(baseline, "idata_", None)
    if post is not None:  # a fitted HierarchicalRates: predictive rate of a new study
        if link != "logit":
            raise fail(
                "baseline",
                "baseline draws on the outcome scale",
                baseline,
                hint="A HierarchicalRates baseline is on the logit scale (link='logit').",
            )
        mu = post["posterior"]["mu"].values.reshape(-1)
        tau = post["posterior"]["tau"].values.reshape(-1)
        pick = rng.choice(mu.size, size=n, replace=n > mu.size)
        return special.expit(mu[pick] + tau[pick] * rng.standard_normal(n))
    arr = np.asarray(baseline, dtype=float) if _is_numeric(baseline) else None
    if arr is None or arr.ndim > 1 or (arr.ndim == 1 and arr.size != n):
        raise fail(
            "baseline",
            f"a fitted HierarchicalRates, a number, or {n} draws (one per PSA draw)",
            baseline,
        )
    arr = np.broadcast_to(arr, (n,)).copy()
    low_ok = arr > 0 if link in ("logit", "log") else np.isfinite(arr)
    high_ok = arr < 1 if link == "logit" else np.isfinite(arr)
    if not np.all(low_ok & high_ok):
        scale = {
            "logit": "probabilities in (0, 1)",
            "log": "positive rates",
            "identity": "finite numbers",
        }[link]
        raise fail("baseline", scale, baseline)
    return arr


def _is_numeric(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (TypeError, ValueError):
        return False

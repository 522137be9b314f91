r"""Convergence checks shared by every PyMC model in decisionkit.

One function, :func:`check_convergence`, reads an ArviZ 1.x posterior (an xarray
``DataTree`` with a ``posterior`` group and, from NUTS, a ``sample_stats`` group) and
reports the three standard MCMC diagnostics:

* the rank-normalised split :math:`\hat R` (Vehtari et al. 2021) of every parameter,
  flagged when :math:`\hat R > 1.01`;
* the bulk effective sample size, flagged when below 400 (100 per chain for 4 chains,
  the recommendation of Vehtari et al. 2021);
* the number of divergent transitions of the NUTS sampler, flagged when above zero.

When any check fails it issues a :class:`~decisionkit.exceptions.ConvergenceWarning` that
names the offending parameters and says what to try.

References
----------
Vehtari, A., Gelman, A., Simpson, D., Carpenter, B. and Bürkner, P.-C. (2021).
Rank-normalization, folding, and localization: an improved R-hat for assessing
convergence of MCMC. *Bayesian Analysis* 16(2), 667-718.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from decisionkit._validation import validate_params
from decisionkit.exceptions import ConvergenceWarning

__all__ = ["ESS_MIN", "RHAT_MAX", "check_convergence"]

#: r_hat above this value flags a parameter (Vehtari et al. 2021).
RHAT_MAX = 1.01
#: bulk effective sample size below this value flags a parameter (Vehtari et al. 2021).
ESS_MIN = 400.0


def _per_element(ds: Any) -> dict[str, float]:
    """Flatten a dataset of diagnostics into ``{"name[i,j]": value}``."""
    out: dict[str, float] = {}
    for name, da in ds.data_vars.items():
        values = np.asarray(da.values, dtype=float)
        if values.ndim == 0:
            out[str(name)] = float(values)
            continue
        labels = [
            da.coords[d].values if d in da.coords else np.arange(n) for d, n in da.sizes.items()
        ]
        for idx in np.ndindex(values.shape):
            lab = ",".join(str(labels[k][i]) for k, i in enumerate(idx))
            out[f"{name}[{lab}]"] = float(values[idx])
    return out


def _worst(items: dict[str, float], *, n: int = 5) -> str:
    shown = ", ".join(f"{k} ({v:.3g})" for k, v in list(items.items())[:n])
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return shown + more


@validate_params()
def check_convergence(
    idata: Any,
    *,
    model_name: str,
    var_names: Sequence[str] | None = None,
    warn: bool = True,
    stacklevel: int = 2,
) -> dict[str, Any]:
    r"""Check r_hat, bulk ESS and divergences of a posterior; warn when they look bad.

    Parameters
    ----------
    idata : xarray.DataTree
        The ArviZ 1.x inference data returned by ``pm.sample``; needs a ``posterior`` group
        with ``chain`` and ``draw`` dimensions. A ``sample_stats`` group with ``diverging``
        is used when present.
    model_name : str
        Name used in the warning (e.g. ``"BayesianLogisticRisk"``).
    var_names : sequence of str, optional
        Posterior variables to check; default all of them. Pass the model's free
        parameters to skip deterministic transforms.
    warn : bool, default True
        Issue a :class:`~decisionkit.exceptions.ConvergenceWarning` when there are problems.
    stacklevel : int, default 2
        Passed to :func:`warnings.warn`; models calling this from ``fit`` use 3 so the
        warning points at the user's ``fit`` call.

    Returns
    -------
    dict
        ``{"max_rhat": float, "min_ess_bulk": float, "n_divergences": int,
        "problems": list[str]}``; ``problems`` is empty when every check passes.
        ``max_rhat`` is NaN when it cannot be computed (e.g. fewer than 4 draws).

    Notes
    -----
    A parameter is flagged when :math:`\hat R > 1.01` or when :math:`\hat R` is not
    finite, when its bulk ESS is below 400, and the fit is flagged when the NUTS sampler
    reported any divergent transition. With fewer than 2 chains :math:`\hat R` cannot
    detect chains stuck in different modes, so a single chain is flagged as well.

    References
    ----------
    Vehtari, A. et al. (2021). Rank-normalization, folding, and localization: an improved
    R-hat for assessing convergence of MCMC. *Bayesian Analysis* 16(2), 667-718.

    Examples
    --------
    >>> diag = check_convergence(model.idata_, model_name="BayesianLogisticRisk")  # doctest: +SKIP
    >>> diag["problems"]  # doctest: +SKIP
    []
    """
    import arviz as az

    posterior = idata["posterior"]
    names = list(var_names) if var_names is not None else list(posterior.data_vars)
    n_chains = int(posterior.sizes.get("chain", 1))
    n_draws = int(posterior.sizes.get("draw", 0))
    problems: list[str] = []

    with warnings.catch_warnings():
        # ArviZ/numpy warn about degenerate chains; the checks below report them instead.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        rhat = _per_element(az.rhat(idata, var_names=names).to_dataset())
        ess = _per_element(az.ess(idata, var_names=names, method="bulk").to_dataset())

    rhat_values = np.array(list(rhat.values()), dtype=float)
    ess_values = np.array(list(ess.values()), dtype=float)
    max_rhat = float(np.nanmax(rhat_values)) if np.isfinite(rhat_values).any() else float("nan")
    min_ess = float(np.nanmin(ess_values)) if np.isfinite(ess_values).any() else float("nan")

    bad_rhat = {
        k: v
        for k, v in sorted(rhat.items(), key=lambda kv: -np.nan_to_num(kv[1], nan=np.inf))
        if not np.isfinite(v) or v > RHAT_MAX
    }
    if bad_rhat:
        problems.append(
            f"r_hat > {RHAT_MAX} (or not computable) for {_worst(bad_rhat)}: the chains disagree. "
            "Increase tune and draws, or reparameterise / use more informative priors."
        )
    bad_ess = {
        k: v
        for k, v in sorted(ess.items(), key=lambda kv: np.nan_to_num(kv[1], nan=-1.0))
        if not np.isfinite(v) or v < ESS_MIN
    }
    if bad_ess:
        problems.append(
            f"bulk ESS < {ESS_MIN:g} for {_worst(bad_ess)}: too few effective draws "
            f"(total {n_chains} chain(s) x {n_draws} draws). Increase draws or chains."
        )
    if n_chains < 2:
        problems.append(
            "only 1 chain was run, so r_hat cannot detect chains stuck in different regions. "
            "Run chains >= 2."
        )

    n_div = 0
    if "sample_stats" in idata.children and "diverging" in idata["sample_stats"].data_vars:
        n_div = int(np.asarray(idata["sample_stats"]["diverging"].values).sum())
    if n_div:
        problems.append(
            f"{n_div} divergent transition(s) after tuning: the posterior has regions the "
            "sampler cannot explore. Raise target_accept (e.g. 0.95-0.99), use more "
            "informative priors or rescale the predictors."
        )

    diagnostics = {
        "max_rhat": max_rhat,
        "min_ess_bulk": min_ess,
        "n_divergences": n_div,
        "problems": problems,
    }
    if problems and warn:
        warnings.warn(
            f"{model_name}: the MCMC sampler may not have converged; results may be unreliable. "
            + " ".join(f"({i}) {p}" for i, p in enumerate(problems, 1)),
            ConvergenceWarning,
            stacklevel=stacklevel,
        )
    return diagnostics

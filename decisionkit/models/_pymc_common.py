"""Private helpers shared by the PyMC models of this branch (hierarchical rates, count demand).

``_check_convergence`` mirrors the shared ``decisionkit.models._diagnostics.check_convergence``
(r_hat > 1.01, bulk ESS < 400, divergences -> :class:`ConvergenceWarning`); switch to the
shared one once both branches are merged.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import numpy as np

from decisionkit._validation import check_number, check_random_state, fail
from decisionkit.exceptions import ConvergenceWarning, NotFittedError

__all__ = [
    "check_convergence",
    "check_sampler_settings",
    "progressbar_on",
    "require_fitted",
    "sampler_seeds",
]

_RHAT_MAX = 1.01
_ESS_MIN = 400


def check_convergence(idata: Any, *, model_name: str, var_names: list[str] | None = None) -> dict:
    """Warn (ConvergenceWarning) on r_hat > 1.01, bulk ESS < 400 or divergent transitions.

    Returns a dict with ``max_r_hat``, ``min_ess_bulk``, ``n_divergences`` and the names of
    the offending parameters (``bad_r_hat``, ``low_ess``).
    """
    import arviz as az

    post = idata["posterior"].to_dataset()
    if var_names is not None:
        post = post[var_names]
    n_chains = post.sizes.get("chain", 1)
    rhat = az.rhat(post) if n_chains > 1 else None
    ess = az.ess(post, method="bulk")
    bad_rhat, low_ess = [], []
    max_rhat, min_ess = float("nan"), float("inf")
    for name in post.data_vars:
        e = np.asarray(ess[name].values, dtype=float)
        min_ess = min(min_ess, float(np.nanmin(e)))
        if np.any(~np.isfinite(e) | (e < _ESS_MIN)):
            low_ess.append(str(name))
        if rhat is not None:
            r = np.asarray(rhat[name].values, dtype=float)
            max_rhat = float(np.nanmax([max_rhat, *np.ravel(r)]))
            if np.any(~np.isfinite(r) | (r > _RHAT_MAX)):
                bad_rhat.append(str(name))
    n_div = 0
    if "sample_stats" in idata.children and "diverging" in idata["sample_stats"].data_vars:
        n_div = int(idata["sample_stats"]["diverging"].values.sum())
    problems = []
    if n_chains < 2:
        problems.append("r_hat cannot be computed from a single chain")
    if bad_rhat:
        problems.append(f"r_hat > {_RHAT_MAX} for {bad_rhat}")
    if low_ess:
        problems.append(f"bulk ESS < {_ESS_MIN} for {low_ess} (lowest {min_ess:.0f})")
    if n_div:
        problems.append(f"{n_div} divergent transition(s)")
    if problems:
        warnings.warn(
            f"{model_name} sampling may not have converged: " + "; ".join(problems) + ". "
            "Try more draws and tune steps, at least 2 chains, or a higher target_accept; "
            "do not trust decisions based on these draws until the diagnostics are clean.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return {
        "max_r_hat": max_rhat,
        "min_ess_bulk": min_ess,
        "n_divergences": n_div,
        "bad_r_hat": bad_rhat,
        "low_ess": low_ess,
    }


def check_sampler_settings(obj: Any, caller: str) -> None:
    """Validate the common sampler settings stored on a model."""
    for name, low in (("draws", 1), ("tune", 0), ("chains", 1), ("cores", 1)):
        check_number(getattr(obj, name), name, caller, low=low, integer=True)
    check_number(
        obj.target_accept, "target_accept", caller, low=0.5, high=1.0, high_inclusive=False
    )
    if obj.progressbar is not None and not isinstance(obj.progressbar, bool):
        raise fail("progressbar", caller, "True, False or None (on in a terminal)", obj.progressbar)
    check_random_state(obj.random_seed, caller)


def progressbar_on(setting: bool | None) -> bool:
    """``None`` means: show the progress bar when stderr is a terminal."""
    if setting is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return setting


def sampler_seeds(random_seed: Any, caller: str) -> tuple[int, int, np.random.Generator]:
    """Two integer seeds (sampling, posterior predictive) and a Generator, all from one seed.

    An int seed gives the same three every time; a Generator is advanced.
    """
    rng = check_random_state(random_seed, caller)
    seeds = rng.integers(0, 2**31 - 1, size=2)
    return int(seeds[0]), int(seeds[1]), rng


def require_fitted(obj: Any, method: str) -> None:
    """Raise NotFittedError when ``obj.fit()`` has not been called."""
    if getattr(obj, "idata_", None) is None:
        raise NotFittedError(
            f"This {type(obj).__name__} is not fitted yet; call fit() before {method}()."
        )

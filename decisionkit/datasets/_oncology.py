"""A simulated two-arm oncology trial (progression-free and overall survival), made on load."""

from __future__ import annotations

import numpy as np
import pandas as pd

from decisionkit._validation import validate_params

__all__ = ["load_oncology_trial"]

SEED = 20260113
N_PER_ARM = 250
ARMS = ("Standard care", "New drug")
ACCRUAL, CUTOFF = 18.0, 36.0  # months: uniform recruitment over 18 months, analysis at 36
# time to progression: Weibull(shape, scale in months), new drug by a hazard ratio on it
PROG_SHAPE, PROG_SCALE, PROG_HR = 1.3, 7.0, 0.55
DEATH_BEFORE_PROG = 0.008  # monthly hazard of death before progression (both arms)
# survival after progression: log-logistic(shape, scale in months by arm)
POST_SHAPE, POST_SCALE, POST_SCALE_NEW = 1.6, 9.0, 12.0
DROPOUT = 0.005  # monthly hazard of loss to follow-up


@validate_params({"random_seed": "random_state"})
def load_oncology_trial(n_per_arm: int = N_PER_ARM, *, random_seed: int = SEED) -> pd.DataFrame:
    r"""A simulated randomised trial of a new cancer drug against standard care.

    Made on load from the process below (nothing is downloaded or read), so any size can be
    drawn; the default (250 per arm, seed 20260113) is the example data set.

    Parameters
    ----------
    n_per_arm : int
        Patients per arm (default 250).
    random_seed : int
        Seed of the simulation.

    Returns
    -------
    pandas.DataFrame
        One row per patient:

        ``patient`` (int64)
            Patient number.
        ``arm`` (str)
            ``"Standard care"`` or ``"New drug"``.
        ``pfs_months``, ``pfs_event`` (float64, int64)
            Progression-free survival time (months from randomisation) and 1 if progression
            or death was observed, 0 if censored.
        ``os_months``, ``os_event`` (float64, int64)
            Overall survival time and 1 if death was observed. ``pfs_months <= os_months``.

    Notes
    -----
    Time to progression is Weibull (shape 1.3, scale 7 months; the new drug multiplies its
    hazard by 0.55); death before progression has a constant hazard 0.008 a month; survival
    after progression is log-logistic (shape 1.6, scale 9 months on standard care, 12 on
    the new drug, whose benefit persists after progression). PFS is the earlier of
    progression and death, OS the death time. Patients are recruited uniformly over 18
    months and followed to month 36 (administrative censoring), with loss to follow-up at
    0.005 a month. The true OS curve is therefore not any of the standard parametric
    families: extrapolating it is a real choice, as with trial data.

    Examples
    --------
    >>> df = load_oncology_trial()
    >>> df.shape, sorted(df.arm.unique())
    ((500, 6), ['New drug', 'Standard care'])
    >>> bool((df.pfs_months <= df.os_months).all())
    True
    """
    rng = np.random.default_rng(random_seed)
    n = 2 * int(n_per_arm)
    new = np.repeat([0, 1], int(n_per_arm))
    u = rng.uniform(size=(n, 5))
    # Weibull with hazard ratio hr: S(t) = exp(-hr (t/scale)^shape)
    hr = np.where(new == 1, PROG_HR, 1.0)
    t_prog = PROG_SCALE * (-np.log(u[:, 0]) / hr) ** (1 / PROG_SHAPE)
    t_death_pre = -np.log(u[:, 1]) / DEATH_BEFORE_PROG
    post_scale = np.where(new == 1, POST_SCALE_NEW, POST_SCALE)
    post = post_scale * (1 / u[:, 2] - 1) ** (1 / POST_SHAPE)  # log-logistic by inversion
    pfs = np.minimum(t_prog, t_death_pre)
    os_ = np.where(t_death_pre <= t_prog, t_death_pre, t_prog + post)
    entry = u[:, 3] * ACCRUAL
    censor = np.minimum(CUTOFF - entry, -np.log(u[:, 4]) / DROPOUT)
    frame = pd.DataFrame(
        {
            "patient": np.arange(1, n + 1),
            "arm": np.array(ARMS)[new],
            "pfs_months": np.round(np.minimum(pfs, censor), 3),
            "pfs_event": (pfs <= censor).astype("int64"),
            "os_months": np.round(np.minimum(os_, censor), 3),
            "os_event": (os_ <= censor).astype("int64"),
        }
    )
    frame["pfs_months"] = np.maximum(frame["pfs_months"], 0.001)  # no zero times after rounding
    frame["os_months"] = np.maximum(frame["os_months"], frame["pfs_months"])
    return frame

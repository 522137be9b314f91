"""The automatic consistency report of an EVSI estimate, and flags for unreliable estimates.

Theory orders the value measures: ``0 <= EVSI(n) <= EVPPI(study parameters) <= EVPI`` and EVSI
is non-decreasing in the sample size. An estimate that breaks the order by more than
:data:`Z` combined standard errors (or by more than rounding when no SE is available) is
estimation error; :func:`consistency_report` lists every check and warns with
:class:`EVSIConsistencyWarning` when one fails.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from decisionkit.exceptions import EstimationWarning

__all__ = ["EVSIConsistencyWarning", "consistency_report", "flag_unreliable"]

Z = 3.0  # combined standard errors allowed before a violation is reported
UNRELIABLE = "unreliable: se > estimate"


class EVSIConsistencyWarning(EstimationWarning):
    """EVSI estimates break ``EVSI(n) <= EVPPI <= EVPI`` or monotonicity in n beyond their SEs."""


def flag_unreliable(value: np.ndarray, se: np.ndarray) -> np.ndarray:
    """``UNRELIABLE`` where the standard error exceeds the estimate, else ``""``."""
    bad = np.isfinite(se) & (se > value) & (se > 0)
    return np.where(bad, UNRELIABLE, "")


def _row(check: str, n: Any, grid: Any, lhs: float, rhs: float, se: float, tol: float) -> dict:
    allowed = Z * se if np.isfinite(se) else 0.0
    excess = lhs - rhs
    return {
        "check": check,
        "n": n,
        "grid": grid,
        "lhs": lhs,
        "rhs": rhs,
        "excess": excess,
        "se": se,
        "ok": bool(excess <= allowed + tol),
    }


def consistency_report(
    table: pd.DataFrame,
    grid_dim: str | None,
    evppi: np.ndarray,
    evppi_se: np.ndarray,
    what: str,
    warn: bool = True,
) -> pd.DataFrame:
    """Check ``EVSI(n) <= EVPPI <= EVPI`` and monotonicity in n, per grid value.

    Parameters
    ----------
    table : DataFrame
        ``n``, the grid column if any, ``evsi``, ``se`` and ``evpi`` (n-major, grid-minor).
    evppi, evppi_se : ndarray
        EVPPI of the study parameters and its SE per grid value (NaN if unknown).
    what : str
        Names the estimate in the warning.

    Returns
    -------
    DataFrame
        One row per check: ``check``, ``n``, ``grid``, ``lhs``, ``rhs``, ``excess``
        (``lhs - rhs``), ``se`` (combined) and ``ok``.
    """
    grids = [None] if grid_dim is None else list(np.unique(table[grid_dim]))
    rows = []
    for gi, gv in enumerate(grids):
        sub = table if gv is None else table[table[grid_dim] == gv]
        sub = sub.sort_values("n")
        evpi = float(sub["evpi"].iloc[0])
        tol = 1e-6 * max(abs(evpi), np.finfo(float).tiny)
        ppi, ppi_se = float(evppi[gi]), float(evppi_se[gi])
        known = np.isfinite(ppi)  # the EVPPI is skipped for many parameters and few draws
        if known:
            rows.append(_row("EVPPI <= EVPI", None, gv, ppi, evpi, ppi_se, tol))
        prev = None
        for n, value, se in sub[["n", "evsi", "se"]].itertuples(index=False):
            both = float(np.hypot(se, ppi_se)) if np.isfinite(ppi_se) else float(se)
            if known:
                rows.append(_row("EVSI <= EVPPI", int(n), gv, float(value), ppi, both, tol))
            if prev is not None:
                step_se = float(np.hypot(se, prev[2]))
                rows.append(
                    _row(
                        "EVSI non-decreasing in n", int(n), gv, prev[1], float(value), step_se, tol
                    )
                )
            prev = (n, float(value), float(se))
    report = pd.DataFrame(rows, columns=["check", "n", "grid", "lhs", "rhs", "excess", "se", "ok"])
    if grid_dim is None:
        report = report.drop(columns="grid")
    else:
        report = report.rename(columns={"grid": grid_dim})
    failed = report[~report["ok"]]
    if warn and len(failed):
        first = failed.iloc[0]
        warnings.warn(
            f"{what}: {len(failed)} consistency check(s) failed beyond {Z:g} standard errors, "
            f"e.g. {first['check']} at n={first['n']}: {first['lhs']:.4g} vs "
            f"{first['rhs']:.4g}. This is estimation error: use more draws, more data sets "
            "(n_datasets) or another method; see result.check.",
            EVSIConsistencyWarning,
            stacklevel=3,
        )
    return report.reset_index(drop=True)

"""Run one specification as a microsimulation and as a cohort, and line the results up."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import fail, validate_params
from decisionkit.models.simulation._model import Microsimulation
from decisionkit.models.simulation._result import METRICS

__all__ = ["compare_with_cohort"]


@validate_params({"random_seed": "random_state"})
def compare_with_cohort(
    model: Microsimulation,
    params: Any = None,
    *,
    cohort: Any = None,
    population: int | pd.DataFrame = 10_000,
    random_seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    r"""Compare a microsimulation with the cohort model of the same specification.

    The microsimulation mean of every metric (and every increment against the first
    strategy) should lie within a few Monte-Carlo standard errors of the cohort value:
    ``z = (microsimulation - cohort) / mcse`` is approximately standard normal when the two
    describe the same model, so ``|z| > 3`` points at a real difference (or, for a model with
    per-individual parts, at what the cohort leaves out).

    Parameters
    ----------
    model : Microsimulation
    params : DataFrame or mapping, optional
        Parameter draws, passed to both runs.
    cohort : MarkovModel, optional
        The cohort model to compare with; default ``model.to_cohort()`` (the same
        specification, which needs the model to be cohort-equivalent).
    population, random_seed
        As in :meth:`Microsimulation.run`.

    Returns
    -------
    DataFrame
        One row per (comparison, metric): ``comparison`` (a strategy, or ``"B - A"`` for an
        increment), ``metric``, ``microsimulation``, ``mcse``, ``cohort``, ``difference``,
        ``z`` and ``within_3_mcse``.

    Examples
    --------
    >>> import numpy as np
    >>> sim = Microsimulation(["Well", "Dead"], strategies=["A", "B"],
    ...     transition={"A": np.array([[0.9, 0.1], [0, 1]]), "B": np.array([[0.92, 0.08], [0, 1]])},
    ...     state_costs=[1.0, 0.0], state_utilities=[1.0, 0.0], n_cycles=5, dead="Dead")
    >>> table = compare_with_cohort(sim, population=5000, random_seed=3)
    >>> list(table.columns[:3])
    ['comparison', 'metric', 'microsimulation']
    """
    if not isinstance(model, Microsimulation):
        raise fail("model", "a Microsimulation", type(model))
    cohort = model.to_cohort() if cohort is None else cohort
    micro = model.run(params, population=population, random_seed=random_seed)
    coh = cohort.run({} if params is None else params).values.mean("draw")
    rows = []
    summary = micro.summary().set_index("strategy")
    for strategy in micro.strategies:
        for m in METRICS:
            rows.append(
                (
                    strategy,
                    m,
                    summary.loc[strategy, m],
                    summary.loc[strategy, f"{m}_mcse"],
                    float(coh[m].sel(action=strategy)),
                )
            )
    ref = micro.strategies[0]
    for _, inc in micro.incremental(ref).iterrows():
        for m in METRICS:
            cohort_delta = float(coh[m].sel(action=inc["strategy"]) - coh[m].sel(action=ref))
            rows.append(
                (
                    f"{inc['strategy']} - {ref}",
                    m,
                    inc[f"delta_{m}"],
                    inc[f"delta_{m}_mcse"],
                    cohort_delta,
                )
            )
    frame = pd.DataFrame(
        rows, columns=["comparison", "metric", "microsimulation", "mcse", "cohort"]
    )
    frame["difference"] = frame["microsimulation"] - frame["cohort"]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = frame["difference"] / frame["mcse"]
    frame["z"] = np.where(
        frame["mcse"] > 0, z, np.where(frame["difference"].abs() < 1e-9, 0, np.inf)
    )
    frame["within_3_mcse"] = frame["z"].abs() <= 3
    return frame

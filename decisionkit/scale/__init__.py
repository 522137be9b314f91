"""Scale out: apply decision policies and run PSA in chunks or on Dask.

- :func:`recommend`: the generic per-patient path (any risk model's ``predict_risk`` ->
  an outcome function -> :func:`decisionkit.decide`) on pandas, in blocks, or on Dask.
- :class:`Policy`: a logistic risk model's posterior plus utilities, as a pure object that
  maps a patient DataFrame to recommendations, in memory, in chunks or on a Dask DataFrame;
  it round-trips exactly through netCDF and JSON.
- :func:`apply_to_parquet`: write a policy's recommendations to Parquet atomically.
- :func:`run_psa_distributed` / :func:`psa_summary`: cost-effectiveness PSA summaries
  combined exactly from partitions of draws (bit-identical to one process).

Dask is optional (``pip install pydecisionkit[dask]``) and imported only when used.
"""

from decisionkit.scale._dask import apply_dask, apply_to_parquet
from decisionkit.scale._policy import Policy
from decisionkit.scale._psa import PSAResult, PSASums, psa_summary, run_psa_distributed
from decisionkit.scale._recommend import recommend

__all__ = [
    "PSAResult",
    "PSASums",
    "Policy",
    "apply_dask",
    "apply_to_parquet",
    "psa_summary",
    "recommend",
    "run_psa_distributed",
]

"""Matplotlib plots.

Each function takes a result object, ``ax=None``, returns the Axes and never calls
``plt.show()``. One private module per area (``_threshold.py``, ``_cea.py``, ``_voi.py``, ...)
re-exported here.
"""

from decisionkit.plot._voi import enbs_curve, evppi_bars, evsi_curve, regression_check, voi_evpi

__all__: list[str] = [
    "enbs_curve",
    "evppi_bars",
    "evsi_curve",
    "regression_check",
    "voi_evpi",
]

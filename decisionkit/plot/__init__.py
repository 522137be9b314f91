"""Matplotlib plots.

Each function takes a result object, ``ax=None``, returns the Axes and never calls
``plt.show()``. One private module per area (``_threshold.py``, ``_cea.py``, ``_voi.py``, ...)
re-exported here.
"""

from decisionkit.plot._threshold import decision_curve

__all__: list[str] = ["decision_curve"]

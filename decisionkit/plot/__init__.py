"""Matplotlib plots.

Each function takes a result object, ``ax=None``, returns the Axes and never calls
``plt.show()``. One private module per area (``_threshold.py``, ``_cea.py``, ``_voi.py``, ...)
re-exported here.
"""

from decisionkit.plot._models import plot_capacity_plan, plot_forecast, plot_group_rates

__all__: list[str] = ["plot_capacity_plan", "plot_forecast", "plot_group_rates"]

"""Matplotlib plots.

Each function takes a result object, ``ax=None``, returns the Axes and never calls
``plt.show()``. One private module per area (``_threshold.py``, ``_cea.py``, ``_voi.py``, ...)
re-exported here.
"""

from decisionkit.plot._cea import ce_plane, ceac, ceaf, evpi_curve, icer_frontier
from decisionkit.plot._cea_bcea import (
    ce_contour,
    ceac_bootstrap,
    eib,
    mixed_strategy,
    risk_aversion,
)
from decisionkit.plot._cohort import state_trace
from decisionkit.plot._evidence import forest_plot, network_plot, rank_plot
from decisionkit.plot._evsi import enbs_probability, evsi_diagnostics
from decisionkit.plot._models import plot_capacity_plan, plot_forecast, plot_group_rates
from decisionkit.plot._partitioned import psm_curves, psm_occupancy
from decisionkit.plot._prediction_voi import prediction_voi
from decisionkit.plot._report import budget_impact, scenario_comparison
from decisionkit.plot._sensitivity import one_way_lines, one_way_optimal, tornado, two_way
from decisionkit.plot._survival import kaplan_meier, survival_fits
from decisionkit.plot._threshold import decision_curve, test_consequences
from decisionkit.plot._voi import enbs_curve, evppi_bars, evsi_curve, regression_check, voi_evpi

__all__: list[str] = [
    "budget_impact",
    "ce_contour",
    "ce_plane",
    "ceac",
    "ceac_bootstrap",
    "ceaf",
    "decision_curve",
    "eib",
    "enbs_curve",
    "enbs_probability",
    "evpi_curve",
    "evppi_bars",
    "evsi_curve",
    "evsi_diagnostics",
    "forest_plot",
    "icer_frontier",
    "kaplan_meier",
    "mixed_strategy",
    "network_plot",
    "one_way_lines",
    "one_way_optimal",
    "plot_capacity_plan",
    "plot_forecast",
    "plot_group_rates",
    "prediction_voi",
    "psm_curves",
    "psm_occupancy",
    "rank_plot",
    "regression_check",
    "risk_aversion",
    "scenario_comparison",
    "state_trace",
    "survival_fits",
    "test_consequences",
    "tornado",
    "two_way",
    "voi_evpi",
]

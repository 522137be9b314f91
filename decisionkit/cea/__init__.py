"""Cost-effectiveness analysis: ICER tables (dampack conventions) and CEAC/CEAF/EVPI curves.

- :func:`icer_table`: incremental cost-effectiveness ratios with strong and extended dominance.
- :func:`analyze` -> :class:`CEAResult`: acceptability curve and frontier, EVPI, incremental net
  benefit, switch points and the CE plane over a willingness-to-pay grid.
- BCEA's extras: :func:`incremental` (every strategy against one chosen reference: ICERs, the
  expected incremental benefit with credible intervals), :func:`bootstrap_ceac` (the CEAC with
  a bootstrap band), :func:`risk_aversion` (exponential utility over several risk aversions)
  and :func:`mixed_strategy` (market shares, the value of implementation).
"""

from decisionkit.cea._analyze import CEAResult, analyze
from decisionkit.cea._bootstrap import BootstrapCEAC, bootstrap_ceac
from decisionkit.cea._icer import icer_table
from decisionkit.cea._mixed import MixedStrategyResult, mixed_strategy
from decisionkit.cea._reference import IncrementalResult, incremental
from decisionkit.cea._riskav import RiskAversionResult, risk_aversion

__all__ = [
    "BootstrapCEAC",
    "CEAResult",
    "IncrementalResult",
    "MixedStrategyResult",
    "RiskAversionResult",
    "analyze",
    "bootstrap_ceac",
    "icer_table",
    "incremental",
    "mixed_strategy",
    "risk_aversion",
]

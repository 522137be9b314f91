"""Cost-effectiveness analysis: ICER tables (dampack conventions) and CEAC/CEAF/EVPI curves.

- :func:`icer_table`: incremental cost-effectiveness ratios with strong and extended dominance.
- :func:`analyze` -> :class:`CEAResult`: acceptability curve and frontier, EVPI, incremental net
  benefit, switch points and the CE plane over a willingness-to-pay grid.
"""

from decisionkit.cea._analyze import CEAResult, analyze
from decisionkit.cea._icer import icer_table

__all__ = ["CEAResult", "analyze", "icer_table"]

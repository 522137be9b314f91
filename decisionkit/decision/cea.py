"""Cost-effectiveness analysis: ICER table, CEAC, CEAF, EVPI, INB and CE-plane data."""

from __future__ import annotations

from decisionkit.decision._icer import icer_table

__all__ = ["icer_table"]

"""From analysis to submission: scenarios, budget impact, Excel export and HTML report.

``dk.report.run_scenarios`` re-runs a model under named alternative assumptions,
``dk.report.budget_impact`` computes the payer's annual and cumulative budget impact
(ISPOR good practice), ``dk.report.MarkovSpec`` / ``dk.report.to_excel`` write an auditable
workbook whose Markov trace recomputes from the input cells, and ``dk.report.write_report``
writes a self-contained HTML report with a filled CHEERS 2022 checklist.
"""

from decisionkit.report._budget import (
    BudgetImpactResult,
    annual_costs_from_trace,
    budget_impact,
    eligible_population,
    market_shares_with,
)
from decisionkit.report._cheers import CHEERS_ITEMS, METADATA_KEYS, cheers_checklist
from decisionkit.report._excel import to_excel
from decisionkit.report._html import Report, report_html, write_report
from decisionkit.report._scenarios import BASE, Scenario, ScenarioResult, run_scenarios
from decisionkit.report._spec import COMPLEMENT, MarkovSpec

__all__ = [
    "BASE",
    "CHEERS_ITEMS",
    "COMPLEMENT",
    "METADATA_KEYS",
    "BudgetImpactResult",
    "MarkovSpec",
    "Report",
    "Scenario",
    "ScenarioResult",
    "annual_costs_from_trace",
    "budget_impact",
    "cheers_checklist",
    "eligible_population",
    "market_shares_with",
    "report_html",
    "run_scenarios",
    "to_excel",
    "write_report",
]

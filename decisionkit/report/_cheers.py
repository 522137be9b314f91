"""The CHEERS 2022 reporting checklist, filled from what a decisionkit report contains.

Each of the 28 items is marked *addressed* (the report section that does it),
*partly* (decisionkit wrote the numbers; the reasons or sources are the user's to add),
*user text* (the user supplied it through ``metadata``) or *user to write*. Item topics are
those of the statement; the guidance column paraphrases it in a few words.

References
----------
.. [1] Husereau D, Drummond M, Augustovski F, et al. Consolidated Health Economic Evaluation
   Reporting Standards 2022 (CHEERS 2022) statement: updated reporting guidance for health
   economic evaluations. *Value Health* 2022;25(1):3-9. doi:10.1016/j.jval.2021.11.1351
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from decisionkit._validation import validate_params

__all__ = ["CHEERS_ITEMS", "METADATA_KEYS", "cheers_checklist"]

# (item, part, topic, guidance in brief, metadata key, report sections that address it, todo)
# todo: what the user still has to add when the sections are present ("" = nothing)
CHEERS_ITEMS: tuple[tuple[int, str, str, str, str, tuple[str, ...], str], ...] = (
    (
        1,
        "Title",
        "Title",
        "Identify an economic evaluation and the interventions compared",
        "title",
        ("title",),
        "say that it is an economic evaluation and name the interventions",
    ),
    (
        2,
        "Abstract",
        "Abstract",
        "Structured summary of context, methods, results, alternative analyses",
        "abstract",
        (),
        "",
    ),
    (
        3,
        "Introduction",
        "Background and objectives",
        "Context, study question, relevance for decisions",
        "background",
        (),
        "",
    ),
    (
        4,
        "Methods",
        "Health economic analysis plan",
        "Whether a plan was developed and where it is available",
        "analysis_plan",
        (),
        "",
    ),
    (5, "Methods", "Study population", "Characteristics of the population", "population", (), ""),
    (
        6,
        "Methods",
        "Setting and location",
        "Context that may influence findings",
        "setting",
        (),
        "",
    ),
    (
        7,
        "Methods",
        "Comparators",
        "Interventions compared and why chosen",
        "comparators",
        ("structure",),
        "why these comparators",
    ),
    (8, "Methods", "Perspective", "Perspective(s) adopted and why", "perspective", (), ""),
    (
        9,
        "Methods",
        "Time horizon",
        "Time horizon and why appropriate",
        "time_horizon",
        ("structure",),
        "why this horizon",
    ),
    (
        10,
        "Methods",
        "Discount rate",
        "Discount rate(s) and reason chosen",
        "discounting",
        ("structure",),
        "why these rates",
    ),
    (
        11,
        "Methods",
        "Selection of outcomes",
        "Measure(s) of benefit and harm",
        "outcomes",
        ("base_case",),
        "why these outcomes",
    ),
    (
        12,
        "Methods",
        "Measurement of outcomes",
        "How benefits and harms were measured",
        "outcome_measurement",
        (),
        "",
    ),
    (
        13,
        "Methods",
        "Valuation of outcomes",
        "Population and methods to value outcomes",
        "outcome_valuation",
        (),
        "",
    ),
    (
        14,
        "Methods",
        "Measurement and valuation of resources and costs",
        "How costs were valued",
        "costs",
        ("inputs",),
        "sources of resource use and unit costs",
    ),
    (
        15,
        "Methods",
        "Currency, price date, and conversion",
        "Currency, price year, conversions",
        "currency",
        (),
        "",
    ),
    (
        16,
        "Methods",
        "Rationale and description of model",
        "Model described, why used, whether publicly available",
        "model",
        ("structure",),
        "why this model; where it is available",
    ),
    (
        17,
        "Methods",
        "Analytics and assumptions",
        "Analysis methods, extrapolation, validation",
        "analytics",
        ("methods",),
        "extrapolation and validation",
    ),
    (
        18,
        "Methods",
        "Characterizing heterogeneity",
        "Methods for subgroup results",
        "heterogeneity",
        ("scenarios",),
        "which scenarios are subgroups, and why",
    ),
    (
        19,
        "Methods",
        "Characterizing distributional effects",
        "How impacts are distributed, equity adjustments",
        "distributional",
        (),
        "",
    ),
    (
        20,
        "Methods",
        "Characterizing uncertainty",
        "Methods for every source of uncertainty",
        "uncertainty",
        ("methods", "psa", "one_way", "scenarios", "voi"),
        "",
    ),
    (
        21,
        "Methods",
        "Approach to engagement with patients and others affected by the study",
        "How patients, public or stakeholders were engaged",
        "engagement",
        (),
        "",
    ),
    (
        22,
        "Results",
        "Study parameters",
        "All inputs with values, ranges, distributions, references",
        "parameters",
        ("inputs",),
        "the source of each input",
    ),
    (
        23,
        "Results",
        "Summary of main results",
        "Mean costs and outcomes and the overall measure (e.g. ICER)",
        "results",
        ("base_case", "icers"),
        "",
    ),
    (
        24,
        "Results",
        "Effect of uncertainty",
        "How uncertainty in judgements, inputs and projections affects findings",
        "uncertainty_results",
        ("psa", "one_way", "scenarios", "voi"),
        "",
    ),
    (
        25,
        "Results",
        "Effect of engagement with patients and others affected by the study",
        "Difference engagement made",
        "engagement_effect",
        (),
        "",
    ),
    (
        26,
        "Discussion",
        "Study findings, limitations, generalizability, and current knowledge",
        "Key findings, limitations, equity, implications",
        "discussion",
        (),
        "",
    ),
    (
        27,
        "Other relevant information",
        "Source of funding",
        "Funding and role of the funder",
        "funding",
        (),
        "",
    ),
    (
        28,
        "Other relevant information",
        "Conflicts of interest",
        "Authors' conflicts of interest",
        "conflicts",
        (),
        "",
    ),
)

METADATA_KEYS: tuple[str, ...] = tuple(item[4] for item in CHEERS_ITEMS)
"""Keys of ``metadata`` that fill a CHEERS item with the user's own text."""

SECTION_TITLES = {
    "title": "Title",
    "context": "Study context",
    "inputs": "Inputs",
    "structure": "Model structure",
    "base_case": "Base case",
    "icers": "Incremental cost-effectiveness",
    "psa": "Probabilistic sensitivity analysis",
    "one_way": "Deterministic sensitivity analysis",
    "scenarios": "Scenario analysis",
    "voi": "Value of information",
    "budget": "Budget impact",
    "methods": "Methods",
}


@validate_params()
def cheers_checklist(sections: set[str], metadata: Mapping[str, str]) -> pd.DataFrame:
    """The CHEERS 2022 checklist for a report with ``sections`` and user ``metadata``.

    Parameters
    ----------
    sections : set of str
        Keys of the sections the report contains (see ``SECTION_TITLES``).
    metadata : mapping of str to str
        User text per item key (``METADATA_KEYS``), placed in the report's "Study context".

    Returns
    -------
    pandas.DataFrame
        ``item, part, topic, guidance, status, where``; ``status`` is ``"addressed"``,
        ``"partly"``, ``"user text"`` or ``"user to write"``.
    """
    rows = []
    for item, part, topic, guidance, key, secs, todo in CHEERS_ITEMS:
        present = [SECTION_TITLES[s] for s in secs if s in sections]
        if key in metadata and str(metadata[key]).strip():
            status = "user text"
            where = "; ".join(["Study context", *present])
        elif present and not todo:
            status, where = "addressed", "; ".join(present)
        elif present:
            status = "partly"
            where = "; ".join(present) + f" (user to write: {todo})"
        else:
            status, where = "user to write", f"not in this report (metadata key '{key}')"
        rows.append((item, part, topic, guidance, status, where))
    return pd.DataFrame(rows, columns=["item", "part", "topic", "guidance", "status", "where"])

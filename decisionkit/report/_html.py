"""One call writes a self-contained HTML report of a cost-effectiveness analysis.

:func:`write_report` assembles, from the results the user already has, the sections a
health technology assessment submission needs (inputs, model structure, base case, ICER
table, CE plane, CEAC/CEAF, scenario table, tornado, EVPI and EVPPI, budget impact, methods
text with references) and the filled CHEERS 2022 checklist. Figures are inline PNG (base64),
each with a numbered caption that states its units; the page has no scripts and requests
nothing from any host, so it opens offline and can be archived as one file.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_wtp, fail, validate_params
from decisionkit.outcomes import OutcomeDistribution, require_outcomes
from decisionkit.report import _methods
from decisionkit.report._budget import BudgetImpactResult
from decisionkit.report._cheers import METADATA_KEYS, SECTION_TITLES, cheers_checklist
from decisionkit.report._scenarios import ScenarioResult

__all__ = ["Report", "report_html", "write_report"]

_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.8em}h2{border-bottom:1px solid #999;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.85em}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{caption-side:top;text-align:left;font-style:italic;padding-bottom:4px}
figure{margin:1em 0 2em}figure img{max-width:100%}
figcaption{font-style:italic;font-size:.9em}
.status-addressed{background:#e3f4e3}.status-partly{background:#fff6d6}
.status-user{background:#fde3e3}.note{color:#555;font-size:.9em}
nav ol{columns:2}
"""


@dataclass(frozen=True, repr=False, eq=False)
class Report:
    """The written report (immutable).

    Attributes
    ----------
    path : Path or None
        The HTML file (None when nothing was written).
    sections : tuple of str
        Titles of the sections written, in order.
    figures : tuple of str
        Figure captions, in order.
    cheers : pandas.DataFrame
        The filled CHEERS 2022 checklist (see :func:`cheers_checklist`).
    n_bytes : int
        Size of the file.
    text : str
        The HTML.
    """

    path: Path | None
    sections: tuple[str, ...]
    figures: tuple[str, ...]
    cheers: pd.DataFrame = field(repr=False)
    n_bytes: int
    text: str = field(repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        """The CHEERS checklist (a copy)."""
        return self.cheers.copy()

    def to_frame(self) -> pd.DataFrame:
        """The CHEERS checklist as a tidy DataFrame (a copy)."""
        return self.cheers.copy()

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        counts = self.cheers["status"].value_counts().to_dict()
        name = self.path.name if self.path else "(not written)"
        return (
            f"<Report {name}: {len(self.sections)} sections, {len(self.figures)} "
            f"figures, {self.n_bytes / 1e6:.2f} MB; CHEERS 2022: {counts}>"
        )


@validate_params()
def write_report(
    path: str | Path | None,
    outcomes: OutcomeDistribution,
    *,
    wtp: float,
    title: str = "Cost-effectiveness analysis",
    cost: str = "cost",
    effect: str = "qaly",
    currency: str = "$",
    effect_unit: str = "QALY",
    reference: str | None = None,
    wtp_grid: Any = None,
    model: Any = None,
    base_case: Mapping[str, float] | None = None,
    psa: Any = None,
    scenarios: ScenarioResult | None = None,
    one_way: Any = None,
    budget: BudgetImpactResult | None = None,
    evppi: bool = True,
    metadata: Mapping[str, str] | None = None,
    excel_file: str | None = None,
) -> Report:
    """Write a self-contained HTML report of an analysis and its CHEERS 2022 checklist.

    Parameters
    ----------
    path : str, Path or None
        Output ``.html`` file (overwritten); None writes nothing (the text is in
        :attr:`Report.text`).
    outcomes : OutcomeDistribution
        The base-case PSA (draws x strategies), with input draws attached for EVPPI.
    wtp : float
        The willingness-to-pay threshold of the decision (currency per unit of effect).
    title : str
        Report title.
    cost, effect : str
        Metric names of costs and effects.
    currency, effect_unit : str
        Units shown in tables, axes and captions.
    reference : str, optional
        Comparator for incremental results (default: the first strategy).
    wtp_grid : array-like, optional
        Grid for the CEAC and EVPI curves (default 0 to ``3 * wtp`` in 101 steps).
    model : MarkovSpec or MarkovModel, optional
        The model, described in "Model structure"; with ``base_case`` (or a MarkovSpec's own
        parameters) its deterministic run is the base case.
    base_case : mapping, optional
        Deterministic parameter values.
    psa : decisionkit.models.PSA, optional
        Parameter distributions, listed in "Inputs".
    scenarios : ScenarioResult, optional
        From :func:`decisionkit.report.run_scenarios`.
    one_way : OneWayResult, optional
        From ``dk.sensitivity.one_way``; drawn as a tornado diagram.
    budget : BudgetImpactResult, optional
        From :func:`decisionkit.report.budget_impact`.
    evppi : bool
        Compute the EVPPI of each input at ``wtp`` (needs inputs on ``outcomes``).
    metadata : mapping of str to str, optional
        The user's text for CHEERS items (keys ``METADATA_KEYS``: ``"perspective"``,
        ``"population"``, ``"funding"``, ...), shown under "Study context".
    excel_file : str, optional
        File name of the companion workbook (:func:`to_excel`), cited for CHEERS item 16.

    Returns
    -------
    Report

    Examples
    --------
    >>> from decisionkit.models.cohort import sick_sicker as ss
    >>> out = ss.sick_sicker_psa(200, random_seed=1)
    >>> write_report("report.html", out, wtp=100_000)  # doctest: +SKIP
    """
    outcomes = require_outcomes(outcomes, caller_name())
    if outcomes.extra_dims:
        raise fail(
            "outcomes",
            "outcomes with dims (draw, action) only",
            outcomes.extra_dims,
            hint="Pass one scenario's outcomes (outcomes_for).",
        )
    wtp_value, _ = check_wtp(wtp, positive=False)
    if wtp_value is None:
        raise fail("wtp", "one number (the decision threshold)", wtp)
    if path is not None:
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise fail("path", "a file name ending in .html (or None)", str(path))
    metadata = dict(metadata or {})
    unknown = sorted(set(metadata) - set(METADATA_KEYS))
    if unknown:
        raise fail("metadata", f"a dict with keys among {list(METADATA_KEYS)}", unknown)
    for name, value in (("scenarios", scenarios), ("budget", budget)):
        kind = ScenarioResult if name == "scenarios" else BudgetImpactResult
        if value is not None and not isinstance(value, kind):
            raise fail(name, f"a {kind.__name__}", type(value).__name__)

    from decisionkit.cea import analyze

    grid = (
        np.linspace(0.0, 3.0 * wtp_value, 101)
        if wtp_grid is None
        else np.asarray(wtp_grid, dtype=float)
    )
    if wtp_value not in grid:
        grid = np.unique(np.append(grid, wtp_value))
    ce = analyze(
        outcomes, cost=cost, effect=effect, wtp=grid, reference=reference or outcomes.actions[0]
    )
    doc = _Doc(currency=currency, effect_unit=effect_unit)
    ctx = _methods.Context(
        ce=ce,
        wtp=float(wtp_value),
        currency=currency,
        effect_unit=effect_unit,
        outcomes=outcomes,
        model=model,
        psa=psa,
        base_case=base_case,
        scenarios=scenarios,
        one_way=one_way,
        budget=budget,
        excel_file=excel_file,
    )
    det = _methods.deterministic(ctx, cost, effect)
    if metadata:
        doc.section(
            "context",
            "".join(
                f"<h3>{html.escape(k.replace('_', ' ').capitalize())}</h3>"
                f"<p>{html.escape(str(v))}</p>"
                for k, v in metadata.items()
            ),
        )
    _methods.inputs_section(doc, ctx)
    _methods.structure_section(doc, ctx, det)
    _methods.results_sections(doc, ctx, det, cost, effect)
    if one_way is not None:
        _methods.one_way_section(doc, ctx)
    if scenarios is not None:
        _methods.scenario_section(doc, ctx)
    _methods.voi_section(doc, ctx, evppi)
    if budget is not None:
        _methods.budget_section(doc, ctx)
    doc.section("methods", _methods.methods_text(ctx))
    present = set(doc.keys) | {"title"}
    cheers = cheers_checklist(present, metadata)
    text = doc.render(title, cheers)
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return Report(
        path, tuple(doc.titles), tuple(doc.captions), cheers, len(text.encode("utf-8")), text
    )


@validate_params()
def report_html(outcomes: OutcomeDistribution, **kwargs: Any) -> bytes:
    """The report of :func:`write_report` as UTF-8 bytes, without writing a file.

    For a download button (e.g. ``st.download_button(data=lambda: report_html(out, wtp=w))``).
    Takes the keyword arguments of :func:`write_report`.
    """
    return write_report(None, outcomes, **kwargs).text.encode("utf-8")


class _Doc:
    """Collects sections, numbered tables and figures, and renders the page."""

    def __init__(self, *, currency: str, effect_unit: str) -> None:
        self.currency, self.effect_unit = currency, effect_unit
        self.keys: list[str] = []
        self.titles: list[str] = []
        self.bodies: list[str] = []
        self.captions: list[str] = []
        self.n_tables = 0

    def section(self, key: str, body: str) -> None:
        self.keys.append(key)
        self.titles.append(SECTION_TITLES[key])
        self.bodies.append(body)

    def table(self, frame: pd.DataFrame, caption: str) -> str:
        """An HTML table with a numbered caption; numbers right-aligned, text left."""
        self.n_tables += 1
        numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
        rows = []
        for values in frame.itertuples(index=False):
            cells = []
            for v, num in zip(values, numeric, strict=True):
                if num:
                    cells.append(f'<td class="num">{_number(v)}</td>')
                else:
                    cells.append(f"<td>{html.escape('' if v is None else str(v))}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return (
            f"<table><caption>Table {self.n_tables}. {html.escape(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def figure(self, ax: Any, caption: str) -> str:
        import matplotlib.pyplot as plt

        fig = ax.figure
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        plt.close(fig)
        self.captions.append(caption)
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        n = len(self.captions)
        return (
            f'<figure><img alt="Figure {n}" src="data:image/png;base64,{data}">'
            f"<figcaption>Figure {n}. {html.escape(caption)}</figcaption></figure>"
        )

    def render(self, title: str, cheers: pd.DataFrame) -> str:
        import decisionkit

        nav = "".join(
            f'<li><a href="#{k}">{html.escape(t)}</a></li>'
            for k, t in zip(self.keys, self.titles, strict=True)
        )
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "img-src data:; style-src 'unsafe-inline'\">",
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{html.escape(title)}</h1>",
            f'<p class="note">Written by decisionkit {decisionkit.__version__}. Costs in '
            f"{html.escape(self.currency)}, effects in {html.escape(self.effect_unit)}s "
            "unless stated otherwise.</p>",
            f'<nav><ol>{nav}<li><a href="#cheers">CHEERS 2022 checklist</a></li></ol></nav>',
        ]
        for k, t, b in zip(self.keys, self.titles, self.bodies, strict=True):
            parts.append(f'<section id="{k}"><h2>{html.escape(t)}</h2>{b}</section>')
        rows = "".join(
            f'<tr class="status-{html.escape(r.status.split()[0])}"><td>{r.item}</td>'
            f"<td>{html.escape(r.topic)}</td><td>{html.escape(r.guidance)}</td>"
            f"<td>{html.escape(r.status)}</td><td>{html.escape(r.where)}</td></tr>"
            for r in cheers.itertuples()
        )
        parts.append(
            '<section id="cheers"><h2>CHEERS 2022 checklist</h2><table><caption>Where each '
            "item of the CHEERS 2022 statement (Husereau et al. 2022) is addressed in this "
            "report, or that it is the user's to write.</caption><thead><tr><th>Item</th>"
            "<th>Topic</th><th>Guidance (in brief)</th><th>Status</th><th>Where</th></tr>"
            f"</thead><tbody>{rows}</tbody></table></section>"
        )
        parts.append("</body></html>")
        return "\n".join(parts)


def _number(x: Any) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return f"{int(x):,}"
    x = float(x)
    if not np.isfinite(x):
        return "" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 1 or x == 0:
        return f"{x:,.3f}"
    if abs(x) >= 0.01:
        return f"{x:.3f}"
    return f"{x:.4g}" if abs(x) >= 1e-6 else "0"  # below 1e-6: rounding noise

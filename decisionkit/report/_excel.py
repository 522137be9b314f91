r"""Excel export that recomputes: inputs, a live-formula Markov trace, results, PSA draws.

:func:`to_excel` writes a :class:`~decisionkit.report.MarkovSpec` as a workbook a reviewer
can audit and change:

``Inputs``
    One cell per parameter (each an Excel *defined name*, so formulas read
    ``=cost_zido+IF(t<=2,cost_lami,0)`` rather than ``=Inputs!$B$7``), plus the discount
    rates and the cycle length.
``Trace <strategy>``
    One row per trace point ``t = 0..n_cycles``: the transition probabilities of cycle ``t``,
    the state occupancy :math:`m_t = m_{t-1} P_t` (each entry a formula
    :math:`\sum_i m_{t-1,i} P_{t,ij}` of the row above), state costs and utilities, the
    within-cycle weight :math:`w_t`, the discount factors :math:`(1 + r)^{-t \ell}` and the
    weighted, discounted cost, QALYs and life years of the row; totals at the bottom.
``Results``
    Total cost, QALYs and life years of each strategy (formulas), increments against the
    first strategy and the ICER, next to the values decisionkit computed, for checking.
``PSA draws``
    The parameter draws and outcomes of a probabilistic analysis, as values.
``About``
    Conventions and how to use the workbook.

Change an input cell and Excel (or LibreOffice) recomputes the trace and the results; the
tests recompute the workbook with the ``formulas`` package, outside decisionkit, and match
decisionkit's :class:`~decisionkit.models.MarkovModel` to 1e-9 relative.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import fail, require, validate_params
from decisionkit.report._expr import excel_name_ok
from decisionkit.report._spec import MarkovSpec

__all__ = ["to_excel"]

_FIRST = 5  # first data row of a trace sheet (t = 0)
_SETTINGS = {
    "dk_discount_cost": ("discount_cost", "Annual discount rate of costs"),
    "dk_discount_effect": ("discount_effect", "Annual discount rate of QALYs and life years"),
    "dk_cycle_length": ("cycle_length", "Cycle length (years)"),
}


@validate_params()
def to_excel(
    spec: MarkovSpec,
    path: str | Path,
    *,
    psa_draws: pd.DataFrame | None = None,
    title: str = "decisionkit Markov model",
    descriptions: dict[str, str] | None = None,
) -> Path:
    """Write ``spec`` as an auditable workbook whose Markov trace recomputes in Excel.

    Parameters
    ----------
    spec : MarkovSpec
        The model, with its deterministic parameter values.
    path : str or Path
        Output ``.xlsx`` file (overwritten).
    psa_draws : DataFrame, optional
        PSA parameter draws (columns among the spec's parameters); the model is run on them
        and the draws and outcomes are written as values to the ``PSA draws`` sheet.
    title : str
        Title written on the ``About`` and ``Inputs`` sheets.
    descriptions : dict, optional
        One-line description per parameter, shown beside its input cell.

    Returns
    -------
    Path
        The file written.

    Notes
    -----
    Needs ``openpyxl`` (``pip install pydecisionkit[report]``).

    Examples
    --------
    >>> spec = MarkovSpec(["Alive", "Dead"], strategies=["Care"], parameters={"p_die": 0.1},
    ...                   transition=[["C", "p_die"], [0, 1]], state_costs=[100, 0],
    ...                   state_utilities=[1, 0], n_cycles=10, dead="Dead")
    >>> to_excel(spec, "model.xlsx")  # doctest: +SKIP
    """
    if not isinstance(spec, MarkovSpec):
        raise fail("spec", "a decisionkit.report.MarkovSpec", type(spec).__name__)
    openpyxl = require("openpyxl", "Excel export", extra="report")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise fail("path", "a file name ending in .xlsx", str(path))
    descriptions = dict(descriptions or {})
    wb = openpyxl.Workbook()
    refs = _inputs_sheet(wb, spec, title, descriptions)
    det = spec.run()
    totals = {}
    names = _sheet_names(spec.strategies)
    for s in spec.strategies:
        totals[s] = _trace_sheet(wb, spec, s, names[s], refs)
    _results_sheet(wb, spec, totals, det)
    if psa_draws is not None:
        _psa_sheet(wb, spec, psa_draws)
    _about_sheet(wb, spec, title)
    wb.save(path)
    return path


# ---------------------------------------------------------------------- sheets
def _bold(cell: Any) -> None:
    from openpyxl.styles import Font

    cell.font = Font(bold=True)


def _inputs_sheet(wb, spec: MarkovSpec, title: str, descriptions: dict) -> dict[str, str]:
    from openpyxl.workbook.defined_name import DefinedName

    ws = wb.active
    ws.title = "Inputs"
    ws["A1"] = f"{title}: inputs (change a value; the trace and results recompute)"
    _bold(ws["A1"])
    for col, head in zip("ABC", ("Parameter", "Value", "Description"), strict=True):
        ws[f"{col}3"] = head
        _bold(ws[f"{col}3"])
    refs: dict[str, str] = {}
    row = 4
    items = [(k, v, descriptions.get(k, "")) for k, v in spec.parameters.items()]
    items += [(name, getattr(spec, attr), text) for name, (attr, text) in _SETTINGS.items()]
    for name, value, text in items:
        ws.cell(row, 1, name)
        ws.cell(row, 2, float(value))
        ws.cell(row, 3, text)
        absolute = f"Inputs!$B${row}"
        if excel_name_ok(name):
            wb.defined_names[name] = DefinedName(name, attr_text=absolute)
            refs[name] = name
        else:  # a name Excel would read as a cell (e.g. p1): refer to the cell instead
            refs[name] = absolute
        row += 1
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 60
    return refs


def _sheet_names(strategies: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in strategies:
        base = re.sub(r"[\[\]:*?/\\']", "_", f"Trace {s}")[:28]
        name, k = base, 2
        while name in out.values():
            name, k = f"{base[:26]} {k}", k + 1
        out[s] = name
    return out


def _trace_sheet(wb, spec: MarkovSpec, strategy: str, name: str, refs: dict) -> dict:
    from openpyxl.utils import get_column_letter as col

    ws = wb.create_sheet(name)
    k, n = len(spec.states), spec.n_cycles
    states = spec.states
    ws["A1"] = (
        f"Markov trace of {strategy!r}: t is the model time (cycle t moves the cohort "
        "from row t-1 to row t); every cell below row t = 0 is a formula."
    )
    ws["A2"] = (
        "Cost, QALYs and life years of a row = weight x discount factor x cycle length "
        "x (occupancy . state values); the totals row sums them."
    )
    # column layout
    c_t, c_time = 1, 2
    c_p = 3  # k*k transition columns
    c_m = c_p + k * k
    c_c = c_m + k
    c_u = c_c + k
    c_w, c_dc, c_de = c_u + k, c_u + k + 1, c_u + k + 2
    c_cost, c_qaly, c_ly = c_de + 1, c_de + 2, c_de + 3
    heads = {
        c_t: "t",
        c_time: "time (years)",
        c_w: "within-cycle weight",
        c_dc: "discount factor (costs)",
        c_de: "discount factor (effects)",
        c_cost: "cost",
        c_qaly: "QALYs",
        c_ly: "life years",
    }
    for i in range(k):
        for j in range(k):
            heads[c_p + i * k + j] = f"P({states[i]}->{states[j]})"
        heads[c_m + i] = f"in {states[i]}"
        heads[c_c + i] = f"cost {states[i]}"
        heads[c_u + i] = f"utility {states[i]}"
    for c, h in heads.items():
        ws.cell(_FIRST - 1, c, h)
        _bold(ws.cell(_FIRST - 1, c))
    weights = _weights(spec)
    alive = [i for i, s in enumerate(states) if s not in spec.dead]
    for t in range(n + 1):
        r = _FIRST + t
        tref = f"$A{r}"
        env = {**refs, "t": tref}
        ws.cell(r, c_t, t)
        ws.cell(r, c_time, f"=A{r}*dk_cycle_length")
        if t == 0:
            for j in range(k):
                ws.cell(r, c_m + j, float(spec.initial[j]))
        else:
            for i, row in enumerate(spec.transition[strategy]):
                cells = [f"{col(c_p + i * k + j)}{r}" for j in range(k)]
                for j, e in enumerate(row):
                    if e is not None:
                        ws.cell(r, c_p + i * k + j, "=" + e.excel(env))
                for j, e in enumerate(row):
                    if e is None:
                        others = "+".join(c for jj, c in enumerate(cells) if jj != j)
                        ws.cell(r, c_p + i * k + j, f"=1-({others})")
            for j in range(k):
                terms = "+".join(
                    f"{col(c_m + i)}{r - 1}*{col(c_p + i * k + j)}{r}" for i in range(k)
                )
                ws.cell(r, c_m + j, "=" + terms)
        for j in range(k):
            ws.cell(r, c_c + j, "=" + spec.state_costs[strategy][j].excel(env))
            ws.cell(r, c_u + j, "=" + spec.state_utilities[strategy][j].excel(env))
        ws.cell(r, c_w, float(weights[t]))
        ws.cell(r, c_dc, f"=(1+dk_discount_cost)^(-B{r})")
        ws.cell(r, c_de, f"=(1+dk_discount_effect)^(-B{r})")
        occ = [f"{col(c_m + j)}{r}" for j in range(k)]
        common = f"{col(c_w)}{r}*{{}}{r}*dk_cycle_length"
        cost = "+".join(f"{occ[j]}*{col(c_c + j)}{r}" for j in range(k))
        qaly = "+".join(f"{occ[j]}*{col(c_u + j)}{r}" for j in range(k))
        ly = "+".join(occ[j] for j in alive) or "0"
        ws.cell(r, c_cost, f"={common.format(col(c_dc))}*({cost})")
        ws.cell(r, c_qaly, f"={common.format(col(c_de))}*({qaly})")
        ws.cell(r, c_ly, f"={common.format(col(c_de))}*({ly})")
    last = _FIRST + n
    total_row = last + 1
    ws.cell(total_row, c_t, "Total")
    _bold(ws.cell(total_row, c_t))
    out = {}
    for metric, c in (("cost", c_cost), ("qaly", c_qaly), ("life_years", c_ly)):
        ws.cell(total_row, c, f"=SUM({col(c)}{_FIRST}:{col(c)}{last})")
        _bold(ws.cell(total_row, c))
        out[metric] = f"'{name}'!${col(c)}${total_row}"
    ws.freeze_panes = ws.cell(_FIRST, c_time + 1)
    return out


def _weights(spec: MarkovSpec) -> np.ndarray:
    from decisionkit.models import MarkovModel

    module = importlib.import_module(MarkovModel.__module__)
    return module.within_cycle_weights(spec.n_cycles, spec.within_cycle)


def _results_sheet(wb, spec: MarkovSpec, totals: dict, det: Any) -> None:
    ws = wb.create_sheet("Results", 1)
    ws["A1"] = "Results (formulas referring to the trace sheets) and decisionkit's values"
    _bold(ws["A1"])
    heads = [
        "Strategy",
        "Total cost",
        "Total QALYs",
        "Total life years",
        "Incremental cost",
        "Incremental QALYs",
        "ICER (cost per QALY vs first strategy)",
        "decisionkit cost",
        "decisionkit QALYs",
        "decisionkit life years",
    ]
    for j, h in enumerate(heads, start=1):
        ws.cell(3, j, h)
        _bold(ws.cell(3, j))
    values = det.expected()
    for i, s in enumerate(spec.strategies):
        r = 4 + i
        ws.cell(r, 1, s)
        ws.cell(r, 2, f"={totals[s]['cost']}")
        ws.cell(r, 3, f"={totals[s]['qaly']}")
        ws.cell(r, 4, f"={totals[s]['life_years']}")
        if i > 0:
            ws.cell(r, 5, f"=B{r}-$B$4")
            ws.cell(r, 6, f"=C{r}-$C$4")
            ws.cell(r, 7, f'=IF(F{r}=0,"",E{r}/F{r})')
        for j, m in enumerate(("cost", "qaly", "life_years")):
            ws.cell(r, 8 + j, float(values[s][m]))
    for letter, width in zip("ABCDEFGHIJ", (22, 14, 14, 16, 16, 16, 34, 16, 16, 20), strict=True):
        ws.column_dimensions[letter].width = width


def _psa_sheet(wb, spec: MarkovSpec, draws: pd.DataFrame) -> None:
    if not isinstance(draws, pd.DataFrame):
        raise fail("psa_draws", "a DataFrame of parameter draws", type(draws).__name__)
    res = spec.run(draws)
    ws = wb.create_sheet("PSA draws")
    ws["A1"] = (
        f"{len(draws)} PSA draws (values, not formulas): parameters, then the "
        "outcomes decisionkit computed for each strategy"
    )
    frame = draws.reset_index(drop=True).copy()
    for s in spec.strategies:
        for m in ("cost", "qaly", "life_years"):
            frame[f"{m} [{s}]"] = res.values[m].sel(action=s).values
    ws.append([])
    ws.append(["draw", *frame.columns])
    for i, row in enumerate(frame.itertuples(index=False)):
        ws.append([i, *map(float, row)])


def _about_sheet(wb, spec: MarkovSpec, title: str) -> None:
    import decisionkit

    ws = wb.create_sheet("About")
    lines = [
        title,
        f"Written by decisionkit {decisionkit.__version__}.",
        f"States: {', '.join(spec.states)}; strategies: {', '.join(spec.strategies)}.",
        f"{spec.n_cycles} cycles of {spec.cycle_length:g} year(s); within-cycle correction "
        f"'{spec.within_cycle}' (weights in each trace sheet).",
        "Model time t: cycle t moves the cohort from trace row t-1 to row t; state values "
        "are evaluated at row t.",
        "Discount factor of row t: (1 + rate)^(-t x cycle length).",
        "Inputs are defined names: select a name in the Name Box to find where it is used.",
        "Change any value on the Inputs sheet: the trace sheets and Results recompute.",
        "The decisionkit columns on Results hold the values computed in Python, for checking.",
    ]
    for i, line in enumerate(lines, start=1):
        ws.cell(i, 1, line)
    _bold(ws["A1"])
    ws.column_dimensions["A"].width = 110

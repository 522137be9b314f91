"""The sections of the HTML report and its methods text (used by :mod:`._html`)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

from decisionkit.report._scenarios import BASE
from decisionkit.report._spec import COMPLEMENT, MarkovSpec

__all__ = ["Context", "deterministic", "methods_text"]

REFERENCES = {
    "briggs": "Briggs A, Claxton K, Sculpher M. Decision Modelling for Health Economic "
    "Evaluation. Oxford University Press; 2006.",
    "cheers": "Husereau D, Drummond M, Augustovski F, et al. Consolidated Health Economic "
    "Evaluation Reporting Standards 2022 (CHEERS 2022) statement. Value Health "
    "2022;25(1):3-9.",
    "fenwick": "Fenwick E, Claxton K, Sculpher M. Representing uncertainty: the role of "
    "cost-effectiveness acceptability curves. Health Econ 2001;10(8):779-787.",
    "strong": "Strong M, Oakley JE, Brennan A. Estimating multiparameter partial expected "
    "value of perfect information from a probabilistic sensitivity analysis sample: a "
    "nonparametric regression approach. Med Decis Making 2014;34(3):311-326.",
    "sullivan": "Sullivan SD, Mauskopf JA, Augustovski F, et al. Budget impact analysis - "
    "principles of good practice: report of the ISPOR 2012 Budget Impact Analysis Good "
    "Practice II Task Force. Value Health 2014;17(1):5-14.",
    "ispor": "Briggs AH, Weinstein MC, Fenwick EAL, et al. Model parameter estimation and "
    "uncertainty analysis: ISPOR-SMDM Modeling Good Research Practices Task Force-6. Med "
    "Decis Making 2012;32(5):722-732.",
    "elbasha": "Elbasha EH, Chhatwal J. Theoretical foundations and practical applications "
    "of within-cycle correction methods. Med Decis Making 2016;36(1):115-131.",
}


@dataclass
class Context:
    """Everything the sections read."""

    ce: Any
    wtp: float
    currency: str
    effect_unit: str
    outcomes: Any
    model: Any
    psa: Any
    base_case: Any
    scenarios: Any
    one_way: Any
    budget: Any
    excel_file: str | None

    @property
    def units(self) -> str:
        return f"costs in {self.currency}, effects in {self.effect_unit}s"


def _ax(width: float = 8.5, height: float = 5.0) -> Any:
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))[1]


def _markov(model: Any) -> Any:
    if isinstance(model, MarkovSpec):
        return model.model()
    return model if hasattr(model, "run") and hasattr(model, "states") else None


def deterministic(ctx: Context, cost: str, effect: str) -> Any:
    """The deterministic base-case run, or None when there is nothing to run."""
    markov = _markov(ctx.model)
    params = ctx.base_case
    if params is None and isinstance(ctx.model, MarkovSpec):
        params = ctx.model.parameters
    if markov is not None and params is not None:
        return markov.run(pd.DataFrame({k: [float(v)] for k, v in params.items()}))
    return None


def inputs_section(doc: Any, ctx: Context) -> None:
    frame = None
    if ctx.psa is not None:
        frame = ctx.psa.to_frame()
        if ctx.base_case is not None:
            frame.insert(1, "base_case", frame["parameter"].map(ctx.base_case).astype(float))
    elif ctx.base_case is not None or isinstance(ctx.model, MarkovSpec):
        values = ctx.base_case if ctx.base_case is not None else ctx.model.parameters
        frame = pd.DataFrame({"parameter": list(values), "value": list(values.values())})
    if frame is None:
        return
    body = doc.table(
        frame,
        "Model inputs: base-case values and PSA distributions (mean, sd "
        f"and 95% interval); {ctx.units}. Sources are the user's to cite.",
    )
    doc.section("inputs", body)


def structure_section(doc: Any, ctx: Context, det: Any) -> None:
    markov = _markov(ctx.model)
    strategies = ", ".join(ctx.ce.strategies)
    parts = [
        f"<p>Strategies compared: {html.escape(strategies)} (reference "
        f"{html.escape(ctx.ce.reference)}).</p>"
    ]
    if markov is not None:
        horizon = markov.n_cycles * markov.cycle_length
        parts.append(
            f"<p>Markov cohort model with states {html.escape(', '.join(markov.states))}; "
            f"{markov.n_cycles} cycles of {markov.cycle_length:g} year(s) (time horizon "
            f"{horizon:g} years); costs discounted at {markov.discount_cost:.1%} and effects at "
            f"{markov.discount_effect:.1%} a year; within-cycle correction "
            f"'{html.escape(str(markov.within_cycle))}'.</p>"
        )
    if isinstance(ctx.model, MarkovSpec):
        for s in ctx.model.strategies:
            rows = [
                [COMPLEMENT if e is None else e.text for e in row]
                for row in ctx.model.transition[s]
            ]
            frame = pd.DataFrame(rows, columns=ctx.model.states)
            frame.insert(0, "from \\ to", ctx.model.states)
            parts.append(
                doc.table(
                    frame,
                    f"Transition probabilities per cycle, {s} ('C': "
                    "one minus the rest of the row; t: model time in cycles).",
                )
            )
    if ctx.excel_file:
        parts.append(
            f"<p>The model is available as an executable workbook, "
            f"<code>{html.escape(ctx.excel_file)}</code>, whose trace recomputes "
            "from its input cells.</p>"
        )
    if det is not None:
        from decisionkit.plot import state_trace

        ax = state_trace(det, ax=_ax())
        parts.append(
            doc.figure(
                ax,
                "Markov trace at the base case: proportion of the "
                "cohort in each state (0-1) by year.",
            )
        )
    doc.section("structure", "".join(parts))


def results_sections(doc: Any, ctx: Context, det: Any, cost: str, effect: str) -> None:
    from decisionkit.cea import icer_table
    from decisionkit.plot import ce_plane, ceac

    ce = ctx.ce
    if det is not None:
        means = det.mean().rename(
            columns={cost: f"cost ({ctx.currency})", effect: f"{effect} ({ctx.effect_unit}s)"}
        )
        body = doc.table(means, f"Deterministic base case per strategy; {ctx.units}.")
        c, e = det.values[cost].values[0], det.values[effect].values[0]
        table = icer_table(c, e, det.strategies)
    else:
        body = "<p>No deterministic model run was given; the base case is the PSA mean.</p>"
        table = None
    psa_means = pd.DataFrame(
        {"strategy": list(ce.strategies), "cost": ce.mean_cost, "effect": ce.mean_effect}
    )
    body += doc.table(
        psa_means, f"Probabilistic base case (mean of {ce.n_draws:,} PSA draws); {ctx.units}."
    )
    doc.section("base_case", body)
    icers = doc.table(
        table if table is not None else ce.icers(),
        f"Incremental analysis on the {'deterministic' if table is not None else 'PSA mean'} "
        f"results: ICER in {ctx.currency} per {ctx.effect_unit} gained; ND "
        "non-dominated, D dominated, ED extendedly dominated.",
    )
    if table is not None:
        icers += doc.table(
            ce.icers(),
            f"Incremental analysis on the PSA means; ICER in {ctx.currency} per {ctx.effect_unit}.",
        )
    doc.section("icers", icers)
    plane = doc.figure(
        ce_plane(
            ce, ax=_ax(), wtp=ctx.wtp, currency=ctx.currency, effect_unit=f"{ctx.effect_unit}s"
        ),
        f"Cost-effectiveness plane: incremental cost ({ctx.currency}) against "
        f"incremental effect ({ctx.effect_unit}s) of each PSA draw versus "
        f"{ce.reference}; dashed line: wtp {ctx.currency}{ctx.wtp:,.0f} per "
        f"{ctx.effect_unit}.",
    )
    curve = doc.figure(
        ceac(ce, ax=_ax(), currency=ctx.currency, effect_unit=ctx.effect_unit, frontier=True),
        f"Cost-effectiveness acceptability curves and frontier: probability "
        f"(0-1) that each strategy has the highest net benefit, by willingness "
        f"to pay ({ctx.currency} per {ctx.effect_unit}).",
    )
    from decisionkit.decision.analysis import decide
    from decisionkit.decision.utility import net_monetary_benefit

    dec = decide(ctx.outcomes, net_monetary_benefit(effect, cost, wtp=ctx.wtp))
    t = dec.table[
        ["action", "expected_utility", "lower", "upper", "prob_best", "expected_loss"]
    ].rename(columns={"expected_utility": "expected_nmb"})
    decision = doc.table(
        t,
        f"Net monetary benefit ({ctx.currency}) at wtp "
        f"{ctx.currency}{ctx.wtp:,.0f} per {ctx.effect_unit}: mean, 95% "
        "interval, probability of the highest NMB, expected loss.",
    )
    doc.section("psa", plane + curve + decision)


def one_way_section(doc: Any, ctx: Context) -> None:
    from decisionkit.plot import tornado

    ax = tornado(
        ctx.one_way, ax=_ax(9.5, 5.5), currency=ctx.currency, effect_unit=f"{ctx.effect_unit}s"
    )
    unit = ctx.currency if ctx.one_way.outcome in ("nmb", "cost") else f"{ctx.effect_unit}s"
    doc.section(
        "one_way",
        doc.figure(
            ax,
            f"Tornado diagram: {ctx.one_way.outcome.upper()} ({unit}) at wtp "
            f"{ctx.currency}{ctx.one_way.wtp:,.0f} as each parameter moves over its range, the "
            "others at base case.",
        ),
    )


def scenario_section(doc: Any, ctx: Context) -> None:
    from decisionkit.plot import scenario_comparison

    res = ctx.scenarios
    desc = pd.DataFrame({"scenario": list(res.scenarios), "description": list(res.descriptions)})
    cols = [
        "scenario",
        "strategy",
        "cost",
        "effect",
        "icer",
        "status",
        "inc_nmb",
        "inc_nmb_lower",
        "inc_nmb_upper",
        "prob_ce",
    ]
    body = doc.table(desc, "Scenarios: the base case and each named alternative assumption.")
    body += doc.table(
        res.summary[cols],
        f"Scenario results: deterministic cost "
        f"({ctx.currency}), effect ({ctx.effect_unit}s) and ICER "
        f"({ctx.currency} per {ctx.effect_unit}); PSA incremental NMB "
        f"({ctx.currency}, vs {res.reference}, 95% interval) and P(cost-effective)"
        f" at wtp {ctx.currency}{res.wtp:,.0f}; {res.n_draws:,} draws each.",
    )
    body += doc.figure(
        scenario_comparison(res, currency=ctx.currency, effect_unit=ctx.effect_unit),
        f"Incremental net monetary benefit ({ctx.currency}) of each strategy "
        f"versus {res.reference} in each scenario: PSA mean and 95% interval.",
    )
    doc.section("scenarios", body)


def voi_section(doc: Any, ctx: Context, evppi: bool) -> None:
    from decisionkit.plot import evpi_curve

    body = doc.figure(
        evpi_curve(ctx.ce, ax=_ax(), currency=ctx.currency, effect_unit=ctx.effect_unit),
        f"Per-decision EVPI ({ctx.currency} per patient) by willingness to pay "
        f"({ctx.currency} per {ctx.effect_unit}).",
    )
    if evppi and ctx.outcomes.inputs is not None:
        from decisionkit.decision.utility import net_monetary_benefit
        from decisionkit.plot import evppi_bars
        from decisionkit.voi import evppi_each

        u = net_monetary_benefit(ctx.ce.effect_name, ctx.ce.cost_name, wtp=ctx.wtp)
        res = evppi_each(ctx.outcomes, u)
        frame = res.to_frame()[["parameters", "evppi", "se", "evpi", "method"]]
        body += doc.figure(
            evppi_bars(res, _ax(8.5, 6.0)),
            f"EVPPI of each input ({ctx.currency} per "
            f"patient) at wtp {ctx.currency}{ctx.wtp:,.0f} per "
            f"{ctx.effect_unit}; dashed line: EVPI.",
        )
        body += doc.table(
            frame.sort_values("evppi", ascending=False),
            f"EVPPI per input ({ctx.currency} per patient), regression "
            "estimate (Strong et al. 2014) with its standard error.",
        )
    doc.section("voi", body)


def budget_section(doc: Any, ctx: Context) -> None:
    from decisionkit.plot import budget_impact

    res = ctx.budget
    body = doc.table(
        res.summary,
        f"Budget impact by year ({ctx.currency}, undiscounted): "
        "eligible patients, total budget without and with the new technology, "
        "annual and cumulative impact with 95% PSA intervals.",
    )
    shares = res.by_strategy()
    body += doc.table(
        shares,
        "Market shares (0-1), patients and mean annual cost "
        f"({ctx.currency}) per strategy, without and with the new technology.",
    )
    body += doc.figure(
        budget_impact(res, currency=ctx.currency),
        f"Annual (bars, 95% interval) and cumulative (line, band) budget "
        f"impact in {ctx.currency}, undiscounted, by year after adoption.",
    )
    doc.section("budget", body)


def methods_text(ctx: Context) -> str:
    cite = []

    def ref(key: str) -> str:
        if key not in cite:
            cite.append(key)
        return f"[{cite.index(key) + 1}]"

    paras = []
    markov = _markov(ctx.model)
    if markov is not None:
        paras.append(
            f"Costs and effects were estimated with a Markov cohort model {ref('briggs')} of "
            f"{len(markov.states)} states run for {markov.n_cycles} cycles of "
            f"{markov.cycle_length:g} year(s), with the '{markov.within_cycle}' within-cycle "
            f"correction {ref('elbasha')}; costs were discounted at "
            f"{markov.discount_cost:.1%} and effects at {markov.discount_effect:.1%} a year."
        )
    paras.append(
        f"Parameter uncertainty was propagated by probabilistic sensitivity analysis "
        f"{ref('ispor')} with {ctx.ce.n_draws:,} draws. Strategies were compared by "
        f"incremental cost-effectiveness ratios after removing dominated and extendedly "
        f"dominated options, and by net monetary benefit at a willingness to pay of "
        f"{ctx.currency}{ctx.wtp:,.0f} per {ctx.effect_unit}; acceptability curves and the "
        f"acceptability frontier {ref('fenwick')} show the probability that each strategy has "
        "the highest net benefit."
    )
    paras.append(
        "The expected value of perfect information is the expected net benefit with perfect "
        "information minus that of the decision taken now; the EVPPI of each input was "
        f"estimated by non-parametric regression of net benefit on the input {ref('strong')}."
    )
    if ctx.one_way is not None:
        paras.append(
            "One-way deterministic sensitivity analysis varied each parameter over "
            "its range with the others at base case (tornado diagram)."
        )
    if ctx.scenarios is not None:
        names = [s for s in ctx.scenarios.scenarios if s != BASE]
        paras.append(
            f"Scenario analyses re-ran the deterministic and probabilistic analyses under "
            f"{len(names)} alternative assumptions ({', '.join(names)}), with common random "
            "numbers across scenarios."
        )
    if ctx.budget is not None:
        paras.append(
            f"The budget impact analysis followed ISPOR good practice {ref('sullivan')}: "
            "eligible population times market shares times annual cost per patient, without "
            "and with the new technology, undiscounted, over "
            f"{ctx.budget.population.size} years."
        )
    paras.append(
        f"Reporting follows the CHEERS 2022 statement {ref('cheers')}; the checklist "
        "below says where each item is addressed."
    )
    refs = "".join(f"<li>{html.escape(REFERENCES[k])}</li>" for k in cite)
    return (
        "".join(f"<p>{html.escape(p)}</p>" for p in paras) + f"<h3>References</h3><ol>{refs}</ol>"
    )

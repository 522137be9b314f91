"""Benchmark: scenario analysis and the HTML report of the bundled Sick-Sicker model.

Targets (issue 19): 10 scenarios x 5,000 PSA draws <= 5 s; the report of that analysis
<= 10 s and a self-contained file <= 5 MB. Baseline, measured in the same run: the same 10
scenarios written by hand (edit the PSA, sample with the seed, run the model, once per
scenario); and ``batch=True`` (scenarios with the same settings stacked into one call).
CPU time (``time.process_time``) is reported beside wall time: the machine is shared.

Run: PYTHONPATH=. python benchmarks/bench_report.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import report

import decisionkit as dk
from decisionkit.models.cohort import sick_sicker as ss
from decisionkit.report import (
    budget_impact,
    eligible_population,
    market_shares_with,
    run_scenarios,
    write_report,
)

N_DRAWS, WTP = 5_000, 100_000
SCENARIO_TARGET_S, REPORT_TARGET_S, SIZE_TARGET = 5.0, 10.0, 5_000_000


def model(params, within_cycle="simpson"):
    return ss.sick_sicker_model(within_cycle=within_cycle).run(params)


def scenarios():
    """Base case + 9: seven parameter overrides and two model settings."""
    beta = type(ss.sick_sicker_parameters().distributions["u_S1"])
    return {
        "Cheaper A": {"parameters": {"c_trtA": 6_000.0}},
        "Cheaper B": {"parameters": {"c_trtB": 6_500.0}},
        "Utility S1 (source 2)": {"parameters": {"u_S1": beta.from_counts(100, 45)}},
        "Utility S2 (source 2)": {"parameters": {"u_S2": beta.from_counts(200, 260)}},
        "Weaker B effect": {"parameters": {"hr_S1S2_trtB": 0.8}},
        "Faster progression": {"parameters": {"r_S1S2": 0.15}},
        "Low healthy mortality": {"parameters": {"r_HD": 0.001}},
        "Published weights": {"settings": {"within_cycle": "published"}},
        "Half-cycle correction": {"settings": {"within_cycle": "half-cycle"}},
    }


def run(batch: bool):
    return run_scenarios(
        model,
        ss.sick_sicker_base_case(),
        ss.sick_sicker_parameters(),
        scenarios(),
        n_draws=N_DRAWS,
        random_seed=1,
        wtp=WTP,
        batch=batch,
    )


def timed(fn):
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def by_hand():
    """The baseline: each scenario's PSA edited, sampled and run by hand (no run_scenarios)."""
    fixed = type(ss.sick_sicker_parameters().distributions["c_D"])
    out = []
    for spec in [{}, *scenarios().values()]:
        dists = ss.sick_sicker_parameters().distributions
        for k, v in spec.get("parameters", {}).items():
            dists[k] = v if hasattr(v, "ppf") else fixed(v)
        draws = dk.models.PSA(dists).sample(N_DRAWS, random_seed=1)
        out.append(model(draws, **spec.get("settings", {})))
    return out


def main() -> None:
    run(False)  # warm-up (imports, caches)
    res, wall, cpu = timed(lambda: run(False))
    _, hand_wall, hand_cpu = timed(by_hand)
    _, b_wall, b_cpu = timed(lambda: run(True))
    report("10 scenarios x 5,000 draws (run_scenarios)", wall, cpu=cpu, target=SCENARIO_TARGET_S)
    report(
        "baseline: the 10 PSA runs by hand",
        hand_wall,
        cpu=hand_cpu,
        extra=f"(run_scenarios / by hand: {cpu / hand_cpu:.2f} in CPU)",
    )
    report(
        "run_scenarios(batch=True)",
        b_wall,
        cpu=b_cpu,
        extra=f"(batch=True / default: {b_cpu / cpu:.2f} in CPU)",
    )
    base = ss.sick_sicker_base_case()
    psa = ss.sick_sicker_parameters()
    ranges = psa.ranges().set_index("parameter")
    one_way = dk.sensitivity.one_way(
        ss.sick_sicker_expected,
        base,
        {
            k: tuple(ranges.loc[k, ["low", "high"]])
            for k in ("c_trtA", "c_trtB", "u_S1", "u_trtA", "hr_S1S2_trtB")
        },
        wtp=WTP,
        n_points=3,
    )
    years = 5
    bia = budget_impact(
        eligible_population(1e6, years=years, prevalence=0.01, growth=0.01),
        {"Standard of care": 1.0},
        market_shares_with(
            {"Standard of care": 1.0},
            new="Strategy B",
            uptake=[0.1, 0.2, 0.3, 0.4, 0.5],
            years=years,
        ),
        {"Standard of care": 2_000.0, "Strategy B": 15_000.0},
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        rep, wall, cpu = timed(
            lambda: write_report(
                path,
                res.outcomes_for("Base case"),
                wtp=WTP,
                model=ss.sick_sicker_model(),
                base_case=base,
                psa=psa,
                scenarios=res,
                one_way=one_way,
                budget=bia,
            )
        )
        size = path.stat().st_size
    report(
        "HTML report of that analysis",
        wall,
        cpu=cpu,
        target=REPORT_TARGET_S,
        extra=f"({len(rep.figures)} figures)",
    )
    verdict = "OK" if size <= SIZE_TARGET else "OVER TARGET"
    print(f"{'report file size':<52} {size / 1e6:9.2f} MB (target <= 5 MB) {verdict}")


if __name__ == "__main__":
    main()

"""Fixed-seed cases whose outputs were recorded before the decision kernel (issue 12).

``python -m tests.golden_cases`` (from the repository root) rewrites tests/data/golden/*.csv;
run it only when a change of numbers is intended and explained in the commit message.
Each case returns a dict of name -> DataFrame (the public ``to_frame()``-style outputs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import decisionkit as dk

GOLDEN = Path(__file__).parent / "data" / "golden"


def _cea_outcomes(n: int = 2000, seed: int = 0) -> dk.OutcomeDistribution:
    rng = np.random.default_rng(seed)
    p = pd.DataFrame(
        {
            "p_resp": rng.beta(20, 30, n),
            "c_drug": rng.gamma(50, 40, n),
            "u_gain": rng.normal(0.08, 0.03, n),
        }
    )
    cost = np.column_stack(
        [
            1000 + rng.normal(0, 50, n),
            1000 + p["c_drug"] + rng.normal(0, 50, n),
            1500 + 1.3 * p["c_drug"] + rng.normal(0, 50, n),
        ]
    )
    qaly = np.column_stack(
        [
            1.0 + rng.normal(0, 0.01, n),
            1.0 + p["p_resp"] * p["u_gain"] * 3 + rng.normal(0, 0.01, n),
            1.0 + p["p_resp"] * p["u_gain"] * 4 + rng.normal(0, 0.01, n),
        ]
    )
    return dk.OutcomeDistribution.from_arrays(
        {"cost": cost, "qaly": qaly}, actions=["SoC", "Drug A", "Drug B"], inputs=p
    )


def _decision_frames(dec: dk.Decision, name: str) -> dict[str, pd.DataFrame]:
    ev = dec.evpi
    evf = pd.DataFrame({"evpi": [ev]}) if isinstance(ev, float) else ev.rename("evpi").reset_index()
    return {f"{name}_table": dec.to_frame(), f"{name}_evpi": evf}


def case_decide() -> dict[str, pd.DataFrame]:
    out = _cea_outcomes()
    frames = {}
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=20_000)
    frames |= _decision_frames(dk.decide(out, u), "decide")
    grid = dk.utility.net_monetary_benefit(
        effect="qaly", cost="cost", wtp=np.arange(0, 60_001, 5000.0)
    )
    frames |= _decision_frames(dk.decide(out, grid), "decide_wtp")
    frames |= _decision_frames(dk.decide(out, u, objective=dk.utility.cvar(0.1)), "decide_cvar")
    rng = np.random.default_rng(5)
    gain = rng.normal([[0.0, 0.2]], 1.0, (500, 2))[:, :, None] * np.linspace(0.5, 2, 4)
    units = dk.OutcomeDistribution.from_arrays(
        {"gain": gain}, actions=["wait", "treat"], dims=["unit"]
    )
    frames |= _decision_frames(dk.decide(units, dk.utility.linear({"gain": 1})), "decide_unit")
    return frames


def case_cea() -> dict[str, pd.DataFrame]:
    out = _cea_outcomes()
    ce = dk.cea.analyze(out, wtp=np.arange(0, 50_001, 500.0))
    return {
        "cea_frame": ce.to_frame(),
        "cea_ceac": ce.ceac(),
        "cea_ceaf": ce.ceaf(),
        "cea_evpi": ce.evpi.reset_index(),
        "cea_inb": ce.inb(wtp=[10_000.0, 30_000.0]),
        "cea_switch": ce.switch_points(),
        "icer_table": dk.cea.icer_table(
            [100.0, 400.0, 500.0, 1500.0, 700.0],
            [1.0, 1.5, 1.4, 2.0, 1.8],
            ["A", "B", "C", "D", "E"],
        ),
    }


def case_voi() -> dict[str, pd.DataFrame]:
    out = _cea_outcomes()
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=20_000)
    frames = {}
    for method in ("gam", "so"):
        r = dk.voi.evppi(out, u, ["c_drug"], method=method, random_seed=1)
        frames[f"evppi_{method}"] = r.to_frame()
    rng = np.random.default_rng(13)
    n = 2000
    p = pd.DataFrame({"pc": rng.beta(10, 40, n), "pt": rng.beta(14, 36, n)})
    nb = np.column_stack([np.zeros(n), 10_000 * (p["pt"] - p["pc"]) - 300])
    binary = dk.OutcomeDistribution.from_arrays({"nb": nb}, actions=["SoC", "New"], inputs=p)
    study = dk.voi.TwoArmBinary(p_control="pc", p_treatment="pt")
    ev = dk.voi.evsi(binary, None, study=study, n=[10, 100, 1000], random_seed=1)
    frames["evsi"] = ev.to_frame()
    frames["enbs"] = dk.voi.enbs(
        ev,
        population_per_year=1000,
        horizon_years=5,
        setup_cost=1e4,
        cost_per_participant=100,
    ).to_frame()
    return frames


def case_threshold() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 400
    x = rng.normal(0, 1, n)
    y = rng.random(n) < 1 / (1 + np.exp(-(x - 1)))
    draws = 1 / (1 + np.exp(-(x[None, :] * rng.normal(1, 0.2, (200, 1)) - 1)))
    dc = dk.threshold.decision_curve(
        y.astype(int), {"model": draws}, thresholds=np.arange(0.05, 0.6, 0.05)
    )
    boot = dk.threshold.decision_curve(
        y.astype(int),
        {"point": draws.mean(axis=0)},
        thresholds=[0.1, 0.3],
        n_bootstrap=200,
        random_seed=3,
    )
    return {"decision_curve": dc.to_frame(), "decision_curve_boot": boot.to_frame()}


def _sens_model(p):
    return {
        "Old": {"cost": 100.0, "qaly": 1.0},
        "New": {"cost": p["drug_cost"], "qaly": 1.0 + p["gain"]},
        "Newer": {"cost": 2 * p["drug_cost"], "qaly": 1.0 + 1.5 * p["gain"]},
    }


def case_sensitivity() -> dict[str, pd.DataFrame]:
    base = {"drug_cost": 500.0, "gain": 0.05}
    one = dk.sensitivity.one_way(
        _sens_model, base, {"drug_cost": (300.0, 900.0), "gain": (0.01, 0.1)}, wtp=20_000.0
    )
    two = dk.sensitivity.two_way(
        _sens_model,
        base,
        "drug_cost",
        [300.0, 600.0, 900.0],
        "gain",
        [0.01, 0.05, 0.1],
        wtp=20_000.0,
    )
    return {"one_way": one.to_frame(), "two_way": two.to_frame()}


def case_capacity() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(3)
    demand = rng.poisson(rng.gamma(20, 1, (1000, 1)) * np.array([[1.0, 1.2, 0.8]]))
    plan = dk.capacity.plan_capacity(demand, shortage_cost=4, idle_cost=1)
    cvar = dk.capacity.plan_capacity(
        demand, shortage_cost=4, idle_cost=1, objective=dk.utility.cvar(0.1)
    )
    return {"capacity": plan.to_frame(), "capacity_cvar": cvar.to_frame()}


CASES = {
    "decide": case_decide,
    "cea": case_cea,
    "voi": case_voi,
    "threshold": case_threshold,
    "sensitivity": case_sensitivity,
    "capacity": case_capacity,
}


def write_all() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case in CASES.values():
        for name, frame in case().items():
            frame.to_csv(GOLDEN / f"{name}.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    write_all()

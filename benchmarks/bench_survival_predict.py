"""Benchmark: per-patient survival predictions of a fitted parametric model.

A Weibull model with a three-level group and a numeric age, fitted by maximum likelihood to
686 simulated patients (the size of the ``bc`` data), predicts for new patients:

1. ``predict_survival(X, times)`` for 100,000 patients x 20 times (point estimates);
2. ``predict_risk(X, horizon=, n_draws=1000)`` for 10,000 patients (parameter draws);
3. ``predict_risk(X, horizon=)`` for 100,000 patients, as ``marker_to_risk`` calls it.

Baselines, measured in the same run: (1) lifelines' ``WeibullAFTFitter
.predict_survival_function`` fitted to the same data and predicting for the same patients
(the same model; skipped if lifelines is absent), and the per-patient loop a user had before
(``survival(times, covariates={...})`` once per patient, timed on 1,000 patients and scaled);
(3) the private vectorised evaluation ``marker_to_risk`` used before it moved to the public
method (``_predict.evaluate`` on the design matrix), so the ratio is the cost of the checks
at the public boundary.

Reported: best CPU time (``time.process_time``) and wall time of ``--repeat`` runs, ratios,
and the peak traced memory of (2) against the size of its output.

Run: ``PYTHONPATH=. python benchmarks/bench_survival_predict.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import best_times, peak_memory, report

from decisionkit.models.survival import ParametricSurvival
from decisionkit.models.survival._predict import evaluate  # the old marker path (baseline)


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["Good", "Medium", "Poor"], size=n)
    age = rng.normal(60.0, 10.0, n)
    shift = np.select([group == "Medium", group == "Poor"], [-0.61, -1.21], 0.0)
    t = 11.4 * np.exp(shift - 0.02 * (age - 60.0)) * rng.weibull(1.38, n)
    c = rng.uniform(0, 7.3, n)
    return pd.DataFrame(
        {"time": np.minimum(t, c), "event": (t <= c).astype(int), "group": group, "age": age}
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    train = simulate(686, 2026)
    fit = ParametricSurvival("weibull").fit(
        train, time="time", event="event", covariates=["group", "age"]
    )
    new = simulate(100_000, 7)[["group", "age"]]
    times = np.linspace(0.5, 10.0, 20)

    wall, cpu = best_times(lambda: fit.predict_survival(new, times), repeat=args.repeat)
    report("predict_survival 100,000 patients x 20 times", wall, cpu=cpu)

    loop_rows = new.iloc[:1000]

    def loop() -> None:
        for g, a in zip(loop_rows["group"], loop_rows["age"], strict=True):
            fit.survival(times, covariates={"group": g, "age": a})

    l_wall, l_cpu = best_times(loop, repeat=1)
    scale = len(new) / len(loop_rows)
    report("baseline: survival() per patient (1,000, scaled)", l_wall * scale, cpu=l_cpu * scale)
    print(f"    CPU ratio predict_survival / loop: {cpu / (l_cpu * scale):.4f}")

    try:
        import lifelines
    except ImportError:
        print("    lifelines not installed: its baseline is skipped")
    else:
        dummies = lambda f: pd.DataFrame(  # noqa: E731
            {
                "medium": (f["group"] == "Medium").astype(float),
                "poor": (f["group"] == "Poor").astype(float),
                "age": f["age"],
            }
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            aft = lifelines.WeibullAFTFitter().fit(
                pd.concat([dummies(train), train[["time", "event"]]], axis=1), "time", "event"
            )
            x_new = dummies(new)
            b_wall, b_cpu = best_times(
                lambda: aft.predict_survival_function(x_new, times=times), repeat=args.repeat
            )
            ref = aft.predict_survival_function(x_new.iloc[:500], times=times).T.to_numpy()
        report("baseline: lifelines predict_survival_function", b_wall, cpu=b_cpu)
        print(f"    CPU ratio decisionkit / lifelines: {cpu / b_cpu:.2f}")
        ours = fit.predict_survival(new.iloc[:500], times).to_numpy()
        print(f"    max |S - S_lifelines| on 500 patients: {np.abs(ours - ref).max():.2e}")

    some = new.iloc[:10_000]
    d_wall, d_cpu = best_times(
        lambda: fit.predict_risk(some, horizon=5.0, n_draws=1000, random_seed=1),
        repeat=args.repeat,
    )
    report("predict_risk 10,000 patients x 1,000 draws", d_wall, cpu=d_cpu)
    peak = peak_memory(lambda: fit.predict_risk(some, horizon=5.0, n_draws=1000, random_seed=1))
    print(
        f"    peak traced memory {peak / 2**20:.1f} MiB; output {1000 * 10_000 * 8 / 2**20:.1f} MiB"
    )

    design = np.column_stack(
        [(new["group"] == "Medium"), (new["group"] == "Poor"), new["age"]]
    ).astype(float)

    def private() -> np.ndarray:
        log_s, _ = evaluate(fit.family_, fit.coef_[None, :], design, np.array([5.0]))
        return -np.expm1(log_s[0, :, 0])

    r_wall, r_cpu = best_times(lambda: fit.predict_risk(new, horizon=5.0), repeat=args.repeat)
    report("predict_risk 100,000 patients (public, checked)", r_wall, cpu=r_cpu)
    p_wall, p_cpu = best_times(private, repeat=args.repeat)
    report("baseline: private evaluate on the design matrix", p_wall, cpu=p_cpu)
    same = np.array_equal(fit.predict_risk(new, horizon=5.0).to_numpy(), private())
    print(f"    CPU ratio public / private: {r_cpu / p_cpu:.2f}; identical risks: {same}")


if __name__ == "__main__":
    main()

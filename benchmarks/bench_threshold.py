"""Benchmark decision curves against a straightforward per-threshold loop.

Targets (issue 4):
- 1,000,000 patients x 100 thresholds x 1 model: <= 0.5 s.
- 10,000 patients x 1,000 posterior draws x 100 thresholds: <= 3 s, peak memory <= 1 GB.
- (issue 20) competing-risks decision curve, 100,000 patients x 100 thresholds: <= 0.5 s
  (R dcurves' Kaplan-Meier version took 29 s on this machine). Baseline: lifelines'
  ``AalenJohansenFitter`` fitted to the test positives at each threshold (a Python loop over
  thresholds), checked to give the same cumulative incidences first; CPU time
  (``time.process_time``) is reported beside wall time because the machine is shared.

The baseline is the obvious implementation: loop over thresholds, and for each one count
true and false positives with numpy (vectorised over patients and draws). It is checked to
give the same net benefit before timing. Run: ``python benchmarks/bench_threshold.py``.
Time is the best of several runs (``time.perf_counter``); peak memory is measured in a
separate run with ``tracemalloc`` (numpy reports its allocations to it), beyond the inputs.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np

import decisionkit as dk

THRESHOLDS = np.arange(100) / 100


def baseline_loop(y: np.ndarray, risks: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Net benefit per (draw, threshold) with a Python loop over thresholds."""
    risks = np.atleast_2d(risks)
    n = y.size
    case = y == 1
    out = np.empty((risks.shape[0], thresholds.size))
    for j, t in enumerate(thresholds):
        pos = (risks >= t) & (risks > 0)  # risk 0 never positive (dcurves convention)
        tp = (pos & case).sum(axis=1) / n
        fp = (pos & ~case).sum(axis=1) / n
        out[:, j] = tp - fp * t / (1 - t)
    return out


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def case(name: str, y: np.ndarray, risks: np.ndarray, target_s: float, repeat: int) -> None:
    def ours():
        return dk.threshold.decision_curve(y, {"model": risks}, thresholds=THRESHOLDS)

    def base():
        return baseline_loop(y, risks, THRESHOLDS)

    dc = ours()
    nb_ours = dc.to_frame().query("model == 'model'")["net_benefit"].to_numpy()
    nb_base = base().mean(axis=0)
    np.testing.assert_allclose(nb_ours, nb_base, rtol=1e-10, atol=1e-12)
    t_ours = best_of(ours, repeat)
    t_base = best_of(base, max(1, repeat // 2))
    m_ours = peak_mb(ours)
    m_base = peak_mb(base)
    print(f"\n{name}")
    print(f"  decisionkit.decision_curve : {t_ours:8.3f} s  peak {m_ours:8.1f} MB")
    print(f"  per-threshold loop baseline: {t_base:8.3f} s  peak {m_base:8.1f} MB")
    print(
        f"  speed-up: {t_base / t_ours:.1f}x   target <= {target_s} s: "
        f"{'met' if t_ours <= target_s else 'NOT met'}"
    )


def aj_loop(time_: np.ndarray, status: np.ndarray, risk: np.ndarray, horizon: float):
    """Net benefit per threshold from lifelines' Aalen-Johansen fit on each set of positives."""
    from lifelines import AalenJohansenFitter

    n = risk.size
    out = np.empty(THRESHOLDS.size)
    for j, t in enumerate(THRESHOLDS):
        pos = (risk >= t) & (risk > 0)
        if not pos.any():
            out[j] = 0.0
            continue
        ajf = AalenJohansenFitter(calculate_variance=False)
        ajf.fit(time_[pos], status[pos], event_of_interest=1)
        cif = ajf.cumulative_density_.iloc[:, 0]
        f = float(cif[cif.index <= horizon].iloc[-1]) if (cif.index <= horizon).any() else 0.0
        rate = pos.sum() / n
        out[j] = f * rate - (1 - f) * rate * t / (1 - t)
    return out


def cpu_and_wall(fn) -> tuple[float, float]:
    p0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - p0, time.perf_counter() - t0


def competing_case(rng: np.random.Generator) -> None:
    n, horizon = 100_000, 1.5
    risk = rng.beta(2, 4, n)
    t1 = rng.exponential(1 / (0.2 + 1.5 * risk))  # event of interest, faster at higher risk
    t2 = rng.exponential(2.5, n)  # competing death
    cens = rng.uniform(0.5, 4.0, n)
    t = np.minimum.reduce([t1, t2, cens])  # continuous: no ties, so lifelines does not jitter
    status = np.select([t == t1, t == t2], [1, 2], 0)

    def ours():
        return dk.threshold.decision_curve(
            status,
            {"model": risk},
            thresholds=THRESHOLDS,
            time_to_event=t,
            horizon=horizon,
            competing=(2,),
        )

    nb = ours().to_frame().query("model == 'model'")["net_benefit"].to_numpy()  # + compile
    base = aj_loop(t, status, risk, horizon)
    agree = float(np.nanmax(np.abs(nb - base)))
    cpu_ours = min(cpu_and_wall(ours)[0] for _ in range(5))
    wall_ours = best_of(ours, 5)
    cpu_base, wall_base = cpu_and_wall(lambda: aj_loop(t, status, risk, horizon))
    print("\n100,000 patients x 100 thresholds, competing risks (Aalen-Johansen)")
    print(f"  decisionkit.decision_curve : CPU {cpu_ours:8.3f} s  wall {wall_ours:8.3f} s")
    print(f"  lifelines AJ per threshold : CPU {cpu_base:8.3f} s  wall {wall_base:8.3f} s")
    print(
        f"  max |net benefit diff| {agree:.1e}; CPU speed-up {cpu_base / cpu_ours:.0f}x; "
        f"target <= 0.5 s: {'met' if cpu_ours <= 0.5 else 'NOT met'} (CPU)"
    )


def main() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    risk = rng.beta(2, 5, n)
    y = (rng.random(n) < risk).astype(np.int8)
    case("1,000,000 patients x 100 thresholds x 1 model", y, risk, 0.5, repeat=5)

    n, s = 10_000, 1_000
    base = rng.beta(2, 5, n)
    y = (rng.random(n) < base).astype(np.int8)
    logit = np.log(base / (1 - base))
    draws = 1 / (1 + np.exp(-(logit[None, :] + rng.normal(0, 0.3, (s, n)))))
    case("10,000 patients x 1,000 draws x 100 thresholds", y, draws, 3.0, repeat=3)

    def boot():
        return dk.threshold.decision_curve(
            y, {"model": base}, thresholds=THRESHOLDS, n_bootstrap=1000, random_seed=0
        )

    print("\n10,000 patients x 1,000 bootstrap resamples x 100 thresholds (no target)")
    print(f"  decisionkit.decision_curve : {best_of(boot, 3):8.3f} s  peak {peak_mb(boot):8.1f} MB")

    competing_case(rng)


if __name__ == "__main__":
    main()

"""Benchmark decisionkit.scale: per-patient policy and PSA, single process vs 2-worker Dask.

Run:  PYTHONPATH=. python benchmarks/bench_scale.py [--patients N] [--psa-draws N] [--repeat R]

Part 1 (issue 9): N synthetic patients x 500 posterior draws x 2 actions (5 predictors).
  - single process: ``policy.apply(df)`` (chunked pandas path), whole frame in memory;
  - Dask: 2-worker LocalCluster (processes, 1 thread each), patients generated inside the
    partitions (``dd.from_map``) so the client never holds them, results reduced on the
    workers (``len`` and a checksum) so only the cluster's throughput is measured.
  Reports patients/s and peak memory (peak RSS of this process / of each worker process).
Part 2: PSA of a Markov-like cohort model (3 strategies x 5 states x 60 cycles, vectorised
  over draws) with a 21-value wtp grid: single process (model on all draws + exact summary)
  vs ``run_psa_distributed`` on the same draws over the 2-worker cluster; checks the two
  results are bit-identical.

Timings are best of ``--repeat`` runs (time.perf_counter). The machine is shared, so the
figures are noisy; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd

import decisionkit as dk
from decisionkit.scale import Policy, psa_summary, run_psa_distributed
from decisionkit.scale._exact import exact_column_sums

N_FEATURES = 5
N_DRAWS = 500
FEATURES = [f"x{j}" for j in range(N_FEATURES)]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def make_policy() -> Policy:
    rng = np.random.default_rng(0)
    return Policy(
        rng.normal(-2.0, 0.1, N_DRAWS),
        rng.normal(0.4, 0.1, (N_DRAWS, N_FEATURES)),
        feature_names=FEATURES,
        means=np.zeros(N_FEATURES),
        scales=np.ones(N_FEATURES),
        benefit=1.0,
        harm=0.1,
    )


def make_patients(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(n, N_FEATURES)), columns=FEATURES)


def patient_partitions(n_patients: int, rows_per_partition: int):
    """(number of partitions, partition(k, _repeat) -> its patients with global row labels).

    Partitions are generated where they are computed (``dd.from_map``), so the client never
    holds the patients; ``_repeat`` gives each repeat fresh task keys.
    """
    n_parts = max(1, n_patients // rows_per_partition)
    sizes = np.diff(np.linspace(0, n_patients, n_parts + 1).round().astype(int))

    def partition(k: int, _repeat: int = 0) -> pd.DataFrame:
        df = make_patients(int(sizes[k]), seed=k)
        df.index = pd.RangeIndex(int(sizes[:k].sum()), int(sizes[: k + 1].sum()))
        return df

    return n_parts, partition


def exact_sum(values: pd.Series) -> int:
    """Exact (order-independent) sum, so the checksum compares bit for bit."""
    return exact_column_sums(values.to_numpy()[:, None])[0]


def worker_cpu(client) -> float:
    return sum(client.run(time.process_time).values())


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_policy(client, n_patients: int, repeat: int, rows_per_partition: int) -> None:
    import dask.dataframe as dd

    pol = make_policy()
    n_parts, partition = patient_partitions(n_patients, rows_per_partition)

    print(f"\n== Policy: {n_patients:,} patients x {N_DRAWS} draws x 2 actions ==")
    # single process, chunked path (default chunk: 4,000 patients = 4M values / (500 x 2))
    df = pd.concat([partition(k) for k in range(n_parts)])
    rss0 = peak_rss_mb()
    cpu0 = time.process_time()
    t_single, res = best_of(lambda: pol.apply(df), repeat)  # noqa: F821
    cpu_single = (time.process_time() - cpu0) / repeat
    print(
        f"single process (chunked): best {t_single:.2f} s  -> {n_patients / t_single:,.0f} "
        f"patients/s; peak RSS {peak_rss_mb():.0f} MB (before: {rss0:.0f} MB, input frame "
        f"{df.memory_usage().sum() / 2**20:.0f} MB)"
    )
    checksum = exact_sum(res["prob_best"])
    del df, res

    def run():
        # fresh keys on every repeat (no cached results); one graph: the row count and a
        # checksum are reduced on the workers, only two numbers come back
        import dask

        run.count += 1
        ddf = dd.from_map(partition, range(n_parts), [run.count] * n_parts, enforce_metadata=False)
        out = pol.apply(ddf)
        parts = out["prob_best"].to_delayed()
        n = dask.delayed(sum)([dask.delayed(len)(p) for p in parts])
        total = dask.delayed(sum)([dask.delayed(exact_sum)(p) for p in parts])
        return dask.compute(n, total)

    run.count = 0
    # warm-up: workers import decisionkit and receive the policy
    warm = dd.from_pandas(make_patients(100, seed=0), npartitions=2)
    pol.apply(warm).compute()
    c0 = worker_cpu(client)
    t_dask, (n_rows, s) = best_of(run, repeat)
    cpu_dask = (worker_cpu(client) - c0) / repeat
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(
        f"Dask 2-worker LocalCluster ({n_parts} partitions): best {t_dask:.2f} s -> "
        f"{n_patients / t_dask:,.0f} patients/s; peak RSS per worker "
        + ", ".join(f"{v:.0f} MB" for v in peaks.values())
    )
    print(f"rows {n_rows:,} (expected {n_patients:,}); exact checksum equal: {s == checksum}")
    print(
        f"CPU time: single {cpu_single:.2f} s ({n_patients / cpu_single:,.0f} patients per "
        f"CPU-second); workers {cpu_dask:.2f} s ({n_patients / cpu_dask:,.0f} per CPU-second)"
    )
    print(f"speed-up Dask/single: {t_single / t_dask:.2f}x")
    print(
        f"10,000,000 patients would take ~{1e7 / (n_patients / t_single):.0f} s single process, "
        f"~{1e7 / (n_patients / t_dask):.0f} s on this 2-worker cluster"
    )


# ---------------------------------------------------------------- Markov-like PSA model
STRATEGIES = ["Usual care", "Drug A", "Drug B"]
N_STATES, N_CYCLES = 5, 60


def sample_params(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "p_progress": rng.beta(20, 180, n),  # mild -> moderate per cycle
            "p_severe": rng.beta(10, 190, n),  # moderate -> severe
            "p_die": rng.beta(5, 495, n),  # background death
            "rr_a": rng.lognormal(np.log(0.8), 0.1, n),
            "rr_b": rng.lognormal(np.log(0.7), 0.12, n),
            "c_mod": rng.gamma(100, 10, n),
            "c_sev": rng.gamma(100, 50, n),
            "u_mild": rng.beta(90, 10, n),
            "u_mod": rng.beta(70, 30, n),
            "u_sev": rng.beta(40, 60, n),
        }
    )


def markov_model(p: pd.DataFrame) -> dk.OutcomeDistribution:
    """States: mild, moderate, severe, recovered, dead. Elementwise over draws."""
    n = len(p)
    col = {k: p[k].to_numpy() for k in p.columns}
    drug_cost = np.array([0.0, 150.0, 300.0])
    rr = [np.ones(n), col["rr_a"], col["rr_b"]]
    disc = 1.0 / 1.035 ** (np.arange(N_CYCLES) / 12.0)  # monthly cycles, 3.5% a year
    qaly = np.zeros((n, 3))
    cost = np.zeros((n, 3))
    state_u = [col["u_mild"], col["u_mod"], col["u_sev"], np.full(n, 0.95), np.zeros(n)]
    state_c = [np.zeros(n), col["c_mod"], col["c_sev"], np.zeros(n), np.zeros(n)]
    for a in range(3):
        pp, ps, pd_ = col["p_progress"] * rr[a], col["p_severe"] * rr[a], col["p_die"]
        # transition matrix rows (from state) as lists of (to, prob) per draw
        m = np.zeros((N_STATES, N_STATES, n))
        m[0, 1], m[0, 3], m[0, 4] = pp, 0.02, pd_
        m[0, 0] = 1 - m[0].sum(axis=0)
        m[1, 2], m[1, 4] = ps, pd_ * 1.5
        m[1, 1] = 1 - m[1].sum(axis=0)
        m[2, 4] = pd_ * 3
        m[2, 2] = 1 - m[2].sum(axis=0)
        m[3, 4] = pd_
        m[3, 3] = 1 - m[3].sum(axis=0)
        m[4, 4] = 1.0
        trace = np.zeros((N_STATES, n))
        trace[0] = 1.0
        for t in range(N_CYCLES):
            u = sum(trace[s] * state_u[s] for s in range(N_STATES))
            c = sum(trace[s] * state_c[s] for s in range(N_STATES))
            alive = 1 - trace[4]
            qaly[:, a] += disc[t] * u / 12.0
            cost[:, a] += disc[t] * (c + alive * drug_cost[a])
            # fixed-order sum over source states: no BLAS, each draw independent
            trace = sum(trace[s][None, :] * m[s] for s in range(N_STATES))
    return dk.OutcomeDistribution.from_arrays({"qaly": qaly, "cost": cost}, actions=STRATEGIES)


def bench_psa(client, n_draws: int, repeat: int, n_partitions: int) -> None:
    wtp = np.arange(0.0, 100_001.0, 5_000.0)
    params = sample_params(n_draws, np.random.default_rng(42))
    print(
        f"\n== PSA: {n_draws:,} draws x 3 strategies x {N_STATES} states x {N_CYCLES} cycles, "
        f"{wtp.size} wtp values =="
    )
    t0, c0 = time.perf_counter(), time.process_time()
    out = markov_model(params)
    t_model = time.perf_counter() - t0
    t0 = time.perf_counter()
    single = psa_summary(out, wtp=wtp)
    t_summary = time.perf_counter() - t0
    cpu_single = time.process_time() - c0
    print(
        f"single process: model {t_model:.2f} s + exact summary {t_summary:.2f} s = "
        f"{t_model + t_summary:.2f} s; peak RSS {peak_rss_mb():.0f} MB"
    )
    t0 = time.perf_counter()
    dec = dk.decide(out, dk.utility.net_monetary_benefit(wtp=wtp))
    print(f"  (dk.decide on the same draws, float summary: {time.perf_counter() - t0:.2f} s)")
    del out

    def run():
        return run_psa_distributed(
            markov_model, params, wtp=wtp, n_partitions=n_partitions, client=client
        )

    c0 = worker_cpu(client)
    t_dist, res = best_of(run, repeat)
    cpu_dist = (worker_cpu(client) - c0) / repeat
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(
        f"Dask 2 workers, {n_partitions} partitions: best {t_dist:.2f} s; peak RSS per worker "
        + ", ".join(f"{v:.0f} MB" for v in peaks.values())
    )
    print(f"bit-identical to single process: {res == single}")
    print(f"CPU time: single {cpu_single:.2f} s, workers {cpu_dist:.2f} s")
    rel = np.max(
        np.abs(
            single.expected_nb.T.ravel()
            / dec.table.sort_values(["wtp", "action"])
            .pivot(index="wtp", columns="action", values="expected_utility")[list(STRATEGIES)]
            .to_numpy()
            .ravel()
            - 1
        )
    )
    print(f"max relative difference of E[NB] to dk.decide: {rel:.2e}")
    print(f"speed-up Dask/single: {(t_model + t_summary) / t_dist:.2f}x")


def fit_model():
    """A BayesianLogisticRisk on 400 synthetic patients with N_DRAWS posterior draws."""
    from decisionkit.models import BayesianLogisticRisk

    rng = np.random.default_rng(1)
    X = make_patients(400, seed=99)
    y = (rng.random(400) < 1 / (1 + np.exp(-(X.sum(axis=1) * 0.4 - 2)))).astype(int)
    return BayesianLogisticRisk(
        random_seed=1, draws=N_DRAWS // 2, tune=300, chains=2, cores=1, progressbar=False
    ).fit(X, y)


def bench_generic(client, n_patients: int, rows_per_partition: int) -> None:
    """Per-patient decisions through the generic path vs Policy: one process and 2 workers.

    Generic path (issue 12): ``dk.scale.recommend(model, patients, outcomes=partial(
    treatment_outcomes, ...), utility=NMB)``, i.e. a fitted BayesianLogisticRisk's
    predict_risk -> treatment_outcomes -> dk.decide per block of patients; with this outcome
    function and a linear utility the kernel reduces the utilities tile by tile without the
    outcome arrays (scale/_fused.py). Baselines in the same run: the same call with the
    outcome function wrapped in a lambda (not recognised, so the outcome and utility arrays
    are built: the path before the fused one) and Policy (the same 500 posterior draws with
    its own utility spec, benefit 1 and harm 0.1).
    On the cluster the patients are generated inside the partitions and only a row count and
    a checksum come back, as in bench_policy.
    """
    from functools import partial

    import dask
    import dask.dataframe as dd

    from decisionkit.models import treatment_outcomes

    model = fit_model()
    pol = Policy.from_model(model, benefit=1.0, harm=0.1)
    util = dk.utility.net_monetary_benefit(wtp=20_000)
    outcomes = partial(
        treatment_outcomes, effect=0.7, cost_treat=300.0, cost_event=5_000.0, qaly_event=0.5
    )
    n_local = min(n_patients, 100_000)
    local = make_patients(n_local, seed=3)

    def generic(df):
        return dk.scale.recommend(model, df, outcomes=outcomes, utility=util)

    def materialised(df):
        return dk.scale.recommend(model, df, outcomes=lambda r: outcomes(r), utility=util)

    paths = (
        ("generic path", generic),
        ("arrays built", materialised),
        ("scale.Policy", pol.apply),
    )

    print(f"\n== per-patient decisions, {N_DRAWS} draws, generic path vs Policy ==")
    rates = {}
    for name, fn in paths:
        fn(local.iloc[:1000])  # warm-up (compilation)
        c0 = time.process_time()
        fn(local)
        cpu = time.process_time() - c0
        rates[name] = n_local / cpu
        print(f"one process, {n_local:,} patients: {name:<13} {n_local / cpu:,.0f} per CPU-second")
    print(
        f"  ratio generic / arrays built: {rates['generic path'] / rates['arrays built']:.2f}; "
        f"generic / Policy: {rates['generic path'] / rates['scale.Policy']:.2f}"
    )

    n_parts, partition = patient_partitions(n_patients, rows_per_partition)

    def run(apply, tag):
        ddf = dd.from_map(partition, range(n_parts), [tag] * n_parts, enforce_metadata=False)
        parts = apply(ddf)["prob_best"].to_delayed()
        n = dask.delayed(sum)([dask.delayed(len)(p) for p in parts])
        total = dask.delayed(sum)([dask.delayed(exact_sum)(p) for p in parts])
        return dask.compute(n, total)

    print(f"2-worker LocalCluster, {n_patients:,} patients in {n_parts} partitions:")
    for k, (name, apply) in enumerate(paths):
        apply(dd.from_pandas(local.iloc[:200], npartitions=2)).compute()  # warm the workers
        c0, t0 = worker_cpu(client), time.perf_counter()
        n_rows, _ = run(apply, k)
        wall, cpu = time.perf_counter() - t0, worker_cpu(client) - c0
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(
            f"  {name:<13} {wall:7.1f} s -> {n_rows / wall:,.0f} patients/s "
            f"({n_rows / cpu:,.0f} per worker CPU-second); rows {n_rows:,}; peak RSS per "
            "worker " + ", ".join(f"{v:.0f} MB" for v in peaks.values())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--psa-draws", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rows-per-partition", type=int, default=50_000)
    parser.add_argument("--psa-partitions", type=int, default=20)
    parser.add_argument("--skip-policy", action="store_true")
    parser.add_argument("--skip-psa", action="store_true")
    parser.add_argument(
        "--keep-freed-memory",
        action="store_true",
        help="start the workers with glibc malloc settings that keep freed memory",
    )
    parser.add_argument(
        "--generic", type=int, default=0, help="patients for bench_generic (then only it runs)"
    )
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    if args.keep_freed_memory:
        # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (freed memory goes back to the
        # OS at once), so every block's fresh arrays are page-faulted in again; keeping up to
        # 1 GiB of freed heap and serving blocks up to 32 MiB from it avoids that
        import dask
        import distributed  # noqa: F401  (registers the distributed config)

        dask.config.set(
            {
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**30,
                "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": 2**25,
            }
        )
        print("workers keep freed memory (MALLOC_TRIM_THRESHOLD_=1 GiB, MMAP_THRESHOLD_=32 MiB)")
    with (
        LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            memory_limit="4GB",
        ) as cluster,
        Client(cluster) as client,
    ):
        if args.generic:
            bench_generic(client, args.generic, args.rows_per_partition)
            return
        if not args.skip_policy:
            bench_policy(client, args.patients, args.repeat, args.rows_per_partition)
        if not args.skip_psa:
            bench_psa(client, args.psa_draws, args.repeat, args.psa_partitions)
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()

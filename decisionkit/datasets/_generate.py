"""Regenerate the bundled data sets and the precomputed example posteriors.

Run from the repository root::

    python -m decisionkit.datasets._generate

Everything is simulated from the documented processes below with fixed seeds, so the files
are reproducible. The posterior fit needs PyMC (about a minute on 2 cores).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, logit

DATA = Path(__file__).parent / "data"

# ---------------------------------------------------------------- ICU admissions
ADMISSIONS_SEED = 20240101
ADMISSIONS_START = "2024-01-01"
ADMISSIONS_DAYS = 731  # 2024-01-01 .. 2025-12-31
ADMISSIONS_BASE = 14.0  # mean daily admissions on an average weekday at the start
# log-scale weekday effects, Mon..Sun (elective surgery early in the week, quiet weekends)
ADMISSIONS_WEEKDAY = np.array([0.18, 0.10, 0.05, 0.03, 0.0, -0.16, -0.20])
ADMISSIONS_TREND = 0.08  # log change per year (about +8% a year)
ADMISSIONS_ALPHA = 40.0  # negative-binomial shape: Var = mu + mu^2 / 40

# ---------------------------------------------------------------- hospital outcomes
HOSPITAL_SEED = 20240615
HOSPITAL_NAMES = [f"Hospital {c}" for c in "ABCDEFGHIJ"]
HOSPITAL_PROCEDURES = np.array([85, 140, 210, 320, 450, 600, 760, 950, 1200, 60])
HOSPITAL_MEAN_RATE = 0.035  # population 30-day mortality after the procedure
HOSPITAL_TAU = 0.35  # between-hospital sd of log-odds

POSTERIOR_SEED = 7
CVD_RISK_SEED = 11  # sampler seed of the bundled cardiovascular risk posterior
CVD_PREDICTORS = ["age", "male", "sbp", "cholesterol", "diabetes", "smoker"]

# ---------------------------------------------------------------- cardiovascular cohort
CVD_SEED = 20250301
CVD_N = 2000
# true log-odds model of a 10-year cardiovascular event (per unit of each predictor)
CVD_INTERCEPT = -2.6  # log-odds at age 60, female, SBP 130, cholesterol 5.5, no diabetes/smoking
CVD_COEF = {
    "age": 0.065,  # per year above 60
    "male": 0.45,
    "sbp": 0.018,  # per mmHg above 130
    "cholesterol": 0.25,  # per mmol/L above 5.5
    "diabetes": 0.65,
    "smoker": 0.70,
}


def admissions() -> pd.DataFrame:
    """Simulate the daily ICU admissions (see ``load_admissions`` for the process)."""
    rng = np.random.default_rng(ADMISSIONS_SEED)
    dates = pd.date_range(ADMISSIONS_START, periods=ADMISSIONS_DAYS, freq="D")
    weekday = ADMISSIONS_WEEKDAY - ADMISSIONS_WEEKDAY.mean()
    years = np.arange(ADMISSIONS_DAYS) / 365.25
    mu = ADMISSIONS_BASE * np.exp(weekday[dates.day_of_week] + ADMISSIONS_TREND * years)
    counts = rng.poisson(rng.gamma(ADMISSIONS_ALPHA, mu / ADMISSIONS_ALPHA))
    return pd.DataFrame(
        {"date": dates.strftime("%Y-%m-%d"), "admissions": counts, "day_of_week": dates.day_name()}
    )


def hospital_outcomes() -> pd.DataFrame:
    """Simulate procedures and deaths per hospital (see ``load_hospital_outcomes``)."""
    rng = np.random.default_rng(HOSPITAL_SEED)
    log_odds = logit(HOSPITAL_MEAN_RATE) + HOSPITAL_TAU * rng.standard_normal(len(HOSPITAL_NAMES))
    deaths = rng.binomial(HOSPITAL_PROCEDURES, expit(log_odds))
    return pd.DataFrame(
        {"hospital": HOSPITAL_NAMES, "procedures": HOSPITAL_PROCEDURES, "deaths": deaths}
    )


def cvd_cohort() -> pd.DataFrame:
    """Simulate the cardiovascular cohort (see ``load_cvd_cohort`` for the process)."""
    rng = np.random.default_rng(CVD_SEED)
    n = CVD_N
    age = np.clip(rng.normal(60, 9, n), 40, 85).round()
    male = rng.binomial(1, 0.48, n)
    sbp = np.clip(rng.normal(132 + 0.4 * (age - 60), 16, n), 90, 210).round()
    chol = np.clip(rng.normal(5.5, 1.0, n), 2.5, 10).round(1)
    diabetes = rng.binomial(1, expit(-2.2 + 0.04 * (age - 60)), n)
    smoker = rng.binomial(1, 0.2, n)
    eta = CVD_INTERCEPT + (
        CVD_COEF["age"] * (age - 60)
        + CVD_COEF["male"] * male
        + CVD_COEF["sbp"] * (sbp - 130)
        + CVD_COEF["cholesterol"] * (chol - 5.5)
        + CVD_COEF["diabetes"] * diabetes
        + CVD_COEF["smoker"] * smoker
    )
    event = rng.binomial(1, expit(eta))
    return pd.DataFrame(
        {
            "age": age.astype(int),
            "male": male,
            "sbp": sbp.astype(int),
            "cholesterol": chol,
            "diabetes": diabetes,
            "smoker": smoker,
            "event": event,
        }
    )


def cvd_risk_posterior(cohort: pd.DataFrame) -> None:
    """Fit and save the cardiovascular risk model (2 chains x 500 draws after 1,000 tuning).

    :class:`~decisionkit.models.BayesianLogisticRisk` with its default priors on the six
    predictors of :func:`cvd_cohort`; about 10 s on one core. Written with ``model.save``
    (about 0.3 MB); the file is not thinned, so its diagnostics are those of the stored draws.
    """
    from decisionkit.models import BayesianLogisticRisk

    model = BayesianLogisticRisk(draws=500, tune=1000, chains=2, cores=1, random_seed=CVD_RISK_SEED)
    model.fit(cohort[CVD_PREDICTORS], cohort["event"])
    print("cardiovascular risk model diagnostics:", model.diagnostics_)
    model.save(DATA / "cvd_risk_posterior.nc")
    print(model.summary())


def main() -> None:
    """Write the CSVs; fit and save the admissions and cardiovascular risk posteriors."""
    from decisionkit.models.bayes.demand import CountDemand

    DATA.mkdir(exist_ok=True)
    cvd = cvd_cohort()
    cvd.to_csv(DATA / "cvd_cohort.csv", index=False)
    cvd_risk_posterior(pd.read_csv(DATA / "cvd_cohort.csv"))
    adm = admissions()
    adm.to_csv(DATA / "admissions.csv", index=False)
    hospital_outcomes().to_csv(DATA / "hospital_outcomes.csv", index=False)
    df = adm.assign(date=pd.to_datetime(adm["date"]))
    model = CountDemand(draws=1000, tune=1000, chains=2, random_seed=POSTERIOR_SEED)
    model.fit(df, date="date", count="admissions")
    print("diagnostics of the full 2 x 1000 draws:", model.diagnostics_)
    # keep every 2nd draw: 2 chains x 500 draws (~0.1 MB). Thinning NUTS draws loses their
    # antithetic advantage, so judge convergence on the full run above, not the stored draws.
    tree = model.idata_.copy()
    tree["posterior"] = tree["posterior"].isel(draw=slice(None, None, 2))
    model.idata_ = tree
    model.save(DATA / "admissions_posterior.nc")
    print(model.summary())


if __name__ == "__main__":
    main()

"""Adversarial inputs across the public API: what share gets a clear error? (issue 18)

Each case calls one public function with one invalid argument (everything else valid) and is
classified as:

- ``clear``: a decisionkit error (``DecisionKitError``), or a ``ValueError``/``TypeError``
  raised by decisionkit's own code (the last traceback frame is inside ``decisionkit/``);
- ``unclear``: any other exception (a ``KeyError``, ``AttributeError``, numpy/pandas/xarray
  internals, ...): the user gets a traceback that does not say what to fix;
- ``accepted``: no exception at all. For an invalid input this is the worst outcome; results
  that contain NaN or infinity are counted here too.

Run: ``python benchmarks/adversarial_inputs.py`` (prints the table and lists every case that
is not ``clear``). The target is >= 98% clear, none accepted.
"""

from __future__ import annotations

import math
import sys
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import decisionkit as dk
from decisionkit.exceptions import DecisionKitError

PKG = str(Path(dk.__file__).resolve().parent)
RNG = np.random.default_rng(0)
N = 300
COST = RNG.normal(1000, 100, (N, 3))
QALY = RNG.normal(1, 0.1, (N, 3))
INPUTS = pd.DataFrame({"p": RNG.uniform(size=N), "c": RNG.normal(size=N)})
OUT = dk.OutcomeDistribution.from_arrays(
    {"cost": COST, "qaly": QALY}, actions=["A", "B", "C"], inputs=INPUTS
)
U = dk.utility.net_monetary_benefit("qaly", "cost", wtp=20_000)
Y = (RNG.uniform(size=200) < 0.3).astype(int)
RISK = np.clip(Y * 0.3 + RNG.uniform(size=200) * 0.6, 0.01, 0.99)

BAD_NUMBERS = [float("nan"), float("inf"), -float("inf"), "ten", None, [1, 2], True, 1j]
BAD_PROBS = [*BAD_NUMBERS, -0.1, 0.0, 1.0, 1.5]
NOT_GRID = [v for v in BAD_NUMBERS if v != [1, 2]] + [[1, float("nan")]]
BAD_POSITIVE = [*BAD_NUMBERS, -1, 0]
BAD_NAMES = ["", "nope", 3.5, None, ["qaly"], "\x00"]
BAD_FRAMES = [None, "x", pd.DataFrame(), np.zeros((3, 2)), pd.DataFrame({"p": ["a"] * N})]


def _cases() -> list[tuple[str, Callable[[], object]]]:
    cases: list[tuple[str, Callable[[], object]]] = []

    def add(name, fn, values):
        for v in values:
            cases.append((f"{name} <- {v!r}"[:90], lambda fn=fn, v=v: fn(v)))

    util = dk.utility
    add(
        "net_monetary_benefit(wtp)",
        lambda v: util.net_monetary_benefit(wtp=v),
        [*NOT_GRID, -5, [1, -2]],
    )
    add("net_health_benefit(wtp)", lambda v: util.net_health_benefit(wtp=v), [*NOT_GRID, 0, -5])
    add(
        "net_monetary_benefit(effect)",
        lambda v: dk.decide(OUT, util.net_monetary_benefit(v, wtp=1)),
        BAD_NAMES,
    )
    add(
        "linear(weights)",
        lambda v: util.linear(v),
        [None, {}, {"cost": "x"}, {"cost": np.nan}, [1], {"": 1}],
    )
    add("linear unknown metric", lambda v: dk.decide(OUT, util.linear({v: 1})), ["nope", "QALY"])
    add(
        "exponential(risk_aversion)",
        lambda v: util.exponential("qaly", risk_aversion=v),
        BAD_NUMBERS,
    )
    add("cvar(alpha)", lambda v: util.cvar(v), [*BAD_NUMBERS, -0.1, 0.0, 1.5])
    add("quantile(q)", lambda v: util.quantile(v), [*BAD_NUMBERS, -0.1, 1.5])
    add("custom(func)", lambda v: util.custom(v), [None, 3, "f"])
    add(
        "custom returns",
        lambda v: dk.decide(OUT, util.custom(lambda o, v=v: v)),
        [None, 3, np.zeros(3), np.full((N, 3), np.nan)],
    )
    add("decide(outcomes)", lambda v: dk.decide(v, U), [None, COST, INPUTS, "x"])
    add("decide(utility)", lambda v: dk.decide(OUT, v), [None, "nmb", 3])
    add(
        "decide(prob)", lambda v: dk.decide(OUT, U, prob=v), [p for p in BAD_PROBS if p is not None]
    )
    add("decide(objective)", lambda v: dk.decide(OUT, U, objective=v), ["nope", 3, "median"])
    add(
        "decide overflow",
        lambda v: dk.decide(
            dk.OutcomeDistribution.from_arrays({"c": np.full((N, 2), v)}), util.linear({"c": 10})
        ),
        [1e308, -1e308],
    )
    add("nmb overflow", lambda v: dk.decide(OUT, util.net_monetary_benefit(wtp=v)), [1e308])
    add(
        "cea.analyze(wtp)",
        lambda v: dk.cea.analyze(OUT, wtp=v),
        [*(g for g in NOT_GRID if g is not None), -5, [], [[1, 2]]],
    )
    add("cea.analyze(cost)", lambda v: dk.cea.analyze(OUT, cost=v), BAD_NAMES)
    add("cea.analyze(effect)", lambda v: dk.cea.analyze(OUT, effect=v), BAD_NAMES)
    add(
        "cea.analyze(reference)",
        lambda v: dk.cea.analyze(OUT, reference=v),
        [n for n in BAD_NAMES if n is not None],
    )
    add("cea.analyze(prob)", lambda v: dk.cea.analyze(OUT, prob=v), BAD_PROBS)
    add("cea.analyze(outcomes)", lambda v: dk.cea.analyze(v), [None, COST, "x"])
    add(
        "icer_table(cost)",
        lambda v: dk.cea.icer_table(v, [1, 2], ["a", "b"]),
        [None, [1], [np.nan, 1], ["a", "b"], [[1, 2]]],
    )
    add(
        "icer_table(strategies)",
        lambda v: dk.cea.icer_table([1, 2], [1, 2], v),
        [None, ["a"], ["a", "a"], [1.5, 2]],
    )
    add("voi.evpi(outcomes)", lambda v: dk.voi.evpi(v, U), [None, COST])
    add(
        "voi.evppi(parameters)",
        lambda v: dk.voi.evppi(OUT, U, v),
        [None, [], ["nope"], "nope", [["p", "nope"]], 3],
    )
    add("voi.evppi(method)", lambda v: dk.voi.evppi(OUT, U, ["p"], method=v), ["nope", 3])
    add(
        "voi.evppi(inputs)",
        lambda v: dk.voi.evppi(OUT, U, ["p"], inputs=v),
        [f for f in BAD_FRAMES if f is not None],
    )
    add(
        "voi.population_evpi(population)",
        lambda v: dk.voi.population_evpi(1.0, population_per_year=v, horizon_years=5),
        BAD_POSITIVE,
    )
    add(
        "voi.population_evpi(horizon)",
        lambda v: dk.voi.population_evpi(1.0, population_per_year=10, horizon_years=v),
        BAD_POSITIVE,
    )
    add(
        "voi.population_evpi(rate)",
        lambda v: dk.voi.population_evpi(
            1.0, population_per_year=10, horizon_years=5, discount_rate=v
        ),
        [*BAD_NUMBERS, -2],
    )
    add("voi.annuity_factor(horizon)", lambda v: dk.voi.annuity_factor(v, 0.03), BAD_POSITIVE)
    study = dk.voi.TwoArmBinary(p_control="p", p_treatment="p")
    add(
        "voi.evsi(n)",
        lambda v: dk.voi.evsi(OUT, U, study=study, n=v),
        [0, -5, 2.5, "x", [], [10, 0], None],
    )
    add("voi.evsi(study)", lambda v: dk.voi.evsi(OUT, U, study=v, n=10), [None, "trial", 3])
    add(
        "voi.evsi study params",
        lambda v: dk.voi.evsi(
            OUT, U, study=dk.voi.TwoArmBinary(p_control=v, p_treatment="p"), n=10
        ),
        ["nope", "c"],
    )
    add(
        "threshold.decision_curve(y)",
        lambda v: dk.threshold.decision_curve(v, {"m": RISK}),
        [None, Y[:10], np.full(200, 2), np.full(200, np.nan), "y"],
    )
    add(
        "threshold.decision_curve(risks)",
        lambda v: dk.threshold.decision_curve(Y, v),
        [None, {"m": RISK[:10]}, {"m": RISK * 2}, {"m": np.full(200, np.nan)}, {}, RISK],
    )
    add(
        "threshold.decision_curve(thresholds)",
        lambda v: dk.threshold.decision_curve(Y, {"m": RISK}, thresholds=v),
        [[], [1.0], [-0.1], [np.nan], "x", [[0.1]]],
    )
    add(
        "threshold.optimal_threshold",
        lambda v: dk.threshold.optimal_threshold(v, 1.0),
        [*BAD_NUMBERS, -1, 0],
    )
    add(
        "from_arrays(metrics)",
        lambda v: dk.OutcomeDistribution.from_arrays(v),
        [
            None,
            {},
            {"c": np.zeros(5)},
            {"c": np.zeros((1, 2))},
            {"c": np.full((5, 2), np.nan)},
            {"c": np.zeros((5, 0))},
            {"c": np.array([["a", "b"]] * 3)},
            {"draw": np.zeros((5, 2))},
            {"a/b": np.zeros((5, 2))},
            {"c": np.ma.masked_array(np.zeros((5, 2)), mask=np.eye(5, 2))},
        ],
    )
    add(
        "from_arrays(actions)",
        lambda v: dk.OutcomeDistribution.from_arrays({"c": COST}, actions=v),
        [["a"], ["a", "a", "b"], ["a", "", "c"], ["a", None, "c"], ["a", "b\x00", "c"]],
    )
    add(
        "from_arrays(inputs)",
        lambda v: dk.OutcomeDistribution.from_arrays({"c": COST}, inputs=v),
        [
            pd.DataFrame({"p": [1.0]}),
            pd.DataFrame({"draw": np.zeros(N)}),
            pd.DataFrame({"p": pd.Categorical(["x"] * N)}),
            pd.DataFrame({"p": np.full(N, np.nan)}),
            "x",
        ],
    )
    add(
        "from_dataframe(df)",
        lambda v: dk.OutcomeDistribution.from_dataframe(v),
        [
            None,
            pd.DataFrame(),
            pd.DataFrame([[1.0, 2.0]] * 3, columns=[1, "1"]),
            pd.DataFrame({"draw": [0, 1], "a": [1.0, 2]}),
            pd.DataFrame({"cost:A": [1.0, 2], "p": [0.1, 0.2]}),
            pd.DataFrame({"action": ["a", "b"], "draw": [0, 0], "cost": [1.0, np.nan]}),
            pd.DataFrame({"action": ["a", "b"], "cost": ["x", "y"]}),
        ],
    )
    add(
        "from_dataframe(layout)",
        lambda v: dk.OutcomeDistribution.from_dataframe(pd.DataFrame({"a": [1.0, 2]}), layout=v),
        ["tall", None],
    )
    add("sel_actions", lambda v: OUT.sel_actions(v), [[], ["Z"], "A", ["A", "A"]])
    add("OutcomeDistribution.interval(prob)", lambda v: OUT.interval(v), BAD_PROBS)
    add(
        "from_netcdf(path)",
        lambda v: dk.OutcomeDistribution.from_netcdf(v),
        ["/nonexistent.nc", __file__],
    )
    add(
        "io.read_outcomes_csv",
        lambda v: dk.io.read_outcomes_csv(v),
        [
            b"",
            b"\xff\xfe\x00bad",
            b"a,b\r1,2\r3,4\r",
            b"draw,cost,qaly\n0,1,2\n",
            b"action;cost\na;1,5\n",
            b"a,a\n1,2\n",
        ],
    )
    add(
        "io.read_patient_csv",
        lambda v: dk.io.read_patient_csv(v),
        [b"", b"outcome\n2\n", b"x,y\n1,2\n"],
    )
    add(
        "annuity tiny rate",
        lambda v: _finite_check(dk.voi.annuity_factor(10, v), low=9.99, high=10.01),
        [1e-17, 1e-15],
    )
    psa = dk.models.PSA
    from decisionkit.models.cohort import psa as psa_mod

    add("psa.Normal(sd)", lambda v: psa_mod.Normal(0.0, v), BAD_POSITIVE)
    add("psa.Beta(mean)", lambda v: psa_mod.Beta(mean=v, sd=0.1), [*BAD_NUMBERS, -0.1, 1.2])
    add("psa.Beta(sd)", lambda v: psa_mod.Beta(mean=0.5, sd=v), [*BAD_POSITIVE, 0.6])
    add("psa.Gamma(mean)", lambda v: psa_mod.Gamma(mean=v, sd=1.0), BAD_POSITIVE)
    add("psa.Uniform(high)", lambda v: psa_mod.Uniform(1.0, v), [*BAD_NUMBERS, 0.5])
    add(
        "PSA.sample(n)",
        lambda v: psa({"p": psa_mod.Normal(0.0, 1.0)}).sample(v, random_seed=1),
        [0, -1, 2.5, "x", None],
    )
    add(
        "PSA(random_seed)",
        lambda v: psa({"p": psa_mod.Normal(0.0, 1.0)}).sample(10, random_seed=v),
        [-1, "x", 2.5],
    )
    return cases


def _finite_check(value, *, low=-math.inf, high=math.inf):
    """Turn a wrong-but-returned number into an 'accepted' outcome for the tally."""
    if not (low <= float(value) <= high):
        raise AssertionError(f"silently wrong value {value!r}")
    return value


def _has_nonfinite(result: object) -> bool:
    for attr in ("evpi", "table", "values"):
        v = getattr(result, attr, None)
        if v is None:
            continue
        try:
            arr = np.asarray(
                v.select_dtypes("number") if isinstance(v, pd.DataFrame) else v, dtype=float
            )
        except (TypeError, ValueError):
            continue
        if arr.size and not np.all(np.isfinite(arr[~np.isnan(arr)] if attr == "table" else arr)):
            return True
    return False


def classify(fn: Callable[[], object]) -> tuple[str, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn()
    except DecisionKitError as exc:
        return "clear", str(exc)[:120]
    except FileNotFoundError as exc:  # the standard, self-explaining error
        return "clear", str(exc)[:120]
    except AssertionError as exc:  # a value outside its known range
        return "accepted", str(exc)[:120]
    except (ValueError, TypeError) as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        where = tb[-1].filename if tb else ""
        kind = "clear" if where.startswith(PKG) else "unclear"
        return kind, f"{type(exc).__name__}: {str(exc)[:100]} ({Path(where).name})"
    except Exception as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        return "unclear", f"{type(exc).__name__}: {str(exc)[:100]} ({Path(tb[-1].filename).name})"
    if _has_nonfinite(result):
        return "accepted", "returned non-finite numbers"
    return "accepted", f"returned {type(result).__name__}"


def main() -> int:
    cases = _cases()
    results = [(name, *classify(fn)) for name, fn in cases]
    tally = Counter(kind for _, kind, _ in results)
    total = len(results)
    print(f"{total} invalid inputs across the public API")
    for kind in ("clear", "unclear", "accepted"):
        print(f"  {kind:9s} {tally[kind]:4d}  ({100 * tally[kind] / total:.1f}%)")
    for name, kind, detail in results:
        if kind != "clear":
            print(f"- [{kind}] {name}: {detail}")
    return 0 if tally["clear"] / total >= 0.98 and tally["accepted"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

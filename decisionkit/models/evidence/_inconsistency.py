r"""Inconsistency checks for a network meta-analysis (NICE DSU TSD 4).

* **Unrelated mean effects (UME)**: one free relative effect per observed comparison (against
  each study's baseline arm), sharing the between-study sd. If its residual deviance and
  DIC are clearly better than the consistency model's, or single data points fit much better,
  the network may be inconsistent.
* **Node splitting** (Dias et al. 2010): for a comparison B vs A with both direct and indirect
  evidence, the studies that compare A and B get their own "direct" effect, the rest of the
  network the consistency parameters; the direct and indirect estimates are compared, with
  the Bayesian p-value :math:`2\min\{P(\text{diff} > 0), P(\text{diff} < 0)\}`. In a
  multi-arm study holding A, B and a baseline C, arm B's effect is arm A's consistency effect
  plus the direct effect (one of the parameterisations of Dias et al. 2010).

References
----------
Dias S, Welton NJ, Sutton AJ, Ades AE. NICE DSU Technical Support Document 4: inconsistency
in networks of evidence based on randomised controlled trials. 2011.
Dias S, Welton NJ, Caldwell DM, Ades AE. Checking consistency in mixed treatment comparison
meta-analysis. Stat Med 2010;29:932-944.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_probability, fail
from decisionkit.models.evidence import _engine
from decisionkit.models.evidence._data import Network

__all__ = ["InconsistencyResult", "node_split", "unrelated_mean_effects"]


@dataclass(frozen=True)
class InconsistencyResult:
    """Result of an inconsistency check.

    Attributes
    ----------
    method : str
        ``"unrelated mean effects"`` or ``"node splitting"``.
    summary : DataFrame
        UME: per observed comparison, the consistency and the UME estimates. Node
        splitting: per split comparison, direct, indirect and network estimates, their
        difference and the Bayesian p-value.
    fit : DataFrame
        Residual deviance, pD and DIC of the consistency model and of each inconsistency
        model.
    deviance : DataFrame
        UME only: each data point's posterior mean residual deviance under both models (the
        TSD 4 scatter plot).
    """

    method: str
    summary: pd.DataFrame
    fit: pd.DataFrame
    deviance: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The summary table (tidy: one row per comparison)."""
        return self.summary.copy()

    def print_summary(self) -> None:
        """Print the summary and the fit statistics."""
        print(repr(self))

    def __repr__(self) -> str:
        return "\n".join(
            [
                f"Inconsistency check: {self.method}",
                self.summary.round(3).to_string(index=False),
                "",
                self.fit.round(1).to_string(),
            ]
        )


def unrelated_mean_effects(nma: Any, *, ci_prob: float) -> InconsistencyResult:
    """Fit the UME model with the NMA's settings and compare it with the consistency fit."""
    check_probability(ci_prob, "ci_prob")
    net = nma.network_
    rel = net.rel
    pairs = list(dict.fromkeys(zip(net.arm_trt[net.base_of[rel]], net.arm_trt[rel], strict=True)))
    design = np.zeros((rel.size, len(pairs)))
    for r, key in enumerate(zip(net.arm_trt[net.base_of[rel]], net.arm_trt[rel], strict=True)):
        design[r, pairs.index(key)] = 1.0
    names = [f"{net.treatments[b]} vs {net.treatments[a]}" for a, b in pairs]
    idata = _fit(nma, design, names)
    ume = _summary(_engine.draws_of(idata, "d"), ci_prob)
    d = nma.relative_effect_draws().values
    cons = _summary(np.column_stack([d[:, b] - d[:, a] for a, b in pairs]), ci_prob)
    summary = pd.concat(
        [
            pd.DataFrame({"comparison": names}),
            cons.add_prefix("consistency_"),
            ume.add_prefix("ume_"),
        ],
        axis=1,
    )
    ume_dev = _deviance(net, idata)
    cons_dev = nma.deviance_contributions()
    deviance = cons_dev[["study", "treatment"]].assign(
        consistency=cons_dev["resdev"].to_numpy(), ume=ume_dev["resdev"].to_numpy()
    )
    fit = pd.DataFrame(
        [nma.fit_statistics(), _stats(ume_dev)],
        index=pd.Index(["consistency", "unrelated mean effects"], name="model"),
    )
    return InconsistencyResult("unrelated mean effects", summary, fit, deviance)


def node_split(nma: Any, comparisons: Any, *, ci_prob: float) -> InconsistencyResult:
    """Split each comparison into direct and indirect evidence (one fit per comparison)."""
    check_probability(ci_prob, "ci_prob")
    net = nma.network_
    splittable = _splittable(net)
    if comparisons is None:
        todo = splittable
    else:
        todo = []
        names = list(net.treatments)
        for pair in comparisons:
            if (
                not isinstance(pair, tuple | list)
                or len(pair) != 2
                or any(str(p) not in names for p in pair)
            ):
                raise fail("comparisons", f"pairs of treatments from {names}", pair)
            a, b = sorted(names.index(str(p)) for p in pair)
            if (a, b) not in splittable:
                raise fail(
                    "comparisons",
                    "comparisons with both direct and indirect evidence",
                    pair,
                    hint="Only comparisons in a loop of the network can be split.",
                )
            todo.append((a, b))
    if not todo:
        raise fail(
            "network",
            "a network with a loop",
            "no loops",
            hint="Node splitting needs direct and indirect evidence on some comparison.",
        )
    d_net = nma.relative_effect_draws().values
    rows, fits = [], {"consistency": nma.fit_statistics()}
    for a, b in todo:
        design, names = _engine.consistency_design(net)
        design = _split_design(net, design, a, b)
        idata = _fit(nma, design, [*names, "direct"])
        draws = _engine.draws_of(idata, "d")
        direct = draws[:, -1]
        full = np.column_stack([np.zeros(len(draws)), draws[:, :-1]])
        indirect = full[:, b] - full[:, a]
        diff = direct - indirect
        label = f"{net.treatments[b]} vs {net.treatments[a]}"
        lo, hi = (1 - ci_prob) / 2, 1 - (1 - ci_prob) / 2
        row: dict[str, Any] = {"comparison": label}
        for key, x in (
            ("direct", direct),
            ("indirect", indirect),
            ("network", d_net[:, b] - d_net[:, a]),
            ("difference", diff),
        ):
            q = np.quantile(x, [lo, hi])
            row |= {f"{key}_mean": x.mean(), f"{key}_lower": q[0], f"{key}_upper": q[1]}
        row["p_value"] = 2 * min((diff > 0).mean(), (diff < 0).mean())
        rows.append(row)
        fits[f"split {label}"] = _stats(_deviance(net, idata))
    fit = pd.DataFrame(list(fits.values()), index=pd.Index(list(fits), name="model"))
    return InconsistencyResult("node splitting", pd.DataFrame(rows), fit)


# ---------------------------------------------------------------------------- helpers
def _fit(nma: Any, design: np.ndarray, names: list[str], caller: str | None = None) -> Any:
    caller = caller or caller_name()
    model = _engine.build_model(
        nma.network_, design, names, effects=nma.effects, priors=nma._priors(), param_dim="contrast"
    )
    idata, _ = nma._sample_checked(
        model,
        var_names=_engine.free_variables(nma.network_, nma.effects),
        caller=caller,
        **_engine.sampler_arguments(nma.network_),
    )
    return idata


def _deviance(net: Network, idata: Any) -> pd.DataFrame:
    draws, plug = _engine.deviance(net, _engine.draws_of(idata, "eta"))
    mean = draws.mean(axis=0)
    return pd.DataFrame({"resdev": mean, "leverage": mean - plug})


def _stats(dev: pd.DataFrame) -> pd.Series:
    resdev, p_d = float(dev["resdev"].sum()), float(dev["leverage"].sum())
    return pd.Series({"n_data": float(len(dev)), "resdev": resdev, "pD": p_d, "DIC": resdev + p_d})


def _summary(values: np.ndarray, ci_prob: float) -> pd.DataFrame:
    lo, hi = (1 - ci_prob) / 2, 1 - (1 - ci_prob) / 2
    q = np.quantile(values, [lo, hi], axis=0)
    return pd.DataFrame({"mean": values.mean(axis=0), "lower": q[0], "upper": q[1]})


def _studies_with(net: Network, a: int, b: int) -> np.ndarray:
    has = np.zeros((net.n_studies, 2), dtype=bool)
    for j, t in enumerate((a, b)):
        has[net.arm_study[net.arm_trt == t], j] = True
    return has.all(axis=1)


def _splittable(net: Network) -> list[tuple[int, int]]:
    """Comparisons with direct evidence that stay connected without their direct studies."""
    out = []
    for a in range(net.n_treatments):
        for b in range(a + 1, net.n_treatments):
            both = _studies_with(net, a, b)
            if not both.any():
                continue
            # edges of every study, leaving out the a-b edge of studies that hold both
            parent = list(range(net.n_treatments))
            for s in range(net.n_studies):
                trts = net.arm_trt[net.arm_study == s]
                for i, x in enumerate(trts):
                    for y in trts[i + 1 :]:
                        if {int(x), int(y)} != {a, b}:
                            parent[_find(parent, int(x))] = _find(parent, int(y))
            if _find(parent, a) == _find(parent, b):
                out.append((a, b))
    return out


def _find(parent: list[int], t: int) -> int:
    while parent[t] != t:
        t = parent[t]
    return t


def _split_design(net: Network, design: np.ndarray, a: int, b: int) -> np.ndarray:
    """Add the 'direct' column: arm b's effect in studies holding a and b is a's + direct."""
    rel = net.rel
    out = np.column_stack([design, np.zeros(rel.size)])
    both = _studies_with(net, a, b)
    row_of = {int(arm): r for r, arm in enumerate(rel)}
    for s in np.flatnonzero(both):
        arms = np.flatnonzero(net.arm_study == s)
        trt = {int(net.arm_trt[i]): int(i) for i in arms}
        base = int(net.arm_trt[arms[net.arm_base[arms]][0]])
        if base == a:
            out[row_of[trt[b]]] = 0.0
            out[row_of[trt[b]], -1] = 1.0
        elif base == b:
            out[row_of[trt[a]]] = 0.0
            out[row_of[trt[a]], -1] = -1.0
        else:
            out[row_of[trt[b]]] = out[row_of[trt[a]]]
            out[row_of[trt[b]], -1] = 1.0
    return out

"""Reading and checking trial tables for (network) meta-analysis.

Every check names the study (and treatment) at fault and says how to fix the table. The
user's DataFrame is never altered: the arrays below are copies.

Three layouts are read, one row per study arm:

* arm-level binary: ``study, treatment, events, total`` (binomial likelihood, logit link);
* arm-level continuous: ``study, treatment, mean`` and either ``se`` or ``sd`` and ``n``
  (normal likelihood, identity link);
* contrast-level: ``study, treatment, estimate, se``; each study has one *baseline* row whose
  ``estimate`` is empty (NaN) and whose ``se`` is the standard error of that arm's mean
  (needed only in studies with three or more arms, where the contrasts share the baseline
  arm and are correlated). This is the layout of multinma's ``set_agd_contrast``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, fail
from decisionkit.exceptions import ValidationError

__all__ = ["Network", "read_arms", "read_contrasts", "read_mixed"]

KINDS = ("binomial", "normal", "contrast")


@dataclass(frozen=True)
class Network:
    """A checked network of studies, arms ordered by study then by treatment index.

    ``arm_*`` arrays have one entry per arm; the first arm of each study is its baseline
    (the arm whose treatment comes first in ``treatments``, as in NICE DSU TSD 2, or the
    row with an empty estimate for contrast-level data). ``y`` holds events (binomial), arm
    means (normal) or contrasts (contrast; NaN on baseline arms); ``n`` the arm totals
    (binomial only); ``se`` the standard errors (normal and contrast). ``link`` is the scale of
    the relative effects of binomial data: ``"logit"`` (log odds ratios) or ``"log"`` (log risk
    ratios).
    """

    kind: str
    studies: tuple[str, ...]
    treatments: tuple[str, ...]
    arm_study: np.ndarray
    arm_trt: np.ndarray
    arm_base: np.ndarray  # True on each study's baseline arm
    y: np.ndarray
    n: Any  # ndarray of arm totals for binomial data, else None
    se: Any  # ndarray of standard errors for normal and contrast data, else None
    link: str = "logit"
    contrast: Network | None = None  # contrast-level studies fitted with arm-level ones

    @property
    def n_studies(self) -> int:
        return len(self.studies)

    @property
    def n_treatments(self) -> int:
        return len(self.treatments)

    @property
    def rel(self) -> np.ndarray:
        """Indices of the non-baseline arms (one relative effect each)."""
        return np.flatnonzero(~self.arm_base)

    @property
    def base_of(self) -> np.ndarray:
        """For every arm, the index of its study's baseline arm."""
        first = np.flatnonzero(self.arm_base)
        return first[self.arm_study]

    def edges(self) -> pd.DataFrame:
        """Direct comparisons: one row per treatment pair with the number of studies."""
        pairs: dict[tuple[int, int], int] = {}
        for part in (self, self.contrast):
            if part is None:
                continue
            for s in range(part.n_studies):
                trts = sorted(part.arm_trt[part.arm_study == s])
                for i, a in enumerate(trts):
                    for b in trts[i + 1 :]:
                        pairs[(a, b)] = pairs.get((a, b), 0) + 1
        rows = [(self.treatments[a], self.treatments[b], k) for (a, b), k in sorted(pairs.items())]
        return pd.DataFrame(rows, columns=["treatment_a", "treatment_b", "n_studies"])


# ---------------------------------------------------------------------------- readers
def read_arms(
    data: Any,
    *,
    study: str,
    treatment: str,
    events: str | None,
    total: str | None,
    mean: str | None,
    se: str | None,
    sd: str | None,
    n: str | None,
    reference: str | None,
    universe: list[str] | None = None,
) -> Network:
    """Check an arm-level table and return a :class:`Network` (binomial or normal).

    ``universe``: the treatments of a network this table is one part of (then the table
    need not be connected by itself; see :func:`read_mixed`).
    """
    frame = _frame(data)
    if events is not None or total is not None:
        if events is None or total is None or mean is not None:
            raise ValidationError(
                f"{caller_name()}: give both 'events' and 'total' for binary outcomes (and "
                "no 'mean')."
                f" Got events={events!r}, total={total!r}, mean={mean!r}."
            )
        kind = "binomial"
        cols: list[Any] = [events, total]
    elif mean is not None:
        if se is None and (sd is None or n is None):
            raise ValidationError(
                f"{caller_name()}: continuous outcomes need the standard error of each arm's mean: "
                "pass se='column', or sd='column' and n='column'."
            )
        kind = "normal"
        cols = [mean, *([se] if se is not None else [sd, n])]
    else:
        raise ValidationError(
            f"{caller_name()}: say which columns hold the outcome: events='...' and total='...' "
            "for binary outcomes, or mean='...' with se='...' (or sd='...' and n='...') for "
            "continuous ones."
        )
    _require_columns(frame, [study, treatment, *cols])
    labels_s, labels_t = _labels(frame, study, treatment)
    values: dict[Any, np.ndarray] = {c: _numeric(frame, c, labels_s) for c in cols}
    if kind == "binomial":
        y, tot = values[events], values[total]
        _counts(y, labels_s, labels_t, events)
        _counts(tot, labels_s, labels_t, total)
        _where(
            tot < 1,
            labels_s,
            labels_t,
            f"'{total}' is {{v}}; every arm needs at least one participant. Drop empty arms.",
            tot,
        )
        over = y > tot
        if over.any():
            i = int(np.argmax(over))
            raise ValidationError(
                f"{caller_name()}: study '{labels_s[i]}', treatment '{labels_t[i]}': {events} "
                f"({y[i]:g}) exceed {total} ({tot[i]:g}). Check that the columns are not "
                "swapped and that the events belong to this arm."
            )
        se_arr = None
    else:
        y = values[mean]
        if se is not None:
            se_arr = values[se]
            _where(
                se_arr <= 0,
                labels_s,
                labels_t,
                f"'{se}' is {{v}}; standard errors must be positive.",
                se_arr,
            )
        else:
            sd_arr, n_arr = values[sd], values[n]
            _where(
                sd_arr <= 0,
                labels_s,
                labels_t,
                f"'{sd}' is {{v}}; standard deviations must be positive.",
                sd_arr,
            )
            _counts(n_arr, labels_s, labels_t, n)
            _where(
                n_arr < 1,
                labels_s,
                labels_t,
                f"'{n}' is {{v}}; every arm needs at least one participant.",
                n_arr,
            )
            se_arr = sd_arr / np.sqrt(n_arr)
        tot = None
    return _assemble(kind, labels_s, labels_t, y, tot, se_arr, reference, None, universe)


def read_contrasts(
    data: Any,
    *,
    study: str,
    treatment: str,
    estimate: str,
    se: str,
    reference: str | None,
    universe: list[str] | None = None,
) -> Network:
    """Check a contrast-level table (one baseline row per study) and return a Network."""
    frame = _frame(data)
    _require_columns(frame, [study, treatment, estimate, se])
    labels_s, labels_t = _labels(frame, study, treatment)
    est = pd.to_numeric(frame[estimate], errors="coerce").to_numpy(dtype=float)
    raw = frame[estimate].to_numpy()
    not_number = np.isnan(est) & pd.notna(raw)
    if not_number.any():
        i = int(np.argmax(not_number))
        raise ValidationError(
            f"{caller_name()}: study '{labels_s[i]}', treatment '{labels_t[i]}': '{estimate}' is "
            f"{raw[i]!r}, not a number."
        )
    se_all = pd.to_numeric(frame[se], errors="coerce").to_numpy(dtype=float)
    base = np.isnan(est)
    baseline: dict[str, int] = {}
    for i, s in enumerate(labels_s):
        if base[i]:
            if s in baseline:
                raise ValidationError(
                    f"{caller_name()}: study '{s}' has more than one row with an empty "
                    f"'{estimate}'. "
                    "Leave the estimate empty only on the study's baseline arm (the arm the "
                    "other arms are compared with)."
                )
            baseline[s] = i
    missing = [s for s in dict.fromkeys(labels_s) if s not in baseline]
    if missing:
        raise ValidationError(
            f"{caller_name()}: study '{missing[0]}' has no baseline row. Add a row for the arm its "
            f"contrasts are measured against, with an empty '{estimate}' (and, for studies "
            f"with three or more arms, the standard error of that arm's mean in '{se}')."
        )
    counts = pd.Series(labels_s).value_counts()
    for i in range(len(labels_s)):
        multi = counts[labels_s[i]] > 2
        if base[i] and not multi:
            continue  # a two-arm study needs no baseline-arm standard error
        if not np.isfinite(se_all[i]) or se_all[i] <= 0:
            what = (
                "the baseline arm of a study with three or more arms needs the standard error "
                "of that arm's mean (the contrasts share it)"
                if base[i]
                else "standard errors must be positive numbers"
            )
            raise ValidationError(
                f"{caller_name()}: study '{labels_s[i]}', treatment '{labels_t[i]}': '{se}' is "
                f"{frame[se].to_numpy()[i]!r}; {what}."
            )
    return _assemble(
        "contrast", labels_s, labels_t, est, None, se_all, reference, baseline, universe
    )


def read_mixed(
    arms: Any,
    contrasts: Any,
    *,
    study: str,
    treatment: str,
    estimate: str,
    contrast_se: str,
    reference: str | None,
    **outcome: str | None,
) -> Network:
    """Arm-level and contrast-level studies in one network (TSD 2's combined likelihood).

    The two tables share the study and treatment columns; a study appears in one table only.
    The returned arm-level :class:`Network` carries the contrast-level part in ``contrast``,
    both indexed by the same treatments (the union), and the union must be connected.
    """
    arm_frame, con_frame = _frame(arms), _frame(contrasts)
    _require_columns(arm_frame, [study, treatment])
    _require_columns(con_frame, [study, treatment])
    a_s, a_t = _labels(arm_frame, study, treatment)
    c_s, c_t = _labels(con_frame, study, treatment)
    both = sorted(set(a_s) & set(c_s))
    if both:
        raise ValidationError(
            f"{caller_name()}: study '{both[0]}' is in both the arm-level and the "
            "contrast-level table. "
            "Give each study once: its arms (events, totals) or its contrasts (estimates and "
            "standard errors), not both."
        )
    universe = list(dict.fromkeys(a_t + c_t))
    arm_net = read_arms(
        arm_frame,
        study=study,
        treatment=treatment,
        reference=reference,
        universe=universe,
        **outcome,  # type: ignore[arg-type]
    )
    con_net = read_contrasts(
        con_frame,
        study=study,
        treatment=treatment,
        estimate=estimate,
        se=contrast_se,
        reference=reference,
        universe=universe,
    )
    if arm_net.treatments != con_net.treatments:  # the same reference moved to the front
        raise AssertionError("the two parts of a mixed network must share the treatments")
    labels_s = a_s + c_s
    labels_t = a_t + c_t
    studies = list(dict.fromkeys(labels_s))
    arms_of = {s: [i for i, t in enumerate(labels_s) if t == s] for s in studies}
    _check_connected(studies, arms_of, labels_t, list(arm_net.treatments))
    return dataclasses.replace(arm_net, contrast=con_net)


# ---------------------------------------------------------------------------- helpers
def _frame(data: Any) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise fail("data", "a pandas DataFrame with one row per study arm", type(data))
    if data.empty:
        raise ValidationError(
            f"{caller_name()}: the trial table is empty; it needs one row per arm."
        )
    return data


def _require_columns(frame: pd.DataFrame, cols: list[str]) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"{caller_name()}: the trial table has no column {missing[0]!r} (columns: "
            f"{[str(c) for c in frame.columns]}). Rename the column or pass its name."
        )


def _labels(frame: pd.DataFrame, study: str, treatment: str):
    for col in (study, treatment):
        empty = frame[col].isna().to_numpy() | (frame[col].astype(str).str.strip() == "")
        if empty.any():
            raise ValidationError(
                f"{caller_name()}: row {int(np.argmax(empty))} has an empty '{col}'. Every "
                "arm needs "
                "a study and a treatment name."
            )
    return frame[study].astype(str).tolist(), frame[treatment].astype(str).tolist()


def _numeric(
    frame: pd.DataFrame, col: str, labels_s: list[str], caller: str | None = None
) -> np.ndarray:
    caller = caller or caller_name()
    raw = frame[col].to_numpy()
    arr = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(
            f"{caller}: study '{labels_s[i]}': '{col}' is {raw[i]!r}, not a finite number. "
            "Fill it in or drop the study."
        )
    return arr


def _counts(values, labels_s, labels_t, col) -> None:
    bad = (values < 0) | (values != np.round(values))
    _where(
        bad,
        labels_s,
        labels_t,
        f"'{col}' is {{v}}; counts must be non-negative whole numbers.",
        values,
    )


def _where(bad, labels_s, labels_t, message, values) -> None:
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValidationError(
            f"{caller_name()}: study '{labels_s[i]}', treatment '{labels_t[i]}': "
            + message.format(v=f"{values[i]:g}")
        )


def _assemble(kind, labels_s, labels_t, y, tot, se, reference, baseline, universe=None) -> Network:
    studies = list(dict.fromkeys(labels_s))
    seen: dict[tuple[str, str], int] = {}
    for i, key in enumerate(zip(labels_s, labels_t, strict=True)):
        if key in seen:
            raise ValidationError(
                f"{caller_name()}: study '{key[0]}' lists treatment '{key[1]}' twice (rows "
                f"{seen[key]} and {i}). Each treatment appears once per study; combine "
                "arms of the same treatment (add events and totals) or rename them."
            )
        seen[key] = i
    arms_of = {s: [i for i, t in enumerate(labels_s) if t == s] for s in studies}
    for s, rows in arms_of.items():
        if len(rows) < 2:
            raise ValidationError(
                f"{caller_name()}: study '{s}' has only one arm ('{labels_t[rows[0]]}'). A study "
                "informs a relative effect only when it compares two or more treatments; "
                "drop it or add its other arms."
            )
    treatments = list(dict.fromkeys(labels_t)) if universe is None else list(universe)
    if reference is not None:
        if str(reference) not in treatments:
            raise fail("reference", f"one of the treatments {treatments}", reference)
        treatments.remove(str(reference))
        treatments.insert(0, str(reference))
    if universe is None:  # a part of a mixed network is checked with the other part
        _check_connected(studies, arms_of, labels_t, treatments)
    t_index = {t: k for k, t in enumerate(treatments)}
    order: list[int] = []
    for s in studies:
        rows = arms_of[s]
        if baseline is not None:
            first = baseline[s]
        else:  # TSD 2: the study's baseline is its arm with the lowest treatment index
            first = min(rows, key=lambda r: t_index[labels_t[r]])
        rest = sorted((r for r in rows if r != first), key=lambda r: t_index[labels_t[r]])
        order.extend([first, *rest])
    idx = np.asarray(order)
    s_index = {s: k for k, s in enumerate(studies)}
    arm_study = np.array([s_index[labels_s[i]] for i in idx])
    arm_base = np.r_[True, arm_study[1:] != arm_study[:-1]]
    return Network(
        kind=kind,
        studies=tuple(studies),
        treatments=tuple(treatments),
        arm_study=arm_study,
        arm_trt=np.array([t_index[labels_t[i]] for i in idx]),
        arm_base=arm_base,
        y=np.asarray(y, dtype=float)[idx].copy(),
        n=None if tot is None else np.asarray(tot, dtype=float)[idx].copy(),
        se=None if se is None else np.asarray(se, dtype=float)[idx].copy(),
    )


def _check_connected(studies, arms_of, labels_t, treatments) -> None:
    """Every treatment must be linked to the reference through a chain of studies."""
    parent = {t: t for t in treatments}

    def find(t: str) -> str:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for s in studies:
        trts = [labels_t[r] for r in arms_of[s]]
        for t in trts[1:]:
            parent[find(t)] = find(trts[0])
    root = find(treatments[0])
    apart = [t for t in treatments if find(t) != root]
    if apart:
        where = [s for s in studies if any(labels_t[r] in apart for r in arms_of[s])]
        raise ValidationError(
            f"{caller_name()}: the network is not connected: treatment(s) {apart} (in stud"
            f"{'y' if len(where) == 1 else 'ies'} {where}) have no chain of trials linking "
            f"them to '{treatments[0]}'. Add a study that links them, or analyse the "
            "disconnected part separately."
        )

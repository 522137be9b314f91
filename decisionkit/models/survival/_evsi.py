r"""Study designs for the EVSI of survival evidence: more follow-up, or a new trial.

Both designs follow the study-design protocol of :func:`decisionkit.voi.evsi`
(``parameters``, ``participants_per_n``, ``simulate(params, n, rng)``): for every PSA draw
:math:`\theta_s` of the survival model's parameters they simulate the data the study would
collect, *conditional on the data already observed*, and reduce them to summary statistics
(events and time at risk per arm); EVSI then follows by regressing net benefit on those
statistics (Strong et al. 2015).

Extending follow-up (Vervaart et al. 2022). A patient still at risk at the current data cut,
after :math:`t_j` units of follow-up, has a residual event time drawn from the model's
conditional distribution

.. math::

    P(T > t \mid T > t_j, \theta_s) = S(t; \theta_s) / S(t_j; \theta_s), \qquad t \ge t_j,

by inversion: :math:`T` solves :math:`S(T) = U\,S(t_j)` with :math:`U \sim U(0, 1)`. The
patient is censored at the new cut :math:`t_j + \Delta`. Because the PSA draws are the
posterior given the current data, the simulated extension is drawn from the prior-predictive
of the *new* data given the old, as the EVSI needs.

A new trial: ``n`` patients per arm recruited uniformly over ``accrual`` and analysed
``follow_up`` after the last one is recruited (administrative censoring at
``accrual + follow_up - entry``); event times from :math:`S(t; \theta_s)` by inversion.

Times are drawn with the survival model's own families (:mod:`._families`): whether a patient
has the event in the window is decided with the family's :math:`\log S`; the event time is
then the closed-form inverse of :math:`S` (exponential, Weibull, Gompertz, log-logistic,
log-normal) or found by bisection on :math:`\log t` (generalised gamma).

References
----------
Vervaart M, Strong M, Claxton KP, Welton NJ, Wisløff T, Aas E. An efficient method for
computing expected value of sample information for survival data from an ongoing trial.
Medical Decision Making 2022;42:612-625.
Strong M, Oakley JE, Brennan A, Breeze P. Estimating the expected value of sample
information using the probabilistic sensitivity analysis sample: a fast nonparametric
regression-based method. Medical Decision Making 2015;35:570-583.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from decisionkit._validation import caller_name, check_number, fail, validate_params
from decisionkit.exceptions import ValidationError
from decisionkit.models.survival._families import FAMILIES, Family, NumpyOps, get_family

__all__ = ["SurvivalArm", "SurvivalFollowUp", "SurvivalTrial"]

_BISECTIONS = 40  # halvings of a log-time bracket at most 50 wide: error below 5e-11


@dataclass(frozen=True, eq=False)
class SurvivalArm:
    """One arm's survival model: a parametric family and the PSA inputs holding its parameters.

    Parameters
    ----------
    distribution : str
        A parametric family of :class:`ParametricSurvival` (``"exponential"``, ``"weibull"``,
        ``"gompertz"``, ``"loglogistic"``, ``"lognormal"``, ``"gengamma"``; flexsurv's short
        names work). Parameterisations are flexsurv's.
    parameters : mapping of str to str
        For each of the family's natural parameters, the column of the PSA inputs that holds
        its draws, e.g. ``{"shape": "shape_control", "scale": "scale_control"}``. A treatment
        effect (hazard ratio, acceleration factor) is folded into the arm's own columns
        before the EVSI, e.g. ``rate_treatment = rate_control * hr``.

    Examples
    --------
    >>> SurvivalArm("exponential", {"rate": "rate_new"}).columns
    ('rate_new',)
    """

    distribution: str
    parameters: Mapping[str, str]

    @validate_params()
    def __post_init__(self) -> None:
        names = [*sorted(FAMILIES), "exp", "llogis", "lnorm"]
        if self.distribution not in names:
            raise fail("distribution", "one of " + ", ".join(map(repr, names)), self.distribution)
        family = get_family(self.distribution)
        if not isinstance(self.parameters, Mapping):
            raise fail("parameters", "a mapping {family parameter: input column}", self.parameters)
        given = dict(self.parameters)
        if set(given) != set(family.params):
            raise fail(
                "parameters",
                f"a mapping with exactly the {family.label} parameters {list(family.params)}",
                sorted(given),
            )
        object.__setattr__(self, "parameters", {p: str(given[p]) for p in family.params})

    @property
    def family(self) -> Family:
        """The parametric family."""
        return get_family(self.distribution)

    @property
    def columns(self) -> tuple[str, ...]:
        """The PSA input columns, in the family's parameter order."""
        return tuple(self.parameters.values())

    @validate_params()
    def natural(self, params: pd.DataFrame, design: str, arm: str) -> list[np.ndarray]:
        """Each natural parameter's draws, shape (S, 1), checked against its domain."""
        if not isinstance(params, pd.DataFrame):
            raise fail("params", "a DataFrame of PSA input draws", params)
        missing = [c for c in self.columns if c not in params.columns]
        if missing:
            raise ValidationError(
                f"{design}: arm '{arm}' takes its parameters from the input column(s) "
                f"{missing}, which the PSA inputs do not have (columns: "
                f"{[str(c) for c in params.columns]}). Rename the columns or the mapping."
            )
        family = self.family
        out = []
        for name, column, positive in zip(
            family.params, self.columns, family.positive, strict=True
        ):
            values = pd.to_numeric(params[column], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(values) | ((values <= 0) if positive else False)
            if np.any(bad):
                what = "positive finite numbers" if positive else "finite numbers"
                raise ValidationError(
                    f"{design}: arm '{arm}': the {family.label} {name!r} draws in column "
                    f"{column!r} must be {what}; draw {int(np.argmax(bad))} is "
                    f"{values[int(np.argmax(bad))]!r}."
                )
            out.append(values[:, None])
        return out


def _log_survival(family: Family, times: np.ndarray, natural: list[np.ndarray]) -> np.ndarray:
    r""":math:`\log S(t)` for times (S, m) and parameters (S, 1); 0 at t = 0."""
    safe = np.maximum(times, 1e-300)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        log_s = family.log_sh(np.log(safe), natural, NumpyOps)[0]
    return np.where(times > 0, np.broadcast_to(log_s, times.shape), 0.0)


def simulate_window(
    family: Family,
    natural: list[np.ndarray],
    start: np.ndarray,
    stop: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Events and time at risk in ``(start, stop]`` for patients alive at ``start``.

    ``start`` and ``stop`` broadcast to (S, m): S parameter draws, m patients. The event time
    solves :math:`\log S(T) = \log U + \log S(\text{start})`; a patient has the event in the
    window when :math:`S(\text{stop})` is at or below that level, and then :math:`T` is found
    by bisection on :math:`\log t` inside the window. Returns the event indicator and the
    observed time at risk :math:`\min(T, \text{stop}) - \text{start}`, both (S, m).
    """
    shape = np.broadcast_shapes((*np.shape(natural[0])[:1], 1), np.shape(start), np.shape(stop))
    start = np.broadcast_to(start, shape)
    stop = np.broadcast_to(stop, shape)
    target = np.log(rng.random(shape)) + _log_survival(family, start, natural)
    event = _log_survival(family, stop, natural) <= target
    observed = stop.copy()
    rows, cols = np.nonzero(event)
    if rows.size:
        nat = [np.broadcast_to(v, shape)[rows, cols] for v in natural]
        first, last, goal = start[rows, cols], stop[rows, cols], target[rows, cols]
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            times = _invert(family, goal, nat, first, last)
        observed[rows, cols] = np.clip(times, first, last)
    return event, observed - start


def _invert(family: Family, goal, nat, first, last) -> np.ndarray:
    """The time T with log S(T) = goal: closed forms where the family has one, else bisection."""
    name = family.name
    if name == "exponential":
        return -goal / nat[0]
    if name == "weibull":
        return nat[1] * (-goal) ** (1.0 / nat[0])
    if name == "loglogistic":
        return nat[1] * np.expm1(-goal) ** (1.0 / nat[0])
    if name == "gompertz":  # log S = -(rate / shape)(exp(shape t) - 1)
        shape, rate = nat
        small = np.abs(shape) < 1e-9
        safe = np.where(small, 1.0, shape)
        return np.where(small, -goal / rate, np.log1p(-goal * safe / rate) / safe)
    if name == "lognormal":
        from scipy.special import ndtri

        return np.exp(nat[0] - nat[1] * ndtri(np.exp(goal)))
    hi = np.log(last)
    lo = np.where(first > 0, np.log(np.maximum(first, 1e-300)), hi - 50.0)
    for _ in range(_BISECTIONS):  # vectorised over every event at once
        mid = 0.5 * (lo + hi)
        above = family.log_sh(mid, nat, NumpyOps)[0] > goal  # alive at mid: the event is later
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.exp(0.5 * (lo + hi))


def _check_arms(arms: Any) -> dict[str, SurvivalArm]:
    if not isinstance(arms, Mapping) or not arms:
        raise fail("arms", "a non-empty mapping {arm name: SurvivalArm}", arms)
    bad = [k for k, v in arms.items() if not isinstance(v, SurvivalArm)]
    if bad:
        raise fail("arms", "SurvivalArm values", type(arms[bad[0]]).__name__)
    return {str(k): v for k, v in arms.items()}


def _columns(arms: Mapping[str, SurvivalArm]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for arm in arms.values() for c in arm.columns))


def _check_n(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValidationError(
            f"{caller_name()}: the sample size n must be a positive whole number ({what}). "
            f"Got {n!r} "
            "instead."
        )
    return int(n)


def _statistics(arm: str, event: np.ndarray, exposure: np.ndarray) -> dict[str, np.ndarray]:
    return {f"events[{arm}]": event.sum(axis=1), f"exposure[{arm}]": exposure.sum(axis=1)}


@dataclass(frozen=True, eq=False)
class SurvivalFollowUp:
    r"""EVSI design: extend the follow-up of an ongoing survival trial.

    ``n`` is the *extra follow-up* in units of ``time_per_n`` (in the time unit of the
    survival model): with data in years and ``time_per_n=1/12``, ``n=6`` is six more months.
    Every patient still at risk at the current data cut is followed ``n * time_per_n`` longer;
    their residual event times are drawn from the model with each PSA draw's parameters,
    conditional on survival to their current follow-up time (see the module notes), and
    censored at the new cut. No patient is lost to follow-up in the extension.

    Summary statistics per arm: ``events[<arm>]`` and ``exposure[<arm>]``, the number of
    events and the total time at risk in the extension (sufficient for an exponential model,
    and what Vervaart et al. 2022 regress on).

    Parameters
    ----------
    arms : mapping of str to SurvivalArm
        The survival model of each arm of the trial.
    at_risk : mapping of str to array-like
        For each arm, the follow-up times of the patients still at risk at the current cut
        (censored administratively, not lost to follow-up); see :meth:`from_data`.
    time_per_n : float, default 1.0
        Length of one unit of ``n`` in the model's time unit.
    participants_per_n : int, default 1
        No patients are recruited; for :func:`decisionkit.voi.enbs` one "participant" is one
        unit of extra follow-up, so ``cost_per_participant`` is the cost of running the trial
        one ``time_per_n`` longer.

    Examples
    --------
    >>> arms = {"new": SurvivalArm("exponential", {"rate": "rate_new"})}
    >>> design = SurvivalFollowUp(arms, {"new": [1.5, 2.0, 2.0]}, time_per_n=1 / 12)
    >>> design.parameters
    ('rate_new',)

    References
    ----------
    Vervaart M, Strong M, Claxton KP, et al. An efficient method for computing expected value
    of sample information for survival data from an ongoing trial. Medical Decision Making
    2022;42:612-625.
    """

    arms: Mapping[str, SurvivalArm]
    at_risk: Mapping[str, Any]
    time_per_n: float = 1.0
    participants_per_n: int = 1

    @validate_params()
    def __post_init__(self) -> None:
        arms = _check_arms(self.arms)
        check_number(self.time_per_n, "time_per_n", low=0.0, low_inclusive=False)
        check_number(self.participants_per_n, "participants_per_n", low=1, integer=True)
        if not isinstance(self.at_risk, Mapping):
            raise fail("at_risk", "a mapping {arm name: follow-up times}", self.at_risk)
        risk = {str(k): v for k, v in self.at_risk.items()}
        if set(risk) != set(arms):
            raise fail("at_risk", f"one entry per arm {sorted(arms)}", sorted(risk))
        times: dict[str, np.ndarray] = {}
        for name in arms:
            t = np.array(risk[name], dtype=float, ndmin=1, copy=True)
            if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(t < 0):
                raise ValidationError(
                    f"{caller_name()}: arm '{name}' needs the follow-up times (finite, >= "
                    "0) of its "
                    f"patients still at risk at the data cut; got {risk[name]!r}. With no "
                    "patient at risk, more follow-up of that arm teaches nothing: drop the arm."
                )
            t.flags.writeable = False
            times[name] = t
        object.__setattr__(self, "arms", arms)
        object.__setattr__(self, "at_risk", times)

    @classmethod
    @validate_params()
    def from_data(
        cls,
        data: pd.DataFrame,
        arms: Mapping[str, SurvivalArm],
        *,
        time: str,
        event: str,
        arm: str | None = None,
        at_risk: str | None = None,
        time_per_n: float = 1.0,
    ) -> SurvivalFollowUp:
        """The design from the trial's patient table at the current data cut.

        ``data`` has one row per patient with the follow-up ``time`` and ``event`` (1 = event,
        0 = censored) columns, the ``arm`` column (omit it for a single-arm design) and
        optionally a boolean ``at_risk`` column. By default every censored patient is taken
        to be still at risk (administrative censoring at the cut); pass ``at_risk`` when some
        were lost to follow-up.
        """
        arms = _check_arms(arms)
        if not isinstance(data, pd.DataFrame):
            raise fail("data", "a DataFrame with one row per patient", type(data).__name__)
        cols = [time, event] + [c for c in (arm, at_risk) if c is not None]
        missing = [c for c in cols if c not in data.columns]
        if missing:
            raise fail("data", f"a table with the column(s) {cols}", list(data.columns))
        if arm is None and len(arms) != 1:
            raise fail("arm", "the arm column (the design has several arms)", arm)
        still = (
            data[at_risk].astype(bool).to_numpy()
            if at_risk is not None
            else data[event].to_numpy() == 0
        )
        labels = (
            np.full(len(data), next(iter(arms)))
            if arm is None
            else data[arm].astype(str).to_numpy()
        )
        times = data[time].to_numpy(dtype=float)
        risk = {name: times[still & (labels == name)] for name in arms}
        return cls(arms, risk, time_per_n=time_per_n)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The PSA input columns the extra follow-up informs."""
        return _columns(self.arms)

    @validate_params()
    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Events and time at risk per arm in ``n * time_per_n`` more follow-up, per draw."""
        extra = _check_n(
            n,
            "units of extra follow-up; the new data cut must come after the current one",
        ) * float(self.time_per_n)
        stats: dict[str, np.ndarray] = {}
        for name, arm in self.arms.items():
            natural = arm.natural(params, caller_name(), name)
            start = np.asarray(self.at_risk[name])[None, :]
            event, exposure = simulate_window(arm.family, natural, start, start + extra, rng)
            stats |= _statistics(name, event, exposure)
        return pd.DataFrame(stats)


@dataclass(frozen=True, eq=False)
class SurvivalTrial:
    r"""EVSI design: a new survival trial with ``n`` patients per arm.

    Patients are recruited at evenly spaced times over ``accrual`` and the trial is analysed
    ``follow_up`` after the last one is recruited, so the patient recruited at :math:`a_i` is
    censored at :math:`\text{accrual} + \text{follow\_up} - a_i`; event times are drawn from
    each arm's model with each PSA draw's parameters. Summary statistics per arm:
    ``events[<arm>]`` and ``exposure[<arm>]`` (total time at risk).

    Parameters
    ----------
    arms : mapping of str to SurvivalArm
        The survival model of each arm.
    accrual : float
        Recruitment period (>= 0, in the model's time unit; 0 = everyone starts together).
    follow_up : float
        Minimum follow-up: time from the last recruitment to the analysis (> 0).

    Attributes
    ----------
    participants_per_n : int
        The number of arms (``n`` counts patients per arm).

    Examples
    --------
    >>> arms = {"a": SurvivalArm("weibull", {"shape": "k", "scale": "b"})}
    >>> SurvivalTrial(arms, accrual=1.0, follow_up=2.0).participants_per_n
    1
    """

    arms: Mapping[str, SurvivalArm]
    accrual: float
    follow_up: float
    participants_per_n: int = field(init=False)

    @validate_params()
    def __post_init__(self) -> None:
        arms = _check_arms(self.arms)
        check_number(self.accrual, "accrual", low=0.0)
        check_number(self.follow_up, "follow_up", low=0.0, low_inclusive=False)
        object.__setattr__(self, "arms", arms)
        object.__setattr__(self, "participants_per_n", len(arms))

    @property
    def parameters(self) -> tuple[str, ...]:
        """The PSA input columns the trial informs."""
        return _columns(self.arms)

    @validate_params()
    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Events and time at risk per arm of a trial with ``n`` patients per arm, per draw."""
        size = _check_n(n, "patients per arm")
        entry = (np.arange(size) + 0.5) / size * float(self.accrual)
        censor = (float(self.accrual) + float(self.follow_up) - entry)[None, :]
        stats: dict[str, np.ndarray] = {}
        for name, arm in self.arms.items():
            natural = arm.natural(params, caller_name(), name)
            event, exposure = simulate_window(arm.family, natural, np.zeros((1, size)), censor, rng)
            stats |= _statistics(name, event, exposure)
        return pd.DataFrame(stats)

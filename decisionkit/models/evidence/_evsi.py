r"""EVSI design for a new trial added to a network meta-analysis.

:class:`NetworkTrial` follows the study-design protocol of :func:`decisionkit.voi.evsi`
(``parameters``, ``participants_per_n``, ``simulate(params, n, rng)``). The PSA inputs are
the NMA's joint posterior rows from :meth:`NetworkMetaAnalysis.psa_inputs` (columns
``d[<treatment>]``, the effects against the network's reference, which has none). For every
draw :math:`s` the new two-arm trial of treatments :math:`A` and :math:`B` with ``n``
participants per arm is simulated on the network's scale:

.. math::

    g(p_A) = g(\pi_s), \qquad g(p_B) = g(p_A) + \delta_s, \qquad
    \delta_s = d_{B,s} - d_{A,s} \;(+\, \tau_s z_s,\ z_s \sim N(0, 1)),

with :math:`g` the logit (log odds ratios) or log (risk ratios), :math:`\pi_s` the trial
population's event probability on :math:`A`, and under random effects the trial's own
effect drawn around the mean with the between-study sd :math:`\tau_s` (TSD 2's predictive
distribution of a new study). Events :math:`r_A \sim \mathrm{Bin}(n, p_A)`,
:math:`r_B \sim \mathrm{Bin}(n, p_B)` are the summary statistics; the regression method then
estimates what the network's posterior would become with the trial added (for one simulated
trial the full posterior update is :meth:`NetworkMetaAnalysis.updated`).

References
----------
Dias S, Welton NJ, Sutton AJ, Ades AE. NICE DSU TSD 2. 2011 (predictive distribution of a
new study's effect).
Strong M, Oakley JE, Brennan A, Breeze P. Medical Decision Making 2015;35:570-583.
Welton NJ, Thom HHZ. Value of information: we've got speed, what more do we need? Medical
Decision Making 2015;35:564-566 (EVSI of trials informing network meta-analyses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from decisionkit._validation import caller_name, check_number, fail, validate_params
from decisionkit.exceptions import ValidationError

__all__ = ["NetworkTrial"]


@dataclass(frozen=True, eq=False)
class NetworkTrial:
    r"""EVSI design: a new two-arm trial of ``treatment_a`` versus ``treatment_b`` in a network.

    ``n`` is the number of participants per arm (``participants_per_n`` = 2). The outcome is
    binary (events out of ``n`` per arm), simulated from each PSA draw's relative effects
    (see the module notes).

    Parameters
    ----------
    network : NetworkMetaAnalysis
        The fitted network whose ``psa_inputs`` are the PSA inputs of the decision model
        (arm-level binary data, or contrast-level log odds or risk ratios with ``link``).
    treatment_a, treatment_b : str
        The two treatments of the new trial (any two treatments of the network).
    baseline : float or str
        Event probability on ``treatment_a`` in the trial's population: a number in (0, 1)
        (the trial then informs only the relative effect), or the name of a PSA input column
        (e.g. ``"p[No contact]"``; the trial then also informs that input).
    heterogeneity : float, str or None, default None
        Random-effects networks: the between-study sd (a number or a PSA input column); the
        trial then measures its own effect :math:`\delta \sim N(d_{AB}, \tau^2)`. ``None``
        (fixed effects) means the trial measures :math:`d_{AB}` itself.
    link : {"logit", "log"}, optional
        Scale of the relative effects: log odds ratios (default for binary data) or log
        risk ratios (a network fitted with ``link="log"``).

    Attributes
    ----------
    parameters : tuple of str
        The PSA input columns the trial informs: ``d[...]`` of the two treatments (the
        reference has none), then ``baseline`` and ``heterogeneity`` when they are columns.
    participants_per_n : int
        2: ``n`` is per arm.

    Examples
    --------
    >>> design = NetworkTrial(nma, "Self-help", "Group counselling", baseline=0.1)  # doctest: +SKIP
    >>> dk.voi.evsi(out, u, study=design, n=[100, 500, 2000], random_seed=1)  # doctest: +SKIP
    """

    network: Any
    treatment_a: str
    treatment_b: str
    baseline: float | str
    heterogeneity: float | str | None = None
    link: str | None = None
    participants_per_n: int = field(default=2, init=False)

    @validate_params()
    def __post_init__(self) -> None:
        net = getattr(self.network, "network_", None)
        if net is None:
            raise fail(
                "network",
                "a fitted NetworkMetaAnalysis",
                type(self.network).__name__,
                hint="Fit the network (nma.fit(...)) before designing a trial for it.",
            )
        names = list(net.treatments)
        for param, value in (("treatment_a", self.treatment_a), ("treatment_b", self.treatment_b)):
            if str(value) not in names:
                raise fail(
                    param,
                    f"a treatment of the network {names}",
                    value,
                    hint="A new trial can only compare treatments already in the network.",
                )
        if str(self.treatment_a) == str(self.treatment_b):
            raise ValidationError(
                f"{caller_name()}: the trial compares '{self.treatment_a}' with itself; "
                "treatment_a and treatment_b must differ."
            )
        default = "log" if getattr(net, "link", "logit") == "log" else "logit"
        link = default if self.link is None else self.link
        if link not in ("logit", "log"):
            raise fail("link", "'logit' or 'log'", link)
        if net.kind == "normal":
            raise ValidationError(
                f"{caller_name()}: the network was fitted on continuous outcomes; a new "
                "trial with a "
                "binary outcome cannot inform its mean differences. Use dk.voi.NormalMean on "
                "the mean difference instead."
            )
        if isinstance(self.baseline, str):
            pass
        else:
            check_number(
                self.baseline,
                "baseline",
                low=0.0,
                high=1.0,
                low_inclusive=False,
                high_inclusive=False,
            )
        if self.heterogeneity is not None and not isinstance(self.heterogeneity, str):
            check_number(self.heterogeneity, "heterogeneity", low=0.0)
        object.__setattr__(self, "treatment_a", str(self.treatment_a))
        object.__setattr__(self, "treatment_b", str(self.treatment_b))
        object.__setattr__(self, "link", link)

    @property
    def reference(self) -> str:
        """The network's reference treatment (its ``d`` is 0 and has no input column)."""
        return str(self.network.network_.treatments[0])

    def _effect_columns(self) -> list[str | None]:
        return [
            None if t == self.reference else f"d[{t}]" for t in (self.treatment_a, self.treatment_b)
        ]

    @property
    def parameters(self) -> tuple[str, ...]:
        """The PSA input columns the trial informs."""
        cols = [c for c in self._effect_columns() if c is not None]
        cols += [c for c in (self.baseline, self.heterogeneity) if isinstance(c, str)]
        return tuple(cols)

    @validate_params()
    def simulate(self, params: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """Events on each arm of a trial with ``n`` participants per arm, one row per draw."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValidationError(
                f"{caller_name()}: the sample size n must be a positive whole number of "
                "participants "
                f"per arm. Got {n!r} instead."
            )
        if not isinstance(params, pd.DataFrame):
            raise fail("params", "a DataFrame of PSA input draws", params)
        size = len(params)
        effect_a, effect_b = (
            np.zeros(size) if c is None else self._column(params, c) for c in self._effect_columns()
        )
        delta = effect_b - effect_a
        if self.heterogeneity is not None:
            tau = self._value(params, self.heterogeneity, size)
            if np.any(tau < 0):
                raise ValidationError(f"{caller_name()}: the between-study sd draws must be >= 0.")
            delta = delta + tau * rng.standard_normal(size)
        base = self._value(params, self.baseline, size)
        if np.any((base <= 0) | (base >= 1)):
            raise ValidationError(
                f"{caller_name()}: the baseline probabilities in column '{self.baseline}' "
                "must lie in "
                f"(0, 1); they range from {base.min():g} to {base.max():g}."
            )
        if self.link == "logit":
            p_a, p_b = base, special.expit(special.logit(base) + delta)
        else:  # log link: a risk above 1 is impossible, the TSD 2 constraint caps it
            p_a, p_b = base, np.minimum(base * np.exp(delta), 1.0)
        return pd.DataFrame(
            {
                f"events[{self.treatment_a}]": rng.binomial(int(n), p_a),
                f"events[{self.treatment_b}]": rng.binomial(int(n), p_b),
            }
        )

    def _value(self, params: pd.DataFrame, value: float | str, size: int) -> np.ndarray:
        if isinstance(value, str):
            return self._column(params, value)
        return np.full(size, float(value))

    @staticmethod
    def _column(params: pd.DataFrame, column: str) -> np.ndarray:
        if column not in params.columns:
            raise ValidationError(
                f"{caller_name()}: the PSA inputs have no column {column!r} (columns: "
                f"{[str(c) for c in params.columns]}). Build them with nma.psa_inputs(...), "
                "whose relative effects are named d[<treatment>]."
            )
        values = pd.to_numeric(params[column], errors="coerce").to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            raise ValidationError(
                f"{caller_name()}: column {column!r} has missing or infinite draws."
            )
        return values

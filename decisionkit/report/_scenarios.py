r"""Scenario analysis: the base case re-run under named alternative assumptions.

A *scenario* changes the base case in one or more named ways: another value or another PSA
distribution for a parameter (an alternative source, a subgroup's baseline risk), or a
different model *setting* (a discount rate, a survival extrapolation, a time horizon) passed
to the model as a keyword argument. :func:`run_scenarios` runs every scenario
deterministically (one parameter set) and probabilistically (a PSA sample) in one call.

The model is any function of a parameter table, ``model(params, **settings)``, where
``params`` is a DataFrame with one row per parameter set; it returns a
:class:`~decisionkit.OutcomeDistribution`, a Markov result (anything with a ``values``
Dataset of dims ``(draw, action)``) or such a Dataset. Cohort Markov models
(``MarkovModel.run``), the bundled Sick-Sicker model, partitioned-survival and
microsimulation models all fit once wrapped as such a function.

Common random numbers. Every scenario samples its PSA with the same seed, so a parameter
whose distribution a scenario leaves alone takes the same value in draw ``s`` of every
scenario (the uniforms of the copula are shared, PSA.sample's inverse-CDF method), and
differences between scenarios are not blurred by Monte-Carlo noise (Briggs et al. 2006,
ch. 4). Scenario results therefore equal separate runs of the model with each override
and the same seed, exactly.

References
----------
.. [1] Briggs AH, Weinstein MC, Fenwick EAL, et al. Model parameter estimation and
   uncertainty analysis: a report of the ISPOR-SMDM Modeling Good Research Practices Task
   Force-6. *Med Decis Making* 2012;32(5):722-732 (scenario analysis for structural
   uncertainty).
.. [2] Briggs A, Claxton K, Sculpher M. *Decision Modelling for Health Economic Evaluation*.
   Oxford University Press; 2006.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from decisionkit._validation import (
    Interval,
    caller_name,
    check_names,
    check_number,
    check_wtp,
    fail,
    validate_params,
)
from decisionkit.exceptions import ValidationError
from decisionkit.outcomes import OutcomeDistribution

__all__ = ["Scenario", "ScenarioResult", "run_scenarios"]

BASE = "Base case"


@dataclass(frozen=True)
class Scenario:
    """One named departure from the base case.

    Parameters
    ----------
    name : str
        Label shown in tables and plots.
    parameters : mapping, optional
        ``{parameter: value or Distribution}``. A number fixes the parameter in the
        deterministic run and in every PSA draw; a PSA distribution (``dk.models.cohort.psa.Beta``,
        ...) replaces the base-case distribution, and its mean is the deterministic value.
    settings : mapping, optional
        Keyword arguments passed to the model function (e.g. ``{"discount": 0.015}`` or
        ``{"extrapolation": "weibull"}``); they must be arguments the model accepts.
    description : str
        One sentence for the report's scenario table.
    """

    name: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, repr=False, eq=False)
class ScenarioResult:
    """The result of :func:`run_scenarios` (immutable).

    Attributes
    ----------
    scenarios : tuple of str
        Scenario names, the base case first.
    descriptions : tuple of str
        One description per scenario.
    deterministic : xarray.Dataset
        Metrics of the deterministic runs, dims ``(scenario, action)``.
    psa : xarray.Dataset
        Metrics of the PSA, dims ``(draw, action, scenario)``.
    inputs : dict of str to DataFrame
        The PSA parameter draws of each scenario.
    reference : str
        Comparator for incremental results.
    wtp : float
        Willingness to pay at which P(cost-effective) is reported.
    cost, effect : str
        Metric names of costs and effects.
    """

    scenarios: tuple[str, ...]
    descriptions: tuple[str, ...]
    deterministic: xr.Dataset
    psa: xr.Dataset
    inputs: dict[str, pd.DataFrame]
    reference: str
    wtp: float
    cost: str
    effect: str

    @property
    def strategies(self) -> list[str]:
        """Strategy (action) names."""
        return [str(a) for a in self.psa["action"].values]

    @property
    def n_draws(self) -> int:
        """PSA draws per scenario."""
        return int(self.psa.sizes["draw"])

    @property
    def outcomes(self) -> OutcomeDistribution:
        """All PSA outcomes with a ``scenario`` dim, ready for ``dk.decide`` (no inputs)."""
        return OutcomeDistribution(self.psa)

    @validate_params()
    def outcomes_for(self, scenario: str) -> OutcomeDistribution:
        """The PSA outcomes of one scenario, with its parameter draws attached (for EVPPI)."""
        name = self._check_name(scenario)
        return OutcomeDistribution(self.psa.sel(scenario=name, drop=True), inputs=self.inputs[name])

    @validate_params()
    def cea(self, scenario: str = BASE, **kwargs: Any) -> Any:
        """``dk.cea.analyze`` of one scenario (``dk.cea.analyze`` takes no extra dims)."""
        from decisionkit.cea import analyze

        kwargs.setdefault("reference", self.reference)
        return analyze(self.outcomes_for(scenario), cost=self.cost, effect=self.effect, **kwargs)

    @validate_params()
    def decision(self, wtp: float | None = None) -> Any:
        """``dk.decide`` on net monetary benefit at ``wtp``: the scenario dim is an extra dim."""
        from decisionkit.decision.analysis import decide
        from decisionkit.decision.utility import net_monetary_benefit

        w = self.wtp if wtp is None else wtp
        return decide(
            self.outcomes, net_monetary_benefit(effect=self.effect, cost=self.cost, wtp=w)
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row per (scenario, strategy).

        Columns: ``scenario, strategy, cost, effect`` (deterministic), ``icer`` and
        ``status`` (the deterministic ICER table of the scenario: ND non-dominated,
        D dominated, ED extendedly dominated), ``psa_cost, psa_effect`` (PSA means),
        ``inc_cost, inc_effect`` (PSA means against the reference), ``inc_nmb, inc_nmb_lower,
        inc_nmb_upper`` (incremental net monetary benefit at ``wtp``, mean and 95% interval)
        and ``prob_ce`` (probability of the highest net benefit at ``wtp``, from ``dk.decide``
        with the scenario dim).
        """
        from decisionkit.cea import icer_table

        table = self.decision().table.set_index(["scenario", "action"])["prob_best"]
        ref = self.strategies.index(self.reference)
        rows = []
        for name in self.scenarios:
            det = self.deterministic.sel(scenario=name)
            c_det, e_det = det[self.cost].values, det[self.effect].values
            icers = icer_table(c_det, e_det, self.strategies).set_index("strategy")
            ds = self.psa.sel(scenario=name)
            c, e = ds[self.cost].values, ds[self.effect].values
            inc_nmb = self.wtp * (e - e[:, [ref]]) - (c - c[:, [ref]])
            lo, hi = np.quantile(inc_nmb, [0.025, 0.975], axis=0)
            for j, s in enumerate(self.strategies):
                rows.append(
                    {
                        "scenario": name,
                        "strategy": s,
                        "cost": float(c_det[j]),
                        "effect": float(e_det[j]),
                        "icer": float(icers.loc[s, "icer"]),
                        "status": str(icers.loc[s, "status"]),
                        "psa_cost": float(c[:, j].mean()),
                        "psa_effect": float(e[:, j].mean()),
                        "inc_cost": float((c[:, j] - c[:, ref]).mean()),
                        "inc_effect": float((e[:, j] - e[:, ref]).mean()),
                        "inc_nmb": float(inc_nmb[:, j].mean()),
                        "inc_nmb_lower": float(lo[j]),
                        "inc_nmb_upper": float(hi[j]),
                        "prob_ce": float(table.loc[(name, s)]),
                    }
                )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """Tidy PSA draws: ``scenario, draw, strategy`` and one column per metric."""
        frame = self.psa.to_dataframe().reset_index().rename(columns={"action": "strategy"})
        return frame[["scenario", "draw", "strategy", *self.psa.data_vars]]

    def print_summary(self) -> None:
        """Print :meth:`__repr__`."""
        print(repr(self))

    def __repr__(self) -> str:
        cols = ["scenario", "strategy", "cost", "effect", "icer", "prob_ce"]
        text = self.summary[cols].to_string(
            index=False, float_format=lambda x: f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3f}"
        )
        return (
            f"<ScenarioResult: {len(self.scenarios)} scenarios, {self.n_draws} PSA draws, "
            f"P(cost-effective) at wtp {self.wtp:,.0f}>\n{text}"
        )

    def _check_name(self, scenario: str) -> str:
        if scenario not in self.scenarios:
            raise fail(
                "scenario",
                f"one of {list(self.scenarios)}",
                scenario,
            )
        return scenario


@validate_params({"n_draws": Interval(2, None, integer=True), "random_seed": "random_state"})
def run_scenarios(
    model: Callable[..., Any],
    base_case: Mapping[str, float],
    psa: Any,
    scenarios: Sequence[Scenario] | Mapping[str, Mapping[str, Any]],
    *,
    n_draws: int = 1000,
    random_seed: int | None = None,
    wtp: float,
    reference: str | None = None,
    cost: str = "cost",
    effect: str = "qaly",
    batch: bool = False,
) -> ScenarioResult:
    r"""Run the base case and each scenario, deterministically and as a PSA, in one call.

    Parameters
    ----------
    model : callable
        ``model(params, **settings)``; ``params`` is a DataFrame with one row per
        parameter set. Returns an OutcomeDistribution, a result with a ``values`` Dataset
        (``MarkovResult``) or an xarray Dataset with dims ``(draw, action)``.
    base_case : mapping of str to float
        Deterministic parameter values. Parameters that the PSA samples but ``base_case``
        leaves out take the mean of their distribution.
    psa : decisionkit.models.PSA
        Base-case parameter distributions. Parameters in ``base_case`` but not in the PSA are
        held at their base-case value in every draw.
    scenarios : sequence of Scenario, or mapping
        The alternatives; a mapping ``{name: {"parameters": ..., "settings": ...,
        "description": ...}}`` is accepted too. The base case is added first as
        ``"Base case"``.
    n_draws : int
        PSA draws per scenario (>= 2).
    random_seed : int, optional
        Seed shared by all scenarios (common random numbers); must be an int or None, so
        each scenario can re-create the same stream.
    wtp : float
        Willingness to pay at which P(cost-effective) and incremental NMB are reported.
    reference : str, optional
        Comparator (default: the first strategy).
    cost, effect : str
        Metric names of costs and effects in the model output.
    batch : bool
        Stack the PSA samples of scenarios with the same settings into one model call
        (default False: one call per scenario). Only for models that treat rows
        independently, as ``MarkovModel`` does; the results are then identical
        (``tests/report/test_scenarios.py``). For the Sick-Sicker model it saves no CPU time
        (``benchmarks/bench_report.py``); it helps models with a large fixed cost per call.

    Returns
    -------
    ScenarioResult

    Examples
    --------
    >>> from decisionkit.models.cohort import sick_sicker as ss
    >>> def model(params, within_cycle="simpson"):
    ...     return ss.sick_sicker_model(within_cycle=within_cycle).run(params)
    >>> res = run_scenarios(model, ss.sick_sicker_base_case(), ss.sick_sicker_parameters(),
    ...                     {"Cheaper A": {"parameters": {"c_trtA": 6000.0}}},
    ...                     n_draws=50, random_seed=1, wtp=100_000)
    >>> res.scenarios
    ('Base case', 'Cheaper A')
    """
    if not callable(model):
        raise fail("model", "a function model(params, **settings)", model)
    n = int(n_draws)
    if random_seed is not None and not isinstance(random_seed, int | np.integer):
        raise fail("random_seed", "an int or None (shared by every scenario)", random_seed)
    wtp_value, _ = check_wtp(wtp, positive=False)
    if wtp_value is None:
        raise fail("wtp", "one number (not a grid)", wtp)
    psa_cls = importlib.import_module("decisionkit.models").PSA
    if not isinstance(psa, psa_cls):
        raise fail("psa", "a decisionkit.models.PSA", type(psa).__name__)
    base = _check_base(base_case, psa)
    specs = [
        Scenario(BASE, description="Base-case inputs and assumptions."),
        *_check_scenarios(scenarios),
    ]
    check_names([s.name for s in specs], "scenarios (names, including 'Base case')")
    dist_cls = importlib.import_module(psa_cls.__module__).Distribution
    for spec in specs:
        _check_overrides(spec, base, psa, model, dist_cls)

    # one (deterministic row + PSA sample) per scenario, grouped by settings for batching
    tables = {}
    for spec in specs:
        det, draws = _parameter_tables(spec, base, psa, psa_cls, dist_cls, n, random_seed)
        tables[spec.name] = (det, draws)
    groups: dict[str, list[Scenario]] = {}
    for spec in specs:
        key = repr(sorted(spec.settings.items())) if batch else spec.name
        groups.setdefault(key, []).append(spec)
    values: dict[str, tuple[xr.Dataset, xr.Dataset]] = {}
    for members in groups.values():
        stacked = pd.concat([tables[s.name][1] for s in members], ignore_index=True)
        ds = _as_dataset(model(stacked, **members[0].settings), n_rows=len(members) * n)
        for i, s in enumerate(members):
            draws = ds.isel(draw=slice(i * n, (i + 1) * n)).assign_coords(draw=np.arange(n))
            det = _deterministic(model, tables[s.name][0], s.settings)
            values[s.name] = (det, draws)
    names = [s.name for s in specs]
    first = values[names[0]][1]
    for name in names[1:]:
        if list(values[name][1]["action"].values) != list(first["action"].values):
            raise ValidationError(
                f"{caller_name()}: scenario {name!r} returned strategies "
                f"{list(values[name][1]['action'].values)}, not those of the base case "
                f"{list(first['action'].values)}. Every scenario must compare the same options."
            )
    for metric in (cost, effect):
        if metric not in first:
            raise fail(
                f"{'cost' if metric == cost else 'effect'}",
                f"a metric of the model output {list(first.data_vars)}",
                metric,
            )
    strategies = [str(a) for a in first["action"].values]
    ref = strategies[0] if reference is None else str(reference)
    if ref not in strategies:
        raise fail("reference", f"one of the strategies {strategies}", reference)
    scen = pd.Index(names, name="scenario")
    det = xr.concat([values[k][0] for k in names], dim=scen)
    draws = xr.concat([values[k][1] for k in names], dim=scen).transpose(
        "draw", "action", "scenario"
    )
    return ScenarioResult(
        tuple(names),
        tuple(s.description for s in specs),
        det.transpose("scenario", "action"),
        draws,
        {k: tables[k][1] for k in names},
        ref,
        float(wtp_value),
        cost,
        effect,
    )


# ---------------------------------------------------------------------- private steps
def _check_base(base_case: Any, psa: Any, caller: str | None = None) -> dict[str, float]:
    caller = caller or caller_name()
    if not isinstance(base_case, Mapping):
        raise fail("base_case", caller, "a dict of parameter name to value", type(base_case))
    out = dict(psa.base_case())
    for k, v in base_case.items():
        out[str(k)] = check_number(v, f"base_case['{k}']", caller)
    return out


def _check_scenarios(scenarios: Any) -> list[Scenario]:
    if isinstance(scenarios, Mapping):
        out = []
        for name, spec in scenarios.items():
            if isinstance(spec, Scenario):
                out.append(spec)
                continue
            if not isinstance(spec, Mapping):
                raise fail(
                    f"scenarios['{name}']",
                    "a dict with 'parameters' and/or 'settings'",
                    spec,
                )
            unknown = set(spec) - {"parameters", "settings", "description"}
            if unknown:
                raise fail(
                    f"scenarios['{name}']",
                    "a dict with keys 'parameters', 'settings', 'description'",
                    sorted(unknown),
                    hint="Put parameter values under 'parameters'.",
                )
            out.append(
                Scenario(
                    str(name),
                    dict(spec.get("parameters", {})),
                    dict(spec.get("settings", {})),
                    str(spec.get("description", "")),
                )
            )
        return out
    if isinstance(scenarios, Sequence) and all(isinstance(s, Scenario) for s in scenarios):
        return list(scenarios)
    raise fail("scenarios", "a list of Scenario or a dict of name to overrides", scenarios)


def _check_overrides(spec, base, psa, model, dist_cls) -> None:
    known = set(base) | set(psa.columns) | set(psa.distributions)
    for name, value in spec.parameters.items():
        if name not in known:
            raise ValidationError(
                f"{caller_name()}: scenario {spec.name!r} overrides parameter {name!r}, which is "
                f"neither in the base case nor in the PSA. Known parameters: {sorted(known)}."
            )
        if name in psa.columns and name not in psa.distributions:
            raise ValidationError(
                f"{caller_name()}: scenario {spec.name!r} overrides {name!r}, one category of a "
                "Dirichlet distribution; override the whole Dirichlet parameter instead."
            )
        multi = getattr(psa.distributions.get(name), "n_columns", 1) > 1
        if multi and not (isinstance(value, dist_cls) and value.n_columns > 1):
            raise ValidationError(
                f"{caller_name()}: scenario {spec.name!r} overrides the Dirichlet parameter "
                f"{name!r}; "
                "give another Dirichlet (with the same names) for it."
            )
        if not isinstance(value, dist_cls):
            check_number(value, f"scenarios[{spec.name!r}].parameters['{name}']")
    if spec.settings:
        sig = inspect.signature(model)
        takes_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
        for key in spec.settings:
            if not takes_any and key not in sig.parameters:
                raise ValidationError(
                    f"{caller_name()}: scenario {spec.name!r} sets {key!r}, which the model "
                    "does not "
                    f"accept (its arguments: {list(sig.parameters)}). Add it as a keyword "
                    "argument of the model function."
                )


def _parameter_tables(spec, base, psa, psa_cls, dist_cls, n, seed):
    det = dict(base)
    dists = psa.distributions
    fixed = importlib.import_module(psa_cls.__module__).Fixed
    for name, value in spec.parameters.items():
        if isinstance(value, dist_cls) and value.n_columns > 1:  # a Dirichlet: its columns
            det.update(zip(value.column_names(name), map(float, value.mean), strict=True))
            dists[name] = value
        elif isinstance(value, dist_cls):
            det[name] = float(value.mean)
            if name in dists:
                dists[name] = value
        else:
            det[name] = float(value)
            if name in dists:
                dists[name] = fixed(float(value))
    corr = psa.correlation
    if corr is not None:
        # a parameter fixed by the scenario can no longer be correlated with the others
        keep = [c for c in corr.columns if not isinstance(dists[c], fixed)]
        corr = corr.loc[keep, keep] if len(keep) > 1 else None
    draws = psa_cls(dists, correlation=corr).sample(n, random_seed=seed)
    for name, value in det.items():  # deterministic-only parameters are constant columns
        if name not in draws.columns:
            draws[name] = value
    cols = list(draws.columns)
    return pd.DataFrame({c: [det[c]] for c in cols}), draws


def _deterministic(model, row: pd.DataFrame, settings) -> xr.Dataset:
    """One model call on the deterministic row (its own call, so it equals a separate run).

    A model that insists on at least 2 draws (an OutcomeDistribution) gets the row twice.
    """
    try:
        ds = _as_dataset(model(row, **settings), n_rows=1)
    except ValidationError:
        twice = pd.concat([row, row], ignore_index=True)
        ds = _as_dataset(model(twice, **settings), n_rows=2)
    return ds.isel(draw=0, drop=True)


def _as_dataset(out: Any, *, n_rows: int) -> xr.Dataset:
    if isinstance(out, OutcomeDistribution):
        ds = out.data
    elif isinstance(out, xr.Dataset):
        ds = out
    elif isinstance(getattr(out, "values", None), xr.Dataset):
        ds = out.values
    else:
        raise ValidationError(
            f"{caller_name()}: the model returned {type(out).__name__}; it must return an "
            "OutcomeDistribution, a MarkovResult or an xarray Dataset with dims (draw, action)."
        )
    if set(ds.dims) != {"draw", "action"} or ds.sizes["draw"] != n_rows:
        raise ValidationError(
            f"{caller_name()}: the model output has dims {dict(ds.sizes)}; expected (draw, action) "
            f"with one draw per parameter row ({n_rows})."
        )
    return ds

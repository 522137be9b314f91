"""The decision kernel: one module for P(best)/EVPI, properties, dask parity, overflow, MCSE."""

import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import decisionkit as dk
from decisionkit.decision import _kernel
from decisionkit.exceptions import ValidationError

PACKAGE = Path(dk.__file__).parent

# computations that belong to the kernel only: comparing draws with their maximum (P(best)),
# the mean of a maximum (E[max]), the maximum of means (the EVPI difference) and tie shares
_KERNEL_ONLY = [
    r"==\s*[\w\[\]:, ]*\.max\(axis",
    r"\.max\(axis=[^)]*\)\.mean\(",
    r"\.mean\(axis=[^)]*\)\.max\(",
    r"/\s*n_?ties\b",
    r"def (evpi_value|_prob_best|_shared_ties|_nb_kernel)\b",
]


def test_prob_best_and_evpi_are_computed_in_the_kernel_only():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("_kernel.py", "_kernel_jit.py") and path.parent.name == "decision":
            continue
        text = path.read_text()
        for pattern in _KERNEL_ONLY:
            for m in re.finditer(pattern, text):
                line = text.count("\n", 0, m.start()) + 1
                offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {m.group(0)}")
    assert not offenders, "P(best)/EVPI computed outside decision/_kernel.py:\n" + "\n".join(
        offenders
    )


def test_the_patterns_catch_the_old_copies():
    # the check above must be able to fail: the deleted implementations match the patterns
    old = [
        "return v.max(axis=1).mean(axis=0) - v.mean(axis=0).max(axis=0)",
        "is_max = nb == top.max(axis=1)",
        "share = (u_best == umax) / n_ties",
    ]
    for line in old:
        assert any(re.search(p, line) for p in _KERNEL_ONLY), line


def _brute(u):
    """Reference statistics by plain numpy (draw, action)."""
    top = u.max(axis=1, keepdims=True)
    best = u == top
    share = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
    mean = u.mean(axis=0)
    return mean, share, (top - u).mean(axis=0), top.mean() - mean.max()


def test_reduce_draws_matches_plain_numpy_with_ties():
    rng = np.random.default_rng(0)
    u = np.round(rng.normal(size=(501, 4)), 1)  # many exact ties
    u[:, 3] = u[:, 0]
    ds = _kernel.reduce_draws(xr.DataArray(u, dims=("draw", "action")), prob=0.9)
    mean, share, loss, evpi = _brute(u)
    np.testing.assert_allclose(ds["expected_utility"], mean, rtol=1e-13)
    np.testing.assert_allclose(ds["prob_best"], share, rtol=1e-13)
    np.testing.assert_allclose(ds["expected_loss"], loss, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(float(ds["evpi"]), evpi, rtol=1e-12)
    np.testing.assert_allclose(ds["sd"], u.std(axis=0, ddof=1), rtol=1e-13)
    # tails selected without sorting: numpy's linear quantile definition
    np.testing.assert_allclose(ds["lower"], np.quantile(u, 0.05, axis=0), rtol=1e-14)
    np.testing.assert_allclose(ds["upper"], np.quantile(u, 0.95, axis=0), rtol=1e-14)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 41])
@pytest.mark.parametrize("prob", [0.0, 0.5, 0.95, 1.0])
def test_central_interval_on_small_samples(n, prob):
    u = np.random.default_rng(n).normal(size=(n, 3))
    ds = _kernel.reduce_draws(xr.DataArray(u, dims=("draw", "action")), prob=prob)
    lo, hi = np.quantile(u, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    np.testing.assert_allclose(ds["lower"], lo, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(ds["upper"], hi, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("layout", ["grid", "unrelated", "ties"])
def test_interval_tails_carried_between_cells_are_exact(layout):
    # cells along a wtp grid reuse the previous cell's tail draws as thresholds; unrelated
    # cells (units) and heavy ties must still give numpy's linear quantile in every cell
    rng = np.random.default_rng(11)
    n, k = 5000, 3
    cost, effect = rng.normal(1e4, 2e3, (n, k)), rng.normal(5, 0.5, (n, k))
    wtp = np.linspace(0, 5e4, 40)
    u = wtp[:, None, None] * effect[None] - cost[None]  # (cell, draw, action)
    if layout == "unrelated":
        u = u[rng.permutation(wtp.size)] * rng.choice([-1.0, 1.0, 1e6], (wtp.size, 1, 1))
    if layout == "ties":
        u = np.round(u, -4)
    da = xr.DataArray(np.moveaxis(u, 0, -1), dims=("draw", "action", "wtp"))
    ds = _kernel.reduce_draws(da, prob=0.9).transpose("wtp", "action")
    lo, hi = np.quantile(u, [0.05, 0.95], axis=1)  # numpy's linear definition
    # exact order statistics; only numpy's interpolation rounds differently (1 ulp-ish)
    np.testing.assert_allclose(ds["lower"], lo, rtol=1e-13)
    np.testing.assert_allclose(ds["upper"], hi, rtol=1e-13)


def test_net_benefit_envelope_matches_brute_force_including_ties():
    rng = np.random.default_rng(3)
    n, k = 400, 5
    cost = np.round(rng.normal(1000, 300, (n, k)), -2)
    effect = np.round(rng.normal(1, 0.05, (n, k)), 1)
    cost[:, 4], effect[:, 4] = cost[:, 1], effect[:, 1]  # an identical strategy: shared ties
    wtp = np.arange(0, 50_001, 250.0)  # crossings land exactly on grid points
    prob, evpi, emax = _kernel.net_benefit_grid(cost, effect, wtp)
    nb = wtp[None, :, None] * effect[:, None, :] - cost[:, None, :]  # (draw, wtp, action)
    for j in range(wtp.size):
        _, share, _, ev = _brute(nb[:, j, :])
        np.testing.assert_allclose(prob[j], share, atol=1e-12)
        np.testing.assert_allclose(evpi[j], ev, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(emax[j], nb[:, j, :].max(axis=1).mean(), rtol=1e-12)


# ------------------------------------------------------------------------ properties
utilities = arrays(
    np.float64,
    st.tuples(st.integers(2, 40), st.integers(1, 5)),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)


def _decide(u, **kw):
    out = dk.OutcomeDistribution.from_arrays({"u": u})
    return dk.decide(out, dk.utility.linear({"u": 1.0}), **kw)


@settings(max_examples=40, deadline=None)
@given(u=utilities, shift=st.sampled_from([0.0, 1e3, -1e6, 1e9, 1e12]))
def test_evpi_is_never_negative_and_shift_invariant(u, shift):
    base = _decide(u).evpi
    shifted = _decide(u + shift).evpi
    assert base >= 0.0 and shifted >= 0.0
    # the shift only rounds the draws themselves: |u + shift| * eps per draw
    tol = 8 * np.finfo(float).eps * (abs(shift) + np.abs(u).max())
    assert shifted == pytest.approx(base, abs=tol)


@settings(max_examples=40, deadline=None)
@given(u=utilities, scale=st.sampled_from([1e-6, 0.5, 3.0, 1e6]))
def test_evpi_scales_with_positive_scaling(u, scale):
    assert _decide(u * scale).evpi == pytest.approx(scale * _decide(u).evpi, rel=1e-9, abs=1e-300)


@settings(max_examples=40, deadline=None)
@given(u=utilities, data=st.data())
def test_permuting_actions_permutes_results_and_draws_change_nothing(u, data):
    n, k = u.shape
    perm = np.array(data.draw(st.permutations(range(k))))
    rows = np.array(data.draw(st.permutations(range(n))))
    ref = _kernel.reduce_draws(xr.DataArray(u, dims=("draw", "action")), prob=0.8)
    by_action = _kernel.reduce_draws(xr.DataArray(u[:, perm], dims=("draw", "action")), prob=0.8)
    by_draw = _kernel.reduce_draws(xr.DataArray(u[rows], dims=("draw", "action")), prob=0.8)
    for name in _kernel.STATS:
        want = ref[name].values
        np.testing.assert_allclose(by_action[name].values, want[perm], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(by_draw[name].values, want, rtol=1e-12, atol=1e-9)
    assert ref["prob_best"].sum() == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(
    data=arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 5), st.just(2)),
        elements=st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1)),
    )
)
def test_ceac_sums_to_one_and_cea_evpi_is_non_negative(data):
    out = dk.OutcomeDistribution.from_arrays({"cost": data[..., 0] * 100, "qaly": data[..., 1]})
    ce = dk.cea.analyze(out, wtp=np.arange(0, 2001, 50.0))
    np.testing.assert_allclose(ce.prob_best.sum(axis=1), 1.0, rtol=1e-12)
    assert (ce.evpi >= 0).all()


# ------------------------------------------------------------------------ issue 18 items 9, 10
def test_evpi_of_utilities_shifted_by_1e12_is_not_snapped_to_zero():
    # issue 18 item 9: E[max U] - max E[U] lost everything at a shift of 1e12 (reported 0)
    rng = np.random.default_rng(0)
    u = rng.normal(0, 1, (4000, 2))
    assert _decide(u + 1e12).evpi == pytest.approx(_decide(u).evpi, rel=1e-3)
    assert _decide(u).evpi > 0.3


def test_cea_evpi_keeps_precision_when_costs_are_large():
    rng = np.random.default_rng(1)
    cost = rng.normal(0, 100, (2000, 2))
    qaly = rng.normal(1, 0.01, (2000, 2))
    small = dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly})
    large = dk.OutcomeDistribution.from_arrays({"cost": cost + 1e9, "qaly": qaly})
    a = dk.cea.analyze(small, wtp=[0, 20_000]).evpi.to_numpy()
    b = dk.cea.analyze(large, wtp=[0, 20_000]).evpi.to_numpy()
    np.testing.assert_allclose(b, a, rtol=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda out: dk.decide(out, dk.utility.linear({"c": 10})),
        lambda out: dk.decide(out, dk.utility.linear({"c": 1e300, "q": -1e300})),
        lambda out: dk.voi.evpi(out, dk.utility.linear({"c": 10})),
        lambda out: dk.cea.analyze(out, cost="c", effect="q", wtp=[1e308]),
    ],
)
def test_overflowing_utilities_raise_a_clear_error(call):
    # issue 18 item 10: these returned NaN EVPI and P(best) 0.5 with a RuntimeWarning
    c = np.array([[1e308, -1e308], [1e308, 1e308], [-1e308, 1e308]])
    out = dk.OutcomeDistribution.from_arrays({"c": c, "q": c / 1e300 * 5})
    with pytest.raises(ValidationError, match=r"finite|overflow"):
        call(out)


def test_psa_summary_refuses_overflowed_net_benefit():
    # issue 18 item 10: scale.psa_summary returned E[NB] = -1024 and EVPI 0 from inf - inf
    big = np.full((4, 2), 1e308)
    out = dk.OutcomeDistribution.from_arrays({"cost": -big, "qaly": big})
    with pytest.raises(ValidationError, match=r"finite|overflow"):
        dk.scale.psa_summary(out, wtp=[10.0])


# ------------------------------------------------------------------------ MCSE from chains
def test_mcse_uses_arviz_ess_when_draws_carry_chains():
    from arviz_stats.base import array_stats

    rng = np.random.default_rng(2)
    n_chain, n_draw = 4, 500
    ar = np.zeros((n_chain, n_draw, 2))
    for t in range(1, n_draw):  # AR(1) draws: iid MCSE would be far too small
        ar[:, t] = 0.9 * ar[:, t - 1] + rng.normal(size=(n_chain, 2))
    u = xr.DataArray(ar.reshape(-1, 2), dims=("draw", "action"))
    chain = np.repeat(np.arange(n_chain), n_draw)
    ds = _kernel.reduce_draws(u, chain=chain)
    want = array_stats.mcse(np.moveaxis(ar, -1, 0), method="mean", chain_axis=-2, draw_axis=-1)
    np.testing.assert_allclose(ds["mcse"], want, rtol=1e-12)
    iid = _kernel.reduce_draws(u)["mcse"]
    assert (ds["mcse"] > 2 * iid).all()


# ------------------------------------------------------------------------ dask parity
def test_kernel_on_dask_arrays_equals_numpy():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(4)
    u = rng.normal(size=(300, 3, 40))  # draw, action, unit
    eager = _kernel.reduce_draws(xr.DataArray(u, dims=("draw", "action", "unit")))
    lazy_u = xr.DataArray(da.from_array(u, chunks=(300, 3, 7)), dims=("draw", "action", "unit"))
    lazy = _kernel.reduce_draws(lazy_u)
    assert lazy["evpi"].chunks is not None  # stays lazy until computed
    xr.testing.assert_allclose(lazy.compute(), eager, rtol=1e-13)

    cost = rng.normal(1000, 300, (2000, 4))
    effect = rng.normal(1, 0.05, (2000, 4))
    wtp = np.arange(0, 50_001, 500.0)
    ref = _kernel.net_benefit_grid(cost, effect, wtp)
    got = _kernel.net_benefit_grid(
        da.from_array(cost, chunks=(300, 4)), da.from_array(effect, chunks=(300, 4)), wtp
    )
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_interval_when_the_sampled_threshold_misses_the_tail():
    # the draws the tail thresholds are sampled from are all extreme, so the threshold is too
    # low and the kernel must fall back to an exact selection on the column
    rng = np.random.default_rng(8)
    n = 20_000
    u = rng.normal(size=(n, 2))
    u[:: n // 512] = -1e6
    ds = _kernel.reduce_draws(xr.DataArray(u, dims=("draw", "action")), prob=0.95)
    np.testing.assert_allclose(ds["lower"], np.quantile(u, 0.025, axis=0), rtol=1e-14)
    np.testing.assert_allclose(ds["upper"], np.quantile(u, 0.975, axis=0), rtol=1e-14)

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

import decisionkit as dk
from decisionkit.exceptions import ValidationError

IDENTITY = dk.utility.linear({"u": 1.0})


def _out(u, **kw):
    return dk.OutcomeDistribution.from_arrays({"u": np.asarray(u, dtype=float)}, **kw)


def test_closed_form_evpi_and_prob_best():
    # Standard toy problem: p1 ~ N(1, 1), p2 ~ N(0, sd 2); U_A = p1 - p2 ~ N(1, sd sqrt 5),
    # U_B = 0. EVPI = E[max(X, 0)] - 1 = mu Phi(mu/s) + s phi(mu/s) - mu = 0.4798107
    # and P(A best) = Phi(1/sqrt 5) = 0.6726 (closed forms for the normal distribution).
    rng = np.random.default_rng(20261125)
    n = 200_000
    x = rng.normal(1, 1, n) - rng.normal(0, 2, n)
    dec = dk.decide(_out(np.c_[x, np.zeros(n)], actions=["A", "B"]), IDENTITY)
    s = np.sqrt(5)
    evpi_exact = 1 * stats.norm.cdf(1 / s) + s * stats.norm.pdf(1 / s) - 1
    assert evpi_exact == pytest.approx(0.4798107, abs=1e-7)
    # Tolerance: 4 Monte-Carlo standard errors of each estimator, from the draws themselves.
    se_evpi = np.std(np.maximum(-x, 0)) / np.sqrt(n)
    p = stats.norm.cdf(1 / s)
    assert p == pytest.approx(0.6726, abs=1e-4)
    se_p = np.sqrt(p * (1 - p) / n)
    assert dec.best == "A"
    assert dec.evpi == pytest.approx(evpi_exact, abs=4 * se_evpi)
    prob = dec.table.set_index("action")["prob_best"]
    assert prob["A"] == pytest.approx(p, abs=4 * se_p)


def test_deterministic_outcomes_have_zero_evpi():
    u = np.tile([1.0, 3.0, 2.0], (50, 1))
    dec = dk.decide(_out(u, actions=["a", "b", "c"]), IDENTITY)
    assert dec.best == "b"
    assert dec.evpi == 0.0
    t = dec.table.set_index("action")
    assert t.loc["b", "prob_best"] == 1.0
    assert t.loc["b", "expected_loss"] == 0.0
    assert t.loc["a", "expected_loss"] == 2.0


def test_expected_loss_of_best_equals_evpi():
    rng = np.random.default_rng(1)
    dec = dk.decide(_out(rng.normal([0, 0.2, 0.1], 1, (5000, 3))), IDENTITY)
    t = dec.table.set_index("action")
    assert t.loc[dec.best, "expected_loss"] == pytest.approx(dec.evpi, rel=1e-12)


def test_table_columns_and_mcse():
    rng = np.random.default_rng(2)
    u = rng.normal(0, 2, (400, 2))
    t = dk.decide(_out(u), IDENTITY).to_frame()
    assert list(t.columns) == [
        "action",
        "expected_utility",
        "sd",
        "mcse",
        "lower",
        "upper",
        "objective",
        "prob_best",
        "expected_loss",
        "rank",
    ]
    row = t.set_index("action").loc["action_0"]
    assert row["mcse"] == pytest.approx(np.std(u[:, 0], ddof=1) / 20)
    assert row["lower"] == pytest.approx(np.quantile(u[:, 0], 0.025))


@pytest.mark.parametrize("n", [2, 3, 41, 1000])
def test_interval_equals_numpy_linear_quantiles(n):
    rng = np.random.default_rng(n)
    u = rng.normal(size=(n, 3, 2))
    out = dk.OutcomeDistribution.from_arrays({"u": u}, dims=["wtp"])
    t = dk.decide(out, IDENTITY, prob=0.9).table.set_index(["wtp", "action"]).sort_index()
    q = np.quantile(u, [0.05, 0.95], axis=0)  # numpy's default (linear) definition
    for j, a in enumerate(["action_0", "action_1", "action_2"]):
        for w in range(2):
            assert t.loc[(w, a), "lower"] == pytest.approx(q[0, j, w], rel=1e-12)
            assert t.loc[(w, a), "upper"] == pytest.approx(q[1, j, w], rel=1e-12)


def test_prob_none_skips_the_interval():
    t = dk.decide(_out(np.eye(3)), IDENTITY, prob=None).table
    assert t["lower"].isna().all() and t["upper"].isna().all()


def test_tied_maxima_share_prob_best():
    u = np.array([[1.0, 1.0, 0.0], [2.0, 0.0, 2.0], [0.0, 3.0, 1.0], [1.0, 1.0, 1.0]])
    p = dk.decide(_out(u, actions=list("abc")), IDENTITY).table.set_index("action")["prob_best"]
    # draw 1: a,b share; draw 2: a,c share; draw 3: b; draw 4: all three share
    assert p["a"] == pytest.approx((0.5 + 0.5 + 0 + 1 / 3) / 4)
    assert p["b"] == pytest.approx((0.5 + 0 + 1 + 1 / 3) / 4)
    assert p["c"] == pytest.approx((0 + 0.5 + 0 + 1 / 3) / 4)


def test_wtp_grid_gives_best_per_wtp():
    # New costs 1000 more and gains 0.1 QALY: optimal above the ICER of 10,000 per QALY.
    rng = np.random.default_rng(3)
    n = 2000
    qaly = np.c_[np.full(n, 1.0), np.full(n, 1.1)] + rng.normal(0, 1e-6, (n, 1))
    cost = np.c_[np.zeros(n), np.full(n, 1000.0)]
    out = dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly}, actions=["Old", "New"])
    dec = dk.decide(out, dk.utility.net_monetary_benefit(wtp=[5000, 9000, 11000, 20000]))
    assert dec.best.to_dict() == {5000.0: "Old", 9000.0: "Old", 11000.0: "New", 20000.0: "New"}
    assert isinstance(dec.evpi, pd.Series) and len(dec.evpi) == 4


def test_wtp_grid_chunking_matches_scalar_decisions():
    rng = np.random.default_rng(4)
    out = dk.OutcomeDistribution.from_arrays(
        {"cost": rng.normal(1000, 300, (300, 3)), "qaly": rng.normal(1, 0.05, (300, 3))}
    )
    grid = np.arange(0, 50_001, 5000)
    with dk.set_options(working_memory=1000 * 8 / 2**20):  # 1000 values: several chunks
        dec = dk.decide(out, dk.utility.net_monetary_benefit(wtp=grid))
    for w in grid:
        single = dk.decide(out, dk.utility.net_monetary_benefit(wtp=w))
        assert dec.best[float(w)] == single.best
        assert dec.evpi[float(w)] == pytest.approx(single.evpi, rel=1e-12, abs=1e-9)


def test_unit_dim_gives_decision_per_patient():
    u = np.zeros((100, 2, 3))
    u[:, 1, 0] = 1.0  # patient 0: treat
    u[:, 1, 2] = -1.0  # patient 2: do not treat
    out = dk.OutcomeDistribution.from_arrays({"u": u}, actions=["no", "treat"], dims=["unit"])
    best = dk.decide(out, IDENTITY).best
    assert best[0] == "treat" and best[2] == "no"


def test_cvar_prefers_sure_action_over_risky_with_higher_mean():
    # "Sure" pays 1.0 always; "Risky" pays 1.1 on average: 3.0 with prob 0.7, -3.33.. with 0.3.
    n = 1000
    risky = np.where(np.arange(n) < 700, 3.0, (1.1 - 0.7 * 3.0) / 0.3)
    out = _out(np.c_[np.ones(n), risky], actions=["Sure", "Risky"])
    assert dk.decide(out, IDENTITY).best == "Risky"
    averse = dk.decide(out, IDENTITY, objective=dk.utility.cvar(0.1))
    assert averse.best == "Sure"
    assert averse.table.set_index("action").loc["Risky", "objective"] == pytest.approx(-10 / 3)


def test_quantile_objective():
    n = 1000
    out = _out(np.c_[np.ones(n), np.linspace(-1, 5, n)], actions=["Sure", "Risky"])
    assert dk.decide(out, IDENTITY, objective=dk.utility.quantile(0.05)).best == "Sure"


def test_summary_and_repr_name_the_recommendation():
    out = _out(np.c_[np.zeros(10), np.arange(10.0)], actions=["wait", "act"])
    dec = dk.decide(out, IDENTITY)
    assert "Recommended: act" in dec.summary()
    assert "Recommended: act" in repr(dec)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "fragment"),
    [
        (("not outcomes", IDENTITY), {}, ValidationError, "OutcomeDistribution"),
        ((None, 3), {}, ValidationError, "OutcomeDistribution"),
        (("OUT", 3), {}, ValidationError, "'utility' parameter of decide"),
        (("OUT", IDENTITY), {"objective": "max"}, ValidationError, "objective"),
        (("OUT", IDENTITY), {"prob": 1.5}, ValidationError, "'prob' parameter"),
        (("OUT", lambda o: np.ones((3, 3))), {}, ValidationError, "returned shape"),
    ],
)
def test_decide_rejects_bad_input(args, kwargs, error, fragment):
    out = _out(np.ones((4, 2)))
    args = tuple(out if a == "OUT" else a for a in args)
    with pytest.raises(error, match=fragment):
        dk.decide(*args, **kwargs)


utilities = arrays(
    np.float64,
    st.tuples(st.integers(2, 30), st.integers(1, 5)),
    elements=st.floats(-1e6, 1e6, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(utilities)
def test_evpi_is_non_negative(u):
    dec = dk.decide(_out(u), IDENTITY)
    assert dec.evpi >= -1e-9 * max(1.0, np.abs(u).max())


@settings(max_examples=60, deadline=None)
@given(utilities)
def test_prob_best_sums_to_one(u):
    assert dk.decide(_out(u), IDENTITY).table["prob_best"].sum() == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(utilities, st.floats(-1e3, 1e3), st.floats(1e-3, 1e3))
def test_affine_transform_never_changes_the_decision(u, shift, scale):
    base = dk.decide(_out(u), IDENTITY)
    shifted = dk.decide(_out(u), dk.utility.linear({"u": scale}))
    plus = dk.decide(_out(u + shift), IDENTITY)
    # ranks are equal unless two actions tie in mean up to rounding of the transform
    means = np.sort(u.mean(axis=0))
    if len(means) > 1 and np.min(np.diff(means)) < 1e-6 * (1 + np.abs(u).max() + abs(shift)):
        return
    assert shifted.best == base.best == plus.best


@settings(max_examples=40, deadline=None)
@given(utilities)
def test_repeating_every_draw_changes_no_expectation(u):
    a = dk.decide(_out(u), IDENTITY).table.set_index("action")
    b = dk.decide(_out(np.repeat(u, 2, axis=0)), IDENTITY).table.set_index("action")
    for col in ["expected_utility", "prob_best", "expected_loss"]:
        assert np.allclose(a[col], b[col], rtol=1e-9, atol=1e-9 * (1 + np.abs(u).max()))


def test_evpi_is_exactly_zero_when_one_action_always_wins():
    # E[max U] and max E[U] are then the same numbers summed in different orders: the
    # round-off (a few ulps) must not surface as a tiny negative EVPI.
    rng = np.random.default_rng(11)
    base = rng.normal(1e5, 3e3, 3001)
    u = np.c_[base, base - 7.3 - rng.uniform(0, 1, 3001), base - 50.0]
    dec = dk.decide(_out(u), IDENTITY)
    assert dec.evpi == 0.0


def test_grid_chunks_with_a_unit_dim_and_lazy_draws_give_the_one_chunk_table():
    # a wtp grid split into chunks (small working memory) alongside a unit dim, and the same
    # draws dask-backed (one graph over the whole grid), equal the unchunked in-memory result
    import dask.array as da

    rng = np.random.default_rng(1)
    cost, qaly = rng.normal(1e4, 2e3, (300, 3, 50)), rng.normal(5, 0.5, (300, 3, 50))
    eager = dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly}, dims=("unit",))
    lazy = dk.OutcomeDistribution.from_arrays(
        {
            "cost": da.from_array(cost, chunks=(-1, -1, 20)),
            "qaly": da.from_array(qaly, (-1, -1, 20)),
        },
        dims=("unit",),
    )
    nmb = dk.utility.net_monetary_benefit(wtp=np.linspace(0, 5e4, 11))
    with dk.set_options(working_memory=1000):
        ref = dk.decide(eager, nmb)
    with dk.set_options(working_memory=0.1):
        for got in (dk.decide(eager, nmb), dk.decide(lazy, nmb)):
            pd.testing.assert_frame_equal(got.table, ref.table, rtol=1e-12)
            pd.testing.assert_series_equal(got.evpi, ref.evpi, rtol=1e-12)


def test_decide_on_posterior_draws_reports_arviz_mcse_for_autocorrelated_chains():
    # from_posterior keeps each draw's chain; decide's mcse is then ArviZ's ESS-based MCSE
    # of the mean (arviz_stats.base.array_stats.mcse, method="mean"), larger than sd/sqrt(n)
    import xarray as xr
    from arviz_stats.base import array_stats

    rng = np.random.default_rng(2)
    n_chain, n_draw = 4, 500
    ar = np.zeros((n_chain, n_draw, 2))
    for t in range(1, n_draw):  # AR(1) chains with coefficient 0.9
        ar[:, t] = 0.9 * ar[:, t - 1] + rng.normal(size=(n_chain, 2))
    post = xr.Dataset(
        {"gain": (("chain", "draw", "arm"), ar)},
        coords={"chain": np.arange(n_chain), "draw": np.arange(n_draw), "arm": ["A", "B"]},
    )
    tree = xr.DataTree.from_dict({"posterior": post})
    out = dk.OutcomeDistribution.from_posterior(tree, {"gain": "gain"}, action_dim="arm")
    assert out.data["chain"].values.tolist() == np.repeat(np.arange(n_chain), n_draw).tolist()
    table = dk.decide(out, dk.utility.linear({"gain": 1.0})).table.set_index("action")
    want = array_stats.mcse(np.moveaxis(ar, -1, 0), method="mean", chain_axis=-2, draw_axis=-1)
    np.testing.assert_allclose(table.loc[["A", "B"], "mcse"], want, rtol=1e-12)
    iid = table["sd"] / np.sqrt(n_chain * n_draw)
    assert (table["mcse"] > 2 * iid).all()

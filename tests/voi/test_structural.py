"""Structural uncertainty: weights, mixtures and the value of learning the structure."""

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError


def _exact(means, n=1000, seed=0, sd=1.0, metric="nb", inputs=False):
    """Draws whose sample means are exactly ``means`` (centred noise)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, sd, (n, len(means)))
    x = noise - noise.mean(axis=0) + np.asarray(means, dtype=float)
    extra = {"inputs": {"p": rng.normal(size=n)}} if inputs else {}
    return dk.OutcomeDistribution.from_arrays({metric: x}, actions=["old", "new"], **extra)


def test_value_of_learning_the_structure_matches_the_closed_form():
    # closed form (structure discrete): sum_s w_s max_a E(U_a|s) - max_a sum_s w_s E(U_a|s)
    # A: means (0, 3), B: means (1, -2); w = (0.3, 0.7)
    # = 0.3 * 3 + 0.7 * 1 - max(0.3*0 + 0.7*1, 0.3*3 - 0.7*2) = 1.6 - max(0.7, -0.5) = 0.9
    models = {"A": _exact([0, 3], seed=1), "B": _exact([1, -2], seed=2)}
    res = dk.voi.structural_voi(models, weights={"A": 0.3, "B": 0.7}, random_seed=1)
    assert res.value == pytest.approx(0.9, rel=1e-12)
    assert res.best == "old"
    assert 0 <= res.value <= res.evpi  # learning the structure is part of all uncertainty
    best = res.summary().set_index("structure")["best_action"]
    assert best.to_dict() == {"A": "new", "B": "old"}


def test_value_is_zero_when_every_structure_recommends_the_same_action():
    models = {"A": _exact([0, 3], seed=1), "B": _exact([0, 1], seed=2)}
    res = dk.voi.structural_voi(models, weights="equal", random_seed=1)
    assert res.value == 0.0


def test_value_on_a_wtp_grid_matches_the_closed_form_per_wtp():
    # net benefit wtp * qaly - cost with exact means; closed form per wtp as above
    def cea(q_new, seed):
        rng = np.random.default_rng(seed)
        cost = rng.normal(0, 50, (800, 2))
        qaly = rng.normal(0, 0.01, (800, 2))
        cost = cost - cost.mean(0) + np.array([0.0, 1000.0])
        qaly = qaly - qaly.mean(0) + np.array([0.0, q_new])
        return dk.OutcomeDistribution.from_arrays({"cost": cost, "qaly": qaly})

    wtp = np.array([10_000.0, 30_000.0, 60_000.0])
    w = np.array([0.6, 0.4])
    q = np.array([0.05, 0.02])
    res = dk.voi.structural_voi(
        {"long": cea(q[0], 1), "short": cea(q[1], 2)},
        dk.utility.net_monetary_benefit(wtp=wtp),
        weights=w,
        random_seed=0,
    )
    inb = wtp[:, None] * q[None, :] - 1000.0  # incremental NB of the new action (wtp, s)
    closed = (np.maximum(inb, 0) * w).sum(axis=1) - np.maximum(inb @ w, 0)
    np.testing.assert_allclose(res.value.to_numpy(), closed, rtol=1e-9, atol=1e-9)
    assert list(res.best) == ["action_0", "action_1", "action_1"]


def test_mixture_takes_draws_in_proportion_to_the_weights():
    a, b = _exact([0, 1], seed=3, inputs=True), _exact([0, -1], seed=4, inputs=True)
    mix = dk.voi.mix_structures({"A": a, "B": b}, weights=[0.25, 0.75], random_seed=2)
    code = mix.inputs["structure"].to_numpy()
    assert mix.n_draws == 1000 and np.bincount(code).tolist() == [250, 750]
    assert "p" in mix.inputs.columns  # the shared parameter draws ride along
    # every mixture draw is one of its structure's own draws
    for s, src in enumerate([a, b]):
        rows = mix["nb"].values[code == s]
        assert np.isin(rows[:, 1], src["nb"].values[:, 1]).all()
    # the decision layer and the CEA take the mixture like any outcomes
    assert dk.decide(mix, dk.utility.linear({"nb": 1})).best in ("old", "new")


def test_average_method_is_bceas_drawwise_weighted_sum():
    # BCEA struct.psa: e = sum_s w_s e_s draw by draw
    a, b = _exact([0, 1], seed=3), _exact([0, -1], seed=4)
    avg = dk.voi.mix_structures({"A": a, "B": b}, weights=[0.25, 0.75], method="average")
    np.testing.assert_allclose(
        avg["nb"].values, 0.25 * a["nb"].values + 0.75 * b["nb"].values, rtol=1e-12
    )
    # it keeps the mean but shrinks the spread of the proper mixture
    mix = dk.voi.mix_structures({"A": a, "B": b}, weights=[0.25, 0.75], random_seed=0)
    assert avg.sd()["sd"].iloc[1] < mix.sd()["sd"].iloc[1]


def test_structure_weights_from_information_criteria():
    # Akaike weights: delta 2 -> exp(-1) / (1 + exp(-1)) = 0.26894
    w = dk.voi.structure_weights({"weibull": 100.0, "lognormal": 102.0})
    np.testing.assert_allclose(w.to_numpy(), [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1))])
    assert w.sum() == pytest.approx(1.0)


_A, _B = _exact([0, 1], n=200, seed=1), _exact([0, 2], n=200, seed=2)


@pytest.mark.parametrize(
    ("models", "weights", "fragment"),
    [
        ({"A": _A, "B": _B}, [1.2, -0.2], "non-negative"),
        ({"A": _A, "B": _B}, [0.5, 0.4], "summing to 1"),
        ({"A": _A, "B": _B}, {"A": 0.5, "C": 0.5}, "name exactly the structures"),
        ({"A": _A, "B": _B}, [1.0], "2 weights"),
        ({"A": _A, "B": _B}, "aic", "'equal'"),
        ({"A": _A}, "equal", "at least 2 structure"),
        ({"A": _A, "B": _B.sel_actions(["new", "old"])}, "equal", "same decision"),
        ({"A": _A, "B": _exact([0, 1], n=200, metric="qaly")}, "equal", "metrics"),
        ({"A": _A, "B": np.zeros((200, 2))}, "equal", "structure 'B'"),
    ],
)
def test_bad_structures_or_weights_are_refused(models, weights, fragment):
    with pytest.raises(ValidationError, match=fragment):
        dk.voi.structural_voi(models, weights=weights)


def test_too_few_draws_for_a_structures_share_is_refused():
    with pytest.raises(ValidationError, match="fewer draws than their share"):
        dk.voi.mix_structures({"A": _A, "B": _B}, weights=[0.9, 0.1], n_draws=300)
    with pytest.raises(ValidationError, match="at most the fewest draws"):
        dk.voi.mix_structures({"A": _A, "B": _B}, weights="equal", n_draws=300, method="average")


def test_results_are_tidy_and_printable(capsys):
    res = dk.voi.structural_voi({"A": _A, "B": _B}, weights="equal", random_seed=0)
    assert isinstance(res.to_frame(), pd.DataFrame) and len(res.to_frame()) == 4
    res.print_summary()
    assert "StructuralResult" in capsys.readouterr().out

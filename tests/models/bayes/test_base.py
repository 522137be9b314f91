import pytest
from sklearn.base import clone

from decisionkit.exceptions import ValidationError
from decisionkit.models import BayesianModel


class _Toy(BayesianModel):
    def __init__(self, *, prior_sd=1.0, sampler_config=None, random_seed=None):
        super().__init__(sampler_config=sampler_config, random_seed=random_seed)
        self.prior_sd = prior_sd


def test_clone_keeps_every_setting():
    m = _Toy(prior_sd=2.0, sampler_config={"draws": 50}, random_seed=3)
    c = clone(m)
    assert c.get_params() == m.get_params()
    assert c is not m


def test_sampler_config_is_merged_over_the_defaults():
    kw = _Toy(sampler_config={"draws": 50, "nuts_sampler": "pymc"})._sampler_kwargs()
    assert kw["draws"] == 50
    assert kw["nuts_sampler"] == "pymc"
    assert kw["tune"] == 1000


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"random_seed": 1}, "random_seed instead"),
        ({"draws": 0}, "'draws' parameter"),
        ({"target_accept": 1.0}, "'target_accept' parameter"),
        ("fast", "'sampler_config' parameter"),
    ],
)
def test_bad_sampler_config_is_refused(config, fragment):
    with pytest.raises(ValidationError, match=fragment):
        _Toy(sampler_config=config)._sampler_kwargs()


@pytest.mark.parametrize("name", ["BayesianLogisticRisk", "HierarchicalRates", "CountDemand"])
def test_every_pymc_model_clones_and_shares_the_base_class(name):
    import decisionkit as dk

    cls = getattr(dk.models, name)
    m = cls(random_seed=4, sampler_config={"nuts_sampler": "pymc"}, draws=50)
    assert isinstance(m, BayesianModel)
    c = clone(m)
    assert c.get_params() == m.get_params()


def test_sampler_config_reaches_pm_sample(monkeypatch):
    import pymc as pm

    import decisionkit as dk

    seen = {}

    def fake_sample(**kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(pm, "sample", fake_sample)
    m = dk.models.HierarchicalRates(
        draws=20, random_seed=1, sampler_config={"nuts_sampler": "nutpie", "init": "adapt_diag"}
    )
    with pytest.raises(RuntimeError, match="stop here"):
        m.fit(events=[1, 2], n=[10, 10])
    assert seen["nuts_sampler"] == "nutpie"
    assert seen["init"] == "adapt_diag"
    assert seen["draws"] == 20  # the model's own parameter


def test_sampler_config_may_not_repeat_the_models_own_settings():
    import decisionkit as dk

    m = dk.models.HierarchicalRates(draws=20, sampler_config={"draws": 30})
    with pytest.raises(ValidationError, match="set them with the model's own parameters"):
        m._sampler_kwargs()

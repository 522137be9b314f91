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
    kw = _Toy(sampler_config={"draws": 50, "nuts_sampler": "pymc"})._sampler_kwargs("Toy.fit")
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
        _Toy(sampler_config=config)._sampler_kwargs("Toy.fit")

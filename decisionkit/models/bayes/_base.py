"""BayesianModel: the one base class of decisionkit's PyMC models.

It gives every PyMC model the same constructor conventions (scikit-learn's
``BaseEstimator``, so ``get_params``/``set_params``/``sklearn.base.clone`` work), the same
``sampler_config`` dict (merged into the defaults and passed to ``pm.sample``, so a user can
pick ``nuts_sampler="nutpie"`` or ``"numpyro"`` where installed), the same seeding and the
same convergence check after sampling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from sklearn.base import BaseEstimator

from decisionkit._validation import check_number, check_random_state, fail, validate_params
from decisionkit.exceptions import NotFittedError
from decisionkit.models.bayes._diagnostics import check_convergence
from decisionkit.models.bayes._pymc_common import progressbar_on, sampler_seeds

__all__ = ["DEFAULT_SAMPLER_CONFIG", "BayesianModel"]

#: Defaults merged under a model's ``sampler_config`` before calling ``pm.sample``.
DEFAULT_SAMPLER_CONFIG: dict[str, Any] = {
    "draws": 1000,
    "tune": 1000,
    "chains": 4,
    "cores": None,  # PyMC's choice: one process per chain up to the number of CPUs
    "target_accept": 0.9,
    "progressbar": None,
}

# keys decisionkit itself controls: the seed comes from ``random_seed``, the posterior is
# always returned as a DataTree
_RESERVED = ("random_seed", "model", "return_inferencedata")


class BayesianModel(BaseEstimator):
    """Base class for PyMC models: ``sampler_config``, seeding and the convergence check.

    Subclasses build a ``pm.Model`` in ``fit`` and call :meth:`_sample` on it; learned
    state ends in ``_`` (``idata_`` holds the ArviZ DataTree). Subclasses must take
    ``sampler_config=None`` and ``random_seed=None`` as keyword arguments of ``__init__`` and
    store every argument unchanged (scikit-learn's estimator rule), so ``clone`` works.

    Parameters
    ----------
    sampler_config : dict, optional
        Keyword arguments for ``pm.sample`` merged over :data:`DEFAULT_SAMPLER_CONFIG`
        (``draws``, ``tune``, ``chains``, ``cores``, ``target_accept``, ``progressbar``
        (None: on in a terminal), ``nuts_sampler``, ...). ``random_seed`` is set through
        the model's own ``random_seed``.
    random_seed : int or numpy.random.Generator, optional
        Same seed, same draws.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from decisionkit.models import HierarchicalRates
    >>> m = HierarchicalRates(random_seed=1)
    >>> clone(m).get_params()["random_seed"]
    1
    """

    #: the variables checked for convergence (None: every posterior variable)
    _convergence_vars: ClassVar[Sequence[str] | None] = None

    @validate_params()
    def __init__(
        self, *, sampler_config: Mapping[str, Any] | None = None, random_seed: Any = None
    ) -> None:
        self.sampler_config = sampler_config
        self.random_seed = random_seed

    # -- sampling ---------------------------------------------------------------------------
    def _sampler_kwargs(self) -> dict[str, Any]:
        """Defaults, then the model's own sampler parameters, then ``sampler_config``.

        A model may expose some sampler settings as constructor parameters (``draws``,
        ``chains``, ...); those are set there only, so ``sampler_config`` may not repeat them.
        """
        config = self.sampler_config
        if config is None:
            config = {}
        if not isinstance(config, Mapping):
            raise fail("sampler_config", "a dict of pm.sample arguments or None", config)
        bad = [k for k in config if k in _RESERVED]
        if bad:
            raise fail(
                "sampler_config",
                f"a dict without the keys {list(_RESERVED)}",
                config,
                hint=f"Set the seed with the model's random_seed instead of {bad[0]!r}.",
            )
        own = {
            k: getattr(self, k)
            for k in DEFAULT_SAMPLER_CONFIG
            if k in self.get_params(deep=False) and getattr(self, k) is not None
        }
        both = sorted(set(own) & set(config))
        if both:
            raise fail(
                "sampler_config",
                f"a dict without {both} (set them with the model's own parameters)",
                config,
            )
        kwargs = {**DEFAULT_SAMPLER_CONFIG, **own, **dict(config)}
        for name, low in (("draws", 1), ("tune", 0), ("chains", 1), ("cores", 1)):
            if kwargs[name] is not None or name != "cores":
                kwargs[name] = check_number(kwargs[name], name, low=low, integer=True)
        check_number(
            kwargs["target_accept"],
            "target_accept",
            low=0.5,
            high=1.0,
            high_inclusive=False,
        )
        if kwargs["progressbar"] is not None and not isinstance(kwargs["progressbar"], bool):
            raise fail("progressbar", "True, False or None", kwargs["progressbar"])
        kwargs["progressbar"] = progressbar_on(kwargs["progressbar"])
        check_random_state(self.random_seed)  # used at sampling; refused now if bad
        return kwargs

    def _sample(
        self,
        model: Any,
        *,
        caller: str | None = None,  # unused; kept for callers not yet converted
        seed: Any = "auto",
        check: bool = True,
        **fixed: Any,
    ) -> Any:
        """Run ``pm.sample`` on ``model`` with the merged config; check convergence.

        ``fixed`` are ``pm.sample`` arguments the model itself requires (they override the
        user's config). ``seed="auto"`` derives the sampling seed (and a second one for
        posterior-predictive sampling, kept in ``self._ppc_seed``) from ``random_seed``.
        Returns the DataTree and sets ``self.diagnostics_``.
        """
        import pymc as pm

        name = type(self).__name__
        kwargs = {**self._sampler_kwargs(), **fixed}
        if isinstance(seed, str) and seed == "auto":
            seed, self._ppc_seed, _ = sampler_seeds(self.random_seed)
        with model:
            idata = pm.sample(random_seed=seed, **kwargs)
        self.diagnostics_ = (
            check_convergence(
                idata, model_name=name, var_names=self._convergence_vars, stacklevel=4
            )
            if check
            else None
        )
        return idata

    def _require_fitted(self, method: str) -> None:
        if getattr(self, "idata_", None) is None:
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet; call fit() before {method}()."
            )

"""The one exception hierarchy of decisionkit.

Every error decisionkit raises on purpose derives from :class:`DecisionKitError`, so
``except decisionkit.exceptions.DecisionKitError`` catches them all. Errors about bad
arguments are also :class:`ValueError` (or :class:`TypeError`), so code written against
the standard library conventions keeps working.
"""

from __future__ import annotations

__all__ = [
    "ConvergenceWarning",
    "DecisionKitError",
    "DecisionKitWarning",
    "EstimationWarning",
    "MissingDependencyError",
    "ModelError",
    "NotFittedError",
    "ValidationError",
]


class DecisionKitError(Exception):
    """Base class of every error raised by decisionkit."""


class ValidationError(DecisionKitError, ValueError):
    """An argument or data set failed a check at the public boundary.

    The message says what was wrong and how to fix it.
    """


class NotFittedError(DecisionKitError, AttributeError):
    """A model was used before ``fit()`` was called."""


class MissingDependencyError(DecisionKitError, ImportError):
    """An optional dependency is needed for this feature; the message says what to install."""


class ModelError(DecisionKitError, RuntimeError):
    """A user-supplied model function failed; the message says where (e.g. which partition).

    The original exception is chained as ``__cause__``.
    """


class DecisionKitWarning(UserWarning):
    """Base class of every warning issued by decisionkit."""


class ConvergenceWarning(DecisionKitWarning):
    """MCMC diagnostics (r_hat, effective sample size, divergences) look bad."""


class EstimationWarning(DecisionKitWarning):
    """An estimate was adjusted (e.g. clipped to its theoretical bounds) or may be unreliable."""

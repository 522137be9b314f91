"""Models that produce outcome draws (PyMC, conjugate, scikit-learn, PSA, cohort models).

Heavy dependencies (PyMC, scikit-learn) are imported inside the modules that need them.
"""

__all__: list[str] = []

"""Shared test fixtures."""

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

# property tests are seeded like everything else: the same examples on every run, so a run that
# passed once passes again (explicit @settings on a test keep this as their base)
settings.register_profile("decisionkit", derandomize=True)
settings.load_profile("decisionkit")

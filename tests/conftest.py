"""Shared test fixtures."""

import os
import sys

import matplotlib
from hypothesis import settings

matplotlib.use("Agg")

# Byte code is written for what the tests import, whatever the caller's environment says: the
# suite starts many Python processes (the xdist workers, the examples, the dashboards' servers,
# the cluster and joblib workers), and with PYTHONDONTWRITEBYTECODE set (as in many containers)
# each recompiled pymc, pytensor, scipy... from source, about 6 s of CPU per process. The
# workers and subprocesses inherit this environment. (The Makefile does the same for `make docs`
# and `make app`.)
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False

# property tests are seeded like everything else: the same examples on every run, so a run that
# passed once passes again (explicit @settings on a test keep this as their base)
settings.register_profile("decisionkit", derandomize=True)
settings.load_profile("decisionkit")


# Longest files first. `make test` hands whole files to its workers in collection order
# (`--dist loadfile`); alphabetically the end-to-end files (the wheel, the cluster tests, mypy)
# came last, so one worker finished them alone while the other idled. Starting with the files
# that take longest (measured with --durations on a quiet machine) and ending with many short
# ones balances the workers. Within a file the order is unchanged.
_LONGEST_FIRST = (
    "tests/test_wheel.py",
    "tests/apps/test_browser.py",
    "tests/test_typing.py",
    "tests/test_scale_dask.py",
    "tests/test_docs.py",
    "tests/reliability/test_safe_writes.py",
    "tests/outofcore/test_cluster_parity.py",
    "tests/examples/test_example_09.py",
    "tests/reliability/test_psa_partitions.py",
    "tests/apps/test_cost_effective.py",
    "tests/models/test_ml.py",
    "tests/apps/test_survival_page.py",
    "tests/apps/test_make_app.py",
    "tests/examples/",
)


def _rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    for i, prefix in enumerate(_LONGEST_FIRST):
        if path.startswith(prefix):
            return i
    return len(_LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    """Order the files longest first (a stable sort: the order within a file is kept)."""
    items.sort(key=_rank)

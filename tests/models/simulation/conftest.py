"""Fixtures of the microsimulation tests."""

import pytest
from microsim_published import sick_sicker_microsimulation


@pytest.fixture
def sick_sicker():
    return sick_sicker_microsimulation()

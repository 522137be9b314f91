"""Bad trial tables give a clear error naming the study (no sampling happens)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.models.evidence import NetworkMetaAnalysis, PairwiseMetaAnalysis


def _table(rows):
    return pd.DataFrame(rows, columns=["study", "treatment", "events", "total"])


GOOD = [
    ("S1", "A", 10, 100),
    ("S1", "B", 15, 100),
    ("S2", "A", 12, 90),
    ("S2", "C", 20, 95),
]


def _fit(rows, **kw):
    return NetworkMetaAnalysis(**kw).fit(_table(rows), events="events", total="total")


@pytest.mark.parametrize(
    ("rows", "fragments"),
    [
        # a treatment not connected to the rest of the network
        ([*GOOD, ("S3", "D", 5, 50), ("S3", "E", 6, 50)], ["not connected", "'S3'", "'D'"]),
        # events > total
        (
            [("S1", "A", 10, 100), ("S1", "B", 150, 100), *GOOD[2:]],
            ["study 'S1'", "treatment 'B'", "exceed"],
        ),
        # negative counts
        (
            [*GOOD[:2], ("S2", "A", -1, 90), ("S2", "C", 20, 95)],
            ["study 'S2'", "treatment 'A'", "non-negative"],
        ),
        ([*GOOD[:3], ("S2", "C", 20, -95)], ["study 'S2'", "non-negative"]),
        # non-integer counts
        ([*GOOD[:3], ("S2", "C", 2.5, 95)], ["study 'S2'", "whole numbers"]),
        # a study with one arm
        ([*GOOD, ("S9", "A", 3, 30)], ["study 'S9'", "only one arm"]),
        # duplicate arms
        ([*GOOD, ("S2", "C", 1, 10)], ["study 'S2'", "treatment 'C' twice"]),
        # missing count
        ([*GOOD[:3], ("S2", "C", np.nan, 95)], ["study 'S2'", "not a finite number"]),
        # zero participants
        ([*GOOD[:3], ("S2", "C", 0, 0)], ["study 'S2'", "at least one participant"]),
    ],
)
def test_bad_arm_tables_name_the_study(rows, fragments):
    with pytest.raises(ValidationError) as err:
        _fit(rows)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_user_table_is_not_altered():
    df = _table([*GOOD, ("S9", "A", 3, 30)])
    before = df.copy()
    with pytest.raises(ValidationError):
        NetworkMetaAnalysis().fit(df, events="events", total="total")
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"events": "deaths", "total": "total"}, "no column 'deaths'"),
        ({}, "say which columns hold the outcome"),
        ({"events": "events"}, "give both 'events' and 'total'"),
        ({"mean": "events"}, "standard error"),
    ],
)
def test_missing_or_ambiguous_columns(kwargs, fragment):
    with pytest.raises(ValidationError, match=fragment):
        NetworkMetaAnalysis().fit(_table(GOOD), **kwargs)


def test_unknown_reference_and_effects():
    with pytest.raises(ValidationError, match="'reference' parameter"):
        _fit(GOOD, reference="Z")
    with pytest.raises(ValidationError, match="'effects' parameter"):
        _fit(GOOD, effects="mixed")
    with pytest.raises(ValidationError, match="'prior_heterogeneity' parameter"):
        _fit(GOOD, prior_heterogeneity="cauchy")


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        # no baseline row (every estimate filled in)
        ([("S1", "A", 0.1, 0.2), ("S1", "B", 0.3, 0.2)], "study 'S1' has no baseline row"),
        # two baseline rows
        ([("S1", "A", np.nan, 0.2), ("S1", "B", np.nan, 0.2)], "more than one row"),
        # three-arm study without the baseline arm's standard error
        (
            [("S1", "A", np.nan, np.nan), ("S1", "B", 0.3, 0.2), ("S1", "C", 0.5, 0.2)],
            "study 'S1', treatment 'A'",
        ),
        # non-positive standard error of a contrast
        ([("S1", "A", np.nan, np.nan), ("S1", "B", 0.3, 0.0)], "study 'S1', treatment 'B'"),
    ],
)
def test_bad_contrast_tables_name_the_study(rows, fragment):
    df = pd.DataFrame(rows, columns=["study", "treatment", "estimate", "se"])
    with pytest.raises(ValidationError, match=fragment):
        NetworkMetaAnalysis().fit_contrasts(df)


def test_pairwise_needs_two_treatments_and_matching_measure():
    with pytest.raises(ValidationError, match="compares two treatments"):
        PairwiseMetaAnalysis().fit(_table(GOOD), events="events", total="total")
    with pytest.raises(ValidationError, match="measure='MD' needs"):
        PairwiseMetaAnalysis(measure="MD").fit(_table(GOOD[:2]), events="events", total="total")

"""Tests for decisionkit.io.read_survival_csv (time-to-event uploads)."""

import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.io import read_survival_csv


def test_reads_a_time_event_table_as_is():
    df = read_survival_csv(b"arm,time,event\nA,3.5,1\nB,4.0,0\n")
    assert list(df.columns) == ["arm", "time", "event"]
    assert df["time"].tolist() == [3.5, 4.0]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"time\n1\n2\n", "one column"),
        (b"", "empty"),
        (b"time,event\n", "no data rows"),
        (b"time,event\n1,1,5\n", "not a valid CSV"),
        ("time,event\n1,1\n".encode("utf-16"), "UTF-8"),
    ],
)
def test_bad_files_raise_clear_errors(content, fragment):
    with pytest.raises(ValidationError, match=fragment):
        read_survival_csv(content)


def test_size_limit_is_enforced_before_parsing():
    with pytest.raises(ValidationError, match="larger than"):
        read_survival_csv(b"time,event\n" + b"1,1\n" * 100, max_bytes=50)

"""Reading trial tables through the public CSV reader of decisionkit.io."""

import pytest

from decisionkit import io
from decisionkit.exceptions import ValidationError
from decisionkit.models.evidence import load_smoking_cessation, read_trials_csv


def test_read_trials_csv_round_trips_the_smoking_network():
    table = load_smoking_cessation()
    text = table.rename(columns=str.upper).to_csv(index=False).encode()
    back = read_trials_csv(text)
    assert back.equals(table)  # header case is normalised, labels and counts kept


def test_read_trials_csv_names_the_missing_column():
    with pytest.raises(ValidationError, match="read_trials_csv: the file has no column 'total'"):
        read_trials_csv(b"study,treatment,events\nS1,A,3\n")


def test_public_reader_checks_size_before_parsing_and_names_the_caller():
    assert io.read_csv_frame(b"a;b\n1,5;2\n").iloc[0].tolist() == [1.5, 2]  # European CSV
    with pytest.raises(ValidationError, match="larger than the limit"):
        read_trials_csv(b"study,treatment,events,total\n" + b"S1,A,1,10\n" * 100, max_bytes=50)
    with pytest.raises(ValidationError, match="not a CSV file"):
        io.read_csv_frame(b"PK\x03\x04rest-of-a-zip")

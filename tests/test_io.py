"""decisionkit.io: CSV readers for outcome draws and patient tables.

Expected values are the numbers written in the CSV text of each test (the source).
"""

import io

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.io import (
    DEFAULT_MAX_BYTES,
    read_outcomes_csv,
    read_patient_csv,
    read_predictor_csv,
)

LONG = b"draw,action,cost,qaly\n0,A,10,1.0\n0,B,20,1.5\n1,A,12,0.9\n1,B,25,1.6\n"
WIDE = b"cost:A,cost:B,qaly:A,qaly:B\n10,20,1.0,1.5\n12,25,0.9,1.6\n"


def test_long_csv_gives_draws_per_action_and_metric():
    out = read_outcomes_csv(LONG)
    assert out.actions == ["A", "B"] and out.metrics == ["cost", "qaly"]
    np.testing.assert_array_equal(out.metric("cost").values, [[10, 20], [12, 25]])
    np.testing.assert_array_equal(out.metric("qaly").values, [[1.0, 1.5], [0.9, 1.6]])


def test_wide_csv_equals_the_same_draws_in_long_layout():
    assert read_outcomes_csv(WIDE) == read_outcomes_csv(LONG)


def test_wide_csv_with_action_columns_uses_metric_name():
    out = read_outcomes_csv(b"A,B\n1,2\n3,4\n", metric="gain")
    assert out.metrics == ["gain"]
    np.testing.assert_array_equal(out.metric("gain").values, [[1, 2], [3, 4]])


def test_long_csv_without_draw_column_numbers_rows_within_action():
    out = read_outcomes_csv(b"action,gain\nA,1\nB,2\nA,3\nB,4\n")
    np.testing.assert_array_equal(out.metric("gain").values, [[1, 2], [3, 4]])


def test_utf8_byte_order_mark_is_accepted():
    assert read_outcomes_csv(b"\xef\xbb\xbf" + WIDE) == read_outcomes_csv(WIDE)


def test_path_and_binary_file_sources_read_the_same(tmp_path):
    path = tmp_path / "draws.csv"
    path.write_bytes(WIDE)
    expected = read_outcomes_csv(WIDE)
    assert read_outcomes_csv(path) == expected
    assert read_outcomes_csv(str(path)) == expected
    assert read_outcomes_csv(io.BytesIO(WIDE)) == expected


def test_outcome_distribution_round_trips_through_long_csv():
    from decisionkit.datasets._demo import demo_outcomes

    out = demo_outcomes(50, random_seed=3)
    text = out.to_frame().to_csv(index=False).encode()
    back = read_outcomes_csv(text)
    np.testing.assert_allclose(back.metric("cost").values, out.metric("cost").values)
    assert back.actions == out.actions


def test_file_like_source_is_not_read_past_the_limit():
    class Recorder(io.BytesIO):
        asked: list

        def read(self, n=-1):
            self.asked.append(n)
            return super().read(n)

    src = Recorder(WIDE * 10)
    src.asked = []
    with pytest.raises(ValidationError, match="larger than the limit"):
        read_outcomes_csv(src, max_bytes=64)
    assert src.asked == [65]


BIG = b"cost:A,cost:B\n" + b"1,2\n" * (60 * 2**20 // 4)

OUTCOME_ERRORS = [
    (b"", "the file is empty"),
    (b"  \n\n", "the file is empty"),
    (b"cost:A,cost:B\n", "no data rows"),
    ("cost:A,coût:B\n1,2\n3,4\n".encode("latin-1"), "not UTF-8"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb4", "Excel workbook"),
    (b"cost:A,cost:B\n1,NaN\n2,3\n", "1 missing or infinite value(s) (1 missing/NaN)"),
    (b"cost:A,cost:B\n1,\n2,3\n", "missing or infinite"),
    (b"cost:A,cost:B\n1,2\n2,inf\n", "first in data row 2"),
    (b"cost:A,cost:B\n1,2\n2,-inf\n", "(0 missing/NaN)"),
    (b"name,age\nbob,3\nal,4\n", "column 'name' holds text"),
    (b",A,B\n0,1,2\n1,3,4\n", "column 1 of the header has no name"),
    (b"A,A\n1,2\n3,4\n", "repeats the column name(s) ['A']"),
    (b"cost:A,cost:B\n1,2\n", "single draw"),
    (b"action,cost\nA,1\nB,2\n", "single draw"),
    (b"action\nA\nB\n", "no outcome columns"),
    (b"draw,action\n0,A\n0,B\n", "no outcome columns"),
    (b"cost:A,cost:B\n1,2,3\n4,5\n", "not a valid CSV table"),
    (b"cost:A,qaly:B\n1,2\n3,4\n", "has no column for strategy"),
    (b"action,cost\nA,1\nA,2\nB,3\n", "do not all have the same draws"),
    (BIG, "larger than the limit of 50 MB"),
]


@pytest.mark.parametrize(("content", "fragment"), OUTCOME_ERRORS)
def test_bad_outcome_csv_raises_validation_error(content, fragment):
    with pytest.raises(ValidationError) as info:
        read_outcomes_csv(content)
    assert fragment.lower() in str(info.value).lower()


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"layout": "tall"}, ValidationError, "'layout' parameter of io.read_outcomes_csv"),
        ({"max_bytes": 0}, ValidationError, "'max_bytes' parameter"),
        ({"max_bytes": 1.5}, ValidationError, "'max_bytes' parameter"),
        ({"layout": "long"}, ValidationError, "needs a column naming the strategy"),
    ],
)
def test_bad_reader_arguments_raise(kwargs, error, fragment):
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace("'", "'")):
        read_outcomes_csv(WIDE, **kwargs)


def test_missing_path_raises_validation_error(tmp_path):
    with pytest.raises(ValidationError, match=r"(?i)no file at"):
        read_outcomes_csv(tmp_path / "absent.csv")


def test_unsupported_source_type_raises():
    with pytest.raises(ValidationError, match=r"'source' parameter of io\.read_outcomes_csv"):
        read_outcomes_csv(12345)


def test_default_limit_is_50_million_bytes_as_the_uploader_counts():
    # Streamlit's uploader counts 1 MB = 1,000,000 bytes; one limit everywhere (issue 18.8)
    assert DEFAULT_MAX_BYTES == 50_000_000


# ---------------------------------------------------------------------- patient tables
PATIENTS = b"outcome,model_a,model_b\n1,0.8,0.6\n0,0.1,0.3\n0,0.2,0.2\n"


def test_patient_csv_returns_outcome_series_and_risk_frame():
    y, risks = read_patient_csv(PATIENTS)
    assert y.name == "outcome" and y.tolist() == [1, 0, 0]
    assert list(risks.columns) == ["model_a", "model_b"]
    np.testing.assert_array_equal(risks["model_b"], [0.6, 0.3, 0.2])


def test_patient_csv_reads_only_requested_risk_columns_and_outcome_name():
    y, risks = read_patient_csv(
        b"event,id,score\n1,7,0.9\n0,8,0.2\n", outcome="event", risks=["score"]
    )
    assert y.tolist() == [1, 0] and list(risks.columns) == ["score"]


def test_patient_risks_on_the_bounds_0_and_1_are_accepted():
    _, risks = read_patient_csv(b"outcome,m\n1,1\n0,0\n")
    assert risks["m"].tolist() == [1.0, 0.0]


PATIENT_ERRORS = [
    (b"outcome,m\n1,1.2\n0,0.3\n", {}, "holds 1 value(s) outside [0, 1], first 1.2"),
    (b"outcome,m\n1,0.2\n0,-0.01\n", {}, "outside [0, 1]"),
    (b"outcome,m\n1,80\n0,5\n", {}, "divide by 100"),
    (b"y,m\n1,0.2\n0,0.3\n", {}, "no 'outcome' column"),
    (b"outcome\n1\n0\n", {}, "only the 'outcome' column"),
    (b"outcome,m\n2,0.2\n0,0.3\n", {}, "must hold 0 (no event) or 1 (event)"),
    (b"outcome,m\nyes,0.2\nno,0.3\n", {}, "must hold numbers"),
    (b"outcome,m\n1,nan\n0,0.3\n", {}, "missing or infinite"),
    (b"outcome,m\n1,0.2\n", {}, "single patient"),
    (b"outcome,m\n", {}, "no data rows"),
    (b"outcome,m\n1,0.2\n0,0.3\n", {"risks": ["z"]}, "risk column(s) ['z'] are not in the file"),
    (b"outcome,m\n1,0.2\n0,0.3\n", {"max_bytes": 10}, "larger than the limit of 10 bytes"),
    (b"outcome,m\n1,0.2\n0,\xe90.3\n", {}, "not UTF-8 text (byte 0xe9 on line 3"),
]


@pytest.mark.parametrize(("content", "kwargs", "fragment"), PATIENT_ERRORS)
def test_bad_patient_csv_raises_validation_error(content, kwargs, fragment):
    with pytest.raises(ValidationError) as info:
        read_patient_csv(content, **kwargs)
    assert fragment.lower() in str(info.value).lower()


def test_validation_errors_are_value_errors_and_decisionkit_errors():
    with pytest.raises(ValueError):
        read_patient_csv(b"")
    with pytest.raises(dk.exceptions.DecisionKitError):
        read_patient_csv(b"")


def test_row_longer_than_header_is_refused_not_turned_into_an_index():
    # pandas would otherwise use the extra leading field as the row index, shifting values
    with pytest.raises(ValidationError, match="not a valid CSV table"):
        read_outcomes_csv(b"cost:A,cost:B\n1,2,3\n4,5,6\n")


# ---------------------------------------------------------------------- predictor tables
def test_predictor_csv_returns_outcome_series_and_float_predictors():
    y, X = read_predictor_csv(b"age,male,event\n63,1,0\n71,0,1\n55,1,0\n")
    assert y.name == "event" and y.tolist() == [0, 1, 0]
    assert list(X.columns) == ["age", "male"]
    assert X.dtypes.tolist() == [np.float64, np.float64]
    assert X["age"].tolist() == [63.0, 71.0, 55.0]


def test_predictor_csv_reads_only_requested_predictors_and_outcome_name():
    y, X = read_predictor_csv(b"id,age,died\n1,63,0\n2,71,1\n", outcome="died", predictors=["age"])
    assert y.name == "died" and list(X.columns) == ["age"]


PREDICTOR_ERRORS = [
    (b"age,y\n63,0\n71,1\n", {}, "no 'event' column"),
    (b"event\n1\n0\n", {}, "only the 'event' column"),
    (b"age,event\n63,2\n71,1\n", {}, "must hold 0 (no event) or 1 (event)"),
    (b"age,event\nold,0\n71,1\n", {}, "must hold numbers"),
    (b"age,event\n63,0\ninf,1\n", {}, "missing or infinite"),
    (b"age,event\n63,0\n", {}, "single patient"),
    (b"age,event\n", {}, "no data rows"),
    (b"age,male,event\n63,1,0\n71,1,1\n", {}, "['male'] have the same value"),
    (b"age,event\n63,0\n71,1\n", {"predictors": ["sbp"]}, "column(s) ['sbp'] are not in"),
    (b"", {}, "the file is empty"),
]


@pytest.mark.parametrize(("content", "kwargs", "fragment"), PREDICTOR_ERRORS)
def test_bad_predictor_csv_raises_validation_error(content, kwargs, fragment):
    with pytest.raises(ValidationError) as info:
        read_predictor_csv(content, **kwargs)
    assert fragment.lower() in str(info.value).lower()

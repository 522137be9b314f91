"""decisionkit._format: the numbers people read (issue 17, item 4)."""

import numpy as np
import pandas as pd
import pytest

from decisionkit import _format as fmt

MAGNITUDES = np.concatenate([-np.logspace(-9, 15, 49), [0.0], np.logspace(-9, 15, 49)])


@pytest.mark.parametrize("f", [fmt.number, fmt.money, fmt.count, fmt.percent])
def test_no_scientific_notation_at_any_magnitude(f):
    for x in MAGNITUDES:
        text = f(x)
        assert "e+" not in text and "e-" not in text and "E" not in text, (x, text)


@pytest.mark.parametrize("f", [fmt.number, fmt.money, fmt.count, fmt.percent])
@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA])
def test_not_applicable_shows_a_dash(f, missing):
    assert f(missing) == "—"


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (1967042.3, "1,967,042"),  # issue 17: "1.967042e+06"
        (188100.0, "188,100"),  # "1.881e+05"
        (250.4, "250"),
        (0.15349, "0.153"),
        (-0.0004567, "-0.000457"),
        (0.0, "0"),
    ],
)
def test_number_keeps_three_significant_digits_and_the_integer_part(x, expected):
    assert fmt.number(x) == expected


@pytest.mark.parametrize(
    ("x", "currency", "expected"),
    [
        (262_960_306, "$", "$263 million"),  # issue 17: "$262,960,306"
        (1_234_567, "£", "£1.2 million"),
        (2.5e9, "€", "€2.5 billion"),
        (45_210.4, "£", "£45,210"),
        (-1_500, "£", "-£1,500"),
        (12.345, "£", "£12.35"),
    ],
)
def test_money_rounds_and_says_large_units_in_words(x, currency, expected):
    assert fmt.money(x, currency) == expected


def test_money_unit_scales_axes_to_millions_not_si_prefixes():
    # issue 17: population EVPI axis in "0.5G"
    assert fmt.money_unit([1e5, 5e8]) == (1e6, "million")
    assert fmt.money_unit([10.0, 900.0]) == (1.0, "")


def test_percent_never_rounds_a_possibility_to_zero_or_certainty():
    assert [fmt.percent(p) for p in (0.004, 0.5, 0.9996)] == ["<1%", "50%", ">99%"]


def test_table_formats_listed_columns_as_text_and_leaves_the_input_alone():
    frame = pd.DataFrame({"strategy": ["A", "B"], "icer": [np.nan, 20_000.0]})
    shown = fmt.table(frame, {"icer": fmt.money})
    assert shown["icer"].tolist() == ["—", "£20,000"]
    assert np.isnan(frame["icer"].iloc[0])

"""decisionkit.io.read_psa: layouts recognised, the mapping returned, ambiguity raised.

Expected values are the numbers and names written in the CSV text of each test (the source).
"""

import numpy as np
import pandas as pd
import pytest

from decisionkit.exceptions import ValidationError
from decisionkit.io import (
    MAX_COLUMNS,
    AmbiguousLayoutError,
    PSAMapping,
    read_outcomes_csv,
    read_psa,
    read_psa_table,
)

COST_QALY = [[10, 20], [12, 25]], [[1.0, 1.5], [0.9, 1.6]]


def check_cost_qaly(psa, strategies=("A", "B")):
    out = psa.outcomes
    assert out.actions == list(strategies) and out.metrics == ["cost", "qaly"]
    np.testing.assert_array_equal(out.metric("cost").values, COST_QALY[0])
    np.testing.assert_array_equal(out.metric("qaly").values, COST_QALY[1])
    assert (psa.mapping.cost, psa.mapping.effect) == ("cost", "qaly")


LAYOUTS = {
    "long": b"draw,action,cost,qaly\n0,A,10,1.0\n0,B,20,1.5\n1,A,12,0.9\n1,B,25,1.6\n",
    "long-strategy": (
        b"iteration,Strategy,cost,qaly\n1,A,10,1.0\n1,B,20,1.5\n2,A,12,0.9\n2,B,25,1.6\n"
    ),
    "colon": b"cost:A,cost:B,qaly:A,qaly:B\n10,20,1.0,1.5\n12,25,0.9,1.6\n",
    "strategy-colon-metric": b"A:cost,B:cost,A:qaly,B:qaly\n10,20,1.0,1.5\n12,25,0.9,1.6\n",
    "pipe": b"cost|A,cost|B,qaly|A,qaly|B\n10,20,1.0,1.5\n12,25,0.9,1.6\n",
    "suffix": b"draw,A_cost,B_cost,A_qaly,B_qaly\n0,10,20,1.0,1.5\n1,12,25,0.9,1.6\n",
    "prefix": b"cost.A,cost.B,qaly.A,qaly.B\n10,20,1.0,1.5\n12,25,0.9,1.6\n",
    "blocks": b",A,,B,\ndraw,cost,qaly,cost,qaly\n0,10,1.0,20,1.5\n1,12,0.9,25,1.6\n",
    "european": b"cost:A;cost:B;qaly:A;qaly:B\n10;20;1,0;1,5\n12;25;0,9;1,6\n",
    "cr-only": b"cost:A,cost:B,qaly:A,qaly:B\r10,20,1.0,1.5\r12,25,0.9,1.6\r",
    "crlf": b"cost:A,cost:B,qaly:A,qaly:B\r\n10,20,1.0,1.5\r\n12,25,0.9,1.6\r\n",
    "tab": b"cost:A\tcost:B\tqaly:A\tqaly:B\n10\t20\t1.0\t1.5\n12\t25\t0.9\t1.6\n",
}


@pytest.mark.parametrize("content", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_every_common_layout_gives_the_same_draws_and_roles(content):
    check_cost_qaly(read_psa(content))


def test_wide_file_with_parameters_maps_them_to_inputs():
    # issue 17: 'cost:<strategy>', 'qaly:<strategy>' and parameter columns were read as
    # 13 actions of one metric
    psa = read_psa(
        b"cost:Drug A,cost:Drug B,qaly:Drug A,qaly:Drug B,p_resp,c_drug\n"
        b"1,2,5,6,.1,3\n3,4,5,7,.2,3\n"
    )
    assert psa.mapping.strategies == ("Drug A", "Drug B")
    assert psa.mapping.parameters == ("p_resp", "c_drug")
    assert list(psa.outcomes.inputs.columns) == ["p_resp", "c_drug"]
    assert psa.outcomes.inputs["p_resp"].tolist() == [0.1, 0.2]


def test_long_file_parameters_are_columns_constant_within_each_draw():
    psa = read_psa(b"draw,action,cost,p\n0,A,1,.5\n0,B,2,.5\n1,A,3,.7\n1,B,4,.7\n")
    assert psa.mapping.metrics == ("cost",) and psa.mapping.parameters == ("p",)
    assert psa.outcomes.inputs["p"].tolist() == [0.5, 0.7]


def test_wide_draw_column_numbers_draws_and_is_not_a_strategy():
    # issue 18.12: a 'draw' column became an action
    psa = read_psa(b"draw,cost:A,cost:B\n0,1,2\n1,3,4\n")
    assert psa.mapping.draw == "draw" and psa.outcomes.actions == ["A", "B"]


def test_column_without_separator_is_a_parameter_shown_in_the_mapping():
    # issue 18.12: one header lacking the separator turned every column into an action
    psa = read_psa(b"cost:A,cost:B,qalyB\n1,2,3\n3,4,5\n")
    assert psa.outcomes.actions == ["A", "B"] and psa.mapping.parameters == ("qalyB",)
    assert "parameter column(s): qalyB" in psa.mapping.describe()


def test_long_file_without_action_column_is_refused_with_a_clear_error():
    # issue 17: 'draw,cost,qaly' was accepted with actions 'draw', 'cost', 'qaly'
    with pytest.raises(ValidationError, match="no column saying which strategy each row"):
        read_psa(b"draw,cost,qaly\n0,1,2\n1,3,4\n")


@pytest.mark.parametrize(
    ("content", "question"),
    [
        (b"A,B\n1,2\n3,4\n", "No column name says which metric"),
        (b"draw,A,B\n0,1,2\n1,3,4\n", "No column name says which metric"),
        (b"Group,cost\nA,1\nB,2\nA,3\nB,4\n", "Column 'Group' holds text"),
        (b"action,strategy,cost\nA,x,1\nB,y,2\nA,x,3\nB,y,4\n", "could each name"),
    ],
)
def test_ambiguous_layout_asks_with_a_proposal_instead_of_guessing(content, question):
    with pytest.raises(AmbiguousLayoutError, match=question) as info:
        read_psa(content)
    assert isinstance(info.value.mapping, PSAMapping)


def test_confirmed_proposal_reads_the_file():
    table = read_psa_table(b"Group,cost\nA,1\nB,2\nA,3\nB,4\n")
    with pytest.raises(AmbiguousLayoutError) as info:
        read_psa(table)
    out = read_psa(table, mapping=info.value.mapping).outcomes
    assert out.actions == ["A", "B"]
    np.testing.assert_array_equal(out.metric("cost").values, [[1, 2], [3, 4]])


def test_edited_mapping_table_round_trips_and_can_rename_a_metric():
    table = read_psa_table(b"A,B\n1,2\n3,4\n")
    with pytest.raises(AmbiguousLayoutError) as info:
        read_psa(table)
    frame = info.value.mapping.to_frame()
    assert PSAMapping.from_frame(frame) == info.value.mapping
    frame["metric"] = "net benefit"
    out = read_psa(table, mapping=PSAMapping.from_frame(frame)).outcomes
    assert out.metrics == ["net benefit"] and out.actions == ["A", "B"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"role": "?"}, "Choose a role"),
        ({"role": "ignore"}, "at least one column as an outcome"),
        ({"strategy": ""}, "need a metric and a strategy"),
    ],
)
def test_incomplete_mapping_table_is_refused(edit, message):
    frame = read_psa(LAYOUTS["colon"]).mapping.to_frame().assign(**edit)
    with pytest.raises(ValidationError, match=message):
        PSAMapping.from_frame(frame)


def test_cost_and_effect_can_be_chosen_when_names_do_not_say():
    frame = read_psa(b"x:A,x:B,y:A,y:B\n1,2,3,4\n2,3,4,5\n").mapping.to_frame()
    mapping = PSAMapping.from_frame(frame, cost="y", effect="x")
    assert (mapping.cost, mapping.effect) == ("y", "x")
    with pytest.raises(ValidationError, match="not one of the metrics"):
        PSAMapping.from_frame(frame, cost="z")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (("01", "1"), ["01", "1"]),  # issue 18.13: collided as numbers
        (("1.50", "2"), ["1.50", "2"]),  # was read as 1.5
        (("None", "NA"), ["None", "NA"]),  # could not be loaded
        (("null", "nan"), ["null", "nan"]),
    ],
)
def test_strategy_labels_are_read_as_written(labels, expected):
    a, b = labels
    text = f"draw,action,cost\n0,{a},1\n0,{b},2\n1,{a},3\n1,{b},4\n".encode()
    assert read_psa(text).outcomes.actions == expected


def test_strategy_names_in_an_unnamed_numeric_column_are_read_again_as_text():
    table = read_psa_table(b"Group,cost\n01,1\n1,2\n01,3\n1,4\n")
    mapping = PSAMapping("long", (), ("cost",), action="Group")
    assert read_psa(table, mapping=mapping).outcomes.actions == ["01", "1"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'cost,"cost"\n1,2\n3,4\n', "repeats the column name(s) ['cost']"),  # issue 18.12
        (b"1,1\n1,2\n3,4\n", "repeats the column name(s) ['1']"),
        (b"cost:A,cost:A\n1,2\n3,4\n", "repeats"),
        (b"cost:A,cost:B,qaly:A\n1,2,3\n3,4,5\n", "Metric 'qaly' has no column for strategy"),
        (b"cost:A,cost:B\nNA,2\n3,4\n", "1 missing or infinite value(s) (1 missing/NaN)"),
        (
            b"cost:A,cost:B\nabc,2\n3,4\n",
            "Column 'cost:A' must hold numbers but has text, first 'abc'",
        ),
        (b"draw,action,cost\n0,A,1\n0,A,2\n1,A,3\n1,B,4\n", "appear more than once"),
        (b"draw,action,cost\n0,A,1\n0,B,2\n", "single draw"),
        (b"draw,action,cost\n0,A,1\n0,B,2\n1,A,3\n2,A,5\n2,B,6\n", "same draws"),
        (b"draw,action,p\n0,A,1\n0,B,1\n1,A,3\n1,B,3\n", "no outcome"),
        (b"cost:A,cost:B\n1,2,3\n3,4\n", "not a valid CSV table"),
        (b"cost:A;cost:B\n1,5;2\n3;4;5\n", "separated by semicolons"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel workbook (.xls)"),
    ],
)
def test_bad_psa_files_raise_validation_errors_in_plain_words(content, fragment):
    with pytest.raises(ValidationError) as info:
        read_psa(content)
    assert fragment in str(info.value)
    assert "read_psa" not in str(info.value)  # the dashboard shows these words as they are


def test_more_strategies_than_the_cap_are_refused():
    rows = "\n".join(f"0,s{i},1\n1,s{i},2" for i in range(101))
    with pytest.raises(ValidationError, match="compares 101 strategies"):
        read_psa(f"draw,action,cost\n{rows}\n".encode())


def test_a_million_column_file_is_refused_before_it_is_parsed(monkeypatch):
    # issue 18.8: 244 s of CPU and 2.4 GB for a 12.9 MB file of 1,000,000 columns. The cap is
    # checked on the header line, so pandas never sees the file (no timing assert needed).
    from decisionkit.io import _source

    def never(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(_source.pd, "read_csv", never)
    n = 1_000_000
    content = b",".join(b"c%d" % i for i in range(n)) + b"\n" + b"1," * (n - 1) + b"1\n"
    with pytest.raises(ValidationError, match=f"at most {MAX_COLUMNS:,}"):
        read_psa(content)


def test_european_file_notes_how_it_was_read():
    psa = read_psa(LAYOUTS["european"])
    assert "decimal commas" in " ".join(psa.mapping.notes)


def test_read_outcomes_csv_is_read_psa_outcomes():
    assert read_outcomes_csv(LAYOUTS["suffix"]) == read_psa(LAYOUTS["suffix"]).outcomes


def test_mapping_frame_lists_every_column_once():
    psa = read_psa(b"draw,cost:A,cost:B,p\n0,1,2,3\n1,3,4,5\n")
    frame = psa.mapping.to_frame()
    assert sorted(frame["column"]) == ["cost:A", "cost:B", "draw", "p"]
    assert dict(zip(frame["column"], frame["role"], strict=True))["p"] == "parameter"
    assert isinstance(frame, pd.DataFrame)


# ---------------------------------------------------------------------- property: round trip
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# printable names without leading/trailing blanks (the reader strips blanks around a field)
NAME = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda s: s == s.strip() and s.strip() != "")


@settings(max_examples=25, deadline=None)
@given(st.lists(NAME, min_size=2, max_size=4, unique=True))
def test_csv_round_trip_keeps_any_printable_strategy_name(names):
    # the long CSV written by OutcomeDistribution.to_frame().to_csv() is read back unchanged
    # (issue 18: "01"/"1", "NA", "None", quotes, commas, semicolons, formula-like names)
    import decisionkit as dk

    values = np.arange(3 * len(names), dtype=float).reshape(3, len(names))
    out = dk.OutcomeDistribution.from_arrays({"cost": values}, actions=names)
    back = read_psa(out.to_frame().to_csv(index=False).encode()).outcomes
    assert back.actions == names
    np.testing.assert_array_equal(back.metric("cost").values, values)

"""The Excel export recomputes outside decisionkit and matches MarkovModel.

The model is the HIV model of Chancellor et al. (1997) as built in Excel in Briggs, Claxton &
Sculpher (2006), *Decision Modelling for Health Economic Evaluation*, Example 2.5 (the
inputs below are typed from the book; heemod's test "exactly match HIV model" uses the same):
4 states, zidovudine monotherapy vs zidovudine + lamivudine, 20 annual cycles, states counted
at the end of each cycle, costs discounted at 6% from cycle 1, life years undiscounted.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import decisionkit as dk
from decisionkit.exceptions import ValidationError
from decisionkit.report import MarkovSpec, to_excel
from decisionkit.report._expr import Expression, excel_name_ok

formulas = pytest.importorskip("formulas")
openpyxl = pytest.importorskip("openpyxl")

# Briggs et al. 2006, Example 2.5 (Chancellor et al. 1997)
PARAMS = {
    "rr_comb": 0.509,  # relative risk of progression on combination therapy (first 2 years)
    "cost_zido": 2278.0,  # zidovudine, per year
    "cost_lami": 2086.5,  # lamivudine, per year (first 2 years, combination only)
    "c_A": 2756.0,  # direct medical costs per year: CD4 200-500
    "c_B": 3052.0,  # CD4 < 200
    "c_C": 9007.0,  # AIDS
}
COUNTS = [  # transitions observed in Chancellor et al. (row totals 1734, 1258, 1749)
    [1251, 350, 116, 17],
    [0, 731, 512, 15],
    [0, 0, 1312, 437],
]
RR = "(rr_comb if t <= 2 else 1)"
LAMI = "(cost_lami if t <= 2 else 0)"


def _matrix(rr):
    rows = []
    for i, row in enumerate(COUNTS):
        total = sum(row)
        rows.append(
            ["C" if j == i else (f"{c}/{total}*{rr}" if c else 0) for j, c in enumerate(row)]
        )
    return [*rows, [0, 0, 0, 1]]


def hiv_spec():
    return MarkovSpec(
        ["A", "B", "C", "D"],
        strategies=["mono", "comb"],
        parameters=PARAMS,
        transition={"mono": _matrix("1"), "comb": _matrix(RR)},
        state_costs={
            "mono": ["c_A + cost_zido", "c_B + cost_zido", "c_C + cost_zido", 0],
            "comb": [f"c_{s} + cost_zido + {LAMI}" for s in "ABC"] + [0],
        },
        state_utilities=[1, 1, 1, 0],  # effect = life years
        n_cycles=20,
        discount_cost=0.06,
        discount_effect=0.0,
        within_cycle="end",
        dead="D",
    )


def hand_model():
    """The same model written directly with numpy callables (no expressions)."""
    counts = np.array([*COUNTS, [0, 0, 0, 1]], dtype=float)
    base = counts / counts.sum(axis=1, keepdims=True)

    def transition(p, cycle, strategy):
        n = p["rr_comb"].shape[0]
        rr = p["rr_comb"] if (strategy == "comb" and cycle + 1 <= 2) else np.ones(n)
        out = np.broadcast_to(base, (n, 4, 4)).copy()
        off = ~np.eye(4, dtype=bool)
        out[:, off] = base[off] * rr[:, None]
        out[:, 3] = [0, 0, 0, 1]
        out[:, np.arange(4), np.arange(4)] = 0
        out[:, np.arange(4), np.arange(4)] = 1 - out.sum(axis=2)
        return out

    def costs(p, t, strategy):
        drug = p["cost_zido"] + (p["cost_lami"] if strategy == "comb" and t <= 2 else 0)
        return np.stack(
            [p["c_A"] + drug, p["c_B"] + drug, p["c_C"] + drug, np.zeros_like(drug)], axis=1
        )

    return dk.models.MarkovModel(
        ["A", "B", "C", "D"],
        strategies=["mono", "comb"],
        transition=transition,
        state_costs=costs,
        state_utilities=[1.0, 1.0, 1.0, 0.0],
        n_cycles=20,
        discount_cost=0.06,
        discount_effect=0.0,
        within_cycle="end",
        dead="D",
    )


def hand(**changes):
    params = pd.DataFrame({k: [v] for k, v in {**PARAMS, **changes}.items()})
    return hand_model().run(params).expected()


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("xl") / "hiv.xlsx"
    draws = pd.DataFrame({"rr_comb": [0.45, 0.5, 0.55], "cost_zido": [2000.0, 2278.0, 2500.0]})
    to_excel(hiv_spec(), path, psa_draws=draws, descriptions={"rr_comb": "Relative risk"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = formulas.ExcelModel().loads(str(path)).finish()
    return path, model, draws


def _cell(solution, sheet, ref):
    return float(solution[f"'[hiv.xlsx]{sheet.upper()}'!{ref}"].value[0, 0])


def _recomputed(model, **inputs):
    rows = {name: 4 + i for i, name in enumerate(PARAMS)}  # Inputs!B4 is the first parameter
    changes = {f"'[hiv.xlsx]INPUTS'!B{rows[k]}": v for k, v in inputs.items()}
    sol = model.calculate(inputs=changes)
    return {
        s: {"cost": _cell(sol, "Results", f"B{r}"), "life_years": _cell(sol, "Results", f"D{r}")}
        for s, r in (("mono", 4), ("comb", 5))
    }


def test_spec_reproduces_briggs_example_2_5():
    got = hiv_spec().run().expected()
    # Briggs et al. 2006, Example 2.5: mono 44,663 and comb 50,602 (cost); ICER 6,276 per LY
    assert round(got["mono"]["cost"]) == 44663
    assert round(got["comb"]["cost"]) == 50602
    icer = (got["comb"]["cost"] - got["mono"]["cost"]) / (
        got["comb"]["life_years"] - got["mono"]["life_years"]
    )
    assert round(icer) == 6276
    ref = hand()
    for s in ("mono", "comb"):
        for m in ("cost", "life_years"):
            assert got[s][m] == pytest.approx(ref[s][m], rel=1e-12)


def test_recomputed_workbook_equals_markov_model(workbook):
    _, model, _ = workbook
    got, ref = _recomputed(model), hand()
    for s in ("mono", "comb"):
        for m in ("cost", "life_years"):
            assert got[s][m] == pytest.approx(ref[s][m], rel=1e-9)


@pytest.mark.parametrize("change", [{"cost_zido": 3000.0}, {"rr_comb": 0.7}, {"c_C": 12000.0}])
def test_changing_an_input_cell_moves_results_as_decisionkit_predicts(workbook, change):
    _, model, _ = workbook
    got, ref, before = _recomputed(model, **change), hand(**change), hand()
    for s in ("mono", "comb"):
        assert got[s]["cost"] == pytest.approx(ref[s]["cost"], rel=1e-9)
        assert got[s]["life_years"] == pytest.approx(ref[s]["life_years"], rel=1e-9)
    assert got["comb"]["cost"] != pytest.approx(before["comb"]["cost"], rel=1e-6)


def test_trace_is_formulas_and_psa_draws_are_values(workbook):
    path, _, draws = workbook
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Inputs", "Results", "Trace mono", "Trace comb", "PSA draws", "About"]
    trace = wb["Trace comb"]
    assert str(trace["C6"].value).startswith("=")  # P(A->A) of cycle 1: a formula
    assert "rr_comb" in trace["D6"].value and "IF(" in trace["D6"].value
    assert "rr_comb" in wb.defined_names
    psa = wb["PSA draws"]
    header = [c.value for c in psa[3]]
    col = header.index("cost [comb]")
    got = [psa.cell(4 + i, col + 1).value for i in range(len(draws))]
    ref = hiv_spec().run(draws).values["cost"].sel(action="comb").values
    np.testing.assert_allclose(got, ref, rtol=1e-15)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os')", "function __import__"),
        ("x.y", "Attribute"),
        ("1 < t < 3", "chained"),
        ("'text'", "'text'"),
        ("1 +", "cannot parse"),
    ],
)
def test_unsupported_expressions_are_refused(text, fragment):
    with pytest.raises(ValidationError, match=fragment):
        Expression(text, "test")


def test_expression_evaluates_and_prints_the_same_formula():
    e = Expression("max(a, 2) ** 2 if t <= 2 and a > 0 else -exp(log(a))", "test")
    a = np.array([1.0, 3.0])
    np.testing.assert_allclose(e.evaluate({"a": a, "t": 1}), [4.0, 9.0])
    np.testing.assert_allclose(e.evaluate({"a": a, "t": 3}), [-1.0, -3.0])
    assert e.excel({"a": "a", "t": "$A5"}) == ("IF(AND(($A5<=2),(a>0)),(MAX(a,2)^2),(-EXP(LN(a))))")


def test_names_excel_would_read_as_cells_are_detected():
    assert excel_name_ok("cost_zido") and excel_name_ok("rr_comb")
    assert not excel_name_ok("p1") and not excel_name_ok("AB12") and not excel_name_ok("R1C1")


def test_spec_with_an_unknown_name_is_refused():
    with pytest.raises(ValidationError, match="'cost_zdv'"):
        MarkovSpec(
            ["A", "D"],
            strategies=["x"],
            parameters={"p": 0.1},
            transition=[["C", "p"], [0, 1]],
            state_costs=["cost_zdv", 0],
            state_utilities=[1, 0],
            n_cycles=2,
        )

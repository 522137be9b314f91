"""Example 10, *From a model to a submission*, run in --fast mode (300 PSA draws).

The deterministic numbers are those of Briggs, Claxton & Sculpher (2006), Example 2.5 (the HIV
model of Chancellor et al. 1997): mono 44,663 GBP, comb 50,602 GBP, ICER 6,276 GBP per life
year gained. The first-year budget impact is hand-computable: 5,000 eligible patients, 20% on
combination therapy, whose only extra cost in year 1 is lamivudine (2,086.50 GBP), so
5,000 x 0.2 x 2,086.50 = 2,086,500 GBP in every PSA draw (the state occupancy at the start of
year 1 is the same for both strategies).
"""

import pytest


@pytest.fixture(scope="module")
def run10(example_runner):
    return example_runner("10_hta_submission.py", timeout=240)


def test_reproduces_briggs_example_2_5(run10):
    assert run10.number("cost_mono") == pytest.approx(44_663.45, abs=0.01)
    assert run10.number("cost_comb") == pytest.approx(50_601.65, abs=0.01)
    assert run10.number("icer") == pytest.approx(6276, abs=0.5)


def test_first_year_budget_impact_is_the_lamivudine_bill(run10):
    assert run10.number("bia_year1") == pytest.approx(5_000 * 0.2 * 2_086.5, rel=1e-9)


def test_writes_the_workbook_report_and_figures(run10):
    assert (run10.output / "hiv_model.xlsx").is_file()
    assert (run10.output / "hta_report.html").is_file()
    assert run10.figures == ["budget_impact.png", "scenarios.png"]
    assert run10.number("n_scenarios") == 6
    assert run10.number("report_mb") < 5


def test_recommends_combination_therapy(run10):
    assert run10.recommendation.startswith("adopt zidovudine + lamivudine")

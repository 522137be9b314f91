"""AppTest of the Treat or not? page (bundled cohort and precomputed risk model).

Expected directions come from the threshold rule of Pauker & Kassirer (1980): the threshold
is harm / (benefit + harm), so more harm raises it and fewer patients have a risk above it;
benefit 9 and harm 1 give exactly 10%.
"""

import pytest


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/treat_or_not.py").run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def treated(at):
    return float(metric(at, "Treated per 100 patients"))


def test_defaults_render_threshold_counts_and_chart(page):
    assert metric(page, "Treat when risk is at least") == "10.0%"  # 1 / (9 + 1)
    assert not page.error
    assert 0 < treated(page) < 100
    assert page.get("vega_lite_chart")  # the decision curve and the patient histogram


def test_counts_per_100_add_up(page):
    # every treated patient either has the event (caught) or not (unnecessary)
    caught = float(metric(page, "Events caught per 100"))
    unnecessary = float(metric(page, "Unnecessary treatments per 100"))
    assert caught + unnecessary == pytest.approx(treated(page), abs=0.15)


def test_raising_the_harm_lowers_the_number_treated(page):
    before = treated(page)
    page.slider(key="harm").set_value(3.0).run()
    assert not page.exception
    assert metric(page, "Treat when risk is at least") == "25.0%"  # 3 / (9 + 3)
    assert treated(page) < before


def test_raising_the_benefit_raises_the_number_treated(page):
    before = treated(page)
    page.slider(key="benefit").set_value(30.0).run()
    assert treated(page) > before


def test_threshold_set_directly_drives_the_counts(page):
    page.radio(key="how").set_value("The threshold directly").run()
    page.slider(key="threshold").set_value(0.3).run()
    assert not page.exception
    assert metric(page, "Treat when risk is at least") == "30.0%"
    at_30 = treated(page)
    page.slider(key="threshold").set_value(0.05).run()
    assert treated(page) > at_30


def test_patient_lookup_by_row_flips_with_the_threshold(page):
    # at a 1% threshold nearly everyone is treated, at 80% nearly no one
    page.radio(key="how").set_value("The threshold directly").run()
    page.slider(key="threshold").set_value(0.01).run()
    assert metric(page, "Recommendation") == "Treat"
    assert metric(page, "Probability treating is better") == "100%"
    page.slider(key="threshold").set_value(0.8).run()
    assert metric(page, "Recommendation") == "No treatment"


def test_entered_high_risk_patient_is_treated(page):
    # old male diabetic smoker with high blood pressure and cholesterol: far above 10%
    page.radio(key="lookup").set_value("Enter features").run()
    page.number_input(key="tp_age").set_value(80).run()
    page.number_input(key="tp_sbp").set_value(180).run()
    page.radio(key="tp_smoker").set_value("Yes").run()
    page.radio(key="tp_diabetes").set_value("Yes").run()
    assert not page.exception
    assert metric(page, "Recommendation") == "Treat"
    assert float(metric(page, "Predicted risk").rstrip("%")) > 30

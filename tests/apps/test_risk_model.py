"""AppTest of the Bayesian risk model page.

Directions come from the bundled model's posterior (decisionkit.datasets.load_cvd_risk_model,
every coefficient mean positive, as in the simulation truth of
decisionkit.datasets._generate.CVD_COEF): an older patient has a higher predicted risk.
"""

import pytest


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/risk_model.py").run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def badges(at):
    """Labels of the st.badge elements (AppTest sees them as ':color-badge[:icon: label]')."""
    return [m.value.split(": ", 1)[1].rstrip("]") for m in at.markdown if "-badge[" in m.value]


def sentence(at):
    """The plain-words recommendation under the metrics."""
    return next(m.value for m in at.markdown if m.value.startswith("Under "))


def risk(at):
    return float(metric(at, "Predicted risk (posterior mean)").rstrip("%"))


def test_opens_on_the_precomputed_model_without_fitting(page):
    assert not page.error
    assert not page.status  # no fit ran
    assert "precomputed model" in sentence(page)
    assert badges(page) == [
        "Chains agree",
        "Enough effective draws",
        "No divergences",
    ]
    terms = page.dataframe[0].value["term"].tolist()
    assert terms == [
        "intercept",
        *(f"coef[{p}]" for p in ["age", "male", "sbp", "cholesterol", "diabetes", "smoker"]),
    ]


def test_older_patient_has_higher_predicted_risk(page):
    before = risk(page)
    page.number_input(key="rm_age").set_value(75).run()
    assert not page.exception
    assert risk(page) > before


def test_lower_threshold_turns_the_recommendation_to_treat(page):
    # the default patient's risk (about 7%) lies between a 2% and a 30% threshold
    page.number_input(key="rm_threshold").set_value(2.0).run()
    assert metric(page, "Treat at a 2% threshold?") == "Treat"
    page.number_input(key="rm_threshold").set_value(30.0).run()
    assert metric(page, "Treat at a 30% threshold?") == "No treatment"


def test_interval_kind_is_stated_in_the_table_caption(page):
    page.radio(key="interval_kind").set_value("hdi").run()
    assert not page.exception
    assert any("highest-density credible interval" in c.value for c in page.caption)


def test_upload_without_fit_asks_for_a_fit_and_bad_upload_shows_error(page):
    page.radio(key="source").set_value("Upload a CSV file").run()
    assert not page.exception
    page.file_uploader(key="upload_cohort").upload("bad.csv", b"age,y\n60,1\n", "text/csv").run()
    assert not page.exception
    assert len(page.error) == 1 and "no 'event' column" in page.error[0].value.replace("\\", "")


def test_a_fit_any_session_can_start_is_bounded(page):
    # issue 18.8: any session could start 4 chains x 5,000 draws
    assert page.number_input(key="draws").max == 2_000
    assert page.number_input(key="tune").max == 2_000
    assert page.number_input(key="chains").max == 2


@pytest.mark.slow  # PyMC compile + sampling, ~15 s
def test_submitting_the_form_fits_and_shows_diagnostics(page):
    page.number_input(key="draws").set_value(50)
    page.number_input(key="tune").set_value(50)
    page.multiselect(key="predictors_bundled").set_value(["age", "smoker"])
    page.button[0].click().run(timeout=300)  # the form's submit button
    assert not page.exception
    assert page.status and "Fitted in" in page.status[0].label
    assert "your fit" in sentence(page)
    # 2 chains x 50 draws: too few effective draws for the ESS check (< 400)
    assert "Enough effective draws" not in badges(page)
    terms = page.dataframe[0].value["term"].tolist()
    assert terms == ["intercept", "coef[age]", "coef[smoker]"]
    page.number_input(key="rm_age").set_value(70).run()  # rerun: cached, no refit
    assert not page.exception and not page.status


@pytest.mark.slow  # PyMC sampling, ~5 s warm
def test_uploaded_cohort_is_fitted_on_submit_only(page):
    from decisionkit.datasets import load_cvd_cohort

    csv = load_cvd_cohort().head(300)[["age", "smoker", "event"]].to_csv(index=False)
    page.radio(key="source").set_value("Upload a CSV file").run()
    page.file_uploader(key="upload_cohort").upload("mine.csv", csv.encode(), "text/csv").run()
    assert not page.exception and not page.error
    assert "Press 'Fit the model'" in page.info[0].value  # nothing fitted yet
    page.number_input(key="draws").set_value(50)
    page.number_input(key="tune").set_value(50)
    page.button[0].click().run(timeout=300)
    assert not page.exception and not page.error
    assert "Fitted in" in page.status[0].label
    assert "mine.csv" in sentence(page).replace("\\", "")
    assert page.dataframe[0].value["term"].tolist() == ["intercept", "coef[age]", "coef[smoker]"]

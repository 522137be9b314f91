"""AppTest of the Your data page, uploads included (AppTest 1.67 can upload bytes).

Expected recommendations come from the demo generator's parameter means
(decisionkit.datasets._demo): mean ICER of Drug A vs standard care 4,000 / 0.20 = 20,000 per
QALY, of Drug B vs Drug A 11,000 / 0.15 ~ 73,000 per QALY.
"""

import pytest

UPLOAD_OUT = "upload_Outcome draws"
UPLOAD_PAT = "upload_Patient table"


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/your_data.py").run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_demo_renders_recommendation_table_and_chart(page):
    assert metric(page, "Recommended action") == "Drug A"  # 20,000 < wtp 30,000 < 73,000
    assert page.dataframe[0].value["action"].tolist()[0] == "Drug A"
    assert len(page.get("vega_lite_chart")) == 1


@pytest.mark.parametrize(
    ("wtp", "best"),
    [(5_000, "Standard care"), (30_000, "Drug A"), (100_000, "Drug B")],
)
def test_wtp_moves_recommendation_to_more_effective_action(page, wtp, best):
    page.slider(key="wtp").set_value(wtp).run()
    assert not page.exception
    assert metric(page, "Recommended action") == best


def test_raising_wtp_beyond_drug_b_icer_raises_its_probability_best(page):
    # Drug B is recommended above ~73,000 per QALY; its P(best) grows with wtp
    page.slider(key="wtp").set_value(80_000).run()
    low = float(metric(page, "Probability it is the best action").rstrip("%"))
    page.slider(key="wtp").set_value(100_000).run()
    high = float(metric(page, "Probability it is the best action").rstrip("%"))
    assert metric(page, "Recommended action") == "Drug B"
    assert high > low


def test_linear_utility_on_cost_recommends_cheapest_action(page):
    # every demo draw adds a positive (gamma) extra cost to standard care's cost
    page.radio(key="utility_kind").set_value("One metric").run()
    page.selectbox(key="metric").set_value("cost").run()
    page.number_input(key="weight").set_value(-1.0).run()
    assert not page.exception
    assert metric(page, "Recommended action") == "Standard care"
    assert metric(page, "Probability it is the best action") == "100%"


def test_uploaded_long_csv_drives_the_recommendation(page):
    csv = b"draw,action,gain\n0,A,1\n0,B,5\n1,A,2\n1,B,4\n2,A,0\n2,B,3\n"
    page.file_uploader(key=UPLOAD_OUT).upload("mine.csv", csv, "text/csv").run()
    assert not page.exception and not page.error
    assert metric(page, "Recommended action") == "B"  # B beats A in every draw
    assert metric(page, "Probability it is the best action") == "100%"


BIG = b"cost:A,cost:B\n" + b"1.000000,2.000000\n" * (60 * 2**20 // 18 + 1)  # > 60 MB

BAD_OUTCOMES = [
    pytest.param(b"", "the file is empty", id="empty"),
    pytest.param(b"cost:A,cost:B\n", "no data rows", id="header-only"),
    pytest.param(b"name,age\nbob,3\nal,4\n", "must hold numbers", id="wrong-columns"),
    pytest.param(b"cost:A,cost:B\n1,nan\n2,3\n", "missing or infinite", id="nan"),
    pytest.param(b"cost:A,cost:B\n1,inf\n2,3\n", "missing or infinite", id="inf"),
    pytest.param("cost:A,coût:B\n1,2\n3,4\n".encode("latin-1"), "not UTF-8", id="latin-1"),
    pytest.param(BIG, "larger than the limit of 50 MB", id="60MB"),
    pytest.param(b"cost:A,cost:B\n1,2\n", "single draw", id="one-draw"),
]


@pytest.mark.parametrize(("content", "fragment"), BAD_OUTCOMES)
def test_bad_outcome_upload_shows_error_and_page_keeps_working(page, content, fragment):
    page.file_uploader(key=UPLOAD_OUT).upload("bad.csv", content, "text/csv").run()
    assert not page.exception
    assert len(page.error) == 1 and fragment in page.error[0].value
    page.file_uploader(key=UPLOAD_OUT).clear().run()  # back to the demo
    assert not page.exception and not page.error
    assert metric(page, "Recommended action") == "Drug A"


def test_patient_mode_summarises_demo_cohort(page):
    page.radio(key="mode").set_value("Patient table").run()
    assert not page.exception
    assert metric(page, "Patients") == "500"  # demo_patients() default size
    assert page.dataframe[0].value["model"].tolist() == ["model_a", "model_b"]


def test_patient_upload_is_validated_and_summarised(page):
    page.radio(key="mode").set_value("Patient table").run()
    csv = b"outcome,risk\n1,0.8\n0,0.1\n0,0.3\n"
    page.file_uploader(key=UPLOAD_PAT).upload("cohort.csv", csv, "text/csv").run()
    assert not page.exception and not page.error
    assert metric(page, "Patients") == "3"
    assert metric(page, "Events") == "1"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param(b"outcome,risk\n1,1.3\n0,0.1\n", "outside [0, 1]", id="risk>1"),
        pytest.param(b"outcome,risk\n1,-0.1\n0,0.1\n", "outside [0, 1]", id="risk<0"),
        pytest.param(b"y,risk\n1,0.3\n0,0.1\n", "no 'outcome' column", id="wrong-columns"),
        pytest.param(b"outcome,risk\n", "no data rows", id="header-only"),
    ],
)
def test_bad_patient_upload_shows_error(page, content, fragment):
    page.radio(key="mode").set_value("Patient table").run()
    page.file_uploader(key=UPLOAD_PAT).upload("bad.csv", content, "text/csv").run()
    assert not page.exception
    assert len(page.error) == 1 and fragment in page.error[0].value


def test_changing_layout_rereads_the_same_upload(page):
    csv = b"A,B\n1,5\n2,4\n0,3\n"  # wide, one column per action
    page.file_uploader(key=UPLOAD_OUT).upload("wide.csv", csv, "text/csv").run()
    assert metric(page, "Recommended action") == "B"
    page.selectbox(key="layout").set_value("wide").run()  # cache miss: parse again
    assert not page.exception and not page.error
    assert metric(page, "Recommended action") == "B"
    page.selectbox(key="layout").set_value("long").run()
    assert "needs an 'action' column" in page.error[0].value


def test_patient_mode_shows_decision_curves_for_each_risk_column(page):
    page.radio(key="mode").set_value("Patient table").run()
    assert not page.exception and not page.error
    assert len(page.get("vega_lite_chart")) == 1
    useful = page.dataframe[1].value
    assert useful["model"].tolist() == ["model_a", "model_b"]
    # the page shows the useful range of dk.threshold.decision_curve on the same data
    import decisionkit as dk
    from decisionkit.datasets import demo_patients

    demo = demo_patients()
    dc = dk.threshold.decision_curve(demo["outcome"], demo[["model_a", "model_b"]])
    for i, model in enumerate(["model_a", "model_b"]):
        assert (useful.loc[i, "from"], useful.loc[i, "to"]) == dc.useful_range(model)


def test_uploaded_patient_table_gets_its_decision_curve(page):
    page.radio(key="mode").set_value("Patient table").run()
    # a perfect score (risk 0.9 for every event, 0.1 otherwise): at thresholds <= 0.1 it
    # treats everyone (= treat all), above 0.9 no one (= treat none); in between it treats
    # exactly the events, net benefit = prevalence 0.25 > both defaults (Vickers & Elkin 2006)
    rows = b"".join([b"1,0.9\n"] * 5 + [b"0,0.1\n"] * 15)
    page.file_uploader(key=UPLOAD_PAT).upload(
        "perfect.csv", b"outcome,score\n" + rows, "text/csv"
    ).run()
    assert not page.exception and not page.error
    useful = page.dataframe[1].value
    assert (useful.loc[0, "from"], useful.loc[0, "to"]) == pytest.approx((0.11, 0.90))

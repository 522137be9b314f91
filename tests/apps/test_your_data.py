"""AppTest of the Your data page, uploads included (AppTest 1.67 can upload bytes).

Expected recommendations come from the demo generator's parameter means
(decisionkit.datasets._demo): mean ICER of Drug A vs standard care 4,000 / 0.20 = 20,000 per
QALY, of Drug B vs Drug A 11,000 / 0.15 ~ 73,000 per QALY. Uploaded files are written so that
one action wins in every draw (the expected answer is read off the CSV text).
"""

import pytest
from _layout import safe

UPLOAD_OUT = "upload_Outcome draws"
UPLOAD_PAT = "upload_Patient table"
WIDE_PARAMS = (
    b"cost:Old,cost:New,qaly:Old,qaly:New,p_response,c_drug\n"
    b"100,200,1.0,2.0,0.3,50\n110,190,1.1,2.1,0.4,50\n90,210,0.9,1.9,0.5,50\n"
)  # New gains ~1 QALY for ~100 more: NMB(New) > NMB(Old) at any wtp above ~100 per QALY


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/your_data.py").run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def upload(at, content, name="mine.csv", key=UPLOAD_OUT):
    at.file_uploader(key=key).upload(name, content, "text/csv").run()
    assert not at.exception
    return at


def test_demo_renders_recommendation_table_and_chart(page):
    assert page.metric[0].label == "Recommended action"  # the answer comes first
    assert metric(page, "Recommended action") == "Drug A"  # 20,000 < wtp 30,000 < 73,000
    assert page.dataframe[0].value["Action"].tolist()[0] == "Drug A"
    assert len(page.get("vega_lite_chart")) == 1


@pytest.mark.parametrize(
    ("wtp", "best"),
    [(5_000, "Standard care"), (30_000, "Drug A"), (100_000, "Drug B")],
)
def test_wtp_moves_recommendation_to_more_effective_action(page, wtp, best):
    page.slider(key="wtp").set_value(wtp).run()
    assert not page.exception
    assert metric(page, "Recommended action") == best


def test_numbers_are_readable_money_and_percentages(page):
    evpi = metric(page, "Expected value of perfect information")
    assert evpi.startswith("$") and "e+" not in evpi
    assert page.dataframe[0].value["P(best)"].str.endswith("%").all()


def test_one_metric_on_cost_defaults_to_lower_is_better(page):
    # issue 17: the default weight +1 on cost recommended the most expensive drug
    page.radio(key="utility_kind").set_value("One metric").run()
    page.selectbox(key="metric").set_value("cost").run()
    assert not page.exception
    assert page.number_input(key="weight_cost").value == -1.0
    # every demo draw adds a positive (gamma) extra cost to standard care's cost
    assert metric(page, "Recommended action") == "Standard care"
    assert metric(page, "Probability it is the best action") == "100%"


def test_uploaded_long_csv_drives_the_recommendation(page):
    upload(page, b"draw,action,gain\n0,A,1\n0,B,5\n1,A,2\n1,B,4\n2,A,0\n2,B,3\n")
    assert not page.error
    assert metric(page, "Recommended action") == "B"  # B beats A in every draw
    assert metric(page, "Probability it is the best action") == "100%"


def test_wide_file_with_parameters_shows_its_mapping_and_recommendation(page):
    # issue 17: 'cost:<strategy>' + parameter columns were 13 actions of one metric
    upload(page, WIDE_PARAMS)
    assert not page.error
    described = " ".join(m.value for m in page.markdown).replace("\\", "")
    assert "2 strategies (Old, New)" in described
    assert "parameter column(s): p_response, c_drug" in described
    assert metric(page, "Recommended action") == "New"


def test_long_file_missing_its_action_column_is_refused_without_results(page):
    upload(page, b"draw,cost,qaly\n0,1,2\n1,3,4\n2,5,6\n")
    assert len(page.error) == 1
    assert "no column saying which strategy each row belongs to" in page.error[0].value
    assert not page.metric  # no demo results under the user's file name


def test_ambiguous_file_waits_for_the_user_to_confirm_the_mapping(page):
    upload(page, b"A,B\n1,5\n2,4\n0,3\n")
    assert page.warning and "No column name says which metric" in page.warning[0].value
    assert not page.metric  # nothing is guessed silently
    page.checkbox[0].check().run()
    assert not page.exception and not page.error
    assert metric(page, "Recommended action") == "B"


BIG = b"cost:A,cost:B\n" + b"1.000000,2.000000\n" * (60_000_000 // 18 + 1)  # > 60 MB

BAD_OUTCOMES = [
    pytest.param(b"", "the file is empty", id="empty"),
    pytest.param(b"cost:A,cost:B\n", "no data rows", id="header-only"),
    pytest.param(b"cost:A,cost:B\n1,nan\n2,3\n", "missing or infinite", id="nan"),
    pytest.param("cost:A,coût:B\n1,2\n3,4\n".encode("latin-1"), "not UTF-8", id="latin-1"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "Excel workbook", id="xlsx"),
    pytest.param(BIG, "larger than the limit of 50 MB", id="60MB"),
    pytest.param(b"cost:A,cost:B\n1,2\n", "single draw", id="one-draw"),
    pytest.param(b"cost:A,cost:B\r1,2,3\r4,5\r", "not a valid CSV table", id="cr-only-bad"),
]


@pytest.mark.parametrize(("content", "fragment"), BAD_OUTCOMES)
def test_bad_outcome_upload_shows_error_and_no_demo_results(page, content, fragment):
    upload(page, content, "bad.csv")
    assert (
        len(page.error) == 1 and fragment.lower() in page.error[0].value.replace("\\", "").lower()
    )
    assert not page.metric
    page.file_uploader(key=UPLOAD_OUT).clear().run()  # back to the demo
    assert not page.exception and not page.error
    assert metric(page, "Recommended action") == "Drug A"


def test_european_csv_is_read(page):
    upload(page, b"cost:A;cost:B;qaly:A;qaly:B\n10;20;1,0;2,5\n12;25;0,9;2,6\n11;22;1,1;2,4\n")
    assert not page.error
    assert metric(page, "Recommended action") == "B"  # +1.5 QALY for ~11 more


def test_markdown_in_a_strategy_name_is_shown_as_text(page):
    # issue 18.5: this name became a live link and an image request
    name = "[Click](https://evil.example/login) ![t](https://evil.example/px.png) $x^2$"
    rows = "".join(f"{d},{n},{v}\n" for d in range(3) for n, v in (("A", 1), (name, 9)))
    upload(page, f"draw,action,gain\n{rows}".encode())
    assert metric(page, "Recommended action") == safe(name)
    assert any(safe(name) in m.value for m in page.markdown)


def test_two_sessions_with_the_same_numbers_see_their_own_names(app):
    # issue 18.4: the cache key ignored column names, so a second user saw the first's names
    from streamlit.testing.v1 import AppTest

    from tests.apps.conftest import APP_DIR

    seen = []
    for names in (("Alpha", "Beta"), ("Gamma", "Delta")):
        at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=300).run()
        at.switch_page("views/your_data.py").run()
        a, b = names
        upload(at, f"gain:{a},gain:{b}\n1,5\n2,4\n0,3\n".encode())
        seen.append(metric(at, "Recommended action"))
    assert seen == ["Beta", "Delta"]


# ---------------------------------------------------------------------- patient tables
def test_patient_mode_leads_with_the_recommended_policy(page):
    page.radio(key="mode").set_value("Patient table").run()
    assert not page.exception
    assert page.metric[0].label == "Recommended policy"
    assert metric(page, "Patients treated").endswith("of 500")  # demo_patients() size
    assert len(page.get("vega_lite_chart")) == 1


def test_patient_recommendation_is_the_best_policy_of_the_decision_curve(page):
    import decisionkit as dk
    from decisionkit.datasets import demo_patients

    demo = demo_patients()
    page.radio(key="mode").set_value("Patient table").run()
    for threshold in (0.01, 0.2, 0.8):
        page.slider(key="patient_threshold").set_value(threshold).run()
        # the source: dk.threshold.decision_curve on the same cohort at that threshold
        rows = dk.threshold.decision_curve(
            demo["outcome"], demo[["model_a", "model_b"]], thresholds=[threshold]
        ).at(threshold)
        best = rows.set_index("model")["net_benefit"].idxmax()
        assert metric(page, "Recommended policy") == safe(best)


def test_patient_upload_uses_the_event_column(page):
    page.radio(key="mode").set_value("Patient table").run()
    # a perfect score: at thresholds between 0.1 and 0.9 it treats exactly the events, so
    # its net benefit (= prevalence 0.25) beats treat-all and treat-none (Vickers & Elkin)
    rows = b"".join([b"1,0.9\n"] * 5 + [b"0,0.1\n"] * 15)
    upload(page, b"event,score\n" + rows, key=UPLOAD_PAT)
    page.slider(key="patient_threshold").set_value(0.5).run()
    assert not page.error
    assert metric(page, "Recommended policy") == "score"
    assert metric(page, "Patients treated") == "5 of 20"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        pytest.param(b"event,risk\n1,1.3\n0,0.1\n", "outside [0, 1]", id="risk>1"),
        pytest.param(b"outcome,risk\n1,0.3\n0,0.1\n", "no 'event' column", id="old-name"),
        pytest.param(b"event,risk\n", "no data rows", id="header-only"),
    ],
)
def test_bad_patient_upload_shows_error(page, content, fragment):
    page.radio(key="mode").set_value("Patient table").run()
    upload(page, content, "bad.csv", key=UPLOAD_PAT)
    assert (
        len(page.error) == 1 and fragment.lower() in page.error[0].value.replace("\\", "").lower()
    )
    assert not page.metric


def test_wtp_is_per_qaly_in_labels_and_sentence(page):
    # the effect metric "qaly" reads "QALY" (as on the CE page), also after the sentence's
    # first letter is capitalised
    sentence = next(m.value for m in page.markdown if "willingness to pay" in m.value)
    assert sentence.replace("\\", "").startswith("At a willingness to pay of $30,000 per QALY,")
    assert page.slider(key="wtp").label == "Willingness to pay ($ per QALY)"

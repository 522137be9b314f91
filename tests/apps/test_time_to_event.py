"""AppTest of the Decision curves over time page (competing-events control).

Reference numbers: R dcurves on its df_surv example (the page's built-in cohort) gives a net
benefit of 0.14700 for cancerpredmarker at threshold 0.1 and time 1.5 with death from other
causes as a competing event, and 0.1611 when death is treated as censoring (issue 20).
"""

import pandas as pd
import pytest

import decisionkit as dk
from tests.apps.conftest import APP_DIR

DEMO = APP_DIR / "data" / "dcurves_df_surv.csv"

PAGE = "views/time_to_event.py"


@pytest.fixture
def page(app):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def competing(at):
    """The competing-events multiselect (its key follows the chosen censoring/interest codes)."""
    return next(w for w in at.multiselect if w.key.startswith("tte_competing"))


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_demo_recommends_the_model_with_the_dcurves_net_benefit(page):
    assert not page.error
    assert metric(page, "Recommended policy") == "cancerpredmarker"
    assert metric(page, "Net benefit") == "14.7 per 100"  # R dcurves: 0.14700
    text = " ".join(m.value for m in page.markdown)
    assert "16.1 per 100" in text  # death treated as censoring (R dcurves: 0.1611)
    assert page.get("vega_lite_chart")


def test_the_competing_events_control_offers_the_codes_of_the_event_column(page):
    assert page.selectbox(key="tte_eoi").value == "diagnosed with cancer"
    assert page.selectbox(key="tte_cens").value == "censor"
    assert competing(page).value == ["dead other causes"]


def test_an_undeclared_code_is_refused_in_the_dashboards_words(page):
    competing(page).set_value([]).run()
    assert not page.exception
    errors = " ".join(e.value for e in page.error)
    assert "also holds dead other causes" in errors
    assert "Say what each code means" in errors
    assert not page.metric  # no recommendation without a declaration


def test_swapping_the_event_of_interest_changes_the_answer(page):
    page.selectbox(key="tte_eoi").set_value("dead other causes").run()
    assert not page.exception and not page.error
    assert competing(page).value == ["diagnosed with cancer"]
    shown = metric(page, "Risk of dead other causes by time 1.5")
    # the page's number is the library's cumulative incidence of death, not of diagnosis
    frame = pd.read_csv(DEMO)
    dc = dk.threshold.decision_curve(
        frame["cancer_cr"],
        frame[["cancerpredmarker"]],
        time_to_event=frame["ttcancer"],
        horizon=1.5,
        event_of_interest="dead other causes",
        competing=("diagnosed with cancer",),
        censored="censor",
    )
    assert shown == f"{dc.prevalence:.1%}" != "20.6%"  # 20.6%: diagnosis by 1.5


def test_a_non_numeric_time_column_is_explained(page):
    page.selectbox(key="tte_time").set_value("cancer_cr").run()
    assert not page.exception
    errors = " ".join(e.value for e in page.error)
    assert "does not hold follow-up times" in errors
    assert not page.metric


def test_horizon_moves_the_risk(page):
    early = metric(page, "Risk of diagnosed with cancer by time 1.5")
    page.number_input(key="tte_horizon").set_value(0.5).run()
    assert not page.exception and not page.error
    late = metric(page, "Risk of diagnosed with cancer by time 0.5")
    assert float(late.rstrip("%")) < float(early.rstrip("%"))


def test_uploaded_table_with_numeric_codes_maps_and_declares_them(page):
    # 0 censored, 1 event of interest, 2 and 3 competing: the default declares both; events
    # at 1-6 by time 10, all patients above the threshold are those with risk 0.9
    rows = ["time,status,risk"]
    rows += [f"{t},{s},{r}" for t, s, r in [(1, 1, 0.9), (2, 2, 0.9), (3, 1, 0.9), (4, 3, 0.1)]]
    rows += [f"{t},{s},{r}" for t, s, r in [(5, 0, 0.1), (6, 1, 0.1), (12, 0, 0.9), (12, 0, 0.1)]]
    page.file_uploader(key="tte_upload").upload("mine.csv", "\n".join(rows).encode(), "text/csv")
    page.run()
    assert not page.exception
    assert page.selectbox(key="tte_time").value == "time"
    assert page.selectbox(key="tte_event").value == "status"
    assert page.selectbox(key="tte_cens").value == "0"
    assert page.selectbox(key="tte_eoi").value == "1"
    assert competing(page).value == ["2", "3"]
    page.number_input(key="tte_horizon").set_value(10.0).run()
    assert not page.error, [e.value for e in page.error]
    assert page.metric
    competing(page).set_value(["2"]).run()
    assert "also holds 3" in " ".join(e.value for e in page.error)


def test_a_long_model_name_is_shown_in_full(page):
    # st.metric cuts long values: the headline says "Treat by the model" and the caption under
    # it names the model in full. Risk 0.9: 15 events at times 1-5 and 5 censored at 12;
    # risk 0.05: 20 censored at 12. At 10% treating by the model has a net benefit of about
    # 15/40 - 5/40 x 1/9 = 0.36 against 15/40 - 25/40 x 1/9 = 0.31 for treating all.
    name = "risk_from_the_cardiovascular_model_version_2"
    rows = [f"time,status,{name}"]
    rows += [f"{1 + i % 5},1,0.9" for i in range(15)] + ["12,0,0.9"] * 5 + ["12,0,0.05"] * 20
    page.file_uploader(key="tte_upload").upload("long.csv", "\n".join(rows).encode(), "text/csv")
    page.run()
    assert not page.exception and not page.error, [e.value for e in page.error]
    assert metric(page, "Recommended policy") == "Treat by the model"
    captions = [c.value.replace("\\", "") for c in page.caption]
    assert any(f"The model: **{name}**" in c for c in captions), captions

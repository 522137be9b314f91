"""AppTest of the "Should we study more?" page (EVSI and ENBS of a two-arm trial).

Closed forms used: the current decision's expected incremental net benefit of the new drug is
wtp * (E p_new - E p_standard) * E qaly_per_response - (1,700 - 500 - (E p_new - E p_standard)
* 4,000) = wtp * 0.1 * 0.3 - 800 (page's documented numbers: Beta(10, 10) and Beta(40, 60)
response rates, independent of the Gamma QALY gain), negative at 20,000 per QALY (-200) and
positive at 30,000 (+100). ENBS(n) = population EVSI(n) - setup cost - cost per participant * 2n
(Ades et al. 2004), so the setup cost shifts every ENBS down by the same amount.
"""

import pytest

WORTH, SIZE, ENBS = (
    "Is the study worth doing?",
    "Best sample size",
    "Expected net benefit of sampling",
)


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/study_more.py").run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def pounds(text):
    """ "£2.1 million" -> 2.1e6 (money as decisionkit._format writes it; any currency)."""
    number, *word = text.lstrip("-").lstrip("$£€¥CHF ").replace(",", "").split()
    sign = -1 if text.startswith("-") else 1
    return sign * float(number) * {"million": 1e6, "billion": 1e9}.get(word[0] if word else "", 1)


def test_table_writes_negative_money_with_the_sign_first(page):
    page.slider(key="setup_cost").set_value(5_000_000).run()
    cells = page.dataframe[0].value["ENBS"].tolist()
    # "-$91,392" (sign, currency, digits), never "$-91,392"
    assert all(c[0] == "-" and not c[1].isdigit() and c[2].isdigit() for c in cells), cells


def test_default_renders_recommendation_charts_and_table(page):
    assert metric(page, WORTH) == "Yes"
    assert metric(page, SIZE).endswith("per arm")
    assert pounds(metric(page, ENBS)) > 0
    assert len(page.get("vega_lite_chart")) == 2
    assert page.dataframe[0].value["Patients per arm"].tolist()[0] == "10"
    assert not page.error


def enbs_column(at):
    """The table's ENBS cells as numbers (whole currency units, as the page shows them)."""
    return [pounds(text) for text in at.dataframe[0].value["ENBS"]]


def test_raising_setup_cost_lowers_enbs_by_the_same_amount(page):
    before = max(enbs_column(page))
    page.slider(key="setup_cost").set_value(1_500_000).run()  # default 500,000
    after = max(enbs_column(page))
    assert after == pytest.approx(before - 1_000_000, abs=1.0)  # same best n; shown to the unit
    assert pounds(metric(page, ENBS)) == pytest.approx(after, rel=0.05)  # 2 digits shown


def test_setup_cost_above_the_value_of_information_means_no_study(page):
    page.slider(key="setup_cost").set_value(5_000_000).run()
    assert not page.exception
    assert metric(page, WORTH) == "No"
    assert metric(page, SIZE) == "No study"
    assert pounds(metric(page, ENBS)) < 0
    assert any("No: the trial costs more" in m.value for m in page.markdown)


@pytest.mark.parametrize(("wtp", "current"), [(20_000, "Standard care"), (30_000, "New drug")])
def test_current_decision_follows_the_closed_form_net_benefit(page, wtp, current):
    page.number_input(key="wtp").set_value(wtp).run()
    assert not page.exception
    text = next(m.value for m in page.markdown if "Without it" in m.value)
    assert f"**{current}** is the better choice now" in text


def test_larger_population_raises_enbs(page):
    before = pounds(metric(page, ENBS))
    page.number_input(key="population").set_value(2_000).run()
    assert pounds(metric(page, ENBS)) > before  # population EVSI scales with people per year

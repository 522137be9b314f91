"""AppTest of the "Is it cost-effective?" page: bundled Sick-Sicker PSA and uploaded draws.

Expected recommendations come from the library itself: the switch points of the bundled PSA
(dk.cea.analyze(...).switch_points(), i.e. the frontier ICERs of the mean costs and QALYs,
~$76,000 per QALY for Strategy B vs standard of care and ~$119,000 for Strategy AB vs B with
the page's seed), so the page must recommend the strategy whose ICER interval holds the wtp.
"""

import re
from pathlib import Path

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.models.cohort.sick_sicker import sick_sicker_psa


def _page_constants():
    """The page's draw count and seed, read from its source (importing it runs Streamlit)."""
    src = (Path(__file__).resolve().parents[2] / "apps/views/cost_effective.py").read_text()
    n = int(re.search(r"^N_DRAWS = ([\d_]+)", src, re.M).group(1).replace("_", ""))
    seed = int(re.search(r"^SEED = (\d+)", src, re.M).group(1))
    return n, seed


@pytest.fixture(scope="module")
def switch_points():
    n, seed = _page_constants()
    out = sick_sicker_psa(n, random_seed=seed)
    sp = dk.cea.analyze(out, wtp=[0.0]).switch_points()
    return dict(zip(sp["to_strategy"], sp["wtp"], strict=True))


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/cost_effective.py").run()
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


REC, PROB = "Recommended strategy", "Probability it is the most cost-effective"


def test_default_renders_recommendation_tables_and_charts(page, switch_points):
    # default wtp $100,000 lies between the two switch points: Strategy B
    assert switch_points["Strategy B"] < 100_000 < switch_points["Strategy AB"]
    assert metric(page, REC) == "Strategy B"
    assert page.dataframe[0].value["Strategy"].tolist()[0] == "Standard of care"  # by cost
    assert (
        len(page.get("vega_lite_chart")) == 6
    )  # plane, CEAC, EVPI per person and population, EVPPI bars, drivers tornado
    assert not page.error


def test_raising_wtp_moves_recommendation_along_the_frontier(page, switch_points):
    seen = []
    for wtp in (0, 100_000, 200_000):
        page.slider(key="wtp").set_value(wtp).run()
        assert not page.exception
        seen.append(metric(page, REC))
    # below the first ICER the cheapest, between the ICERs B, above both the most effective
    assert switch_points["Strategy AB"] < 200_000
    assert seen == ["Standard of care", "Strategy B", "Strategy AB"]


def test_probability_best_is_one_when_wtp_is_zero(page):
    # at wtp 0 the net benefit is minus the cost; standard of care costs less in every draw
    # (every other strategy adds a treatment cost, and treated patients live longer and so
    # accrue more health-state costs)
    page.slider(key="wtp").set_value(0).run()
    assert metric(page, PROB) == "100%"


def test_population_inputs_scale_population_evpi(page):
    before = metric(page, "Population EVPI")
    page.number_input(key="population").set_value(20_000).run()
    after = metric(page, "Population EVPI")

    def value(s):  # "$2.6 million" -> 2.6e6 (decisionkit._format.money)
        number, *word = s.lstrip("$").replace(",", "").split()
        return float(number) * {"million": 1e6, "billion": 1e9}.get(word[0] if word else "", 1)

    # population EVPI is linear in people per year (dk.voi.population_evpi); shown to two
    # significant digits after the millions
    assert value(after) == pytest.approx(2 * value(before), rel=0.06)
    assert "e+" not in after


def test_uploaded_wide_csv_is_analysed_without_evppi(page):
    rng = np.random.default_rng(3)
    n = 50
    # B costs 1,000 more and gives 0.1 more QALY in every draw: ICER 10,000 per QALY
    cost_a = rng.normal(5_000, 100, n)
    qaly_a = rng.normal(5, 0.1, n)
    rows = "\n".join(
        f"{ca:.2f},{ca + 1000:.2f},{qa:.4f},{qa + 0.1:.4f}"
        for ca, qa in zip(cost_a, qaly_a, strict=True)
    )
    csv = ("cost:A,cost:B,qaly:A,qaly:B\n" + rows + "\n").encode()
    page.file_uploader(key="upload").upload("mine.csv", csv, "text/csv").run()
    assert not page.exception and not page.error
    assert metric(page, REC) == "B"  # wtp 100,000 > ICER 10,000
    assert metric(page, PROB) == "100%"
    assert any("EVPPI" in i.value for i in page.info)  # the file has no parameter columns
    page.slider(key="wtp").set_value(5_000).run()  # below the ICER
    assert metric(page, REC) == "A"


BAD = [
    pytest.param(b"", "the file is empty", id="empty"),
    pytest.param(b"cost:A,cost:B\n", "no data rows", id="header-only"),
    pytest.param(b"draw,cost,qaly\n0,1,2\n1,3,4\n", "no column saying which", id="no-action"),
    pytest.param(
        b"cost:A,cost:B,qaly:A,qaly:B\n1,nan,1,2\n2,3,1,2\n", "missing or infinite", id="nan"
    ),
    pytest.param("cost:A,coût:B\n1,2\n3,4\n".encode("latin-1"), "not UTF-8", id="latin-1"),
    pytest.param(b"cost:A,cost:B,qaly:A,qaly:B\n1,2,3,4\n", "single draw", id="one-draw"),
    pytest.param(b"cost:A,cost:B\n1,2\n3,4\n", "needs a cost and an effect", id="one-metric"),
]


@pytest.mark.parametrize(("content", "fragment"), BAD)
def test_bad_upload_shows_error_and_page_keeps_working(page, content, fragment):
    page.file_uploader(key="upload").upload("bad.csv", content, "text/csv").run()
    assert not page.exception
    assert len(page.error) == 1
    assert fragment.lower() in page.error[0].value.replace("\\", "").lower()
    assert not page.metric  # no bundled results under the user's file name
    page.file_uploader(key="upload").clear().run()  # back to the bundled PSA
    assert not page.exception and not page.error
    assert metric(page, REC) == "Strategy B"


def test_same_metric_for_cost_and_effect_is_an_error(page):
    csv = b"cost:A,cost:B,qaly:A,qaly:B\n1,2,3,4\n2,3,4,5\n3,4,5,6\n"
    page.file_uploader(key="upload").upload("two.csv", csv, "text/csv").run()
    page.selectbox(key="effect").set_value("cost").run()
    assert not page.exception
    assert "different metrics" in page.error[0].value


def test_uploaded_parameters_enable_evppi(page):
    # issue 17: uploaded parameters enable EVPPI. B's incremental net benefit at wtp w is
    # (0.1 + 0.2 (p - 0.5)) w - 1,000, uncertain through p: the page estimates EVPPI bars.
    rng = np.random.default_rng(4)
    n = 400
    p, q = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    qaly_b = 5.1 + 0.2 * (p - 0.5)
    rows = "\n".join(
        f"5000,6000,5,{b:.5f},{pp:.5f},{qq:.5f}" for b, pp, qq in zip(qaly_b, p, q, strict=True)
    )
    csv = ("cost:A,cost:B,qaly:A,qaly:B,p,q\n" + rows + "\n").encode()
    page.file_uploader(key="upload").upload("params.csv", csv, "text/csv").run()
    page.slider(key="wtp").set_value(10_000).run()  # INB = 2,000 (p - 0.5): a coin toss
    assert not page.exception and not page.error
    assert not any("EVPPI" in i.value for i in page.info)
    charts = page.get("vega_lite_chart")
    assert len(charts) == 6  # plane, CEAC, EVPI x2, the EVPPI bars and the drivers tornado
    captions = " ".join(c.value for c in page.caption).replace("\\", "")
    assert "EVPPI per person of each parameter" in captions


def test_report_download_button_is_offered(page):
    # the report itself is built by dk.report.report_html (tests/report) when clicked
    labels = [b.proto.label for b in page.get("download_button")]
    assert sum("HTML report" in label for label in labels) == 1


# ---------------------------------------------------------------------- reference (issue 20)
def _reference_table(at):
    return next(d.value for d in at.dataframe if "Chance better" in d.value)


def test_reference_control_compares_every_strategy_with_the_chosen_one(page):
    # default: the analysis's reference (cheapest, standard of care), the others as rows
    n, seed = _page_constants()
    out = sick_sicker_psa(n, random_seed=seed)
    table = _reference_table(page)
    assert "Standard of care" not in table["Strategy"].tolist()
    assert len(table) == len(out.actions) - 1
    page.selectbox(key="reference").set_value("Strategy B").run()
    assert not page.exception
    table = _reference_table(page).set_index("Strategy")
    assert "Strategy B" not in table.index
    # the ICERs are dk.cea.incremental's against Strategy B, formatted for people
    expected = dk.cea.incremental(out, reference="Strategy B", wtp=[100_000.0]).summary
    row = expected.set_index("strategy").loc["Strategy AB"]
    assert row["quadrant"] == "NE"  # AB costs more and gives more than B
    icer_col = next(c for c in table.columns if c.startswith("ICER"))
    assert table.loc["Strategy AB", icer_col] == f"${row['icer']:,.0f}"
    # standard of care is cheaper and less effective than B: a saving per QALY given up
    assert expected.set_index("strategy").loc["Standard of care", "quadrant"] == "SW"
    assert table.loc["Standard of care", "Against Strategy B"] == "Less effective, cheaper"
    assert table["Chance better"].str.endswith("%").all()
    eib_col = next(c for c in table.columns if c.startswith("Net benefit gain at"))
    assert " to " in table.loc["Strategy AB", eib_col]


def test_evppi_bars_equal_the_library_at_the_chosen_wtp(page):
    # the page estimates EVPPI on its 41-value wtp grid in one call; the bars at the slider's
    # wtp must be dk.voi.evppi_each's at that wtp alone (same regression per wtp column)
    import io
    import json

    import pyarrow as pa

    from decisionkit.io import apply_mapping, infer_mapping, read_psa_table

    rng = np.random.default_rng(6)
    n = 300
    p, q = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    qaly_b = 5.1 + 0.2 * (p - 0.5) + 0.05 * q**2
    rows = "\n".join(
        f"5000,6000,5,{b:.5f},{pp:.5f},{qq:.5f}" for b, pp, qq in zip(qaly_b, p, q, strict=True)
    )
    csv = ("cost:A,cost:B,qaly:A,qaly:B,p,q\n" + rows + "\n").encode()
    page.file_uploader(key="upload").upload("params.csv", csv, "text/csv").run()
    page.slider(key="wtp").set_value(10_000).run()  # on the EVPPI grid (every $5,000)
    assert not page.exception and not page.error
    chart = next(c for c in page.get("vega_lite_chart") if "EVPPI" in c.proto.spec)
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
    bars = next(f for f in frames if "parameters" in f.columns).set_index("parameters")
    table = read_psa_table(io.BytesIO(csv))
    out = apply_mapping(table, infer_mapping(table))
    u = dk.utility.net_monetary_benefit(effect="qaly", cost="cost", wtp=10_000.0)
    expected = dk.voi.evppi_each(out, u, se=False, random_seed=2026).to_frame()
    expected = expected.set_index("parameters")["evppi"]
    assert sorted(bars.index) == ["p", "q"]
    np.testing.assert_allclose(bars.loc[expected.index, "evppi"], expected, rtol=1e-9)
    assert json.loads(chart.proto.spec)["title"]  # the chart kept its title

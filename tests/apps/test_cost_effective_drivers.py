"""AppTest of the CE page's "Which parameters drive the decision?" section (dk.sensitivity).

The section shows dk.sensitivity.one_way_psa's incremental tornado of the recommended strategy
against the runner-up. On an uploaded PSA whose incremental net benefit is an exact linear
function of one parameter the tornado's ends are known in closed form.
"""

import json

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.models.cohort.sick_sicker import sick_sicker_psa

HEADING = "Which parameters drive the decision?"


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/cost_effective.py").run()
    assert not app.exception
    return app


def drivers_data(page):
    """Rows of the tornado's bar data (Streamlit ships chart data as Arrow datasets)."""
    import pyarrow as pa

    for chart in page.get("vega_lite_chart"):
        if "drive the decision" in json.dumps(json.loads(chart.proto.spec).get("title", "")):
            frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]
            bars = next(f for f in frames if "end" in f.columns)
            return bars.to_dict("records")
    raise AssertionError("no drivers tornado on the page")


def captions(page):
    return " ".join(c.value for c in page.caption).replace("\\", "")


def test_bundled_psa_tornado_matches_the_library(page):
    # the page's bundled PSA: 2,000 Sick-Sicker draws, seed 2026 (tests/apps/test_cost_effective)
    out = sick_sicker_psa(2_000, random_seed=2026)
    ow = dk.sensitivity.one_way_psa(out, dk.utility.net_monetary_benefit(wtp=100_000))
    best, runner = ow.base.sort_values(ascending=False).index[:2]
    expected = ow.tornado(best, reference=runner).head(10)
    assert HEADING in [h.value for h in page.subheader]
    rows = drivers_data(page)
    got = {(r["parameter"], r["end"][:3]): r["outcome"] for r in rows}
    for r in expected.itertuples():
        assert got[(r.parameter, "Low")] == pytest.approx(r.outcome_low)
        assert got[(r.parameter, "Hig")] == pytest.approx(r.outcome_high)
    assert f"net benefit of {best} over {runner}" in captions(page)


def test_uploaded_parameter_that_flips_the_decision_is_named(page):
    # B - A incremental NMB at wtp w: (0.1 + 0.2 (p - 0.5)) w - 1,000, i.e. 4,000 p - 1,000 at
    # w = 20,000 (closed form): B is best on average, A below p = 0.25; q plays no part.
    rng = np.random.default_rng(5)
    n = 400
    p, q = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    qaly_b = 5.1 + 0.2 * (p - 0.5)
    rows = "\n".join(
        f"5000,6000,5,{b:.6f},{pp:.6f},{qq:.6f}" for b, pp, qq in zip(qaly_b, p, q, strict=True)
    )
    csv = ("cost:A,cost:B,qaly:A,qaly:B,p,q\n" + rows + "\n").encode()
    page.file_uploader(key="upload").upload("params.csv", csv, "text/csv").run()
    page.slider(key="wtp").set_value(20_000).run()
    assert not page.exception and not page.error
    data = drivers_data(page)
    p_rows = {r["end"][:3]: r for r in data if r["parameter"] == "p"}
    for r in p_rows.values():  # linear truth recovered (CSV rounding: 1e-6 x 20,000)
        assert r["outcome"] == pytest.approx(4_000 * r["value"] - 1_000, abs=0.1)
    assert p_rows["Low"]["outcome"] < 0 < p_rows["Hig"]["outcome"]
    text = captions(page)
    assert "net benefit of B over A" in text
    assert "Moving any one of p across its range changes the best strategy" in text


def test_no_section_without_parameters(page):
    csv = b"cost:A,cost:B,qaly:A,qaly:B\n1,2,3,4\n2,3,4,5\n3,4,5,7\n"
    page.file_uploader(key="upload").upload("plain.csv", csv, "text/csv").run()
    assert not page.exception
    assert HEADING not in [h.value for h in page.subheader]

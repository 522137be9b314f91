"""AppTest of the "Capacity planning" page (CountDemand forecast + plan_capacity).

Closed form: with expected cost, the optimal capacity is the newsvendor critical fractile of
demand, the smallest c with F(c) >= k_s / (k_s + k_i) (Arrow, Harris and Marschak 1951), so
it rises with the shortage cost k_s and falls with the idle cost k_i. The test recomputes it
from the same forecast draws (bundled posterior, the page's seed) with numpy's inverted-CDF
quantile, which is exactly that smallest c.
"""

import re
from pathlib import Path

import numpy as np
import pytest

import decisionkit as dk

PAGE = Path(__file__).resolve().parents[2] / "apps/views/capacity.py"


def page_seed():
    """The page's forecast seed, read from its source (importing it runs Streamlit)."""
    return int(re.search(r"^SEED = (\d+)", PAGE.read_text(), re.M).group(1))


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/capacity.py").run()
    assert not app.exception
    return app


def capacity(at):
    label = next(m.label for m in at.metric if m.label.startswith("Recommended capacity"))
    return int(next(m.value for m in at.metric if m.label == label).split()[0])


def test_default_recommends_the_critical_fractile_of_tomorrows_demand(page):
    demand = dk.datasets.load_admissions_model().forecast(14, random_seed=page_seed())
    fractile = 1000 / (1000 + 300)  # page defaults: shortage 1,000, idle slot 300
    expected = np.quantile(demand.isel(date=0).values, fractile, method="inverted_cdf")
    assert capacity(page) == int(expected)
    assert len(page.get("vega_lite_chart")) == 1
    assert len(page.dataframe[0].value) == 14
    assert not page.error


def test_raising_shortage_cost_raises_recommended_capacity(page):
    page.slider(key="shortage_cost").set_value(200).run()
    low = capacity(page)
    page.slider(key="shortage_cost").set_value(4_000).run()
    assert not page.exception
    assert capacity(page) > low


def test_raising_idle_cost_lowers_recommended_capacity(page):
    before = capacity(page)
    page.number_input(key="idle_cost").set_value(3_000).run()
    assert capacity(page) < before


def test_risk_averse_alternative_has_lower_shortage_probability_by_default(page):
    # with shortage the expensive side, the CVaR plan buys extra slots against the bad days
    cvar = int(next(m.value for m in page.metric if m.label.startswith("Risk-averse")).split()[0])
    assert cvar >= capacity(page)
    assert "adds" in next(m.value for m in page.markdown if "risk-averse plan" in m.value)


@pytest.mark.slow
def test_refit_button_refits_with_visible_progress_and_diagnostics(page):
    page.button(key="refit").click().run(timeout=300)
    assert not page.exception and not page.error
    assert any("Diagnostics: max r-hat" in c.value for c in page.caption)
    assert 10 <= capacity(page) <= 40  # admissions are ~20 a day (load_admissions)
    page.button(key="use_bundled").click().run()
    assert any("posterior shipped with the app" in c.value for c in page.caption)

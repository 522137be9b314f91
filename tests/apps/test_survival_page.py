"""AppTest of the Survival extrapolation page: bundled trial, model choice, uploads.

Expected numbers come from the library itself: the page's partitioned survival model rebuilt
here with the same fits, costs, draws and seed (decisionkit.models.survival), so the page
must show exactly its ICER and recommendation.
"""

import re
import warnings

import numpy as np
import pytest

import decisionkit as dk
from decisionkit.models.survival import (
    PartitionedSurvivalModel,
    average_models,
    fit_distributions,
)

ARMS = ["Standard care", "New drug"]
COLS = {"PFS": ("pfs_months", "pfs_event"), "OS": ("os_months", "os_event")}
ICER = "ICER of New drug vs Standard care"
REC = "Recommended at this willingness to pay"


@pytest.fixture(scope="module")
def fits():
    trial = dk.datasets.load_oncology_trial()
    return {
        ep: fit_distributions(trial, time=t, event=e, covariates=["arm"])
        for ep, (t, e) in COLS.items()
    }


def library_icer(fits, pfs, os_):
    """The page's default settings: chemo 1,000/month x 6, drug 1,750/month x 12, 30 years."""
    model = PartitionedSurvivalModel(
        ["PFS", "OS"],
        strategies=ARMS,
        horizon=30,
        state_costs={"Progression-free": 9_600.0, "Progressed": 18_000.0},
        state_utilities={"Progression-free": 0.75, "Progressed": 0.60},
        time_costs={
            "Progression-free": {"Standard care": (12_000.0, 0.5), "New drug": (21_000.0, 1.0)}
        },
    )
    models = {"PFS": pfs, "OS": os_}
    sources = {a: {ep: (models[ep], {"arm": a}) for ep in models} for a in ARMS}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dk.exceptions.EstimationWarning)
        res = model.run(sources, n_draws=500, random_seed=13, time_scale=12)
    diff = res.summary.loc["New drug"] - res.summary.loc["Standard care"]
    return diff["cost"] / diff["qaly"]


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/survival.py").run(timeout=300)
    assert not app.exception
    return app


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def icer_of(at):
    return float(re.match(r"\$([\d,]+) per QALY", metric(at, ICER))[1].replace(",", ""))


def test_default_uses_the_lowest_aic_models_and_shows_their_icer(page, fits):
    # Weibull has the lowest AIC for both endpoints of the bundled trial
    assert page.selectbox(key="model_PFS").value == "weibull"
    assert page.selectbox(key="model_OS").value == "weibull"
    expected = library_icer(fits, fits["PFS"]["weibull"], fits["OS"]["weibull"])
    assert icer_of(page) == pytest.approx(expected, abs=1)
    # ICER about 54,000 > 50,000: standard care stays
    assert metric(page, REC) == "Standard care"
    assert len(page.get("image")) == 3  # PFS fits, OS fits, CEAC + curves
    assert not page.error


def test_aic_average_for_os_drives_the_result(page, fits):
    avg = next(o for o in page.selectbox(key="model_OS").options if o.startswith("AIC"))
    page.selectbox(key="model_OS").select(avg).run(timeout=300)
    assert not page.exception
    expected = library_icer(fits, fits["PFS"]["weibull"], average_models(fits["OS"]))
    assert icer_of(page) == pytest.approx(expected, abs=1)


def test_higher_willingness_to_pay_recommends_the_new_drug(page):
    page.slider(key="wtp").set_value(100_000).run(timeout=300)
    assert metric(page, REC) == "New drug"


def test_uploaded_csv_gives_the_same_answer_as_the_bundled_data(page):
    csv = dk.datasets.load_oncology_trial().to_csv(index=False).encode()
    bundled = icer_of(page)
    page.file_uploader(key="upload").upload("trial.csv", csv, "text/csv").run(timeout=300)
    assert not page.exception and not page.error
    # the columns are guessed from their names
    assert page.selectbox(key="col_os_time").value == "os_months"
    assert page.selectbox(key="col_pfs_event").value == "pfs_event"
    assert icer_of(page) == pytest.approx(bundled, abs=1)


BAD_UPLOADS = [
    (b"time\n1\n2\n", "one column"),
    (b"arm,pfs_months,pfs_event,os_months,os_event\nA,1,1,2,1\nA,2,0,3,1\n", "single value"),
    (b"arm,pfs_months,pfs_event,os_months,os_event\nA,-1,1,2,1\nB,2,0,3,1\n", "negative"),
]


def test_bad_uploads_show_an_error_and_the_page_keeps_working(page):
    for content, fragment in BAD_UPLOADS:
        page.file_uploader(key="upload").upload("bad.csv", content, "text/csv").run(timeout=300)
        assert not page.exception
        assert any(fragment in e.value for e in page.error), [e.value for e in page.error]
    page.file_uploader(key="upload").clear().run(timeout=300)
    assert not page.error and np.isfinite(icer_of(page))


def test_acceptability_curves_mark_the_chosen_wtp(page):
    # the CEAC is one spec per PSM run; a slider step only moves its wtp rule (named dataset)
    import pyarrow as pa

    page.slider(key="wtp").set_value(80_000).run(timeout=300)
    assert not page.exception
    (chart,) = page.get("vega_lite_chart")
    rules = [
        pa.ipc.open_stream(d.data.data).read_pandas()
        for d in chart.proto.datasets
        if d.name == "wtp_rule"
    ]
    assert rules and rules[0]["wtp"].tolist() == [80_000]
    assert "$ per QALY" in chart.proto.spec  # the sidebar currency on its axis

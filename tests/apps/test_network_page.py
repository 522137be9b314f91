"""AppTest of the "Compare treatments across trials" page (network meta-analysis).

A small uploaded network keeps the fits short (fixed effects, 2 chains x 300 draws). In it
drug C has the most events in every trial it is in, so with events counted as good it ranks
first; with events counted as bad it ranks last (SUCRA is symmetric: 1 - SUCRA).
"""

import pytest

UPLOAD = "nma_upload"
GOOD = (
    "study,treatment,events,total\n"
    "S1,A,10,100\nS1,B,20,100\n"
    "S2,A,12,110\nS2,C,35,105\n"
    "S3,B,18,90\nS3,C,30,95\n"
)


@pytest.fixture
def page(app):
    app.run()
    app.switch_page("views/network.py").run()
    assert not app.exception
    return app


def upload(page, content):
    page.radio(key="nma_source").set_value("Upload a CSV file").run()
    page.file_uploader(key=UPLOAD).upload("trials.csv", content.encode(), "text/csv").run()


def fit(page, *, good=True):
    page.radio(key="nma_effects").set_value("fixed")
    page.number_input(key="nma_draws").set_value(300)
    if not good:
        page.radio(key="nma_good").set_value("bad (e.g. death, relapse)")
    page.button[0].click().run(timeout=600)  # a fit: ~10 s alone, minutes on a busy machine
    assert not page.exception


def frame_with(page, column):
    """The first table on the page that has ``column``."""
    return next(df.value for df in page.dataframe if column in df.value.columns)


def test_opens_on_the_built_in_trials_without_fitting(page):
    assert not page.error
    assert not page.status
    assert any("press 'Fit the network" in i.value for i in page.info)


def test_uploaded_network_is_fitted_and_ranked(page):
    upload(page, GOOD)
    fit(page)
    assert not page.error
    assert "**C** ranks best" in page.success[0].value
    effects = frame_with(page, "odds ratio")
    assert effects["treatment"].tolist() == ["B", "C"]
    assert (effects["odds ratio"] > 1).all()
    ranking = frame_with(page, "SUCRA")
    assert ranking.index[0] == "C" and ranking.index[-1] == "A"


@pytest.mark.slow  # a second fit of the same network
def test_events_counted_as_bad_reverse_the_ranking(page):
    upload(page, GOOD)
    fit(page, good=False)
    assert "**A** ranks best" in page.success[0].value


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (GOOD.replace("S2,C,35,105", "S2,C,135,105"), "study 'S2'"),
        (GOOD.replace("S1,A,10,100", "S1,A,-1,100"), "study 'S1'"),
        (GOOD + "S4,A,5,50\n", "study 'S4' has only one arm"),
        (GOOD + "S3,C,1,10\n", "study 'S3' lists treatment 'C' twice"),
        (GOOD + "S5,D,5,50\nS5,E,6,50\n", "not connected"),
        ("study,arm,events,total\nS1,A,1,2\n", "no column 'treatment'"),
    ],
)
def test_bad_tables_say_which_study_is_wrong(page, content, fragment):
    upload(page, content)
    if not page.error:  # the counts are checked when the network is fitted
        page.button[0].click().run(timeout=300)
    assert page.error and fragment in page.error[0].value
    assert not page.exception

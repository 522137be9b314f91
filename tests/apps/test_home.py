from _registry import HOME, PAGES, built_pages


def test_home_renders_without_exception(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "decisionkit dashboard"


def test_home_states_the_question_of_every_planned_page(app):
    app.run()
    captions = [c.value for c in app.caption]
    markdown = " ".join(m.value for m in app.markdown)
    for spec in PAGES:
        assert spec.question in captions
        if not spec.built:
            assert f"**{spec.title}** *(coming soon)*" in markdown


def test_navigation_lists_only_built_pages(app):
    app.run()
    # AppTest keeps st.navigation's registry (private attribute; no public accessor in 1.67)
    registered = sorted(str(p["script_path"]) for p in app._registered_pages.values())
    assert registered == sorted(str(p.script) for p in built_pages())
    assert all(p.built for p in PAGES)  # every page the issue plans is built and listed


def test_sidebar_shows_title_version_and_docs_link(app):
    import decisionkit as dk

    app.run()
    assert app.sidebar.title[0].value == "decisionkit"
    captions = " ".join(c.value for c in app.sidebar.caption)
    assert dk.__version__ in captions
    assert "[Documentation](" in captions


def test_every_built_page_renders_without_exception(app):
    app.run()
    for spec in built_pages():
        if spec is not HOME:
            app.switch_page(spec.path).run()
            assert not app.exception, spec.title


def test_no_traceback_reaches_the_browser_and_table_export_is_ours(app):
    # issue 18.7: a traceback with server paths reached the page; issue 18.6: exports go
    # through _layout.csv_download (formula cells neutralised), not Streamlit's table menu
    import tomllib

    import streamlit as st

    from tests.apps.conftest import APP_DIR

    app.run()
    assert st.get_option("client.showErrorDetails") == "none"  # set by dashboard.py
    config = tomllib.loads((APP_DIR / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True

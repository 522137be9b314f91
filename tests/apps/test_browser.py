"""A real browser: Debian's Chromium, driven by playwright, on a live `streamlit run` server.

Visits every page registered in apps/_registry.py (so pages added later are covered), moves
the first slider with the keyboard where a page has one and waits for the recommendation to
change, and saves a screenshot per page under tests/apps/screenshots/ (git-ignored).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from _server import APP_DIR, free_port, start_streamlit, stop, wait_healthy

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,  # ~30 s with the server start
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]

sys.path.insert(0, str(APP_DIR))
from _registry import HOME, built_pages  # noqa: E402

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(page, timeout: float = 30.0) -> None:
    """Wait until the script has finished and the DOM stays unchanged for 0.6 s."""
    deadline = time.monotonic() + timeout
    last, stable = None, 0
    while time.monotonic() < deadline:
        idle = page.locator(IDLE).count() == 1
        skeletons = page.locator('[data-testid="stSkeleton"]').count()
        html = page.locator('[data-testid="stMain"]').inner_html() if idle else None
        stable = stable + 1 if idle and not skeletons and html == last else 0
        if stable >= 3:
            return
        last = html
        page.wait_for_timeout(200)
    raise TimeoutError("the page did not settle")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    proc = start_streamlit(port, tmp_path_factory.mktemp("streamlit") / "server.log")
    try:
        wait_healthy(port, timeout=60, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def page():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 2000})
        yield context.new_page()
        browser.close()


@pytest.mark.parametrize("spec", built_pages(), ids=lambda s: s.url_path)
def test_page_renders_and_slider_moves_recommendation(server, page, spec):
    page.goto(f"{server}/{'' if spec is HOME else spec.url_path}")  # the default page is /
    page.get_by_role("heading", level=1).first.wait_for(timeout=30_000)
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    SHOTS.mkdir(exist_ok=True)
    # Streamlit 1.67 renders sliders with react-aria: a visually hidden <input type="range">
    # (older releases used a div with role="slider"); accept either.
    sliders = page.locator(
        '[data-testid="stSlider"] input[type="range"], [data-testid="stSlider"] [role="slider"]'
    )
    if sliders.count():
        rec = page.locator(".st-key-recommendation").first
        before = rec.inner_text(timeout=30_000)
        sliders.first.focus()
        for _ in range(20):  # 20 steps of the slider to the right
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([sel, old]) => { const e = document.querySelector(sel);"
            " return e && e.innerText !== old; }",
            arg=[".st-key-recommendation", before],
            timeout=30_000,
        )
        settle(page)
        after = rec.inner_text()
        print(f"\n{spec.url_path}: {before!r} -> {after!r}")
        assert after != before
    assert page.locator('[data-testid="stException"]').count() == 0
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart.locator("canvas, svg").first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / f"{spec.url_path}.png"), full_page=True)


def test_bad_upload_in_browser_shows_error_and_page_keeps_working(server, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"cost:A,cost:B\n1,nan\n2,3\n")
    page.goto(f"{server}/your_data")
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(bad)
    error = page.locator('[data-testid="stAlertContentError"]')
    error.wait_for(timeout=30_000)
    assert "missing or infinite" in error.inner_text()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "your_data_bad_upload.png"), full_page=True)
    page.get_by_role("button", name="Remove bad.csv").click()
    page.locator(".st-key-recommendation").first.wait_for(timeout=30_000)
    assert "Drug A" in page.locator(".st-key-recommendation").first.inner_text()

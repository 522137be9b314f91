"""The HTML report opens in Debian's Chromium without errors or requests to any host."""

from pathlib import Path

import pytest

from decisionkit.models.cohort import sick_sicker as ss
from decisionkit.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not at /usr/bin/chromium"),
]


def test_report_opens_without_console_errors_or_requests(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "report.html"
    write_report(
        path,
        ss.sick_sicker_psa(100, random_seed=1),
        wtp=100_000,
        model=ss.sick_sicker_model(),
        base_case=ss.sick_sicker_base_case(),
        psa=ss.sick_sicker_parameters(),
    )
    messages, requests = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("console", lambda m: messages.append((m.type, m.text)))
        page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        n_images = page.locator("img").count()
        loaded = page.evaluate("Array.from(document.images).every(i => i.naturalWidth > 0)")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=False)
        browser.close()
    assert [m for m in messages if m[0] in ("error", "pageerror")] == []
    assert requests == [path.as_uri()]  # the page itself, nothing else
    assert n_images >= 5 and loaded

"""A real browser: Debian's Chromium, driven by playwright, on a live `streamlit run` server.

Visits every page registered in apps/_registry.py (so pages added later are covered), moves
the first slider with the keyboard where a page has one and waits for the recommendation to
change, and saves a screenshot per page under tests/apps/screenshots/ (git-ignored). Uploads
files through the real uploader (issues 17 and 18) and records every request the browser
makes: none may leave 127.0.0.1.
"""

from __future__ import annotations

import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlparse

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
# waits catch a hung page, they are not speed checks: generous, so a loaded machine (numba
# compiling, other jobs on both cores) cannot fail a correct page
WAIT_MS = 300_000


def settle(page, timeout: float = WAIT_MS / 1000) -> None:
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
        wait_healthy(port, timeout=WAIT_MS / 1000, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


REQUESTS: list[str] = []  # every URL any page of this module's browser asked for


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def new_page(browser):
    """A page in a new browser context (its own cookies: its own Streamlit session)."""
    context = browser.new_context(viewport={"width": 1280, "height": 2000})
    context.on("request", lambda request: REQUESTS.append(request.url))
    return context.new_page()


@pytest.fixture(scope="module")
def page(browser):
    return new_page(browser)


@pytest.mark.parametrize("spec", built_pages(), ids=lambda s: s.url_path)
def test_page_renders_and_slider_moves_recommendation(server, page, spec):
    page.goto(f"{server}/{'' if spec is HOME else spec.url_path}")  # the default page is /
    page.get_by_role("heading", level=1).first.wait_for(timeout=WAIT_MS)
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
        before = rec.inner_text(timeout=WAIT_MS)
        sliders.first.focus()
        for _ in range(20):  # 20 steps of the slider to the right
            page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([sel, old]) => { const e = document.querySelector(sel);"
            " return e && e.innerText !== old; }",
            arg=[".st-key-recommendation", before],
            timeout=WAIT_MS,
        )
        settle(page)
        after = rec.inner_text()
        print(f"\n{spec.url_path}: {before!r} -> {after!r}")
        assert after != before
    assert page.locator('[data-testid="stException"]').count() == 0
    for chart in page.locator('[data-testid="stVegaLiteChart"]').all():
        chart.locator("canvas, svg").first.wait_for(timeout=WAIT_MS)
    page.screenshot(path=str(SHOTS / f"{spec.url_path}.png"), full_page=True)


def test_bad_upload_in_browser_shows_error_and_page_keeps_working(server, page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"cost:A,cost:B\n1,nan\n2,3\n")
    page.goto(f"{server}/your_data")
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(bad)
    error = page.locator('[data-testid="stAlertContentError"]')
    error.wait_for(timeout=WAIT_MS)
    assert "missing or infinite" in error.inner_text()
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(SHOTS / "your_data_bad_upload.png"), full_page=True)
    page.get_by_role("button", name="Remove bad.csv").click()
    page.locator(".st-key-recommendation").first.wait_for(timeout=WAIT_MS)
    assert "Drug A" in page.locator(".st-key-recommendation").first.inner_text()


# ---------------------------------------------------------------------- uploads (issue 17, 18)
ERROR = '[data-testid="stAlertContentError"]'
METRIC = '[data-testid="stMetric"]'
EVIL = "[Click to verify](https://evil.example/login) ![t](https://evil.example/px.png) $x^2$"


def upload(page, server, path, url_path="your_data"):
    """Open a page in a fresh session and upload ``path`` through the real file uploader."""
    page.goto(f"{server}/{url_path}")
    page.get_by_role("heading", level=1).first.wait_for(timeout=WAIT_MS)
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(path)
    # the chip of the uploaded file (with its remove button) shows once the bytes are sent
    page.get_by_role("button", name=f"Remove {Path(path).name}").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(500)  # let the rerun the upload triggers start
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0


def refused(page, fragment: str) -> None:
    """A visible error in the page body saying ``fragment``, and no results at all."""
    error = page.locator(ERROR)
    error.first.wait_for(timeout=WAIT_MS)
    assert fragment.lower() in error.first.inner_text().lower()
    assert page.locator(METRIC).count() == 0  # no demo results under the user's file name


def write_xlsx(path: Path) -> Path:
    """A real (minimal, valid) Excel workbook with one sheet of PSA draws, built by hand."""
    ns = "http://schemas.openxmlformats.org"
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/'
            'relationships"><sheets><sheet name="PSA" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>cost:A</t></is></c>'
            '<c r="B1" t="inlineStr"><is><t>cost:B</t></is></c></row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>'
            "</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
    return path


def test_wide_file_with_parameters_shows_mapping_recommendation_and_evppi(
    server, browser, tmp_path
):
    # B gains 0.1 + 0.2 (p - 0.5) QALY for 1,000 more: ICER ~10,000, recommended at 100,000
    import numpy as np

    rng = np.random.default_rng(5)
    p, q = rng.uniform(0, 1, 300), rng.uniform(0, 1, 300)
    rows = "".join(
        f"5000,6000,5,{5.1 + 0.2 * (a - 0.5):.5f},{a:.5f},{b:.5f}\n"
        for a, b in zip(p, q, strict=True)
    )
    path = tmp_path / "psa_wide.csv"
    path.write_text(
        "cost:Old drug,cost:New drug,qaly:Old drug,qaly:New drug,p_effect,q_cost\n" + rows
    )
    page = new_page(browser)
    upload(page, server, path, "cost_effective")
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "How your file was read" in body
    assert "2 strategies (Old drug, New drug)" in body
    assert "2 parameter column(s): p_effect, q_cost" in body
    rec = page.locator(".st-key-recommendation").first.inner_text()
    assert "New drug" in rec
    page.get_by_text("EVPPI per person of each parameter").first.wait_for(timeout=WAIT_MS)
    assert page.locator(ERROR).count() == 0
    page.screenshot(path=str(SHOTS / "cost_effective_upload.png"), full_page=True)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("long_no_action.csv", b"draw,cost,qaly\n0,1,2\n1,3,4\n", "no column saying which"),
        ("empty.csv", b"", "the file is empty"),
    ],
)
def test_unusable_file_shows_error_and_no_results(server, page, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    upload(page, server, path)
    refused(page, fragment)


def test_real_xlsx_is_explained_in_the_page(server, page, tmp_path):
    upload(page, server, write_xlsx(tmp_path / "psa.xlsx"))
    refused(page, "Excel workbook")


def test_60_mb_file_is_refused_in_the_page(server, page, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as f:
        f.write(b"cost:A,cost:B\n")
        f.write(b"1.000000,2.000000\n" * (60_000_000 // 18 + 1))
    upload(page, server, path)
    refused(page, "larger than the limit of 50 MB")
    # one limit stated: Streamlit's "200MB per file" transport ceiling is not shown
    assert "200MB" not in page.locator('[data-testid="stMain"]').inner_text()
    page.screenshot(path=str(SHOTS / "your_data_60mb.png"), full_page=True)


def test_semicolon_decimal_comma_file_is_read(server, page, tmp_path):
    path = tmp_path / "european.csv"
    path.write_bytes(b"cost:A;cost:B;qaly:A;qaly:B\n10;20;1,0;2,5\n12;25;0,9;2,6\n11;22;1,1;2,4\n")
    upload(page, server, path)
    assert page.locator(ERROR).count() == 0
    assert page.locator(METRIC).first.locator('[data-testid="stMetricValue"]').inner_text() == "B"


def test_two_sessions_uploading_the_same_numbers_see_only_their_own_names(
    server, browser, tmp_path
):
    # issue 18.4: the cache ignored column names; a second user saw the first user's names
    names = {"first": ("Alpha", "Beta"), "second": ("Gamma", "Delta")}
    pages = {}
    for who, (a, b) in names.items():
        path = tmp_path / f"{who}.csv"
        path.write_text(f"gain:{a},gain:{b}\n1,5\n2,4\n0,3\n")
        pages[who] = new_page(browser)
        upload(pages[who], server, path)
    for who, (a, b) in names.items():
        text = pages[who].locator('[data-testid="stMain"]').inner_text()
        other = [n for k, v in names.items() if k != who for n in v]
        assert b in pages[who].locator(METRIC).first.inner_text()
        assert a in text and not any(n in text for n in other), (who, other)


def test_markdown_and_katex_in_a_name_render_as_text(server, page, tmp_path):
    # issue 18.5: this name became a live link, fetched the image and rendered KaTeX
    rows = "".join(f"{d},A,1\n{d},{EVIL},9\n" for d in range(3))
    path = tmp_path / "evil.csv"
    path.write_text(f"draw,action,gain\n{rows.replace(EVIL, chr(34) + EVIL + chr(34))}")
    upload(page, server, path)
    value = page.locator(METRIC).first.locator('[data-testid="stMetricValue"]').inner_text()
    assert value.replace("\u200b", "") == EVIL  # zero-width spaces break GFM autolinks
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert page.locator('img[src*="evil.example"]').count() == 0
    assert page.locator(".katex").count() == 0
    page.screenshot(path=str(SHOTS / "your_data_markdown_name.png"), full_page=True)


def test_no_request_leaves_127_0_0_1():
    # runs last in this module: every request of every page and upload above
    assert REQUESTS, "no request was recorded"
    hosts = {
        urlparse(u).hostname
        for u in REQUESTS
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts == {"127.0.0.1"}, sorted(hosts)

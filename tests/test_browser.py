"""A real browser against the real server: every page renders, widgets and shared URLs work.

Runs ``streamlit run`` on 127.0.0.1 and drives Debian's Chromium through Playwright
(``executable_path``; browser downloads are blocked here). Skipped when Chromium is missing,
unless ACTLAB_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from ui.lessons import HOME, LESSONS

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("ACTLAB_SCREENSHOTS", "/tmp/actlab-screenshots"))
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("ACTLAB_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"ACTLAB_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        # an edit elsewhere in the tree must not reload modules under a live session
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    # A file, not a pipe, for the server's output: a full pipe would stall the server.
    with open(SCREENSHOTS / "server.log", "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            process.kill()
            pytest.fail(f"streamlit did not start: {(SCREENSHOTS / 'server.log').read_text()}")
        yield url
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def wait_until_idle(page, timeout: float = 120) -> None:
    """Wait for the app to load and for its script run to finish (no running indicator)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0
        skeleton = page.locator('[data-testid="stAppSkeleton"]').count() > 0
        if running or skeleton:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.2)
    raise AssertionError("the app kept running past the timeout")


def page_paths() -> list[str]:
    """URL paths of the pages, home ("") first, from the table the router reads."""
    return [HOME.url_path, *(lesson.url_path for lesson in LESSONS)]


def assert_rendered_cleanly(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:2000]


def chart_count(page, timeout_ms: int = 60_000) -> int:
    """Altair charts on the page, after the first one has actually drawn (canvas or svg)."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.locator("canvas, svg").first.wait_for(timeout=timeout_ms)
    return charts.count()


def test_deep_link_on_a_fresh_server_runs_inside_the_router(server, page):
    """The first request a new server sees is a shared link, not the home page.

    Watched frame by frame from the moment of the request: whenever the sidebar shows a menu it
    is the app's own (never Streamlit's automatic list of the pages/ folder), and the time to
    the app's menu and to the page title on a fresh server is printed.
    """
    started = time.monotonic()
    page.goto(
        f"{server}/explorer?ex_n=abc&ex_fns=ELU&ex_fns=Nope&present=true&hide=ex_x",
        wait_until="commit",
    )
    menu = page.locator('[data-testid="stSidebarNav"]')
    title = page.get_by_role("heading", name="Activation Explorer")
    menu_at = title_at = None
    while time.monotonic() - started < 120 and title_at is None:
        if menu_at is None and menu.count():  # in the DOM: presenter links fold the sidebar
            menu_at = time.monotonic() - started
            page.screenshot(path=str(SCREENSHOTS / "cold-start-first-menu.png"))
            first_menu = menu.text_content()
            assert "Activation Explorer" in first_menu, f"not the app's menu: {first_menu!r}"
            assert "streamlit app" not in first_menu, "Streamlit's automatic pages/ list was shown"
        if title.count() and title.is_visible():
            title_at = time.monotonic() - started
        time.sleep(0.05)
    if menu_at is None or title_at is None:  # say what the visitor saw, and what the server did
        page.screenshot(path=str(SCREENSHOTS / "cold-start-failed.png"))
        seen = page.locator("body").inner_text()[:500]
        log = (SCREENSHOTS / "server.log").read_text()[-2000:]
        raise AssertionError(f"no menu or no page title: page {seen!r}; server log: {log}")
    print(f"\ncold start: app menu after {menu_at:.2f} s, page title after {title_at:.2f} s")
    wait_until_idle(page)
    navigation = menu.text_content()
    assert "Activation Explorer" in navigation and "streamlit app" not in navigation
    toast = page.locator('[data-testid="stToast"]')
    expect(toast).to_contain_text("Resolution (points): “abc”")
    expect(toast).to_contain_text("Activations: “Nope”")

    # Presenter mode hides the listed control but the others stay (in the folded sidebar).
    def display(key: str) -> str:
        return page.locator(f".st-key-{key}").evaluate("e => getComputedStyle(e).display")

    assert display("ex_x") == "none" and display("ex_sat") != "none"
    assert_rendered_cleanly(page)


def test_markup_in_a_link_renders_as_plain_text(server, page):
    """A shared link cannot draw a link, an image or a form, nor crash a page."""
    link = "[Click](https://evil.example)"
    form = "</style><form action=https://evil.example><input name=pw type=password>"
    query = urlencode(
        [
            ("ex_n", link),
            ("ex_digit", "inf"),
            ("fx", "[Click](//ev.il)"),
            ("present", "true"),
            ("hide", form),
            ("hide", "x{} [data-testid=stMain]{display:none} .y"),
        ]
    )
    page.goto(f"{server}/explorer?{query}")
    wait_until_idle(page)
    assert_rendered_cleanly(page)
    expect(page.locator('[data-testid="stToast"]')).to_contain_text("[Click](https")
    assert page.locator("a[href*='evil'], a[href*='ev.il'], img[src*='evil']").count() == 0
    assert page.locator("input[name=pw], form[action*='evil']").count() == 0
    expect(page.locator('[data-testid="stMain"]')).to_be_visible()
    expect(page.get_by_role("heading", name="Activation Explorer")).to_be_visible()


@pytest.mark.parametrize("path", page_paths())
def test_every_page_renders_without_exception(server, page, path):
    page.goto(f"{server}/{path}")
    wait_until_idle(page)
    assert_rendered_cleanly(page)
    if path == "mnist":  # its charts come from a training run: start one and watch it live
        page.get_by_role("button", name="Train").click()
        assert chart_count(page, timeout_ms=180_000) > 0, "no live training chart on /mnist"
        wait_until_idle(page, timeout=240)
        assert_rendered_cleanly(page)
        expect(page.get_by_role("heading", name="Results")).to_be_visible(timeout=120_000)
    elif path == "playground":  # drawn on its component's canvases, not by Vega-Lite
        # The network canvas says how many heatmaps it drew per layer once a frame arrived.
        expect(page.get_by_test_id("pg-network")).to_have_attribute(
            "data-heatmaps", re.compile(r"\d"), timeout=60_000
        )
    elif path:
        assert chart_count(page) > 0, f"no chart rendered on /{path}"


def test_explorer_widget_changes_the_chart_and_shared_url_restores_state(server, page):
    page.goto(f"{server}/explorer")
    wait_until_idle(page)
    assert chart_count(page) >= 3
    first_chart = page.locator('[data-testid="stVegaLiteChart"]').first
    before = first_chart.screenshot()
    page.screenshot(path=str(SCREENSHOTS / "explorer.png"), full_page=False)
    page.get_by_text("Show f″ (second derivative)").click()
    wait_until_idle(page)
    assert chart_count(page) >= 4
    # Changing the selection redraws the first chart.
    page.locator(".st-key-ex_fns").get_by_role(
        "button", name=re.compile("Remove", re.I)
    ).first.click()
    wait_until_idle(page)
    redrawn = False
    for _ in range(50):  # Vega may still be painting the new data
        if first_chart.screenshot() != before:
            redrawn = True
            break
        time.sleep(0.2)
    assert redrawn, "the f(x) chart did not change after removing a function"
    assert_rendered_cleanly(page)

    # A shared link restores the selection and parameter values.
    page.goto(f"{server}/explorer?ex_fns=ELU&ex_fns=GELU&ex_elu_alpha=2.5")
    wait_until_idle(page)
    assert_rendered_cleanly(page)
    chosen = page.locator(".st-key-ex_fns")
    expect(chosen.get_by_role("button", name="Remove ELU")).to_have_count(1)
    expect(chosen.get_by_role("button", name="Remove GELU")).to_have_count(1)
    expect(chosen.get_by_role("button", name="Remove ReLU")).to_have_count(0)
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="ELU · alpha")
    expect(slider.locator("input").first).to_have_value("2.5")

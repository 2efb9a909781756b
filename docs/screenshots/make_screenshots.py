"""Screenshots of every page, as a projector and a desktop show them: 1280x720 in presenter mode
and 1920x1080 without it, into docs/screenshots/ (linked from the README), and the projector's
view once more in Chinese (``<page>-projector.zh-CN.png``, linked from README.zh-CN.md).

    python docs/screenshots/make_screenshots.py                    # every page, every shot
    python docs/screenshots/make_screenshots.py explorer           # one page, every shot
    python docs/screenshots/make_screenshots.py projector.zh-CN    # every page, one shot
    python docs/screenshots/make_screenshots.py projector.zh-CN explorer gated

Starts its own server on 127.0.0.1 and drives Debian's Chromium (/usr/bin/chromium) through
Playwright. Each screenshot is the first screen a visitor sees (no scrolling): what fits there
is the point. Pages whose charts come from a training press Train and wait for it first.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_test import streamlit_server  # noqa: E402

from ui.lessons import HOME, LESSONS  # noqa: E402

OUT = Path(__file__).resolve().parent
# shot -> (viewport, link values); the shot names the file: <page>-<shot>.png
SIZES = {
    "projector": ((1280, 720), "present=true"),
    "desktop": ((1920, 1080), ""),
    "projector.zh-CN": ((1280, 720), "present=true&lang=zh-CN"),
}
# page -> key of the button to press before the screenshot (a key reads the same in any language)
TRAIN_FIRST = {"mnist": "mn_go"}
CHART = '[data-testid="stVegaLiteChart"]'


def wait_until_idle(page, timeout: float = 180) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    deadline, quiet_since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"], [data-testid="stAppSkeleton"]')
        if busy.count():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 2.0:
            return
        time.sleep(0.2)


# Charts draw after the script is idle (Vega's bundle loads lazily): every chart on the first
# screen must hold its canvas before the picture is taken, or the screenshot shows grey boxes.
CHARTS_IN_VIEW_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(chart => chart.getBoundingClientRect().top < window.innerHeight)
    .every(chart => chart.querySelector('canvas, svg'))"""


def wait_for_charts_in_view(page, timeout: float = 120) -> None:
    page.wait_for_function(CHARTS_IN_VIEW_DRAWN, timeout=timeout * 1000)


def shoot(base_url: str, url_path: str, browser, shots: list[str]) -> list[Path]:
    written = []
    for size_name in shots:
        (width, height), query = SIZES[size_name]
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{base_url}/{url_path}?{query}")
        wait_until_idle(page)
        if url_path in TRAIN_FIRST:  # Streamlit gives a keyed element the class st-key-<key>
            # :visible: a button with help text has a hidden twin in the DOM
            page.locator(f".st-key-{TRAIN_FIRST[url_path]} button:visible").click()
            page.mouse.move(0, height - 1)  # no tooltip over the picture
            time.sleep(2)
            wait_until_idle(page, timeout=600)
            # a chart drawn: "every chart in view is drawn" also holds before any chart is there
            page.wait_for_selector(f"{CHART} :is(canvas, svg)", timeout=120_000)
        wait_for_charts_in_view(page)
        time.sleep(1.0)  # the last chart's transition ends
        path = OUT / f"{url_path or 'home'}-{size_name}.png"
        page.screenshot(path=str(path))
        written.append(path)
        page.close()
    return written


def main(names: list[str]) -> None:
    """``names``: pages (``home``, ``explorer``) and shots (``projector.zh-CN``); none means all."""
    shots = [shot for shot in SIZES if shot in names] or list(SIZES)
    pages = [name for name in names if name not in SIZES]
    paths = [HOME.url_path, *(lesson.url_path for lesson in LESSONS)]
    chosen = [p for p in paths if not pages or (p or "home") in pages]
    with streamlit_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        for url_path in chosen:
            for path in shoot(server.url, url_path, browser, shots):
                print(path.relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])

"""The playground in a real browser: play, pause, step, reset, add a neuron, switch dataset, and
the network diagram draws one heatmap per neuron (issue 15's proof).

Same server and Chromium as tests/test_browser.py (its fixtures are imported, so this module is
skipped where that one is, and fails where ACTLAB_REQUIRE_BROWSER=1 and Chromium is missing).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from test_browser import (  # noqa: F401  (fixtures)
    SCREENSHOTS,
    assert_rendered_cleanly,
    browser,
    expect,
    server,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
SMALL = "pg_n=200"


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def epoch(page) -> int:
    return int(page.get_by_test_id("pg-epoch").inner_text().replace(",", ""))


def heatmaps(page) -> list[int]:
    """Heatmaps the component drew in its last paint, per layer (features, hidden, output)."""
    text = page.get_by_test_id("pg-network").get_attribute("data-heatmaps") or ""
    return [int(n) for n in text.split(",") if n]


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    """Poll ``condition`` (which must ask the browser: ``page.url`` alone is only refreshed by
    Playwright calls, not while Python sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def open_playground(page, server, query: str = SMALL) -> None:  # noqa: F811
    page.goto(f"{server}/playground?{query}")
    wait_until_idle(page)
    page.wait_for_function("window.__pgFrames > 0", timeout=60_000)
    assert_rendered_cleanly(page)


def test_play_pause_step_reset_add_a_neuron_and_switch_dataset(server, page):  # noqa: F811
    open_playground(page, server)
    assert epoch(page) == 0
    assert heatmaps(page) == [2, 8, 8, 1]  # one heatmap per neuron, features to output

    # Hover the heaviest edge: its weight is read out.
    x, y, _weight = page.get_by_test_id("pg-network").get_attribute("data-edge").split(",")
    box = page.get_by_test_id("pg-network").bounding_box()
    page.mouse.move(box["x"] + float(x), box["y"] + float(y))
    expect(page.get_by_test_id("pg-tooltip")).to_contain_text("weight")

    play = page.get_by_test_id("pg-play")
    play.click()
    expect(play).to_have_attribute("data-state", "playing", timeout=30_000)
    wait_for(lambda: epoch(page) >= 5, what="five epochs while playing")
    page.screenshot(path=str(SCREENSHOTS / "playground-playing.png"))
    play.click()
    expect(play).to_have_attribute("data-state", "paused", timeout=5_000)  # answered at once
    expect(play).to_have_attribute("data-server", "paused", timeout=30_000)
    time.sleep(1.0)  # a frame already on its way may still land
    paused = epoch(page)
    time.sleep(1.5)
    assert epoch(page) == paused, "training went on after Pause"

    page.get_by_test_id("pg-step").click()
    wait_for(lambda: epoch(page) == paused + 1, 30, "one epoch after Step")
    time.sleep(1.0)
    assert epoch(page) == paused + 1

    page.get_by_test_id("pg-reset").click()
    wait_for(lambda: epoch(page) == 0, 30, "epoch 0 after Reset")
    page.wait_for_url(re.compile(r"pg_seed=1\b"), timeout=30_000)  # the next weight seed

    # TF's inputs: a faint feature switched on by a click (X₁², the circle's own feature).
    slots = json.loads(page.get_by_test_id("pg-network").get_attribute("data-slots"))
    assert [slot[0] for slot in slots if slot[3]] == ["x1", "x2"] and len(slots) == 7
    _, x, y, _ = next(slot for slot in slots if slot[0] == "x1sq")
    box = page.get_by_test_id("pg-network").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile("pg_feat=X.*pg_feat=X.*pg_feat=X"), timeout=30_000)
    wait_for(lambda: heatmaps(page) == [3, 8, 8, 1], 30, "a third input feature")
    wait_for(lambda: epoch(page) == 0, 30, "a new run for the new inputs")

    page.get_by_test_id("pg-add-neuron-0").click()
    wait_for(lambda: heatmaps(page) == [3, 9, 8, 1], 30, "a ninth neuron in layer 1")
    page.wait_for_url(re.compile(r"pg_shape=9%2C(\+|%20)8"), timeout=30_000)

    page.locator(".st-key-pg_ds").click()  # the sidebar's selector
    page.get_by_role("option", name="XOR", exact=True).click()
    page.wait_for_url(re.compile("pg_ds=XOR"), timeout=30_000)
    wait_until_idle(page)
    assert epoch(page) == 0 and heatmaps(page) == [3, 9, 8, 1]
    expect(page.get_by_test_id("pg-dataset-xor")).to_have_class(re.compile("pg-chosen"))

    page.get_by_test_id("pg-dataset-spiral3").click()  # the component's data column
    page.wait_for_url(re.compile(r"pg_ds=3-arm\+spiral|pg_ds=3-arm%20spiral"), timeout=30_000)
    wait_for(lambda: heatmaps(page) == [3, 9, 8, 3], 30, "three output neurons for 3 classes")
    expect(page.get_by_test_id("pg-legend")).to_contain_text("class 2")
    assert_rendered_cleanly(page)


def test_show_test_data_and_discretize_reach_the_url_and_the_legend(server, page):  # noqa: F811
    open_playground(page, server)
    legend = page.get_by_test_id("pg-legend")
    expect(legend).to_contain_text("misclassified")
    expect(legend).not_to_contain_text("test point")
    page.get_by_test_id("pg-show_test").check()
    expect(legend).to_contain_text("test point")
    page.wait_for_url(re.compile("pg_test=true"), timeout=30_000)
    page.get_by_test_id("pg-discretize").check()
    page.wait_for_url(re.compile("pg_disc=true"), timeout=30_000)
    assert page.get_by_test_id("pg-show_test").is_checked()
    assert_rendered_cleanly(page)


def test_the_component_speaks_the_visitors_language_and_switches_with_it(server, page):  # noqa: F811
    open_playground(page, server, f"{SMALL}&lang=zh-CN")
    expect(page.get_by_test_id("pg-play")).to_have_text("播放")
    expect(page.get_by_test_id("pg-reset")).to_have_attribute("title", re.compile("新的随机权重"))
    expect(page.get_by_test_id("pg-losses")).to_contain_text("训练损失")
    expect(page.get_by_test_id("pg-dataset-circle")).to_have_text("圆形")
    page.get_by_test_id("pg-play").click()  # a frame drawn by a fragment's rerun stays Chinese
    wait_for(lambda: epoch(page) >= 3, what="three epochs while playing")
    expect(page.get_by_test_id("pg-play")).to_have_text("暂停")
    expect(page.get_by_test_id("pg-losses")).to_contain_text("测试损失")
    page.get_by_test_id("pg-play").click()
    page.screenshot(path=str(SCREENSHOTS / "zh-CN-playground-1400x1000.png"))
    page.locator('.st-key-lang [data-testid="stRadioOption"]').first.click()  # "en"
    # English is this browser's own language: the link then simply has no lang.
    wait_for(lambda: "lang=" not in page.evaluate("location.search"), 30, "lang gone from the link")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("实验场", timeout=30_000)
    expect(page.get_by_test_id("pg-play")).to_have_text("Play", timeout=30_000)
    expect(page.get_by_test_id("pg-losses")).to_contain_text("train loss")

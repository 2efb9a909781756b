"""A shared link with lang=zh-CN opens in Chinese, in real Chromium, with the sender's state.

Reuses the server and browser of tests/test_browser.py (skipped with it where Chromium is
missing). Screenshots of each translated page at 1280x720 go to the same folder as that test's.
"""

from __future__ import annotations

import pytest
from test_browser import (  # noqa: F401  (fixtures)
    SCREENSHOTS,
    assert_rendered_cleanly,
    browser,
    chart_count,
    server,
    wait_until_idle,
)

TRANSLATED = {  # url path -> its heading in Chinese
    "": "actlab — 激活函数实验室",
    "explorer": "激活函数探索器",
    "nonlinearity": "为什么需要非线性",
    "softmax": "Softmax、log-softmax 与损失函数",
    "gated": "门控单元：GLU、ReGLU、GEGLU、SwiGLU",
}


@pytest.fixture
def small_page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def test_a_chinese_link_opens_in_chinese_with_the_senders_state(server, small_page):  # noqa: F811
    page = small_page
    page.goto(f"{server}/explorer?lang=zh-CN&ex_x=-3.0&ex_x=3.0&ex_n=401")
    wait_until_idle(page)
    assert_rendered_cleanly(page)
    assert page.locator("h1").first.inner_text().strip() == "激活函数探索器"
    assert chart_count(page) >= 3
    body = page.inner_text("body")
    assert "探索器控制项" in body and "分辨率（点数）" in body
    sliders = page.locator('[data-testid="stSliderThumbValue"]').all_inner_texts()
    assert "-3.00" in sliders and "3.00" in sliders  # the sender's x range
    assert "lang=zh-CN" in page.url and "ex_x=-3.0" in page.url


@pytest.mark.parametrize("path", list(TRANSLATED))
def test_every_translated_page_renders_in_chinese(server, small_page, path):  # noqa: F811
    page = small_page
    page.goto(f"{server}/{path}?lang=zh-CN")
    wait_until_idle(page)
    assert_rendered_cleanly(page)
    assert TRANSLATED[path] in page.locator("h1").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"zh-CN-{path or 'home'}-1280x720.png"))

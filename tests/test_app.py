"""The router: every page file is registered and runs without exception."""

from __future__ import annotations

import pytest
from apptest_helpers import ROOT, app_path
from streamlit.testing.v1 import AppTest

from ui.lessons import HOME, LESSONS

PAGE_FILES = sorted(f"app_pages/{p.name}" for p in (ROOT / "app_pages").glob("*.py"))


def test_home_lists_every_lesson():
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value.startswith("actlab")
    # One table of lessons feeds the navigation and the home page: every page file is in it.
    assert sorted([HOME.path, *(lesson.path for lesson in LESSONS)]) == PAGE_FILES
    links = [link.proto.label for link in at.get("page_link")]
    assert links == [lesson.title for lesson in LESSONS]


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_runs_inside_the_router(page):
    at = AppTest.from_file(app_path("streamlit_app.py"), default_timeout=180)
    at.run()
    at.switch_page(page)  # fails if the page is not registered with st.navigation
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    lesson = next((lesson for lesson in LESSONS if lesson.path == page), None)
    if lesson is not None:  # the router draws the lesson's heading and notice, once
        assert [t.value for t in at.title] == [lesson.heading]
        assert at.info[0].value == lesson.notice


def test_every_lesson_has_a_heading_and_a_notice():
    for lesson in LESSONS:
        assert lesson.heading and len(lesson.notice) > 40, lesson.url_path


def test_pages_draw_charts_and_bind_widgets_only_through_ui():
    """Charts get the theme only through ui.export.draw; links are checked only by ui.bound."""
    for page in PAGE_FILES:
        text = (ROOT / page).read_text()
        for direct in (".altair_chart(", ".vega_lite_chart(", 'bind="query-params"', "st.stop()"):
            assert direct not in text, f"{page} uses {direct} directly"

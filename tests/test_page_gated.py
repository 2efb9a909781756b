"""AppTest of the gated-units page: every section renders and the widgets drive the charts."""

from __future__ import annotations

import apptest_helpers
import pytest

from actlab import gated
from ui.lessons import LESSONS

PAGE = "app_pages/gated.py"


def test_page_renders_plane_partials_slices_and_diagonal():
    at = apptest_helpers.run_page(PAGE, errors_allowed=False)
    specs = apptest_helpers.chart_specs(at)
    assert len(specs) == 6  # three heatmaps, two slices, the diagonal
    titles = [s.get("title") for s in specs[:3]]
    assert titles == list(gated.FIELDS.values())
    text = " ".join(m.value for m in at.markdown)
    assert "x·sigmoid(x) draws SiLU" in apptest_helpers.shown(text)
    assert any("x^2" in latex.value for latex in at.latex)
    diagonal = apptest_helpers.chart_rows(at, 5, "series")
    assert set(diagonal["series"]) == {
        "SwiGLU · on a = b",
        "SiLU / Swish · the gate φ alone, b = 1",
    }


@pytest.mark.parametrize("unit", ["GLU", "ReGLU"])
def test_the_unit_from_a_link_changes_the_diagonal(unit):
    at = apptest_helpers.run_page(
        PAGE, query={"gu_unit": unit, "gu_a": "-2", "gu_b": "0.5", "gu_n": "41"}
    )
    assert not at.error
    diagonal = apptest_helpers.chart_rows(at, 5, "series")
    assert f"{unit} · on a = b" in set(diagonal["series"])
    slice_b = apptest_helpers.chart_rows(at, 4, "y")
    assert len(slice_b) > 0


def test_a_slice_outside_the_plane_draws_no_marker_and_hostile_links_are_clamped():
    at = apptest_helpers.run_page(PAGE, query={"gu_range": "2", "gu_a": "1e300", "gu_n": "7"})
    assert not at.exception
    heatmap = apptest_helpers.chart_specs(at)[0]
    assert len(heatmap["layer"]) == 5  # a = 10 lies outside ±2: only the b rule is drawn


def test_lesson_is_registered_with_its_prefix():
    lesson = next(lesson for lesson in LESSONS if lesson.path == PAGE)
    assert lesson.key_prefix == "gu_" and lesson.url_path == "gated"

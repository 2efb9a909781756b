"""actlab.charts.theme: dark, solid and large enough for a projector."""

from __future__ import annotations

from actlab.charts import theme


def _sizes(config: dict) -> list[int]:
    return [
        value
        for section in config.values()
        if isinstance(section, dict)
        for key, value in section.items()
        if key.endswith("FontSize") or key == "fontSize"
    ]


def test_presenter_mode_puts_every_chart_text_at_18_px_or_more():
    assert min(_sizes(theme.chart_config(presenting=True))) >= 18
    assert min(_sizes(theme.chart_config(presenting=False))) >= 14


def test_text_is_dark_and_legend_symbols_are_opaque():
    config = theme.chart_config()
    for section in ("axis", "legend", "header"):
        assert config[section]["labelColor"] == theme.TEXT
    assert config["legend"]["symbolOpacity"] == 1
    assert config["line"]["strokeWidth"] >= 2.5


def test_themed_spec_overrides_a_charts_small_grey_config_but_keeps_the_rest():
    spec = {"mark": "line", "config": {"axis": {"labelFontSize": 9, "labelColor": "#808495"}}}
    themed = theme.themed(spec, presenting=True)
    assert themed["config"]["axis"]["labelFontSize"] >= 18
    assert themed["config"]["axis"]["labelColor"] == theme.TEXT
    assert themed["mark"] == "line" and spec["config"]["axis"]["labelFontSize"] == 9

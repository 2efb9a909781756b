"""actlab.charts.playground: the live charts keep their encodings and carry fresh data.

The learning curves: tests/test_charts_learning_curves.py.
"""

from __future__ import annotations

import pytest

from actlab.charts.playground import (
    CLASS_COLOURS,
    SPLIT_SHAPES,
    decision_surface_chart,
    regression_fit_chart,
)
from actlab.playground import PlaygroundConfig, PlaygroundTrainer

SMALL = {"n_points": 200}


def test_live_charts_reuse_their_encodings_but_carry_fresh_data():
    trainer = PlaygroundTrainer(PlaygroundConfig(**SMALL))
    before = decision_surface_chart(trainer.surface(8), trainer.points(), trainer.extent)
    trainer.step(5)
    after = decision_surface_chart(trainer.surface(8), trainer.points(), trainer.extent)
    first, second = before.to_dict(), after.to_dict()
    assert [layer["encoding"] for layer in first["layer"]] == [
        layer["encoding"] for layer in second["layer"]
    ]
    surface_rows = second["datasets"][second["layer"][0]["data"]["name"]]
    assert [row["p"] for row in surface_rows] == pytest.approx(
        trainer.surface(8)["p"].tolist(), rel=1e-6
    )
    assert first["datasets"] != second["datasets"]


def tooltip_fields(spec: dict) -> set[str]:
    return {t["field"] for layer in spec["layer"] for t in layer["encoding"].get("tooltip", [])}


def test_decision_surface_draws_cells_and_points_in_playground_colours():
    trainer = PlaygroundTrainer(PlaygroundConfig(**SMALL))
    spec = decision_surface_chart(trainer.surface(6), trainer.points(), trainer.extent).to_dict()
    cells, dots = spec["layer"]
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["x"]["scale"]["domain"] == [-trainer.extent, trainer.extent]
    assert dots["encoding"]["fill"]["scale"]["range"] == CLASS_COLOURS.range
    assert dots["encoding"]["shape"]["scale"]["range"] == SPLIT_SHAPES.range
    assert {"p", "label", "split", "correct"} <= tooltip_fields(spec)
    assert len(spec["datasets"][cells["data"]["name"]]) == 36


def test_regression_fit_draws_points_and_the_curve():
    trainer = PlaygroundTrainer(PlaygroundConfig(dataset="sin", **SMALL))
    spec = regression_fit_chart(trainer.curve(21), trainer.points(), trainer.extent).to_dict()
    dots, line = spec["layer"]
    assert dots["mark"]["type"] == "point" and line["mark"]["type"] == "line"
    assert line["encoding"]["y"]["field"] == "prediction"
    assert len(spec["datasets"][line["data"]["name"]]) == 21
    assert len(spec["datasets"][dots["data"]["name"]]) == 200

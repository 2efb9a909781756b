"""actlab.playground_io and playground_export: uploaded CSV and drawn points (hostile input,
messages naming the line), and the exported state_dict reproducing the predictions in the
exported script's own module."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from actlab import activations, playground_export, playground_io
from actlab.playground import PlaygroundConfig, PlaygroundTrainer, output_values

GOOD = "x1,x2,label\n0.5,1.0,0\n-1,2,1\n\n3,-0.25,0\n2.5,2.5,1\n"


def test_csv_with_header_and_blank_lines():
    points = playground_io.parse_csv(GOOD)
    np.testing.assert_array_equal(points.x, [[0.5, 1.0], [-1, 2], [3, -0.25], [2.5, 2.5]])
    assert points.y.tolist() == [0, 1, 0, 1] and points.n_classes == 2
    assert points.task == "classification"
    same = playground_io.parse_csv(("\ufeff" + GOOD.split("\n", 1)[1]).encode("utf-8"))
    np.testing.assert_array_equal(same.x, points.x)


def test_csv_labels_decide_the_task():
    tf_labels = playground_io.parse_csv("0,0,-1\n1,1,1\n2,2,-1\n3,3,1\n")
    assert tf_labels.y.tolist() == [0, 1, 0, 1]  # TF's -1/+1 are classes 0/1
    three = playground_io.parse_csv("0,0,0\n1,1,1\n2,2,2\n3,3,0\n4,4,1\n5,5,2\n")
    assert three.n_classes == 3
    regression = playground_io.parse_csv("0,0,0.5\n1,1,-0.25\n2,2,1\n3,3,0\n")
    assert regression.n_classes == 0 and regression.y.tolist() == [0.5, -0.25, 1, 0]
    forced = playground_io.parse_csv("0,0,0\n1,1,1\n2,2,0\n3,3,1\n", task="regression")
    assert forced.n_classes == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x1,x2,label\n0,0,0\n1,1\n2,2,1\n3,3,0\n", "line 3: expected 3 values"),
        ("0,0,0\n1,1,1\n2,abc,0\n3,3,1\n", "line 3: x2 is not a number: 'abc'"),
        ("0,0,0\n1,1,1\n2,2,nan\n3,3,1\n", "line 3: label must be finite"),
        ("0,0,0\n1,1,1\n1e9,2,0\n3,3,1\n", "line 3: x1 must be within"),
        ("0,0,0\n\n1,1,1,1\n", "line 3: expected 3 values"),
        ("a,b,c\nd,e,f\n0,0,0\n", "line 2: x1 is not a number"),
        ("0,0,0\n1,1,1\n2,2,0\n", "at least 4 data rows"),
        ("0,0,0\n1,1,0\n2,2,0\n3,3,0\n", "at least two classes"),
        ("0,0,0\n1,1,0\n2,2,0\n3,3,1\n", "class 1 has a single point"),
        ("0,0,0\n1,1,1\n2,2,0.5\n3,3,1\n", None),  # a fractional label: regression, fine
        ("0,0,0\n1,1,1\n2,2,7\n3,3,1\n", "line 3: a class label is 0, 1 or 2"),
    ],
)
def test_malformed_csv_names_the_line(text, message):
    task = "classification" if "a class label" in (message or "") else None
    if message is None:
        assert playground_io.parse_csv(text).n_classes == 0
        return
    with pytest.raises(ValueError, match=message):
        playground_io.parse_csv(text, task=task)


def test_csv_is_bounded():
    rows = "".join(f"{i % 5},{i % 7},{i % 2}\n" for i in range(playground_io.MAX_ROWS + 1))
    with pytest.raises(ValueError, match=f"line {playground_io.MAX_ROWS + 1}: more than 2,000"):
        playground_io.parse_csv(rows)
    with pytest.raises(ValueError, match="larger than 256 KiB"):
        playground_io.parse_csv(b"0,0,0\n" * 50_000)
    with pytest.raises(ValueError, match="not UTF-8"):
        playground_io.parse_csv(b"0,0,0\n\xff\xfe,1,1\n")
    long_field = "9" * 5 + "x" * 500
    with pytest.raises(ValueError) as error:
        playground_io.parse_csv(f"0,0,0\n{long_field},1,1\n")
    assert len(str(error.value)) < 80  # the echo is cut short


def test_drawn_points_are_validated():
    items = [[0.5, 1.0, 0], [-1.0, 2.0, 1], [3, -0.25, 2.0], [2.5, 2.5, 1], [1, 1, 0], [0, 0, 2]]
    points = playground_io.drawn_points(items)
    assert points.n_classes == 3 and points.y.tolist() == [0, 1, 2, 1, 0, 2]
    bad_cases = [
        ("nope", "a list"),
        ([[0, 0, 0]] * 3, "at least 4"),
        ([[0, 0, 0]] * 2001, "at most 2,000"),
        ([*items[:3], [0, 0]], "point 3: expected"),
        ([*items[:3], [0, "1", 0]], "point 3: x2 must be a number"),
        ([*items[:3], [float("inf"), 1, 0]], "point 3: x1 must be finite"),
        ([*items[:3], [0, 1, 3]], "point 3: class must be 0, 1 or 2"),
        ([*items[:3], [0, 1, True]], "point 3: class"),
        ([*items[:3], [0, 1, 0.5]], "point 3: class"),
        ([[0, 0, 1]] * 4, "two classes"),
    ]
    for bad, message in bad_cases:
        with pytest.raises(ValueError, match=message):
            playground_io.drawn_points(bad)


def test_your_data_trains():
    points = playground_io.drawn_points(
        [[x, y, int(x * y > 0)] for x in (-2.0, -1.0, 1.0, 2.0) for y in (-2.0, -1.5, 1.5, 2.0)]
    )
    data = playground_io.custom_data(points, train_fraction=0.5, seed=1)
    assert len(data.y_train) == len(data.y_test) == 8
    config = playground_io.custom_config(points, hidden=(4,), lr=0.1)
    assert config.dataset == "custom" and config.n_classes == 2
    trainer = PlaygroundTrainer(config, data)
    assert trainer.step(3) == 3
    assert trainer.extent == pytest.approx(2.2)  # the points' reach + 10 %
    drawn = playground_io.custom_data(points, view=6.0)
    assert PlaygroundTrainer(config, drawn).extent == 6.0  # the canvas they were drawn on
    with pytest.raises(ValueError, match="view"):
        playground_io.custom_data(points, view=float("nan"))


def exported_module(config, trainer):
    """The snippet's own module with the exported weights loaded."""
    namespace: dict = {"__name__": "exported"}
    exec(playground_export.export_snippet(config), namespace)  # test-only: our generated code
    model = namespace["PlaygroundNet"]()
    content = playground_export.state_dict_bytes(trainer)
    model.load_state_dict(playground_export.load_state_dict(content))
    return model.eval(), namespace["predict"]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"loss": "squared", "init": "playground", "features": ("x1", "x2", "x1sq", "sin_x2")},
        {"dataset": "spiral3", "hidden": (5, 4), "activations": ("relu", "linear")},
        {"dataset": "plane", "hidden": (3, 3, 2), "activations": ("gelu", "elu", "tanh")},
        {"dataset": "multigauss", "features": ("x1", "x1sq"), "hidden": (4,)},
        {"hidden": (), "features": ("x1x2",)},
        {
            "hidden": (4, 4),
            "activations": (activations.custom_id("x * sigmoid(beta * x)"), "softplus"),
        },
    ],
)
def test_exported_state_dict_reproduces_the_predictions(changes):
    config = PlaygroundConfig(n_points=100, **changes)
    trainer = PlaygroundTrainer(config)
    trainer.step(2)
    model, predict = exported_module(config, trainer)
    x = torch.cat([trainer.data.x_train, trainer.data.x_test])
    with torch.no_grad():
        expected = trainer.model(x)
        torch.testing.assert_close(model(x), expected, rtol=0, atol=0)
        torch.testing.assert_close(
            predict(model, x), output_values(config, expected), rtol=0, atol=0
        )


def test_the_exported_script_runs_on_its_own(tmp_path):
    config = PlaygroundConfig(dataset="spiral3", hidden=(4,), n_points=60)
    trainer = PlaygroundTrainer(config)
    weights = tmp_path / playground_export.FILE_NAME
    weights.write_bytes(playground_export.state_dict_bytes(trainer))
    script = tmp_path / "model.py"
    script.write_text(playground_export.export_snippet(config), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(weights)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # no actlab on the path: the script must stand alone
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("[0.0, 0.0] [")
    with torch.no_grad():
        expected = torch.softmax(trainer.model(torch.tensor([[0.0, 0.0]])), dim=1)[0].tolist()
    printed = [float(v) for v in lines[0].split("] [")[1].rstrip("]").split(",")]
    np.testing.assert_allclose(printed, expected, rtol=1e-6)

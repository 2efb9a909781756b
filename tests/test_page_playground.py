"""AppTest for app_pages/playground.py: every control reaches the frame the component draws,
hostile link values end in a message, and the component's actions do what their buttons say.

AppTest cannot click inside a custom component, so the actions are driven through
``ui.playground_view.apply_action`` (what the page's callback calls) on a plain dict, and the
browser test clicks the real buttons. The frame is read from the component's JSON payload.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from apptest_helpers import app_path, run_page, set_widgets, shown
from streamlit.testing.v1 import AppTest

from actlab import activations, playground_frame
from actlab.playground import PlaygroundConfig, PlaygroundTrainer
from ui import playground_view as view
from ui.catalogue import CUSTOM_STATE

PAGE = "app_pages/playground.py"
SMALL = {"pg_n": 100}
pytestmark = pytest.mark.usefixtures("one_thread")


def frames(at: AppTest) -> list[dict]:
    """The payload of every playground component on the page."""
    return [json.loads(element.proto.json) for element in at.get("bidi_component")]


def frame(at: AppTest) -> dict:
    (only,) = frames(at)
    return only


def runs(at: AppTest) -> list[PlaygroundTrainer]:
    return at.session_state[view.RUNS]


def test_default_view_draws_the_untrained_network_as_an_independent_trainer_computes_it():
    at = run_page(PAGE, errors_allowed=False)
    payload = frame(at)
    reference = PlaygroundTrainer(
        PlaygroundConfig(
            dataset="circle", n_points=500, hidden=(8, 8), activation="tanh", lr=0.03,
            batch_size=10, optimizer="sgd", features=("x1", "x2"),
        )
    )  # fmt: skip
    assert payload["epoch"] == 0
    assert payload["loss"]["train"] == pytest.approx(reference.latest["train_loss"], rel=1e-5)
    assert payload["network"]["sizes"] == [2, 8, 8, 1]
    assert payload["surface"]["size"] >= 100  # issue 15: at least 100 x 100 cells
    surface = playground_frame.decode(payload["surface"], (100, 100))
    grid = playground_frame.grid_inputs(reference.extent, 100)
    with torch.no_grad():
        p = torch.sigmoid(reference.model(grid)[:, 0]).reshape(100, 100).numpy()
    assert np.abs(surface - p).max() <= 1 / 255 + 1e-6  # uint8 codes of the same P(class 1)
    layers = payload["neurons"]["layers"]
    assert [len(layer["lo"]) for layer in layers] == [2, 8, 8, 1]  # one heatmap per neuron
    ui = payload["ui"]
    assert ui["label_px"] == 14 and not ui["playing"] and not ui["show_test"]
    assert len(at.latex) >= 2


def test_presenter_mode_sends_the_themes_large_sizes():
    at = AppTest.from_file(app_path(PAGE))
    at.session_state["present"] = True
    at.run(timeout=120)
    assert not at.exception
    ui = frame(at)["ui"]
    assert ui["label_px"] >= 18 and ui["height_px"] == view.HEIGHT[True]


def test_the_formulas_bracket_the_loss_and_keep_f_off_the_output_layer():
    """Issue 14: 'the loss formula lacks brackets and implies f is applied to the output'."""
    at = run_page(PAGE)
    network, loss = (latex.value for latex in at.latex[:2])
    assert r"(\ell = 1, \dots, 2)" in network and "z = W_{3} h_{2} + b_{3}" in network
    assert r"\big[\log(1 + e^{z_i}) - y_i z_i\big]" in loss


@pytest.mark.parametrize(
    ("controls", "check"),
    [
        ({"pg_ds": "xor", "pg_noise": 0.2, "pg_ratio": 30, "pg_dseed": 3},
         lambda c, f: c.dataset == "xor" and c.noise == 0.2 and c.train_fraction == 0.3
         and c.data_seed == 3 and sum(f["points"]["test"]) == 70),
        ({"pg_ds": "spiral3"}, lambda c, f: f["n_classes"] == 3 and "classes" in f["surface"]
         and f["network"]["sizes"][-1] == 3 and len(f["ui"]["class_names"]) == 3),
        ({"pg_ds": "plane"}, lambda c, f: f["task"] == "regression" and f["accuracy"]["test"]
         is None),
        ({"pg_feat": ["x1", "x2", "x1sq", "sin_x2"]},
         lambda c, f: f["network"]["features"] == ["x1", "x2", "x1sq", "sin_x2"]),
        ({"pg_shape": "4, 2"}, lambda c, f: f["network"]["sizes"] == [2, 4, 2, 1]),
        ({"pg_shape": ""}, lambda c, f: f["network"]["sizes"] == [2, 1]),
        ({"pg_act": "relu"}, lambda c, f: f["network"]["activations"] == ["relu", "relu"]),
        ({"pg_act2": "sigmoid"}, lambda c, f: f["network"]["activations"] == ["tanh", "sigmoid"]),
        ({"pg_act": "linear"}, lambda c, f: c.is_linear),
        ({"pg_loss": "squared"}, lambda c, f: f["network"]["output"] == "tanh"),
        ({"pg_init": "playground"},
         lambda c, f: c.init == "playground" and f["network"]["biases"][0][0] == 0.1),
        ({"pg_lr": 0.3, "pg_bs": 0, "pg_opt": "adam"},
         lambda c, f: c.lr == 0.3 and c.batch_size == 0 and c.optimizer == "adam"),
        ({"pg_reg": "L1", "pg_rate": 0.01}, lambda c, f: c.l1 == 0.01 and c.l2 == 0),
        ({"pg_reg": "L2", "pg_rate": 0.03}, lambda c, f: c.l2 == 0.03 and c.l1 == 0),
        ({"pg_seed": 7}, lambda c, f: c.seed == 7),
        ({"pg_test": True, "pg_disc": True}, lambda c, f: f["ui"]["show_test"]
         and f["ui"]["discretize"]),
    ],
)  # fmt: skip
def test_every_control_reaches_the_run_and_its_frame(controls, check):
    at = set_widgets(run_page(PAGE, query=SMALL), controls)
    assert not at.error, [e.value for e in at.error]
    (run,) = runs(at)
    assert check(run.config, frame(at))


def test_speed_sets_the_epochs_trained_per_frame():
    at = set_widgets(run_page(PAGE, query=SMALL), {"pg_speed": 5})
    state = {view.RUNS: runs(at), view.PLAYING: True}
    view.apply_action(state, {"kind": "step"})
    assert runs(at)[0].epoch == 1  # a step is one epoch, whatever the speed
    at.session_state[view.PLAYING] = True
    at.run()
    assert frame(at)["epoch"] == 6  # one live frame: five more epochs
    assert frame(at)["ui"]["playing"]


def test_side_by_side_runs_share_data_and_initial_weights():
    at = set_widgets(run_page(PAGE, query=SMALL), {"pg_cmp": "relu"})
    first, second = frames(at)
    assert first["network"]["activations"] == ["tanh", "tanh"]
    assert second["network"]["activations"] == ["relu", "relu"]
    assert first["network"]["weights"] == second["network"]["weights"]
    for key in ("x1", "x2", "label", "test"):
        assert first["points"][key] == second["points"][key]
    assert first["ui"]["compact"] and second["ui"]["compact"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"pg_shape": "1, 2, 3, 4, 5, 6, 7"}, "at most 6 hidden layers"),
        ({"pg_shape": "8, 99"}, "“99” is not a whole number from 1 to 16"),
        ({"pg_shape": "<img src=x onerror=alert(1)>"}, "is not a whole number"),
        ({"pg_shape": "[Click](https://evil.example)"}, "is not a whole number"),
        ({"pg_feat": "nope"}, None),  # not an option: the default features, no error
        ({"pg_lr": "inf", "pg_rate": "-inf", "pg_seed": "1e309", "pg_dseed": "nan"}, None),
        ({"pg_shape": "x" * 10_000, "pg_act3": "nope"}, None),
    ],
)
def test_hostile_link_values_end_in_a_message_or_the_default(query, message):
    at = run_page(PAGE, query=SMALL | query)
    assert not at.exception
    if message is None:
        assert not at.error, [e.value for e in at.error]
        assert frames(at)
    else:
        assert message in shown(at.error[0].value)
        assert "<" not in at.error[0].value.replace("\\<", "")  # echoed as escaped text
        assert not frames(at)


def fresh_state(**config) -> dict:
    trainer = PlaygroundTrainer(PlaygroundConfig(n_points=100, **config))
    return {view.RUNS: [trainer], view.PLAYING: False, "pg_seed": 0}


def test_actions_play_pause_and_step():
    state = fresh_state()
    view.apply_action(state, {"kind": "play"})
    assert state[view.PLAYING] and state.pop(view.APP_RERUN)
    view.apply_action(state, {"kind": "pause"})
    assert not state[view.PLAYING] and state.pop(view.APP_RERUN)
    view.apply_action(state, {"kind": "step"})
    assert state[view.RUNS][0].epoch == 1 and not state[view.PLAYING]
    assert not state.get(view.APP_RERUN)  # paused: the live panel alone redraws


def test_rewind_restarts_from_the_identical_initial_weights_and_reset_takes_the_next_seed():
    state = fresh_state()
    (run,) = state[view.RUNS]
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    run.step(3)
    view.apply_action(state, {"kind": "rewind"})
    (rewound,) = state[view.RUNS]
    assert rewound.epoch == 0 and rewound is not run
    for name, tensor in rewound.model.state_dict().items():
        assert torch.equal(tensor, before[name])
    view.apply_action(state, {"kind": "reset"})
    assert state["pg_seed"] == 1 and state[view.APP_RERUN]
    state["pg_seed"] = view.MAX_SEED
    view.apply_action(state, {"kind": "reset"})
    assert state["pg_seed"] == 0


@pytest.mark.parametrize(
    ("hidden", "action", "shape"),
    [
        ((8, 8), {"kind": "add_layer"}, "8, 8, 8"),
        ((), {"kind": "add_layer"}, "4"),
        ((8, 8), {"kind": "remove_layer"}, "8"),
        ((), {"kind": "remove_layer"}, ""),
        ((8, 8), {"kind": "add_neuron", "layer": 1}, "8, 9"),
        ((8, 16), {"kind": "add_neuron", "layer": 1}, "8, 16"),
        ((1, 8), {"kind": "remove_neuron", "layer": 0}, "1, 8"),
        ((8, 8), {"kind": "remove_neuron", "layer": 0}, "7, 8"),
        ((8, 8), {"kind": "add_neuron", "layer": 5}, "8, 8"),
        ((8, 8), {"kind": "add_neuron", "layer": "0"}, "8, 8"),
        ((8, 8), {"kind": "add_neuron", "layer": True}, "8, 8"),
        ((4,) * 6, {"kind": "add_layer"}, "4, 4, 4, 4, 4, 4"),
    ],
)
def test_shape_actions_edit_the_bound_shape_control_within_the_caps(hidden, action, shape):
    state = fresh_state(hidden=hidden)
    view.apply_action(state, action)
    assert state["pg_shape"] == shape and state[view.APP_RERUN]
    assert view.parse_shape(shape) == tuple(int(u) for u in shape.split(", ") if u)


def test_the_data_column_switches_the_bound_dataset_control_to_known_sets_only():
    state = fresh_state()
    view.apply_action(state, {"kind": "dataset", "value": "spiral3"})
    assert state["pg_ds"] == "spiral3" and state.pop(view.APP_RERUN)
    for value in ("../etc/passwd", "sin", None, ["xor"]):
        view.apply_action(state, {"kind": "dataset", "value": value})
    assert state["pg_ds"] == "spiral3" and not state.get(view.APP_RERUN)
    at = run_page(PAGE, query=SMALL)
    ui = frame(at)["ui"]
    assert ui["dataset"] == "circle"
    assert [name for name, _ in ui["datasets"]] == list(view.DATASETS)


def test_a_click_on_an_input_switches_that_feature_and_never_the_last_one():
    state = fresh_state()
    view.apply_action(state, {"kind": "feature", "value": "x1sq"})
    assert state["pg_feat"] == ["x1", "x2", "x1sq"] and state.pop(view.APP_RERUN)
    view.apply_action(state, {"kind": "feature", "value": "x1"})
    assert state["pg_feat"] == ["x2"]  # from the run's features: x1 off
    only = fresh_state(features=("x2",))
    view.apply_action(only, {"kind": "feature", "value": "x2"})
    view.apply_action(only, {"kind": "feature", "value": "cos_x1"})
    assert "pg_feat" not in only and not only.get(view.APP_RERUN)


def test_display_toggles_take_only_booleans_and_unknown_actions_do_nothing():
    state = fresh_state()
    view.apply_action(state, {"kind": "show_test", "value": True})
    view.apply_action(state, {"kind": "discretize", "value": "yes"})
    assert state["pg_test"] is True and "pg_disc" not in state
    untouched = fresh_state()
    before = dict(untouched)
    view.apply_action(untouched, {"kind": "format_disk"})
    assert untouched == before


@pytest.mark.parametrize(
    ("text", "shape"),
    [("8, 8", (8, 8)), (" 4,2 ", (4, 2)), ("3 3 3", (3, 3, 3)), ("", ())],
)
def test_parse_shape(text, shape):
    assert view.parse_shape(text) == shape


@pytest.mark.parametrize("text", ["0", "17", "-1", "1.5", "a", "1e3", "x" * 61, "1," * 7])
def test_parse_shape_refuses(text):
    with pytest.raises(ValueError):
        view.parse_shape(text)


def custom_page(**widgets) -> AppTest:
    return set_widgets(run_page(PAGE), {"pg_ds": "custom", **widgets})


def test_your_data_starts_editable_and_a_click_adds_a_point_of_the_chosen_class():
    at = custom_page()
    payload = frame(at)
    assert payload["ui"]["draw"] and payload["n_classes"] == 2
    assert len(payload["points"]["x1"]) == 30 and payload["extent"] == 6.0
    view.apply_action(at.session_state, {"kind": "add_point", "x1": 5.5, "x2": -5.5, "label": 1})
    at.run()
    payload = frame(at)
    assert len(payload["points"]["x1"]) == 31 and payload["epoch"] == 0  # a new run
    points = payload["points"]
    xs = list(zip(points["x1"], points["x2"], points["label"], strict=True))
    assert (5.5, -5.5, 1) in xs
    at = set_widgets(at, {"pg_classes": 3})
    payload = frame(at)
    assert payload["n_classes"] == 3 and len(payload["points"]["x1"]) == 45
    assert len(payload["ui"]["class_names"]) == 3


def points_state(classes: int = 2) -> dict:
    state: dict = {view.RUNS: [], view.PLAYING: False}
    view.your_data(state, classes)
    return state


@pytest.mark.parametrize(
    "action",
    [
        {"kind": "add_point", "x1": float("nan"), "x2": 0.0, "label": 0},
        {"kind": "add_point", "x1": 1e9, "x2": 0.0, "label": 0},
        {"kind": "add_point", "x1": "1", "x2": 0.0, "label": 0},
        {"kind": "add_point", "x1": 1.0, "x2": 0.0, "label": 2},  # two classes drawn
        {"kind": "add_point", "x1": 1.0, "x2": 0.0, "label": True},
        {"kind": "remove_point", "x1": 5.9, "x2": 5.9},  # nobody near
    ],
)
def test_drawing_refuses_what_a_visitor_could_send(action):
    state = points_state()
    before = state[view.CUSTOM]["points"]
    view.apply_action(state, action)
    assert state[view.CUSTOM]["points"] is before and not state[view.APP_RERUN]


def test_removing_points_keeps_two_of_each_class_and_start_again_restores_them():
    state = points_state()
    custom = state[view.CUSTOM]
    for _ in range(40):  # right-click on every point of class 0 in turn
        zeros = custom["points"].x[custom["points"].y == 0]
        x1, x2 = zeros[0]
        view.apply_action(state, {"kind": "remove_point", "x1": float(x1), "x2": float(x2)})
    assert int((custom["points"].y == 0).sum()) == 2
    view.apply_action(state, {"kind": "clear_points"})
    assert len(custom["points"].y) == 30 and state[view.APP_RERUN]


CSV_GOOD = b"x1,x2,label\n0,0,0\n1,1,1\n0.5,0.2,0\n-1,2,1\n3,3,2\n2,-1,2\n"


def upload(at: AppTest, content: bytes, name: str = "points.csv") -> AppTest:
    at.file_uploader(key="_pg_csv").upload(name, content, "text/csv").run()
    assert not at.exception
    return at


def test_a_csv_upload_becomes_the_data():
    at = upload(custom_page(), CSV_GOOD)
    assert not at.error, [e.value for e in at.error]
    payload = frame(at)
    assert payload["n_classes"] == 3 and len(payload["points"]["x1"]) == 6
    assert sorted(payload["points"]["label"]) == [0, 0, 1, 1, 2, 2]
    regression = b"1,2,0.5\n2,1,-0.25\n0,0,0.125\n-1,-1,0.75\n3,0,1.5\n"
    payload = frame(upload(at, regression, "targets.csv"))
    assert payload["task"] == "regression" and not payload["ui"]["draw"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"x1,x2,label\n0,0,0\n1,1\n", "line 3: expected 3 values"),
        (b"0,0,0\n1,abc,1\n2,2,0\n3,3,1\n", "line 2: x2 is not a number"),
        (b"0,0,0\n1,1,1\n2,2,0\n3,3,1\n1e9,0,1\n", "line 5: x1 must be within"),
        (b"0,0,0\n1,1,1\n", "at least 4 data rows"),
        (b"0,0,0\n\xff\xfe,1,1\n", "not UTF-8"),
        (b"0,0,0\n[Click](https://evil.example),1,1\n", "line 2"),
        (b"0,0,0\n" * 100_000, "larger than 256 KiB"),
    ],
)
def test_a_bad_csv_is_refused_with_a_message_naming_the_line(content, message):
    at = upload(custom_page(), content)
    errors = [shown(e.value) for e in at.error]
    assert any(message in error for error in errors), errors
    assert not any("](" in e.value.replace("\\]\\(", "") for e in at.error)  # no live link
    assert len(frame(at)["points"]["x1"]) == 30  # the drawn points stay


def test_a_diverging_run_stops_with_a_message_not_a_traceback():
    at = set_widgets(
        run_page(PAGE, query=SMALL),
        {"pg_ds": "plane", "pg_lr": 10.0, "pg_bs": 1, "pg_opt": "sgd", "pg_speed": 5},
    )
    at.session_state[view.PLAYING] = True
    for _ in range(5):
        at.run()
        if frame(at)["diverged"]:
            break
    assert not at.exception
    payload = frame(at)
    assert "Training diverged" in payload["diverged"] and "learning rate 10" in payload["diverged"]
    at.run()  # the page sees the stop: playing ends, the message is on the page too
    assert not at.session_state[view.PLAYING] and not frame(at)["ui"]["playing"]
    assert any("Training diverged" in shown(e.value) for e in at.error)
    view.apply_action(at.session_state, {"kind": "rewind"})
    at.run()
    assert frame(at)["diverged"] is None and frame(at)["epoch"] == 0


def test_a_typed_formula_can_be_one_layers_activation():
    custom = activations.custom_id("x * sigmoid(1.5 * x)")
    at = AppTest.from_file(app_path(PAGE))
    at.session_state[CUSTOM_STATE] = custom  # what ui.catalogue's sidebar field stores
    at.query_params.update(SMALL)
    at.run(timeout=120)
    at = set_widgets(at, {"pg_act1": custom})
    payload = frame(at)
    assert payload["network"]["activations"] == [custom, "tanh"]
    assert payload["ui"]["activation_labels"] == ["Custom", "Tanh"]
    reference = PlaygroundTrainer(runs(at)[0].config)
    assert payload["loss"]["train"] == pytest.approx(reference.latest["train_loss"], rel=1e-5)

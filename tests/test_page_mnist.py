"""AppTest for app_pages/mnist.py: presets, a tiny live training, results, stop, and bad input."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import streamlit as st
from apptest_helpers import app_path, chart_rows, chart_specs, run_page, set_widgets, shown
from mnist_fixtures import (
    closed_port_url,
    local_mirror,
    md5_checksums,
    tiny_dataset_files,
    write_files,
)
from streamlit.testing.v1 import AppTest

from actlab import datasets, training
from actlab.bundled import BUNDLED_MNIST_DIR

PAGE = "app_pages/mnist.py"
TINY = {"mn_ep": 1, "mn_hid": "16", "mn_lim": 1000, "mn_ev": 1}


pytestmark = pytest.mark.usefixtures("isolated_data_dirs")


def run_until(at: AppTest, done, timeout: float = 30) -> AppTest:
    deadline = time.monotonic() + timeout
    while not done(at) and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert done(at), "the page did not reach the expected state in time"
    return at


def finished(at: AppTest) -> bool:
    return bool(at.get("download_button"))


def test_default_view_is_the_quick_preset_on_bundled_mnist():
    at = run_page(PAGE)
    assert at.multiselect(key="mn_act").value == ["relu", "tanh", "sigmoid", "gelu"]
    assert at.text_input(key="mn_hid").value == "128"
    assert at.select_slider(key="mn_lim").value == 5000
    data_line = shown(at.markdown[0].value)
    assert "MNIST from the copy bundled with actlab" in data_line
    assert "5,000 training + 10,000 test images" in data_line
    assert "match their published checksums" in data_line
    assert any("Press **Train**" in info.value for info in at.info)
    assert len(at.latex) == 2


def test_tutorial_preset_sets_every_widget():
    at = run_page(PAGE)
    at.selectbox(key="mn_preset").set_value("torch.nn tutorial experiment").run()
    assert not at.exception
    assert at.radio(key="mn_at").value == "output"
    assert at.multiselect(key="mn_act").value == ["log_softmax", "softmax", "sigmoid", "tanh"]
    assert at.text_input(key="mn_hid").value == "none"
    assert at.selectbox(key="mn_opt").value == "sgd"
    assert at.selectbox(key="mn_opt").options == ["SGD", "Adam"]  # actlab.optimizers' labels
    assert at.select_slider(key="mn_lr").value == 0.5
    assert at.select_slider(key="mn_mom").value == 0.0
    assert at.select_slider(key="mn_lim").value == 0
    assert at.radio(key="mn_scale").value == "divide_by_255"
    assert "nll" in at.latex[0].value
    assert any("full 10,000-image test set" in c.value for c in at.caption)


def test_tiny_training_runs_live_and_shows_results():
    at = set_widgets(run_page(PAGE), TINY | {"mn_act": ["relu", "tanh"], "mn_seeds": 2})
    at.button(key="mn_go").click().run()
    run_until(at, finished)
    config = training.TrainingConfig(
        activations=("relu", "tanh"),
        hidden=(16,),
        epochs=1,
        seeds=(0, 1),
        train_limit=1000,
        evals_per_epoch=1,
    )
    result = training.RUNS.find(config).state().result
    table = at.dataframe[0].value.set_index("activation")
    assert table["test accuracy"].to_dict() == pytest.approx(result.test_accuracy)
    assert table["status"].tolist() == ["finished", "finished"]
    assert len(chart_specs(at)) == 3  # loss, accuracy, confusion matrix
    accuracy = chart_rows(at, 1, "mean").set_index("activation")
    assert accuracy.loc["ReLU", "mean"] == pytest.approx(result.test_accuracy["ReLU"])
    assert accuracy.loc["ReLU", "seeds"] == 2
    assert "tooltip" in str(chart_specs(at)[0]) and "legend" in str(chart_specs(at)[0])
    cells = chart_rows(at, 2, "count")
    assert cells["count"].sum() == 10000
    assert len(at.get("image")) == 12  # the gallery of the most confident mistakes
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == labels.count("CSV") == 3  # each chart
    assert labels[-1] == "Download the training history (CSV)"
    # A second viewer with the same settings sees the shared result without training again.
    again = set_widgets(run_page(PAGE), TINY | {"mn_act": ["relu", "tanh"], "mn_seeds": 2})
    assert finished(again) and training.RUNS.find(config).state().result is result


def test_stop_button_ends_a_long_run_and_keeps_its_history():
    long_run = TINY | {"mn_act": ["relu"], "mn_ep": 50, "mn_lim": 5000, "mn_ev": 4}
    at = set_widgets(run_page(PAGE), long_run)
    at.button(key="mn_go").click().run()
    run_until(at, lambda a: len(chart_specs(a)) == 2)  # live curves after the first evaluation
    assert at.button(key="mn_stop")
    assert "samples/s per model" in str(at.get("progress")[0].proto)
    at.button(key="mn_stop").click().run()
    run_until(at, finished, timeout=5)
    assert "Stopped early" in at.warning[0].value
    assert at.dataframe[0].value["status"].tolist() == ["stopped early"]


def test_bad_input_is_a_message_not_a_traceback():
    at = set_widgets(run_page(PAGE), {"mn_hid": "64, 12a"})
    assert "whole numbers like '256, 128'; got '12a'" in shown(at.error[0].value)
    at = set_widgets(run_page(PAGE), {"mn_act": []})
    assert "choose at least one activation" in shown(at.error[0].value)
    at = set_widgets(run_page(PAGE), {"mn_act": ["log_softmax"]})
    assert "use compare_at='output'" in shown(at.error[0].value)
    # Over the server's memory caps: said before anything is trained, with the numbers.
    at = set_widgets(run_page(PAGE), {"mn_hid": "1200", "mn_bs": 1024})  # 3.8 M weights
    assert "batch 1024 × 4,800 units" in shown(at.error[0].value)
    assert "use a smaller batch" in shown(at.error[0].value)
    at = set_widgets(run_page(PAGE), {"mn_hid": "2048, 2048"})
    assert "weights in all models together is over the 4,000,000" in shown(at.error[0].value)


def test_offline_download_falls_back_to_bundled(monkeypatch):
    offline = replace(datasets.MNIST, mirrors=(closed_port_url(),))
    monkeypatch.setitem(datasets.DATASETS, "mnist", offline)
    at = run_page(PAGE)
    at.button(key="mn_dl").click().run()
    assert not at.exception
    assert "Download failed: could not download train-images" in shown(at.error[0].value)
    assert any("uses the bundled MNIST" in info.value for info in at.info)
    assert "copy bundled with actlab" in shown(at.markdown[0].value)


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(), reason="no system Fashion-MNIST"
)
def test_fashion_mnist_system_copy_is_named_with_its_size():
    at = set_widgets(run_page(PAGE), {"mn_ds": "fashion-mnist"})
    line = shown(at.markdown[0].value)
    assert "Fashion-MNIST from the system copy" in line
    assert "60,000 training + 10,000 test images" in line and "30.9 MB" in line


def test_shared_url_sets_the_experiment():
    at = AppTest.from_file(app_path(PAGE), default_timeout=60)
    at.query_params.update({"mn_ep": "1", "mn_hid": "32, 16", "mn_lr": "0.01", "mn_lim": "all"})
    at.run()
    assert not at.exception
    assert at.number_input(key="mn_ep").value == 1
    assert at.text_input(key="mn_hid").value == "32, 16"
    assert at.select_slider(key="mn_lr").value == 0.01
    assert at.select_slider(key="mn_lim").value == 0
    assert r"784 \to 32 \to 16 \to 10" in at.latex[0].value


# --- a public server --------------------------------------------------------------------------

TINY_CONFIG = training.TrainingConfig(
    activations=("relu", "tanh", "sigmoid", "gelu"),
    hidden=(16,),
    epochs=1,
    train_limit=1000,
    evals_per_epoch=1,
)  # what the page builds from TINY


def on_screen(at: AppTest) -> str:
    """Every message, caption and Markdown text of the page, as read on screen."""
    kinds = ("markdown", "caption", "info", "warning", "error", "success")
    return "\n".join(shown(str(element.value)) for kind in kinds for element in at.get(kind))


@pytest.fixture
def registry(monkeypatch):
    """The page's run registry replaced by one with its own slot, for one test."""
    runs = training.RunRegistry(slots=threading.BoundedSemaphore(1), quick_flops=0)
    monkeypatch.setattr(training, "RUNS", runs)
    yield runs
    for run in list(runs._runs.values()):
        run.stop()
        run.wait(timeout=10)


def test_the_folder_field_is_off_unless_the_operator_allows_it(monkeypatch, tmp_path):
    monkeypatch.delenv(datasets.ALLOW_FOLDER_ENV, raising=False)
    at = run_page(PAGE, query={"mn_src": "my folder"})
    assert "mn_dir" not in [widget.key for widget in at.text_input]
    assert "my folder" not in at.selectbox(key="mn_src").options
    assert at.selectbox(key="mn_src").value == "auto"
    assert "MNIST from the copy bundled with actlab" in shown(at.markdown[0].value)
    monkeypatch.setenv(datasets.ALLOW_FOLDER_ENV, "1")
    mine = write_files(tmp_path / "mine", tiny_dataset_files(n_train=30, n_test=20))
    at = set_widgets(run_page(PAGE), {"mn_src": "folder", "mn_dir": str(mine)})
    assert "MNIST from your folder: 30 training + 20 test images" in shown(at.markdown[0].value)
    assert str(tmp_path) not in on_screen(at)


@pytest.mark.parametrize("typed", ["/proc/1/root", "/" + "a" * 9_999, "missing", "a file"])
def test_a_typed_folder_that_cannot_be_used_gets_one_message_without_paths(
    monkeypatch, tmp_path, typed
):
    monkeypatch.setenv(datasets.ALLOW_FOLDER_ENV, "1")
    (tmp_path / "file").write_text("x")
    folder = {"missing": str(tmp_path / "nowhere"), "a file": str(tmp_path / "file")}.get(
        typed, typed
    )
    at = set_widgets(run_page(PAGE), {"mn_src": "folder", "mn_dir": folder})
    assert shown(at.error[0].value) == datasets.FOLDER_UNUSABLE
    assert "/proc" not in on_screen(at) and str(tmp_path) not in on_screen(at)


def test_the_page_never_shows_a_server_path(monkeypatch):
    at = run_page(PAGE)
    files = tiny_dataset_files(n_train=30, n_test=20)
    with local_mirror() as mirror:
        mirrored = replace(
            datasets.MNIST,
            mirrors=(mirror.publish("/m", files),),
            checksums=md5_checksums(files),
        )
        monkeypatch.setitem(datasets.DATASETS, "mnist", mirrored)
        at.button(key="mn_dl").click().run()
    assert not at.exception
    saved = shown(at.success[0].value)
    assert saved.startswith("Saved and verified: MNIST from the download cache: 30 training")
    text = on_screen(at)
    for folder in (app_path(""), BUNDLED_MNIST_DIR, datasets.cache_dir("mnist")):
        assert str(folder) not in text
    assert "/" not in saved and "/" not in shown(at.markdown[0].value).split("**Data:**")[1]


def test_a_run_over_the_compute_cap_is_explained_and_cannot_start(monkeypatch):
    # The flood: one activation, 4 × 1000 hidden units, batch 64, 50 epochs, all data.
    flood = {"mn_act": ["relu"], "mn_hid": "1000, 1000, 1000, 1000", "mn_ep": 50, "mn_lim": 0}
    at = set_widgets(run_page(PAGE), flood)
    warning = shown(at.warning[0].value)
    assert warning.startswith("This training needs an estimated 13.3 TFLOP of computation")
    assert f"limit of {training.MAX_TRAINING_FLOPS / 1e12:.1f} TFLOP per run" in warning
    assert "at most" in warning and "fewer training images" in warning
    assert at.button(key="mn_go").disabled
    monkeypatch.setattr(training.RUNS, "max_flops", 1e10)  # an operator's smaller cap
    at = run_page(PAGE)
    assert "needs an estimated 85.5 GFLOP" in shown(at.warning[0].value)
    assert "limit of 10.0 GFLOP per run. Even one epoch is over it" in shown(at.warning[0].value)


def test_a_full_queue_is_a_message_not_a_wait(registry, monkeypatch):
    monkeypatch.setattr(registry, "max_queued", 1)
    registry.start(training.TrainingConfig(epochs=100, train_limit=5000, hidden=(64,)))
    registry.start(training.TrainingConfig(epochs=100, train_limit=5000, hidden=(32,)))
    at = set_widgets(run_page(PAGE), TINY)
    at.button(key="mn_go").click().run()
    assert not at.exception
    assert "The training queue is full: 1 training is waiting" in shown(at.error[0].value)
    assert "quick comparison preset" in shown(at.error[0].value)
    assert registry.find(TINY_CONFIG) is None


def test_stop_on_a_shared_run_lets_one_viewer_go_and_the_last_one_stops_it(registry):
    registry.start(training.TrainingConfig(epochs=100, train_limit=5000, hidden=(64,)))  # busy
    first = set_widgets(run_page(PAGE), TINY)
    first.button(key="mn_go").click().run()
    second = set_widgets(run_page(PAGE), TINY)  # another tab, the same settings: the same run
    run = registry.find(TINY_CONFIG)
    assert run.state().status == "queued" and run.state().viewers == 2
    first.button(key="mn_stop").click().run()
    assert not first.exception
    assert "it goes on for the 1 other viewer who still watches it" in on_screen(first)
    assert not run.stopping and run.state().viewers == 1
    second.button(key="mn_stop").click().run()
    assert run.wait(timeout=5) and run.state().status == "stopped"


def test_a_closed_tabs_run_stops_within_its_lease(registry, monkeypatch):
    monkeypatch.setattr(registry, "lease_seconds", 1.0)
    long_run = TINY | {"mn_act": ["relu"], "mn_ep": 50, "mn_lim": 5000}
    at = set_widgets(run_page(PAGE), long_run)
    at.button(key="mn_go").click().run()
    config = replace(TINY_CONFIG, activations=("relu",), epochs=50, train_limit=5000)
    run = registry.find(config)
    run_until(at, lambda a: run.state().status == "running")
    closed = time.monotonic()  # the page polls no more: its tab is closed
    assert run.wait(timeout=5)
    assert time.monotonic() - closed < 3.0
    assert run.state().status == "stopped"


# --- published protocols, the preset box, gated units --------------------------------------------

# The control of each form field (app_pages/mnist.py's KEYS) and how AppTest finds it.
CONTROLS = {
    "dataset": ("selectbox", "mn_ds"),
    "compare_at": ("radio", "mn_at"),
    "activations": ("multiselect", "mn_act"),
    "architecture": ("selectbox", "mn_arch"),
    "hidden": ("text_input", "mn_hid"),
    "optimizer": ("selectbox", "mn_opt"),
    "lr": ("select_slider", "mn_lr"),
    "momentum": ("select_slider", "mn_mom"),
    "batch_size": ("select_slider", "mn_bs"),
    "epochs": ("number_input", "mn_ep"),
    "seeds": ("number_input", "mn_seeds"),
    "train_limit": ("select_slider", "mn_lim"),
    "evals_per_epoch": ("number_input", "mn_ev"),
    "input_scaling": ("radio", "mn_scale"),
    "validation_share": ("select_slider", "mn_val"),
    "patience": ("number_input", "mn_pat"),
    "drop_last": ("checkbox", "mn_droplast"),
    "init": ("selectbox", "mn_init"),
    "dropout": ("select_slider", "mn_drop"),
    "dropout_kind": ("selectbox", "mn_dropk"),
}


def form_on_screen(at: AppTest) -> dict:
    """Every form field as its control shows it."""
    return {field: getattr(at, kind)(key=key).value for field, (kind, key) in CONTROLS.items()}


def elements_in_order(node) -> list:
    """Every element below ``node`` in the order the page draws them."""
    out = []
    for child in getattr(node, "children", {}).values():
        out.append(child)
        out += elements_in_order(child)
    return out


def test_every_form_field_has_a_control():
    assert set(CONTROLS) == set(training.FORM_FIELDS)


@pytest.mark.parametrize("name", list(training.REPRODUCTIONS))
def test_choosing_a_published_protocol_sets_every_control_and_states_it(name):
    at = run_page(PAGE)
    at.selectbox(key="mn_preset").set_value(name).run()
    assert not at.exception
    assert form_on_screen(at) == training.form_values(training.PRESETS[name])
    assert at.selectbox(key="mn_preset").value == name
    reproduction = training.REPRODUCTIONS[name]
    cited = next(m.value for m in at.markdown if "Published protocol" in m.value)
    assert shown(cited).startswith(f":material/menu_book: **Published protocol: {name}.**")
    assert reproduction.source in shown(cited)
    assert cited.endswith(f"[Open the source]({reproduction.url})")
    stated = at.table[0].value.map(shown)  # Markdown cells, escaped
    assert list(stated.itertuples(index=False, name=None)) == training.protocol_rows(reproduction)
    assert not at.button(key="mn_go").disabled  # the protocol or its quick mode fits


def test_the_protocol_over_the_caps_runs_as_a_labelled_quick_mode_on_the_bundled_subset():
    st.cache_data.clear()  # the page's data line of an earlier test's download cache
    at = run_page(PAGE)
    at.selectbox(key="mn_preset").set_value("SNN tutorial MLP (MNIST)").run()
    texts = [shown(info.value) for info in at.info]
    quick = next(t for t in texts if t.startswith("**Quick mode, not the full protocol.**"))
    assert "over this server's caps of 2.0 TFLOP and 30,000 steps per run" in quick
    assert "actlab runs its quick mode instead: 1 seed instead of 3" in quick
    subset = next(t for t in texts if t.startswith("**Data subset:**"))
    assert "MNIST from the copy bundled with actlab: 5,000 training" in subset
    assert "not the protocol's 60,000 training images" in subset
    assert at.number_input(key="mn_seeds").value == 3  # the form shows the protocol itself


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(), reason="no system Fashion-MNIST"
)
def test_uva_on_full_fashion_mnist_runs_one_epoch_as_its_quick_mode():
    at = run_page(PAGE)
    at.selectbox(key="mn_preset").set_value("UvA tutorial 3 (Fashion-MNIST MLP)").run()
    quick = next(shown(i.value) for i in at.info if "Quick mode" in i.value)
    assert "needs an estimated 64.6 TFLOP and 9,750 steps" in quick
    assert "quick mode instead: 1 epoch instead of 50" in quick
    assert not any("Data subset" in i.value for i in at.info)


def test_the_preset_box_names_the_preset_whose_values_are_on_screen():
    at = run_page(PAGE)
    assert at.selectbox(key="mn_preset").value == "quick comparison"  # was "custom"
    at = set_widgets(at, {"mn_ep": 4})
    assert at.selectbox(key="mn_preset").value == "custom"
    at = set_widgets(at, {"mn_ep": 3})
    assert at.selectbox(key="mn_preset").value == "quick comparison"
    tutorial = training.form_values(training.PRESETS["torch.nn tutorial experiment"])
    at = set_widgets(at, {key: tutorial[field] for field, (_, key) in CONTROLS.items()})
    assert at.selectbox(key="mn_preset").value == "torch.nn tutorial experiment"
    at.selectbox(key="mn_preset").set_value("d2l LeNet-5 (Fashion-MNIST)").run()
    assert at.selectbox(key="mn_preset").value == "d2l LeNet-5 (Fashion-MNIST)"
    at = set_widgets(at, {"mn_lr": 0.1})
    assert at.selectbox(key="mn_preset").value == "custom"


class FinishedRun:
    """A run of the registry that has finished with a given result."""

    def __init__(self, result: training.TrainingResult) -> None:
        self.id = 1
        self._state = training.RunState("done", None, result, None, 0)

    def state(self) -> training.RunState:
        return self._state


@pytest.mark.parametrize("chosen_by", ["preset", "hand"])
def test_published_versus_measured_after_a_protocols_run(monkeypatch, chosen_by):
    from test_presets import SNN_NAME, snn_result

    runs = training.RunRegistry(max_flops=1e15, max_steps=1e9)  # caps that admit 3 seeds
    monkeypatch.setattr(training, "RUNS", runs)
    result = snn_result()  # hand-built: ReLU 90 / 91 / 92 %, SELU 93 / 93.5 / 94 %
    runs._runs[result.config] = FinishedRun(result)
    at = run_page(PAGE)
    if chosen_by == "preset":
        at.selectbox(key="mn_preset").set_value(SNN_NAME).run()
    else:  # the same settings typed by hand: the run follows the protocol all the same
        protocol = training.form_values(training.PRESETS[SNN_NAME])
        at = set_widgets(at, {key: protocol[field] for field, (_, key) in CONTROLS.items()})
    assert not at.exception
    assert [h.value for h in at.subheader][:1] == ["Published versus measured"]
    order = elements_in_order(at.main)
    deviations = next(e for e in order if e.type == "warning" and "deviates" in str(e.value))
    assert shown(deviations.value) == (
        "**This run deviates from the protocol:**\n- data: 5,000 training images instead of "
        "the protocol's 60,000 (the data source in use holds no more)"
    )
    frames = [e for e in order if e.type == "dataframe"]
    table = next(f.value for f in frames if "measured mean" in f.value.columns)
    assert order.index(deviations) < order.index(
        next(f for f in frames if "measured mean" in f.value.columns)
    )  # printed above the table
    assert table.to_dict("records") == [
        {
            "activation": "ReLU",
            "published": "90.76",
            "measured mean": "91.00",
            "min": "90.00",
            "max": "92.00",
            "seeds": 3,
            "difference vs published": "+0.24",
        },
        {
            "activation": "SELU",
            "published": "92.04",
            "measured mean": "93.50",
            "min": "93.00",
            "max": "94.00",
            "seeds": 3,
            "difference vs published": "+1.46",
        },
    ]
    notice = next(shown(i.value) for i in at.info if "outside the measured" in i.value)
    assert notice.startswith(
        "Published figure outside the measured min–max band: SELU (published). First suspect: "
        "this run's 1 deviation(s) from the protocol, listed above."
    )
    assert training.REPRODUCTIONS[SNN_NAME].notes in notice
    # Escaped: the notes' parentheses and full stops are backslash-escaped Markdown.
    raw = next(i.value for i in at.info if "outside the measured" in i.value)
    assert r"SELU \(published\)" in raw


def test_a_gated_unit_trains_beside_plain_ones_at_matched_width():
    at = run_page(PAGE)
    options = at.multiselect(key="mn_act").options
    assert {"SwiGLU (gated)", "GEGLU (gated)", "GLU (gated)", "ReGLU (gated)"} <= set(options)
    at = set_widgets(at, TINY | {"mn_act": ["relu", "swiglu"]})
    width = next(shown(c.value) for c in at.caption if "a gated layer" in c.value)
    # plain 784·16 + 16 + 16·10 + 10 = 12,730; gated 2·(784·8 + 8) + 8·10 + 10 = 12,650
    assert width.endswith(
        "784 → 8 → 10, 12,650 parameters, against the plain 784 → 16 → 10, 12,730 "
        "(−0.63%, within 1%)."
    )
    # The PyTorch snippet writes the gated member at its matched size (tests/test_snippets.py)
    snippet = next(c.value for c in at.code if "import torch" in c.value)
    assert (
        "('SwiGLU', lambda x: F.silu(x), lambda x: F.log_softmax(x, dim=-1), (784, 8, 10), True)"
        in snippet
    )
    at.button(key="mn_go").click().run()
    run_until(at, finished)
    table = at.dataframe[0].value.set_index("activation")
    assert table["status"].to_dict() == {"ReLU": "finished", "SwiGLU": "finished"}
    assert table.loc["SwiGLU", "test accuracy"] > 0.3  # it learned (chance is 0.1)


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(), reason="no system Fashion-MNIST"
)
def test_uva_shows_the_pytorch_and_the_jax_columns_after_its_quick_mode(monkeypatch):
    from test_presets import hand_built_result

    name = "UvA tutorial 3 (Fashion-MNIST MLP)"
    runs = training.RunRegistry()  # the default caps: the quick mode, one epoch
    monkeypatch.setattr(training, "RUNS", runs)
    quick = replace(training.TrainingConfig(**training.PRESETS[name]), epochs=1)
    tests = dict(zip(quick.titles, (0.10, 0.7802, 0.7118, 0.7177, 0.7857, 0.3254), strict=True))
    result = hand_built_result(quick, [(t, 0, 195, 0.5, a) for t, a in tests.items()])
    runs._runs[quick] = FinishedRun(result)
    at = run_page(PAGE)
    at.selectbox(key="mn_preset").set_value(name).run()
    assert not at.exception
    assert any("Quick mode, not the full protocol" in i.value for i in at.info)
    deviations = next(shown(w.value) for w in at.warning if "deviates" in w.value)
    assert deviations.endswith(
        "- 1 seed instead of actlab's 3 (the published runs are one "
        "each; the seeds give the min–max band)\n- 1 epoch instead of 50"
    )
    table = next(f.value for f in at.dataframe if "measured mean" in f.value.columns)
    sigmoid = table.set_index("activation").loc["Sigmoid"]
    # 10.00 measured: 0.00 from PyTorch's 10.00, −68.46 from JAX's 78.46.
    assert sigmoid[["published (PyTorch)", "published (JAX)", "measured mean"]].tolist() == [
        "10.00",
        "78.46",
        "10.00",
    ]
    assert sigmoid["difference vs PyTorch"] == "+0.00"
    assert sigmoid["difference vs JAX"] == "−68.46"
    notice = next(shown(i.value) for i in at.info if "outside the measured" in i.value)
    assert "Sigmoid (published (JAX))" in notice and "Sigmoid (published (PyTorch))" not in notice
    assert "First suspect: this run's 2 deviation(s) from the protocol" in notice

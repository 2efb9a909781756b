"""AppTest for pages/mnist.py: presets, a tiny live training, results, stop, and bad input."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from apptest_helpers import app_path, chart_rows, chart_specs, run_page
from mnist_fixtures import closed_port_url
from streamlit.testing.v1 import AppTest

from actlab import datasets, training

PAGE = "pages/mnist.py"
TINY = {"mn_ep": 1, "mn_hid": "16", "mn_lim": 1000, "mn_ev": 1}


@pytest.fixture(autouse=True)
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)


def set_widgets(at: AppTest, values: dict) -> AppTest:
    for key, value in values.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
    data_line = at.markdown[0].value
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
    assert table["final accuracy"].to_dict() == pytest.approx(result.test_accuracy)
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
    assert "whole numbers like '256, 128'; got '12a'" in at.error[0].value
    at = set_widgets(run_page(PAGE), {"mn_act": []})
    assert "choose at least one activation" in at.error[0].value
    at = set_widgets(run_page(PAGE), {"mn_act": ["log_softmax"]})
    assert "use compare_at='output'" in at.error[0].value
    # Over the server's memory caps: said before anything is trained, with the numbers.
    at = set_widgets(run_page(PAGE), {"mn_hid": "1024", "mn_bs": 1024})
    assert "batch 1024 × 4,096 units" in at.error[0].value
    assert "use a smaller batch" in at.error[0].value
    at = set_widgets(run_page(PAGE), {"mn_hid": "2048, 2048"})
    assert "weights in all models together is over the 4,000,000" in at.error[0].value


def test_offline_download_falls_back_to_bundled(monkeypatch):
    offline = replace(datasets.MNIST, mirrors=(closed_port_url(),))
    monkeypatch.setitem(datasets.DATASETS, "mnist", offline)
    at = run_page(PAGE)
    at.button(key="mn_dl").click().run()
    assert not at.exception
    assert "Download failed: could not download train-images" in at.error[0].value
    assert any("uses the bundled MNIST" in info.value for info in at.info)
    assert "copy bundled with actlab" in at.markdown[0].value


@pytest.mark.skipif(
    not Path("/usr/share/datasets/fashion-mnist").is_dir(), reason="no system Fashion-MNIST"
)
def test_fashion_mnist_system_copy_is_named_with_its_size():
    at = set_widgets(run_page(PAGE), {"mn_ds": "fashion-mnist"})
    line = at.markdown[0].value
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

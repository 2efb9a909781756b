"""The helpers of bench/load_test.py and bench/run_all.py; no server starts in the default run.

The one end-to-end check (a tiny load test against a real server) is marked slow and runs only
with ACTLAB_SLOW=1.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.WidgetStates_pb2 import WidgetState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_modern_activations
import bench_server_training
import bench_training
import load_test
import run_all

STATUS_TEXT = """Name:\tpython
Umask:\t0022
State:\tS (sleeping)
VmPeak:\t  912344 kB
VmHWM:\t  480120 kB
VmRSS:\t  471236 kB
RssAnon:\t  400000 kB
Threads:\t31
"""


# ---------------------------------------------------------------- load_test helpers


@pytest.mark.parametrize("q", [0, 5, 25, 50, 90, 95, 99, 100])
def test_percentile_matches_numpy_linear_interpolation(q):
    rng = np.random.default_rng(q)
    for size in [1, 2, 7, 20, 300]:
        values = rng.exponential(size=size).tolist()
        assert load_test.percentile(values, q) == pytest.approx(np.percentile(values, q), rel=1e-12)


def test_percentile_by_hand_and_edges():
    assert load_test.percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert load_test.percentile(list(map(float, range(1, 21))), 95) == pytest.approx(19.05)
    assert math.isnan(load_test.percentile([], 50))
    with pytest.raises(ValueError, match="101"):
        load_test.percentile([1.0], 101)


def test_vmrss_parsed_from_status_text_and_from_this_process():
    assert load_test.parse_vmrss_kib(STATUS_TEXT) == 471236
    assert load_test.parse_vmrss_kib("Name:\tkthreadd\nState:\tS\n") is None
    own = load_test.parse_vmrss_kib(Path("/proc/self/status").read_text())
    assert own is not None and own > 10_000  # a Python with numpy loaded holds > 10 MiB


def test_parent_pid_survives_parentheses_and_spaces_in_the_command_name():
    assert load_test.parse_stat_ppid("4242 (odd) name (x)) S 17 4242 4242 0 -1") == 17
    assert load_test.parse_stat_ppid(Path("/proc/self/stat").read_text()) == os.getppid()


def test_process_tree_and_rss_include_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in load_test.process_tree(os.getpid())
        own = load_test.parse_vmrss_kib(Path("/proc/self/status").read_text())
        assert load_test.tree_rss_kib(os.getpid()) > own
    finally:
        child.kill()
        child.wait()


@pytest.mark.parametrize(
    ("widget_id", "key"),
    [
        ("$$ID-c9c1c7efcf0184bb64d82bc75e52cbc5-ex_fns", "ex_fns"),
        ("$$ID-abc-ex_custom-key-with-dashes", "ex_custom-key-with-dashes"),
        ("$$ID-f1247932498010401902604ca63a4f93-None", None),
        ("", None),
    ],
)
def test_widget_key_is_read_from_the_id(widget_id, key):
    assert load_test.widget_key(widget_id) == key


def test_only_loopback_urls_are_accepted():
    assert load_test.check_loopback("http://127.0.0.1:8501") == "ws://127.0.0.1:8501/_stcore/stream"
    assert (
        load_test.check_loopback("http://localhost:9000/base/")
        == "ws://localhost:9000/base/_stcore/stream"
    )
    for url in ["http://192.168.1.5:8501", "http://example.com", "https://127.0.0.1:8501"]:
        with pytest.raises(ValueError, match="loopback"):
            load_test.check_loopback(url)


def test_parser_defaults_are_the_lecture_target():
    args = load_test.build_parser().parse_args([])
    assert (args.sessions, args.reruns, args.seed) == (30, 10, 0)
    assert args.timeout == 120.0 and args.url is None and args.server_pid is None


def test_tracebacks_counted_in_a_server_log():
    log = "started\nTraceback (most recent call last):\n  File x\nValueError\n" * 2 + "ok\n"
    assert load_test.count_tracebacks(log) == 2
    assert load_test.count_tracebacks("all quiet\n") == 0


def test_summary_counts_errors_apart_from_validation_messages():
    results = [
        load_test.SessionResult(1.0, [0.1, 0.2, 0.3], [], ["hardtanh needs min_val < max_val"]),
        load_test.SessionResult(3.0, [0.4], ["timeout: no script_finished within 60 s"], []),
    ]
    summary = load_test.summarize(results, peak_rss_kib=2048 * 1024, wall_s=12.34, log_tracebacks=1)
    assert summary["reruns_done"] == 4
    assert summary["errors"] == 2
    assert summary["error_kinds"] == ["server log", "timeout"]
    assert summary["validation_messages"] == 1
    assert summary["rerun_median_s"] == 0.25
    assert summary["rerun_p95_s"] == pytest.approx(0.385)
    assert summary["first_run_median_s"] == 2.0
    assert summary["peak_rss_mib"] == 2048.0
    table = load_test.format_table(summary)
    assert "| rerun latency median | 0.250 s |" in table
    assert "| server peak RSS | 2048 MiB |" in table


def element(kind: str, **fields) -> Element:
    result = Element()
    getattr(result, kind).MergeFrom(getattr(Element(), kind).__class__(**fields))
    return result


def test_widgets_recognised_by_key_prefix_and_select_slider_type():
    slider = element("slider", id="$$ID-h1-ex_x", min=-20, max=20, step=0.5, default=[-6, 6])
    assert load_test.widget_of(slider).kind == "slider"
    select = element("slider", id="$$ID-h2-ex_n", options=["101", "201"], default=[0], type=2)
    assert load_test.widget_of(select).kind == "select_slider"
    assert load_test.widget_of(element("slider", id="$$ID-h3-other", default=[1])) is None
    assert load_test.widget_of(element("radio", id="$$ID-h4-ex_quiz")) is None
    assert load_test.widget_of(element("markdown", body="text")) is None


def widget(kind: str, proto_kind: str, key: str, **fields) -> load_test.Widget:
    proto = getattr(element(proto_kind, id=f"$$ID-h-{key}", **fields), proto_kind)
    return load_test.Widget(proto.id, key, kind, proto)


def test_random_widget_states_are_legal_values():
    rng = random.Random(0)
    x_range = widget("slider", "slider", "ex_x", min=-20, max=20, step=0.5, default=[-6, 6])
    slope = widget("slider", "slider", "ex_s", min=0, max=1, step=0.01, default=[0.01])
    fns = widget("multiselect", "multiselect", "ex_fns", options=[f"f{i}" for i in range(25)])
    points = widget("select_slider", "slider", "ex_n", options=["101", "801"], default=[1])
    digit = widget(
        "number_input", "number_input", "ex_d", min=0, max=9999, has_min=True, has_max=True
    )
    for _ in range(200):
        low, high = random_state(x_range, rng).double_array_value.data  # exactly two ends
        assert -20 <= low < high <= 20 and (2 * low).is_integer() and (2 * high).is_integer()
        (value,) = random_state(slope, rng).double_array_value.data
        assert 0 <= value <= 1 and round(value * 100, 6).is_integer()
        chosen = list(random_state(fns, rng).string_array_value.data)
        assert 1 <= len(chosen) <= 6 and len(set(chosen)) == len(chosen)
        assert set(chosen) <= set(fns.proto.options)
        assert list(random_state(points, rng).string_array_value.data) in (["101"], ["801"])
        assert 0 <= random_state(digit, rng).double_value <= 9999


def random_state(w: load_test.Widget, rng: random.Random) -> WidgetState:
    state = load_test.random_widget_state(w, rng)
    assert state.id == w.id
    return state


def test_rerun_states_keep_shown_widgets_and_drop_vanished_ones():
    shown = {
        w.id: w
        for w in [
            widget("checkbox", "checkbox", "ex_d2"),
            widget("slider", "slider", "ex_a", min=0, max=1, step=0.1, default=[0.5]),
            widget("slider", "slider", "ex_b", min=0, max=1, step=0.1, default=[0.5]),
            widget("slider", "slider", "ex_c", min=0, max=1, step=0.1, default=[0.5]),
        ]
    }
    previous = {wid: WidgetState(id=wid, bool_value=True) for wid in shown}
    previous["$$ID-h-ex_gone"] = WidgetState(id="$$ID-h-ex_gone", bool_value=True)
    for seed in range(20):
        states = load_test.changed_states(shown, previous, random.Random(seed))
        assert set(states) == set(shown)
        moved = [wid for wid in shown if states[wid] != previous[wid]]
        assert len(moved) <= 3
    assert load_test.changed_states({}, previous, random.Random(0)) == {}


# ---------------------------------------------------------------- run_all helpers


def test_fresh_slider_values_are_distinct_on_grid_and_avoid_the_current_value():
    values = run_all.fresh_slider_values(0.0, 1.0, 0.01, 20, current=0.01)
    assert len(values) == len(set(values)) == 20
    assert 0.01 not in values
    assert all(0 <= v <= 1 and round(v * 100, 6).is_integer() for v in values)
    assert max(values) - min(values) > 0.9  # spread over the range, not 20 neighbours
    with pytest.raises(ValueError, match="4 fresh values"):
        run_all.fresh_slider_values(0.0, 1.0, 0.25, 5, current=0.0)


def test_flag_detection_in_argparse_help():
    help_text = "usage: bench.py [-h] [--quick] [--data DATA]\n\noptions:\n  --quick   small run\n"
    assert run_all.accepts_flag(help_text, "--quick")
    assert not run_all.accepts_flag("usage: bench.py [-h] [--quickly]", "--quick")
    assert not run_all.accepts_flag("usage: bench.py [-h] [--data DATA]", "--quick")


def test_sub_benchmarks_see_the_repository_root_first_on_pythonpath():
    root = str(run_all.ROOT)
    assert run_all.with_root_on_path({})["PYTHONPATH"] == root
    extended = run_all.with_root_on_path({"PYTHONPATH": "/a:/b", "HOME": "/h"})
    assert extended == {"PYTHONPATH": f"{root}:/a:/b", "HOME": "/h"}


def test_run_all_parser_defaults():
    args = run_all.build_parser().parse_args([])
    assert args.reruns == 20 and not args.quick and not args.skip_browser
    assert run_all.build_parser().parse_args(["--quick"]).quick


def test_summary_markdown_holds_every_measured_part():
    results = {
        "machine": "2 cores",
        "explorer": {
            "first_run_s": 4.2,
            "six_first_s": 1.0,
            "changed": run_all.latency_stats([0.6, 0.8, 0.7]),
            "cached": run_all.latency_stats([0.2, 0.35, 0.3]),
        },
        "cold_start": {
            "healthy_s": 1.5,
            "title_s": 7.25,
            "idle_s": 8.0,
            "explorer_chart_s": 5.1,
            "explorer_idle_s": 6.0,
        },
        "benches": [
            run_all.BenchRun("bench_training.py", True, 0, 12.0, ["speed-up vs tutorial  2.50×"]),
            run_all.BenchRun("bench_gradients.py", False, None, 1800.0, []),
        ],
    }
    text = run_all.summary_markdown(results)
    assert (
        "| Explorer rerun, 6 functions, slider moved (median / p95 of 3) | 0.700 s / 0.790 s |"
        in text
    )
    assert "| moved / unchanged rerun (medians) | 2.3× |" in text
    assert "| cold start: process start → home title shown | 7.25 s |" in text
    assert "| bench_training.py --quick | ok in 12.0 s, output below |" in text
    assert "| bench_gradients.py | stopped after 1800 s (time limit) |" in text
    assert "speed-up vs tutorial  2.50×" in text
    assert run_all.failed(results)  # the time-limited benchmark counts as a failure
    assert not run_all.failed({"machine": "x", "benches": [results["benches"][0]]})


def test_ratio_guards_zero():
    assert run_all.ratio(1.0, 0.5) == "2.0×"
    assert run_all.ratio(1.0, 0.0) == "n/a"


# ---------------------------------------------------------------- bench_training helpers


def test_epoch_flops_counted_by_hand():
    # 784 -> 512 -> 10: layer 1 forward + weight gradient (no input gradient), layer 2 all three.
    per_sample = 2 * 784 * 512 * 2 + 2 * 512 * 10 * 3
    assert per_sample == 1_636_352
    assert bench_training.epoch_flops((784, 512, 10), 60_000, 4) == per_sample * 60_000 * 4
    assert bench_training.epoch_flops((784, 10), 100, 1) == 2 * 784 * 10 * 2 * 100


def test_cases_parse_activation_count_hidden_layers_and_batch():
    case = bench_training.Case
    assert bench_training.parse_cases("8@128x512, 256-128x64") == [
        case(8, (128,), 512),
        case(None, (256, 128), 64),
    ]
    for bad in ("512", "x@128x512", "128x"):
        with pytest.raises(SystemExit, match="8@128x512"):
            bench_training.parse_cases(bad)


def test_default_cases_take_the_first_activations():
    base = bench_training.training.TrainingConfig(
        activations=tuple(bench_training.DEFAULT_ACTIVATIONS.split(","))
    )
    cases = bench_training.parse_cases(bench_training.DEFAULT_CASES)
    configs = [bench_training.case_config(base, c) for c in cases]
    assert [len(c.activations) for c in configs] == [8, 4, 4, 4]
    assert configs[1].titles == ["ReLU", "Tanh", "GELU", "SiLU / Swish"]
    assert (configs[1].hidden, configs[1].batch_size) == ((512,), 256)
    with pytest.raises(SystemExit, match="more activations"):
        bench_training.case_config(base, bench_training.Case(9, (8,), 8))
    with pytest.raises(SystemExit, match="over the 4,194,304 this server allows"):
        bench_training.case_config(base, bench_training.Case(4, (1024,), 2048))


def test_server_training_reads_the_mnist_pages_own_caption():
    page = (Path(__file__).resolve().parents[1] / "app_pages" / "mnist.py").read_text()
    assert "training samples/s per model." in page  # the caption the bench parses
    caption = "device cpu · 4.9 s in all · 19,455 training samples/s per model."
    assert bench_server_training.SAMPLES.search(caption).group(1) == "19,455"
    query = bench_server_training.page_query(
        bench_server_training.argparse.Namespace(hidden="256", batch=256), evaluations=3
    )
    assert "mn_ds=Fashion-MNIST" in query and "mn_src=system+copy" in query
    assert "mn_lim=all" in query and "mn_ev=3" in query


# ---------------------------------------------------------------- bench_modern_activations


def test_modern_activations_table_reads_mean_and_min_max_by_hand():
    row = bench_modern_activations.Row("ReLU", (128,), 101_770, 0.0, (0.9, 0.92, 0.95))
    config = bench_modern_activations.config(20, 3, None)
    text = bench_modern_activations.markdown([row], 12.5, config, 20.25)
    assert (
        "| ReLU | 128 | 101,770 (+0.00%) | 92.33% | 90.00%–95.00% | 90.00%, 92.00%, 95.00% |"
        in (text)
    )
    assert "per seed (0, 1, 2)" in text and "in 12.5 s wall time, 20.2 CPU-s" in text
    assert "20 epochs of 5,000 bundled training digits" in text


def test_modern_activations_bench_trains_a_tiny_matched_comparison():
    table, seconds, text = bench_modern_activations.run(epochs=1, seeds=2, train_limit=300)
    assert [row.activation for row in table] == [
        "ReLU",
        "GELU",
        "SwiGLU",
        "Squared ReLU",
        "xIELU",
    ]
    plain = sum(
        p.numel()
        for p in torch.nn.Sequential(
            torch.nn.Linear(784, 128), torch.nn.Linear(128, 10)
        ).parameters()
    )
    swiglu = table[2]
    (units,) = swiglu.hidden_units
    gate, value, out = (
        torch.nn.Linear(784, units),
        torch.nn.Linear(784, units),
        torch.nn.Linear(units, 10),
    )
    assert swiglu.parameters == sum(p.numel() for m in (gate, value, out) for p in m.parameters())
    assert abs(swiglu.parameters / plain - 1) < 0.01
    assert swiglu.gap == pytest.approx(swiglu.parameters / plain - 1, rel=1e-12)
    for row in table:
        assert len(row.accuracies) == 2 and all(0.1 < a <= 1 for a in row.accuracies)
        if row.activation != "SwiGLU":
            assert row.parameters == plain and row.hidden_units == (128,)
    assert seconds > 0 and "| SwiGLU | 64 |" in text


# ---------------------------------------------------------------- end to end (opt-in)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("ACTLAB_SLOW") != "1", reason="set ACTLAB_SLOW=1 to run")
def test_tiny_load_test_against_a_real_server(capsys):
    summary = load_test.main(["--sessions", "2", "--reruns", "2", "--think", "0", "--ramp", "0"])
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["reruns_done"] == 4
    assert summary["peak_rss_mib"] > 100
    assert "RESULT {" in capsys.readouterr().out

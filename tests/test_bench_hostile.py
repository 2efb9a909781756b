"""bench/bench_hostile.py's pure helpers; the replay itself needs a server (run the script)."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_hostile

from actlab import activations


def test_cpu_seconds_from_proc_stat_fields_14_and_15():
    stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 3 0 1 2 3"
    assert bench_hostile.parse_stat_cpu_seconds(stat, ticks=100) == 4.0
    own = bench_hostile.parse_stat_cpu_seconds(Path("/proc/self/stat").read_text())
    assert 0 < own < 3600


def test_gradients_link_carries_every_activation_and_the_issue_s_sizes():
    labels = bench_hostile.all_activation_labels()
    query = parse_qs(bench_hostile.gradients_query(labels, 50, 512, 7))
    assert len(query["gr_act"]) == len(activations.names()) and "GELU (tanh)" in query["gr_act"]
    assert (query["gr_depth"], query["gr_width"], query["gr_seed"]) == (["50"], ["512"], ["7"])


def test_explorer_views_are_all_different_cache_misses():
    views = bench_hostile.explorer_queries(300, seed=0)
    assert len(set(views)) == 300
    first = parse_qs(views[0])
    assert len(first["ex_fns"]) == len(activations.names()) and first["ex_d2"] == ["true"]
    low, high = map(float, first["ex_x"])
    assert -20 <= low < high <= 20
    assert {parse_qs(v)["ex_n"][0] for v in views} == {"3201", "1601"}


@pytest.mark.parametrize(
    ("summary", "met"),
    [
        ({"finding": 1, "peak_rss_mb": 600, "errors": 0, "cpu_s_max": 10.5}, True),
        ({"finding": 1, "peak_rss_mb": 600, "errors": 0, "cpu_s_max": 16.0}, False),
        ({"finding": 2, "peak_rss_mb": 1300, "errors": 0, "cpu_s_max": 3.0}, False),
        ({"finding": 2, "peak_rss_mb": 900, "errors": 1, "cpu_s_max": 3.0}, False),
    ],
)
def test_targets(summary, met):
    assert bench_hostile.targets_met(summary) is met

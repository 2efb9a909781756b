"""How long does one playground training step take? And one live refresh of the page?

A *step* is what the page's Step button does: one epoch over the training points (mini-batch
updates, then the train/test evaluation that feeds the curves). Timed for the typical network
(2 hidden layers × 8 units, tanh, Adam) with batch 32 and with full batch, both on the page's
single-threaded worker (``playground.train_live``, what the page uses) and in the calling thread
with torch's default thread count, for comparison. The refresh cost is what the live panel does
besides training: decision surface (40 × 40), points, thinned history, and the three charts
turned into Vega-Lite with their data as Arrow, as ``st.altair_chart`` does.

Usage (from the repository root):

    python bench/bench_playground.py
    python bench/bench_playground.py --dataset spiral --points 800 --samples 50

Prints one block: median (and 10th–90th percentile) milliseconds per step and per update.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import altair as alt
import pandas as pd
import pyarrow as pa
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from actlab import playground
from actlab.charts.learning_curves import learning_curve_chart
from actlab.charts.playground import decision_surface_chart
from actlab.playground import PlaygroundConfig, PlaygroundTrainer


def timings(run: Callable[[], object], samples: int) -> list[float]:
    """Seconds per call of ``run``, ``samples`` times."""
    result = []
    for _ in range(samples):
        start = time.perf_counter()
        run()
        result.append(time.perf_counter() - start)
    return result


def summary(seconds: list[float], per: float = 1.0) -> str:
    ms = sorted(s * 1e3 / per for s in seconds)
    low, high = ms[len(ms) // 10], ms[(9 * len(ms)) // 10]
    return f"median {statistics.median(ms):7.3f} ms  (p10 {low:.3f}, p90 {high:.3f})"


def step_timings(config: PlaygroundConfig, samples: int, live: bool) -> tuple[list[float], int]:
    """Per-step seconds and the number of optimizer updates per step."""
    trainer = PlaygroundTrainer(config)
    if live:
        playground.train_live(trainer, 5, None)  # warm-up: allocations, Adam state
        seconds = timings(lambda: playground.train_live(trainer, 1, None), samples)
    else:
        trainer.step(5)
        seconds = timings(lambda: trainer.step(1), samples)
    if trainer.diverged:
        raise SystemExit(f"the benchmark run diverged: {trainer.diverged}")
    return seconds, trainer.updates // trainer.epoch


def vega_lite_with_arrow(chart: alt.TopLevelMixin) -> dict:
    """What ``st.altair_chart`` sends: the spec with data by name, the data as Arrow IPC."""
    frames: dict[str, pd.DataFrame] = {}

    def by_name(data: pd.DataFrame) -> dict:
        frames[f"data_{id(data)}"] = data
        return {"name": f"data_{id(data)}"}

    alt.data_transformers.register("bench_by_name", by_name)
    with alt.data_transformers.enable("bench_by_name"):
        spec = chart.to_dict()
    for name, frame in frames.items():
        sink = pa.BufferOutputStream()
        table = pa.Table.from_pandas(frame)
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        spec.setdefault("datasets", {})[name] = sink.getvalue().size
    return spec


def refresh_timings(config: PlaygroundConfig, samples: int) -> list[float]:
    trainer = PlaygroundTrainer(config)
    trainer.step(50)

    def refresh() -> None:  # what the page's live panel does per refresh, training aside
        view = playground.snapshot(trainer)
        vega_lite_with_arrow(decision_surface_chart(view.fit, view.points, view.extent))
        for metric in ("loss", "accuracy"):
            curves = view.history[view.history["metric"] == metric]
            vega_lite_with_arrow(
                learning_curve_chart(
                    curves,
                    x="epoch",
                    y="value",
                    series="split",
                    y_title=metric,
                    series_title="data",
                    legend=f"pg_{metric}_legend",
                    height=200,
                )
            )

    refresh()
    return timings(refresh, samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="circle")
    parser.add_argument("--points", type=int, default=400, help="all points (train + test)")
    parser.add_argument("--samples", type=int, default=200, help="steps timed per setting")
    args = parser.parse_args()

    base = PlaygroundConfig(dataset=args.dataset, n_points=args.points, hidden=(8, 8))
    n_train = len(PlaygroundTrainer(base).data.y_train)
    print(
        f"playground step = 1 epoch; {args.dataset}, {n_train} training points, 2 → 8 → 8 → 1, "
        f"{base.activation}, {base.optimizer} lr {base.lr}; torch {torch.__version__}, "
        f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads by default; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for batch in (32, 0):
        config = PlaygroundConfig(
            dataset=args.dataset, n_points=args.points, hidden=(8, 8), batch_size=batch
        )
        name = "full batch" if batch == 0 else f"batch {batch}"
        for live, where in ((True, "page worker, 1 thread "), (False, "calling thread, default")):
            seconds, updates = step_timings(config, args.samples, live)
            print(f"  {name:10s} {where}: per step {summary(seconds)}")
            print(f"  {'':10s} {'':23s}  per update {summary(seconds, updates)}  [{updates}/step]")
    print(
        f"  live refresh besides training (surface 40×40, points, charts): "
        f"{summary(refresh_timings(base, max(10, args.samples // 10)))}"
    )


if __name__ == "__main__":
    main()

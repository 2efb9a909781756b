"""How fast can the playground animate? One training epoch plus one frame, on one torch thread.

The issue's target is TensorFlow Playground's smoothness: at least 10 surface updates a second
for Circle + tanh 2×8 with a surface of at least 100×100 cells. A live refresh trains one epoch
and takes one frame (``playground_frame.advance``, on the single-threaded worker the page
uses); the client then draws the payload. Timed here, server side:

- *epoch*: one pass over the training points (TF's defaults: 250 points, batch 10 → 25 SGD
  updates) plus the train/test evaluation that feeds the loss curves;
- *frame*: output surface 100×100, every neuron on 25×25, points with predictions, history;
- *payload*: ``to_payload()`` and ``json.dumps`` of it (what a component receives), full and
  without the static parts; and its size in bytes;
- *refresh*: epoch + frame + payload in one call, the number that bounds frames per second.

Usage (from the repository root):

    python bench/bench_playground.py
    python bench/bench_playground.py --quick
    python bench/bench_playground.py --hidden 8 8 8 --grid 150 --samples 100

Prints, per item, the wall-clock median (p10, p90) and the median CPU time of the worker
thread, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from actlab import playground_frame
from actlab.playground import PlaygroundConfig, PlaygroundTrainer, tensorflow_defaults
from actlab.single_thread import run_single_threaded


def timings(run: Callable[[], object], samples: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds (the worker thread's own, ``time.thread_time``) per call of
    ``run``, ``samples`` times, on the single-threaded worker. On a shared, loaded machine the
    wall clock includes waiting for a core; the thread's CPU time is what one refresh costs."""

    def measure() -> tuple[list[float], list[float]]:
        wall, cpu = [], []
        for _ in range(samples):
            start, start_cpu = time.perf_counter(), time.thread_time()
            run()
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
        return wall, cpu

    return run_single_threaded(measure)


def summary(seconds: tuple[list[float], list[float]]) -> str:
    wall, cpu = ([s * 1e3 for s in sorted(values)] for values in seconds)
    low, high = wall[len(wall) // 10], wall[(9 * len(wall)) // 10]
    return (
        f"wall median {statistics.median(wall):7.2f} ms (p10 {low:.2f}, p90 {high:.2f}); "
        f"CPU median {statistics.median(cpu):6.2f} ms"
    )


def bench(config: PlaygroundConfig, grid: int, neuron_grid: int, samples: int) -> dict:
    trainer = PlaygroundTrainer(config)
    run_single_threaded(trainer.step, 5)  # warm-up: allocations, optimizer state
    frame = run_single_threaded(playground_frame.frame, trainer, grid, neuron_grid)
    full = json.dumps(frame.to_payload())
    dynamic = json.dumps(frame.to_payload(static=False))

    def refresh() -> None:
        view = playground_frame.frame(trainer, grid, neuron_grid) if trainer.step(1) else None
        json.dumps(view.to_payload(static=False))

    results = {
        "epoch": timings(lambda: trainer.step(1), samples),
        "frame": timings(lambda: playground_frame.frame(trainer, grid, neuron_grid), samples),
        "payload (full)": timings(lambda: json.dumps(frame.to_payload()), samples),
        "payload (dynamic)": timings(lambda: json.dumps(frame.to_payload(static=False)), samples),
        "refresh = epoch + frame + dynamic payload": timings(refresh, samples),
    }
    if trainer.diverged:
        raise SystemExit(f"the benchmark run diverged: {trainer.diverged}")
    return {
        "results": results,
        "bytes": (len(full), len(dynamic)),
        "updates": trainer.updates // trainer.epoch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="circle")
    parser.add_argument("--hidden", type=int, nargs="*", default=[8, 8])
    parser.add_argument("--grid", type=int, default=100, help="output surface cells per side")
    parser.add_argument("--neuron-grid", type=int, default=25, help="cells per side per neuron")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per item")
    parser.add_argument("--quick", action="store_true", help="40 samples")
    args = parser.parse_args()
    samples = 40 if args.quick else args.samples

    configs = {
        "TF defaults (SGD, batch 10)": tensorflow_defaults(
            dataset=args.dataset, hidden=tuple(args.hidden)
        ),
        "Adam, batch 32": tensorflow_defaults(
            dataset=args.dataset, hidden=tuple(args.hidden), optimizer="adam", batch_size=32
        ),
    }
    first = next(iter(configs.values()))
    n_train = len(PlaygroundTrainer(first).data.y_train)
    print(
        f"playground refresh; {args.dataset}, {n_train} training points, "
        f"{' → '.join(map(str, first.sizes))}, {first.activation}, "
        f"surface {args.grid}×{args.grid}, neurons {args.neuron_grid}×{args.neuron_grid}; "
        f"torch {torch.__version__}, 1 torch "
        f"thread (the page's worker), {os.cpu_count()} CPUs; load average "
        f"{os.getloadavg()[0]:.2f}; {samples} samples"
    )
    for name, config in configs.items():
        measured = bench(config, args.grid, args.neuron_grid, samples)
        full, dynamic = measured["bytes"]
        print(f"  {name} [{measured['updates']} updates/epoch]")
        for item, seconds in measured["results"].items():
            print(f"    {item:41s} {summary(seconds)}")
        wall, cpu = measured["results"]["refresh = epoch + frame + dynamic payload"]
        print(
            f"    payload bytes: {full:,} full, {dynamic:,} dynamic; server-side ceiling "
            f"{1 / statistics.median(wall):.0f} refreshes per second by the wall clock, "
            f"{1 / statistics.median(cpu):.0f} by CPU time"
        )


if __name__ == "__main__":
    main()

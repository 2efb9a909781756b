"""How long do the gradients page's demos take? Wall-clock times of what each button computes.

1. "Vanishing & exploding": the default view (sigmoid, tanh, ReLU; depth 20, width 128) and
   the largest one (depth 50, width 512), uncached.
2. "Does it learn?": the default comparison (sigmoid + PyTorch default vs ReLU + He, depth 10,
   plain SGD at 0.1, 300 steps), as the page runs it (one-thread worker).
3. "Dead ReLU": the default run (Adam at 0.03, 300 steps) with and without the lower-rate cure.

Each is repeated and the best and median are printed, with the load average, since the
machine may be shared.

Usage (from the repository root):

    python bench/bench_gradients.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from actlab import dead_units as du
from actlab import gradients as gr


def timed(task: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        task()
        times.append(time.perf_counter() - started)
    return times


def probes(depth: int, width: int) -> None:
    for activation in ("sigmoid", "tanh", "relu"):
        gr.probe(activation, depth, width)


def page_training(runs: dict[str, du.RunConfig]) -> du.Snapshot:
    return deque(du.train_single_threaded(runs), maxlen=1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    base = du.RunConfig()
    demos = {
        "norms, default view (3 activations, L=20, width 128)": lambda: probes(20, 128),
        "norms, largest view (3 activations, L=50, width 512)": lambda: probes(50, 512),
        "does it learn? (sigmoid vs ReLU+He, L=10, 300 steps)": lambda: page_training(
            du.learning_comparison([("sigmoid", "pytorch_default"), ("relu", "kaiming")])
        ),
        "dead ReLU (Adam 0.03, 300 steps, + lower-rate cure)": lambda: page_training(
            {"as set": base, "with cures": base.cured(["lower_lr"])}
        ),
    }
    page_training({"warm-up": du.RunConfig(steps=5)})
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, task in demos.items():
        times = timed(task, repeats)
        print(f"{name}: best {min(times):.2f} s, median {statistics.median(times):.2f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

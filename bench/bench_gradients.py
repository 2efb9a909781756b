"""How long do the gradients page's demos take? Wall-clock times of what each button computes.

1. "Vanishing & exploding": the default view (sigmoid, tanh, ReLU; depth 20, width 128) and
   the largest one (depth 50, width 512), uncached.
2. "Does it learn?": the default comparison (sigmoid + PyTorch default vs ReLU + He, depth 10,
   plain SGD at 0.1, 300 steps), as the page runs it (one-thread worker).
3. "Dead ReLU": the default run (Adam at 0.03, 300 steps) with and without the lower-rate cure.
4. Memory and CPU of one probe, each in a fresh interpreter on one torch thread (as the page runs
   them): peak resident memory above the process after its data is loaded, CPU-seconds, and the
   estimate ``gradients.probe_seconds`` that the page's per-view cap uses, at depth 50 and width
   512 (the page's largest) and 1024 (the module's largest); SwiGLU (two matrices per layer
   at its matched width) at 50 × 512, to check that the cap's estimate covers gated units.

Each timing is repeated and the best and median are printed, with the load average, since the
machine may be shared.

Usage (from the repository root):

    python bench/bench_gradients.py [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from actlab import gradients as gr
from actlab import short_training


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


def page_training(runs: dict[str, short_training.RunConfig]) -> short_training.Snapshot:
    return deque(short_training.train_single_threaded(runs), maxlen=1)[0]


PROBE_SCRIPT = """
import json, sys, time
import torch
from actlab import gradients as gr
torch.set_num_threads(1)
gr.probe("relu", 3, 8)  # the bundled digits and first-call setup before the baseline
def status_mib(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024
before = status_mib("VmRSS")
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # VmHWM := VmRSS (getrusage's peak would include the parent's RSS at fork)
activation, depth, width, init = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
started = time.process_time()
gr.probe(activation, depth, width, init)
cpu = time.process_time() - started
print(json.dumps({"before_mib": before, "peak_above_mib": status_mib("VmHWM") - before,
                  "after_mib": status_mib("VmRSS") - before, "cpu_s": cpu,
                  "estimate_s": gr.probe_seconds(depth, width, init, activation=activation)}))
"""


def probe_in_fresh_process(activation: str, depth: int, width: int, init: str) -> dict:
    """One probe in a new interpreter: its peak RSS is the probe's, not earlier work's."""
    command = [sys.executable, "-c", PROBE_SCRIPT, activation, str(depth), str(width), init]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def probe_memory(quick: bool) -> None:
    cases = [
        ("sigmoid", 50, 512, "pytorch_default"),
        ("mish", 50, 512, "orthogonal"),
        ("swiglu", 50, 512, "pytorch_default"),
    ]
    if not quick:
        cases += [
            ("relu", 50, 1024, "pytorch_default"),
            ("relu", 20, 128, "pytorch_default"),
            ("swiglu", 50, 512, "orthogonal"),
            ("swiglu", 20, 128, "pytorch_default"),
        ]
    for activation, depth, width, init in cases:
        got = probe_in_fresh_process(activation, depth, width, init)
        print(
            f"probe {activation} L={depth} width {width} {init}: peak +{got['peak_above_mib']:.0f}"
            f" MiB above {got['before_mib']:.0f} MiB (+{got['after_mib']:.0f} MiB after), "
            f"{got['cpu_s']:.2f} CPU-s (estimated {got['estimate_s']:.2f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repeat, two probe sizes")
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    base = short_training.RunConfig()
    demos = {
        "norms, default view (3 activations, L=20, width 128)": lambda: probes(20, 128),
        "norms, largest view (3 activations, L=50, width 512)": lambda: probes(50, 512),
        "norms, SwiGLU (L=20, width 128 matched)": lambda: gr.probe("swiglu", 20, 128),
        "does it learn? (sigmoid vs ReLU+He, L=10, 300 steps)": lambda: page_training(
            short_training.learning_comparison(["sigmoid:pytorch_default", "relu:kaiming"])
        ),
        "dead ReLU (Adam 0.03, 300 steps, + lower-rate cure)": lambda: page_training(
            {"as set": base, "with cures": base.cured(["lower_lr"])}
        ),
    }
    page_training({"warm-up": short_training.RunConfig(steps=5)})
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for name, task in demos.items():
        times = timed(task, repeats)
        print(f"{name}: best {min(times):.2f} s, median {statistics.median(times):.2f} s")
    probe_memory(args.quick)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

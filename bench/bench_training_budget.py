"""How long a training of a given estimated cost takes: the measurement behind the caps.

``actlab.training.training_flops`` estimates a run's cost from its configuration
(6 × weights × training samples × epochs, plus 2 × weights × test images per evaluation), and
``training_steps`` counts its optimizer steps. A public server caps both per run
(``ACTLAB_MAX_TRAINING_FLOPS``, ``ACTLAB_MAX_TRAINING_STEPS``). This trains one epoch of several
model shapes the MNIST page allows, on 60,000 training images (the bundled 5,000 tiled twelve
times: the speed does not depend on the pixels), and prints for each the estimate, the steps,
the seconds, the effective rate (estimate ÷ seconds), the seconds per step, and how long the
longest run of that shape within both caps would take (as many epochs as fit, at the rate
measured). That last column is what the caps are sized for.

    python bench/bench_training_budget.py
    python bench/bench_training_budget.py --quick      # a sixth of the data per shape

Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# name: TrainingConfig keyword arguments (one epoch, one evaluation; the rest are the page's).
SHAPES = {
    "page default 4 × 784→128→10, batch 64": {"hidden": (128,), "batch_size": 64},
    "4 × 784→256→10, batch 512": {"hidden": (256,), "batch_size": 512},
    "4 × 784→128→10, batch 16": {"hidden": (128,), "batch_size": 16},
    "1 × 784→1000×4→10, batch 64 (issue's flood)": {
        "activations": ("relu",),
        "hidden": (1000, 1000, 1000, 1000),
        "batch_size": 64,
    },
    "4 × 5 seeds × 784→128→10, batch 64": {"hidden": (128,), "seeds": (0, 1, 2, 3, 4)},
    "1 × 784→16→10, batch 16 (overhead-bound)": {
        "activations": ("relu",),
        "hidden": (16,),
        "batch_size": 16,
    },
    "tutorial 4 × 784→10, SGD, batch 64": {
        "activations": ("log_softmax", "softmax", "sigmoid", "tanh"),
        "hidden": (),
        "compare_at": "output",
        "optimizer": "sgd",
        "lr": 0.5,
        "momentum": 0.0,
        "batch_size": 64,
        "input_scaling": "divide_by_255",
    },
}


def main() -> None:
    import torch

    from actlab import training

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 images per shape")
    parser.add_argument("--cap", type=float, default=training.MAX_TRAINING_FLOPS, help="FLOPs")
    parser.add_argument(
        "--steps", type=float, default=training.MAX_TRAINING_STEPS, help="optimizer steps"
    )
    args = parser.parse_args()

    base = training.TrainingConfig(
        activations=("relu", "tanh", "sigmoid", "gelu"), epochs=1, evals_per_epoch=1
    )
    bundled = training.tensor_data(base, torch.device("cpu"))
    repeats = 2 if args.quick else 12
    data = replace(
        bundled,
        train_x=bundled.train_x.repeat(repeats, 1),
        train_y=bundled.train_y.repeat(repeats),
    )
    n_train, n_test = len(data.train_y), len(data.test_y)
    print(f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, load {os.getloadavg()}")
    print(
        f"{n_train:,} training images, {n_test:,} test images; caps {args.cap:.3g} FLOPs, "
        f"{args.steps:,.0f} steps\n"
    )
    print("| shape | FLOPs / epoch | steps / epoch | seconds | GFLOP/s | ms / step | longest run |")
    print("|---|---|---|---|---|---|---|")
    training.train(replace(base, train_limit=1000), data=data)  # warm-up: imports, first GEMMs
    longest = []
    for name, changes in SHAPES.items():
        config = replace(base, **changes)
        flops = training.training_flops(config, n_train, n_test)
        steps = training.training_steps(config, n_train)
        started = time.perf_counter()
        training.train(config, data=data)
        seconds = time.perf_counter() - started
        epochs = max(1, min(args.cap // flops, args.steps // steps))  # per-epoch cost is fixed
        longest.append(epochs * seconds)
        print(
            f"| {name} | {flops:.3g} | {steps:,} | {seconds:.1f} | {flops / seconds / 1e9:.1f} | "
            f"{seconds / steps * 1000:.2f} | {epochs:.0f} epoch{'s' * (epochs > 1)}, "
            f"{epochs * seconds:.0f} s |"
        )
    print(f"\nlongest run within the caps: {max(longest):.0f} s; load {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""Peak memory of the worst case the server allows: two of the largest trainings at once.

The MNIST page lets anyone start a training, and ``ACTLAB_MAX_TRAININGS`` (default 2) of them run
at once in the server process. This script loads what the server loads (streamlit, altair,
pandas, torch), warms up with a tiny training (first-call imports), then runs two trainings at the
memory caps (``MAX_PARAMETERS`` weights, ``MAX_STEP_UNITS`` layer outputs per step) at the same
time in ``TrainingRun`` threads, as the page does, on full-size Fashion-MNIST. It prints the
resident memory before, the peak, and what is left after the runs (freed memory is handed back).

    python bench/bench_memory.py                        # Debian's Fashion-MNIST
    python bench/bench_memory.py --data /path/to/fashion-mnist --limit 10000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling load_test script

import altair  # noqa: F401  (the server's imports, for a realistic baseline)
import load_test  # a sibling script
import pandas  # noqa: F401
import streamlit  # noqa: F401

from actlab import memory, training

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def resident_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    now = load_test.parse_vmrss_kib(Path("/proc/self/status").read_text()) or 0
    return now / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def largest_configs(folder: str, limit: int | None) -> list[training.TrainingConfig]:
    """Two shapes at both caps: many small members (5 seeds × 4), and two wide ones."""
    common = {
        "dataset": "fashion-mnist",
        "source": "folder",
        "folder": folder,
        "train_limit": limit,
        "evals_per_epoch": 2,
    }
    many = training.TrainingConfig(
        activations=("relu", "tanh", "gelu", "silu"),
        seeds=(0, 1, 2, 3, 4),
        hidden=(250,),
        batch_size=training.MAX_STEP_UNITS // (20 * 250),
        **common,
    )
    wide = training.TrainingConfig(
        activations=("relu", "tanh"),
        hidden=(2500,),
        batch_size=training.MAX_STEP_UNITS // 5000,
        **common,
    )
    return [many, wide]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with Fashion-MNIST IDX files")
    parser.add_argument("--limit", type=int, default=0, help="training images (0: all)")
    args = parser.parse_args()
    configs = largest_configs(str(Path(args.data)), args.limit or None)

    training.train(training.TrainingConfig(train_limit=100, hidden=(8,), batch_size=50))
    training.tensor_data(configs[0])  # the dataset cache, as a server that served it once
    memory.release_freed_memory()
    before, _ = resident_mb()
    started = time.perf_counter()
    runs = [training.TrainingRun(config).start() for config in configs]
    for run in runs:
        run.wait()
    seconds = time.perf_counter() - started
    after, peak = resident_mb()
    for config, run in zip(configs, runs, strict=True):
        state = run.state()
        print(
            f"run        {len(config.activations)} activations × {len(config.seeds)} seeds × "
            f"{config.hidden}, batch {config.batch_size}: "
            f"{config.batch_size * config.widest_layer_units:,} layer outputs per step, "
            f"{state.status}"
        )
    print(
        f"caps       {training.MAX_PARAMETERS:,} weights, {training.MAX_STEP_UNITS:,} outputs/step"
    )
    print(
        f"resident   {before:,.0f} MB before, {peak:,.0f} MB peak (both at once, {seconds:.1f} s), "
        f"{after:,.0f} MB after"
    )


if __name__ == "__main__":
    main()

"""ReLU, GELU, SwiGLU, squared ReLU and xIELU on MNIST at matched parameters (issue 16).

One ``actlab.training`` run on the digits bundled with actlab (5,000 training, the official
10,000 test): every activation × seed is a member of one stacked model, trained on the same
batches, so only the activation differs. The plain members are 784 → 128 → 10 MLPs; SwiGLU's
hidden layer is ``SiLU(x W) ⊙ (x V)`` with the width ``actlab.training.gated.matched_widths``
chooses, so its parameter count is within 1 % of the plain one. xIELU keeps its published
initial values fixed (α_p = α_n = 0.8, β = 0.5; the paper learns α_p and α_n per layer).

Prints a Markdown table: per activation the hidden units, parameters (and their gap to the
plain MLP), test accuracy as the mean over seeds with the min–max, each seed's accuracy, and the
wall time and CPU time of the whole run (all members train together, so there is one time for
all; on a shared machine the CPU time is the steadier figure).

Usage (from the repository root):

    python bench/bench_modern_activations.py                # 20 epochs, seeds 0-2 (25 s idle)
    python bench/bench_modern_activations.py --epochs 20 --seeds 5
    python bench/bench_modern_activations.py --quick        # 1 epoch on 1,000 digits, 1 seed
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from actlab import gated, training
from actlab.training.gated import gated_parameters, gated_sizes, plain_parameters

ACTIVATIONS = ("relu", "gelu", "swiglu", "relu_squared", "xielu")
HIDDEN = (128,)


@dataclass(frozen=True)
class Row:
    """One activation's line of the table."""

    activation: str
    hidden_units: tuple[int, ...]
    parameters: int
    gap: float  # (parameters − plain parameters) / plain parameters
    accuracies: tuple[float, ...]  # per seed, in the configuration's seed order

    @property
    def mean(self) -> float:
        return sum(self.accuracies) / len(self.accuracies)


def config(epochs: int, seeds: int, train_limit: int | None) -> training.TrainingConfig:
    """Adam at 1e-3, batch 64, the bundled digits, one evaluation per epoch."""
    return training.TrainingConfig(
        dataset="mnist",
        source="bundled",
        activations=ACTIVATIONS,
        hidden=HIDDEN,
        optimizer="adam",
        lr=1e-3,
        batch_size=64,
        epochs=epochs,
        seeds=tuple(range(seeds)),
        train_limit=train_limit,
        evals_per_epoch=1,
        device="cpu",
    )


def rows(result: training.TrainingResult) -> list[Row]:
    """Per activation: sizes, parameters and each seed's final test accuracy."""
    cfg = result.config
    sizes = cfg.sizes
    plain = plain_parameters(sizes)
    final = training.selected_rows(result.history)
    table = []
    for spec in cfg.activations:
        if gated.is_gated(spec.name):
            own = gated_sizes(sizes)
            count = gated_parameters(own)
        else:
            own, count = tuple(sizes), plain
        mine = final[final["activation"] == spec.title].set_index("seed")["test_accuracy"]
        table.append(
            Row(
                activation=spec.title,
                hidden_units=tuple(own[1:-1]),
                parameters=count,
                gap=(count - plain) / plain,
                accuracies=tuple(float(mine[seed]) for seed in cfg.seeds),
            )
        )
    return table


def markdown(
    table: list[Row], seconds: float, cfg: training.TrainingConfig, cpu_seconds: float
) -> str:
    """The table as the README shows it."""
    seeds = ", ".join(str(s) for s in cfg.seeds)
    lines = [
        "| activation | hidden units | parameters (vs plain) | test accuracy, mean | min–max | "
        f"per seed ({seeds}) |",
        "|---|---|---|---|---|---|",
    ]
    for row in table:
        low, high = min(row.accuracies), max(row.accuracies)
        per_seed = ", ".join(f"{a:.2%}" for a in row.accuracies)
        lines.append(
            f"| {row.activation} | {' × '.join(map(str, row.hidden_units))} | "
            f"{row.parameters:,} ({row.gap:+.2%}) | {row.mean:.2%} | "
            f"{low:.2%}–{high:.2%} | {per_seed} |"
        )
    lines.append("")
    lines.append(
        f"{len(cfg.activations)} activations × {len(cfg.seeds)} seeds trained side by side in "
        f"{seconds:.1f} s wall time, {cpu_seconds:.1f} CPU-s ({os.cpu_count()} CPU cores, load "
        "average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}); "
        f"{cfg.epochs} epochs of {cfg.train_limit or 5000:,} bundled training digits, Adam "
        f"lr {cfg.lr:g}, batch {cfg.batch_size}, tested on the 10,000 official test digits."
    )
    return "\n".join(lines)


def run(epochs: int, seeds: int, train_limit: int | None = None) -> tuple[list[Row], float, str]:
    """Train, and return the table's rows, the wall time and the Markdown."""
    cfg = config(epochs, seeds, train_limit)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = training.train(cfg)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    if result.messages:
        raise SystemExit(f"a member stopped early: {result.messages}")
    table = rows(result)
    return table, seconds, markdown(table, seconds, cfg, cpu_seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 … N − 1")
    parser.add_argument("--quick", action="store_true", help="1 epoch on 1,000 digits, 1 seed")
    args = parser.parse_args(argv)
    if args.quick:
        _, _, text = run(1, 1, 1000)
    else:
        _, _, text = run(args.epochs, args.seeds)
    print(text)


if __name__ == "__main__":
    main()

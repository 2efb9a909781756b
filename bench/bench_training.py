"""How fast is actlab.training? One epoch on full-size Fashion-MNIST against two yardsticks.

Each case (number of activations, hidden widths, batch size; several per run) is timed
against:

1. The FLOP limit: the epoch's matrix-multiply work divided by the machine's measured GEMM rate
   (float32 ``torch.mm`` of large square matrices, best of several runs). The fraction of that
   rate the training reaches is its efficiency.
2. A plain tutorial loop: one ``nn.Sequential`` per activation, trained one after the other with
   a ``DataLoader`` over a ``TensorDataset`` (float images prepared beforehand), same sizes,
   batch size, optimizer and initial weights.

All are timed in the same run, so the ratios are comparable even on a busy machine. The
tutorial loop's own share of the GEMM rate is printed too: it bounds the speed-up any
implementation can reach, since an epoch at 100 % of the GEMM rate is 1 / that share faster.

Usage (from the repository root):

    python bench/bench_training.py                      # default cases, Debian's copy
    python bench/bench_training.py --data /path/to/fashion-mnist --device cuda
    python bench/bench_training.py --activations relu,gelu --cases 1024x256,256-256x512
    python bench/bench_training.py --quick              # the first case only

Prints the GEMM rate, then a Markdown table (one row per case: epoch times, the two ratios,
whether both targets are met), accuracies of both sides and peak RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from actlab import activations, optimizers, training

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
# Eight activations side by side, as a lecture compares them; the cases take the first N.
DEFAULT_ACTIVATIONS = "relu,tanh,gelu,silu,leaky_relu,elu,mish,softplus"
# [activations @] hidden x batch: all eight in a narrow model; four in a wide, a medium and the
# MNIST page's default model.
DEFAULT_CASES = "8@128x512,4@512x256,4@256x512,4@128x64"


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def gemm_rate(device: torch.device, n: int, repeats: int = 5) -> float:
    """Best float32 GEMM rate (FLOP/s) of ``n × n`` by ``n × n`` over ``repeats`` timings."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    a @ b  # warm-up (allocations, kernel selection)
    best = float("inf")
    inner = 3 if device.type == "cpu" else 20
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        for _ in range(inner):
            a @ b
        synchronize(device)
        best = min(best, (time.perf_counter() - start) / inner)
    return 2 * n**3 / best


def epoch_flops(sizes: tuple[int, ...], samples: int, members: int) -> float:
    """Matrix-multiply FLOPs of one epoch: forward 2·in·out per layer, backward twice that,
    except the first layer, which needs no gradient with respect to the input images."""
    per_sample = 0
    for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        per_sample += 2 * fan_in * fan_out * (2 if layer == 0 else 3)
    return float(per_sample) * samples * members


def tutorial_model(
    config: training.TrainingConfig, spec: training.ActivationSpec, sizes: tuple[int, ...]
) -> tuple[torch.nn.Sequential, torch.optim.Optimizer]:
    """The textbook model: ``nn.Linear`` layers and activation modules, from actlab's weights."""
    layers: list[torch.nn.Module] = []
    for i, (weight, bias) in enumerate(training.initial_weights(sizes, config.seeds[0])):
        linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(activations.module(spec.name, **dict(spec.params)))
    model = torch.nn.Sequential(*layers)
    optimizer = optimizers.build(
        config.optimizer, model.parameters(), lr=config.lr, momentum=config.momentum
    )
    return model, optimizer


def tutorial_epochs(
    config: training.TrainingConfig, data: training.TensorData, sizes: tuple[int, ...]
) -> tuple[dict[str, float], dict[str, float]]:
    """One epoch of every activation, one ordinary model after another: seconds and accuracy."""
    device = data.train_x.device
    x = (data.train_x.float() - data.shift) * data.scale
    test_x = (data.test_x.float() - data.shift) * data.scale
    loader = DataLoader(TensorDataset(x, data.train_y), batch_size=config.batch_size, shuffle=True)
    seconds, accuracy = {}, {}
    for spec in config.activations:
        model, optimizer = tutorial_model(config, spec, sizes)
        model.to(device)
        synchronize(device)
        start = time.perf_counter()
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        synchronize(device)
        seconds[spec.title] = time.perf_counter() - start
        with torch.no_grad():
            accuracy[spec.title] = (model(test_x).argmax(1) == data.test_y).float().mean().item()
    return seconds, accuracy


@dataclass(frozen=True)
class Case:
    """One measured setting: the first ``members`` activations of the list, hidden widths, batch."""

    members: int | None  # None: every listed activation
    hidden: tuple[int, ...]
    batch: int


@dataclass
class Measurement:
    """One case's timings, each the best of the repeats."""

    config: training.TrainingConfig
    flops: float
    actlab: training.TrainingResult
    tutorial_seconds: float
    tutorial_accuracy: dict[str, float]


def parse_cases(text: str) -> list[Case]:
    """``"8@128x512,512x256"``: [activation count @] hidden widths (joined by ``-``) x batch."""
    cases = []
    for item in text.split(","):
        count, _, shape = item.strip().rpartition("@")
        hidden, _, batch = shape.partition("x")
        if not (batch.isdigit() and (count.isdigit() or not count)):
            raise SystemExit(
                f"--cases entries look like 8@128x512 or 512x256 ([activations @] hidden x "
                f"batch), got {item!r}"
            )
        hidden_widths = training.parse_hidden(hidden.replace("-", ","))
        cases.append(Case(int(count) if count else None, hidden_widths, int(batch)))
    return cases


def case_config(base: training.TrainingConfig, case: Case) -> training.TrainingConfig:
    if case.members is not None and not 1 <= case.members <= len(base.activations):
        raise SystemExit(f"case {case} asks for more activations than --activations lists")
    try:  # the server's memory caps apply here too
        return dataclasses.replace(
            base,
            activations=base.activations[: case.members],
            hidden=case.hidden,
            batch_size=case.batch,
        )
    except ValueError as err:
        raise SystemExit(f"case {case}: {err}") from None


def measure(config: training.TrainingConfig, data, repeats: int, gemm) -> Measurement:
    """Alternate actlab epochs, tutorial epochs and GEMM-rate samples; keep each one's best."""
    sizes = (data.train_x.shape[1], *config.hidden, len(data.class_names))
    members = len(config.activations) * len(config.seeds)
    training.train(config, data=data)  # warm-up: first-call imports, kernel selection
    ours, tutorial = [], []
    for _ in range(repeats):
        gemm()
        ours.append(training.train(config, data=data))
        tutorial.append(tutorial_epochs(config, data, sizes))
    return Measurement(
        config=config,
        flops=epoch_flops(sizes, len(data.train_y), members),
        actlab=min(ours, key=lambda r: r.train_seconds),
        tutorial_seconds=sum(min(t[0][title] for t in tutorial) for title in config.titles),
        tutorial_accuracy=tutorial[0][1],
    )


def table(results: list[Measurement], rate: float, data) -> list[str]:
    """The Markdown table: one row per case, both ratios and whether the targets are met."""
    header = (
        "activations",
        "model",
        "batch",
        "GFLOP",
        "limit s",
        "actlab s",
        "tutorial s",
        "actlab/GEMM",
        "tutorial/GEMM",
        "speed-up",
        "targets",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for m in results:
        limit = m.flops / rate
        ours, theirs = m.actlab.train_seconds, m.tutorial_seconds
        met = limit / ours >= 0.60 and theirs / ours >= 2.0
        sizes = (data.train_x.shape[1], *m.config.hidden, len(data.class_names))
        row = (
            len(m.config.activations),
            "→".join(map(str, sizes)),
            m.config.batch_size,
            f"{m.flops / 1e9:,.0f}",
            f"{limit:.2f}",
            f"{ours:.2f}",
            f"{theirs:.2f}",
            f"{limit / ours:.0%}",
            f"{limit / theirs:.0%}",
            f"{theirs / ours:.2f}×",
            "both met" if met else "missed",
        )
        lines.append("| " + " | ".join(map(str, row)) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with Fashion-MNIST IDX files")
    parser.add_argument(
        "--activations",
        default=DEFAULT_ACTIVATIONS,
        help="catalogue names, comma-separated; a case trains the first N of them",
    )
    parser.add_argument(
        "--cases",
        default=DEFAULT_CASES,
        help="what to measure: [activation count @] hidden x batch, hidden layers joined by -, "
        "e.g. '8@128x512,512x256,256-256x512' (no count: all activations)",
    )
    parser.add_argument("--optimizer", default="adam", choices=optimizers.IDS)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--device", default="auto", choices=training.DEVICES)
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per side (best)")
    parser.add_argument("--gemm-size", type=int, default=0, help="0: 2048 on CPU, 8192 on GPU")
    parser.add_argument("--quick", action="store_true", help="the first case only, 2 repeats")
    args = parser.parse_args()
    cases = parse_cases(args.cases)
    if args.quick:
        cases, args.repeats = cases[:1], min(args.repeats, 2)

    base = training.TrainingConfig(
        dataset="fashion-mnist",
        source="folder",
        folder=str(Path(args.data)),
        activations=tuple(args.activations.split(",")),
        optimizer=args.optimizer,
        lr=args.lr,
        epochs=1,
        evals_per_epoch=1,
        device=args.device,
    )
    configs = [case_config(base, case) for case in cases]
    device = training.resolve_device(base.device)
    data = training.tensor_data(base, device)
    gemm_n = args.gemm_size or (8192 if device.type == "cuda" else 2048)
    rates: list[float] = []

    def gemm() -> None:
        rates.append(gemm_rate(device, gemm_n))

    # Peak memory of loading plus training, before the tutorial loop's float copy of the data.
    training.train(configs[0], data=data)
    actlab_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Repeats alternate the three measurements, and each keeps its best, so that load from
    # other processes at one moment does not favour one side.
    results = [measure(config, data, args.repeats, gemm) for config in configs]
    rate = max(rates)

    threads = torch.get_num_threads()
    print(f"device     {device} ({threads} CPU threads), torch {torch.__version__}")
    print(f"data       {data.description}")
    print(f"activations {', '.join(base.titles)} (a case with N trains the first N)")
    print(f"training   {base.optimizer}, lr {base.lr:g}; one epoch; times: best of {args.repeats}")
    print(
        f"GEMM rate  {rate / 1e9:,.1f} GFLOP/s (float32 {gemm_n}³ torch.mm, best of "
        f"{len(rates)} samples taken between the epochs)"
    )
    print()
    print("\n".join(table(results, rate, data)))
    print()
    print("targets: actlab/GEMM >= 60 % and speed-up >= 2×. tutorial/GEMM bounds the speed-up: an")
    print("epoch at 100 % of the GEMM rate is at most 1 / (tutorial/GEMM) times the tutorial's.")
    for m in results:
        gaps = [abs(m.actlab.test_accuracy[t] - a) for t, a in m.tutorial_accuracy.items()]
        hidden = "-".join(map(str, m.config.hidden))
        print(
            f"accuracy {len(gaps)}@{hidden}x{m.config.batch_size}: largest actlab/tutorial gap "
            f"{max(gaps):.3f} ("
            + ", ".join(
                f"{t} {m.actlab.test_accuracy[t]:.3f}/{a:.3f}"
                for t, a in m.tutorial_accuracy.items()
            )
            + ")"
        )
    print(f"peak RSS   {actlab_rss:,.0f} MB loading + one actlab epoch (whole process)")


if __name__ == "__main__":
    main()

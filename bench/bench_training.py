"""How fast is actlab.training? One epoch on full-size Fashion-MNIST against two yardsticks.

1. The FLOP limit: the epoch's matrix-multiply work divided by the machine's measured GEMM rate
   (float32 ``torch.mm`` of large square matrices, best of several runs). The fraction of that
   rate the training reaches is its efficiency.
2. A plain tutorial loop: one ``nn.Sequential`` per activation, trained one after the other with
   a ``DataLoader`` over a ``TensorDataset`` (float images prepared beforehand), same sizes,
   batch size, optimizer and initial weights.

Both are timed in the same run, so the ratios are comparable even on a busy machine.

Usage (from the repository root):

    python bench/bench_training.py                      # defaults below, Debian's copy
    python bench/bench_training.py --data /path/to/fashion-mnist --device cuda
    python bench/bench_training.py --activations relu,gelu --hidden 1024 --batch 256

Prints one block of results: GEMM rate, epoch times, the two ratios, accuracies and peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from actlab import activations, training

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


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
    if config.optimizer == "adam":
        return model, torch.optim.Adam(model.parameters(), lr=config.lr)
    return model, torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder with Fashion-MNIST IDX files")
    parser.add_argument("--activations", default="relu,tanh,gelu,silu")
    parser.add_argument("--hidden", default="512")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--optimizer", default="adam", choices=training.OPTIMIZERS)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--device", default="auto", choices=training.DEVICES)
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per side (best)")
    parser.add_argument("--gemm-size", type=int, default=0, help="0: 2048 on CPU, 8192 on GPU")
    args = parser.parse_args()

    config = training.TrainingConfig(
        dataset="fashion-mnist",
        source="folder",
        folder=str(Path(args.data)),
        activations=tuple(args.activations.split(",")),
        hidden=training.parse_hidden(args.hidden),
        optimizer=args.optimizer,
        lr=args.lr,
        batch_size=args.batch,
        epochs=1,
        evals_per_epoch=1,
        device=args.device,
    )
    device = training.resolve_device(config.device)
    data = training.tensor_data(config, device)
    n_train = len(data.train_y)
    sizes = (data.train_x.shape[1], *config.hidden, len(data.class_names))
    members = len(config.activations) * len(config.seeds)
    gemm_n = args.gemm_size or (8192 if device.type == "cuda" else 2048)

    # Repeats alternate the three measurements, and each keeps its best, so that load from
    # other processes at one moment does not favour one side.
    training.train(config, data=data)  # warm-up: first-call imports, kernel selection
    # Peak memory of loading plus training, before the tutorial loop's float copy of the data.
    actlab_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rates, ours, tutorial = [], [], []
    for _ in range(args.repeats):
        rates.append(gemm_rate(device, gemm_n))
        ours.append(training.train(config, data=data))
        tutorial.append(tutorial_epochs(config, data, sizes))
    rate = max(rates)
    best = min(ours, key=lambda r: r.train_seconds)
    tutorial_seconds = sum(min(t[0][title] for t in tutorial) for title in config.titles)
    tutorial_accuracy = tutorial[0][1]
    flops = epoch_flops(sizes, n_train, members)
    limit_seconds = flops / rate

    threads = torch.get_num_threads()
    of = f"best of {args.repeats}"
    lines = [
        ("device", f"{device} ({threads} CPU threads), torch {torch.__version__}"),
        ("data", data.description),
        ("model", f"{' -> '.join(map(str, sizes))} × {members} ({', '.join(config.titles)})"),
        ("training", f"batch {config.batch_size}, {config.optimizer}, lr {config.lr:g}"),
        ("GEMM rate", f"{rate / 1e9:,.1f} GFLOP/s (float32 {gemm_n}³ torch.mm, {of})"),
        ("epoch matmul work", f"{flops / 1e9:,.1f} GFLOP"),
        ("FLOP-limited epoch", f"{limit_seconds:,.2f} s"),
        ("actlab epoch", f"{best.train_seconds:,.2f} s (all models at once, {of})"),
        ("tutorial-loop epoch", f"{tutorial_seconds:,.2f} s (one model at a time, {of} each)"),
        ("share of GEMM rate", f"{limit_seconds / best.train_seconds:.0%} (target >= 60%)"),
        ("speed-up vs tutorial", f"{tutorial_seconds / best.train_seconds:.2f}× (target >= 2×)"),
    ]
    lines += [
        (f"accuracy {title}", f"actlab {best.test_accuracy[title]:.4f}, tutorial {acc:.4f}")
        for title, acc in tutorial_accuracy.items()
    ]
    lines.append(("peak RSS", f"{actlab_rss:,.0f} MB loading + one actlab epoch (whole process)"))
    for name, value in lines:
        print(f"{name:<22}{value}")


if __name__ == "__main__":
    main()

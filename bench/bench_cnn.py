"""How fast are actlab's batched CNNs? Training steps against the machine's rates and a plain loop.

For each CNN of the reproduced protocols (d2l's LeNet-5, the SNN tutorial's small CNN) and a
number of activations, one timed block of training steps of ``StackedCNN`` (every member in
one grouped ``conv2d`` per layer) is set against:

1. The machine's rates: float32 GEMM (``torch.mm`` of 2048 × 2048, best of several) and a
   plain convolution (``nn.Conv2d(16, 64, 3)`` forward and backward on a batch of 256 × 28 × 28,
   best of several). The step's FLOPs are ``6 × multiply-adds per sample × batch``, all
   members together (``TrainingConfig.macs_per_sample``); the share of each rate is printed.
2. A plain per-model loop: one ``nn.Sequential`` of ``nn.Conv2d`` / pooling / ``nn.Linear`` per
   member, each with its own optimizer, trained one after the other on the same batches.

All sides are timed in the same run, so the ratios hold on a busy machine; the load average is
printed beside them.

Usage (from the repository root):

    python bench/bench_cnn.py                 # both CNNs, 2 and 6 activations, batch 256 / 128
    python bench/bench_cnn.py --quick         # LeNet-5 with two activations only
    python bench/bench_cnn.py --steps 20 --device cuda
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
# Six LeNets at batch 256 hold 7.2 M values per layer output: over a server's cap, fine here.
os.environ.setdefault("ACTLAB_MAX_STEP_UNITS", str(2**24))

import torch
import torch.nn.functional as F

from actlab import activations, training

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "elu", "silu")
# (architecture, activations, batch): the protocols' batch sizes (d2l 256, SNN tutorial 128).
CASES = (("lenet5", 2, 256), ("lenet5", 6, 256), ("snn_cnn", 2, 128), ("snn_cnn", 6, 128))


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def best_seconds(run, device: torch.device, repeats: int, inner: int) -> float:
    """Best mean seconds of ``inner`` calls of ``run`` over ``repeats`` timings (one warm-up)."""
    run()
    best = float("inf")
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        for _ in range(inner):
            run()
        synchronize(device)
        best = min(best, (time.perf_counter() - start) / inner)
    return best


def gemm_rate(device: torch.device, n: int = 2048) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    return 2 * n**3 / best_seconds(lambda: a @ b, device, 5, 3)


def conv_rate(device: torch.device) -> float:
    """FLOP/s of a plain ``Conv2d(16, 64, 3)`` forward + backward (input and weight gradients)
    on 256 × 16 × 28 × 28: a dense convolution the size of a small CNN's work."""
    conv = torch.nn.Conv2d(16, 64, 3).to(device)
    x = torch.randn(256, 16, 28, 28, device=device, requires_grad=True)

    def step() -> None:
        conv(x).sum().backward()

    macs = 256 * 64 * 26 * 26 * (16 * 9 + 1)
    return 6 * macs / best_seconds(step, device, 5, 2)


def plain_model(net, classes: int, layers, name: str) -> torch.nn.Sequential:
    """One member as a textbook ``nn.Sequential``, starting from ``layers``."""
    modules, weighted = [], []
    in_channels = 1
    for conv in net.convs:
        c = torch.nn.Conv2d(in_channels, conv.channels, conv.kernel, padding=conv.padding)
        pool = torch.nn.AvgPool2d(2) if conv.pool == "avg" else torch.nn.MaxPool2d(2)
        act = activations.module(name)
        modules += [c, act, pool] if conv.order == "act_pool" else [c, pool, act]
        weighted.append(c)
        in_channels = conv.channels
    modules.append(torch.nn.Flatten())
    sizes = (net.flat_features, *net.dense, classes)
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        linear = torch.nn.Linear(a, b)
        modules.append(linear)
        weighted.append(linear)
        if i < len(sizes) - 2:
            modules.append(activations.module(name))
    with torch.no_grad():
        for module, (w, b) in zip(weighted, layers, strict=True):
            module.weight.copy_(w)
            module.bias.copy_(b)
    return torch.nn.Sequential(*modules)


def measure(architecture: str, n_act: int, batch: int, steps: int, device: torch.device) -> dict:
    names = ACTIVATIONS[:n_act]
    config = training.TrainingConfig(
        activations=names, architecture=architecture, batch_size=batch, device=device.type
    )
    net = training.CONV_NETS[architecture]
    model = training.build_model(config, 784, 10).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    generator = torch.Generator().manual_seed(0)
    xs = torch.randn(steps, 1, batch, 1, 28, 28, generator=generator).to(device)
    ys = torch.randint(0, 10, (steps, 1, batch), generator=generator).to(device)

    def stacked() -> None:
        for x, y in zip(xs, ys, strict=True):
            losses, _ = training.member_losses(model(x), y, None)
            optimizer.zero_grad(set_to_none=True)
            losses.sum().backward()
            optimizer.step()

    plain = [
        plain_model(net, 10, model.member_weights(0, a), name).to(device)
        for a, name in enumerate(names)
    ]
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9) for m in plain]

    def loop() -> None:
        for m, opt in zip(plain, optimizers, strict=True):
            for x, y in zip(xs, ys, strict=True):
                loss = F.cross_entropy(m(x[0]), y[0])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()

    stacked_s = best_seconds(stacked, device, 3, 1) / steps
    loop_s = best_seconds(loop, device, 3, 1) / steps
    flops = 6 * config.macs_per_sample * batch
    return {
        "case": f"{net.label}, {n_act} activations, batch {batch}",
        "stacked_ms": 1e3 * stacked_s,
        "loop_ms": 1e3 * loop_s,
        "gflops": flops / stacked_s / 1e9,
        "speedup": loop_s / stacked_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="training steps per timed block")
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    parser.add_argument("--quick", action="store_true", help="LeNet-5 with two activations only")
    args = parser.parse_args()
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    gemm, conv = gemm_rate(device), conv_rate(device)
    print(f"GEMM rate {gemm / 1e9:.1f} GFLOP/s, plain Conv2d rate {conv / 1e9:.1f} GFLOP/s\n")
    print(
        "| case | stacked ms/step | per-model loop ms/step | speed-up | GFLOP/s | "
        "share of conv rate | share of GEMM rate |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for architecture, n_act, batch in CASES[:1] if args.quick else CASES:
        r = measure(architecture, n_act, batch, args.steps, device)
        print(
            f"| {r['case']} | {r['stacked_ms']:.1f} | {r['loop_ms']:.1f} | {r['speedup']:.2f}× | "
            f"{r['gflops']:.1f} | {r['gflops'] * 1e9 / conv:.0%} | {r['gflops'] * 1e9 / gemm:.0%} |"
        )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

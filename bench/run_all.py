"""Every actlab benchmark in one command, measured in one run, ending in a Markdown summary.

1. Explorer rerun latency (AppTest, in this process): six functions selected, then ``--reruns``
   reruns each moving the LeakyReLU slope to a value not seen before (a cache miss: curves,
   properties and charts are recomputed), then as many reruns with nothing changed (cache hits).
2. Cold start (a fresh ``streamlit run`` and headless Chromium): process start to the home page's
   title on screen and the app idle; then opening /explorer to its first chart drawn.
3. The other scripts in ``bench/`` (training throughput and memory, training inside the server,
   playground, gradients, hostile links, the modern activations on MNIST) where they exist, as
   subprocesses with their output passed through; ``--quick`` is handed on to those that accept
   it (``--skip-browser`` leaves out the server training, which drives Chromium).

From the repository root:

    python bench/run_all.py            # everything
    python bench/run_all.py --quick    # quick modes of the sub-benchmarks
    python bench/run_all.py --skip-browser --skip-benches

Timings depend on the machine and on whatever else runs on it: the summary records the core
count and load average next to the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]  # the sibling load_test script; the app's packages
import load_test  # noqa: E402  (a sibling script, not a package)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIX_FUNCTIONS = ["relu", "leaky_relu", "elu", "gelu", "silu", "tanh"]
MOVED_SLIDER = "ex_leaky_relu_negative_slope"
SUB_BENCHMARKS = [
    "bench_training.py",
    "bench_memory.py",
    "bench_server_training.py",
    "bench_playground.py",
    "bench_gradients.py",
    "bench_hostile.py",
    "bench_modern_activations.py",
]
BROWSER_BENCHMARKS = {"bench_server_training.py"}  # left out by --skip-browser
QUIET_SECONDS = 1.0  # no running indicator for this long counts as idle
TAIL_LINES = 30  # of each sub-benchmark's output, copied into the summary


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="quick modes of the sub-benchmarks")
    parser.add_argument("--reruns", type=int, default=20, help="timed Explorer reruns per case")
    parser.add_argument("--skip-browser", action="store_true", help="no cold-start measurement")
    parser.add_argument("--skip-benches", action="store_true", help="no sub-benchmarks")
    parser.add_argument(
        "--bench-timeout", type=float, default=1800.0, help="seconds allowed per sub-benchmark"
    )
    parser.add_argument("--startup-timeout", type=float, default=120.0)
    return parser


# ---------------------------------------------------------------- pure helpers (tested)


def fresh_slider_values(low: float, high: float, step: float, count: int, current: float) -> list:
    """``count`` distinct on-grid values in [low, high], none equal to ``current``.

    Each is new to the page's caches, so every timed rerun recomputes. Spread over the range
    rather than adjacent, like a student dragging the slider about.
    """
    grid = [round(low + k * step, 9) for k in range(round((high - low) / step) + 1)]
    candidates = [v for v in grid if abs(v - current) > step / 2]
    if len(candidates) < count:
        raise ValueError(f"slider has {len(candidates)} fresh values, {count} asked for")
    stride = len(candidates) / count
    return [candidates[int(i * stride)] for i in range(count)]


def latency_stats(seconds: list[float]) -> dict:
    return {
        "median_s": load_test.percentile(seconds, 50),
        "p95_s": load_test.percentile(seconds, 95),
        "n": len(seconds),
    }


def accepts_flag(help_text: str, flag: str) -> bool:
    """Whether an argparse ``--help`` text lists ``flag`` as an option."""
    return re.search(rf"(^|[\s,\[]){re.escape(flag)}\b", help_text) is not None


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}×" if denominator > 0 else "n/a"


def summary_markdown(results: dict) -> str:
    """The block to paste into the README: one table, then each sub-benchmark's last lines."""
    rows = [("machine", results["machine"])]
    explorer = results.get("explorer")
    if explorer:
        changed, cached = explorer["changed"], explorer["cached"]
        n = changed["n"]
        rows += [
            ("Explorer first run, fresh process (AppTest)", f"{explorer['first_run_s']:.2f} s"),
            (
                f"Explorer rerun, 6 functions, slider moved (median / p95 of {n})",
                f"{changed['median_s']:.3f} s / {changed['p95_s']:.3f} s",
            ),
            (
                f"Explorer rerun, 6 functions, nothing changed (median / p95 of {cached['n']})",
                f"{cached['median_s']:.3f} s / {cached['p95_s']:.3f} s",
            ),
            ("moved / unchanged rerun (medians)", ratio(changed["median_s"], cached["median_s"])),
        ]
    cold = results.get("cold_start")
    if cold:
        rows += [
            ("cold start: process start → home title shown", f"{cold['title_s']:.2f} s"),
            ("cold start: process start → app idle", f"{cold['idle_s']:.2f} s"),
            ("… of which server up (health check answers)", f"{cold['healthy_s']:.2f} s"),
            (
                "open /explorer → first chart drawn (fresh server)",
                f"{cold['explorer_chart_s']:.2f} s",
            ),
            ("open /explorer → app idle", f"{cold['explorer_idle_s']:.2f} s"),
        ]
    elif "cold_start_error" in results:
        rows.append(("cold start", f"FAILED: {results['cold_start_error']}"))
    elif "cold_start_skipped" in results:
        rows.append(("cold start", f"not measured: {results['cold_start_skipped']}"))
    for bench in results.get("benches", []):
        rows.append((f"{bench.name}{' --quick' if bench.quick else ''}", bench.status()))
    lines = ["| benchmark | result |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    for bench in results.get("benches", []):
        if bench.output:
            lines += ["", f"`{bench.name}{' --quick' if bench.quick else ''}`:", "```"]
            lines += bench.output[-TAIL_LINES:]
            lines.append("```")
    return "\n".join(lines)


# ---------------------------------------------------------------- 1. Explorer via AppTest


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def explorer_rerun_latency(reruns: int) -> dict:
    """Rerun times of the Explorer page with six functions, moved slider vs nothing changed."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / "explorer.py"), default_timeout=600)

    def run_clean() -> None:
        at.run()
        if at.exception:
            raise RuntimeError(f"Explorer raised: {[e.value for e in at.exception]}")

    first = timed(run_clean)
    at.multiselect(key="ex_fns").set_value(SIX_FUNCTIONS)
    six_first = timed(run_clean)
    slider = at.slider(key=MOVED_SLIDER)
    values = fresh_slider_values(slider.min, slider.max, slider.step, reruns, slider.value)
    changed = []
    for value in values:
        at.slider(key=MOVED_SLIDER).set_value(value)
        changed.append(timed(run_clean))
    cached = [timed(run_clean) for _ in range(reruns)]
    shown = {row for row in at.dataframe[1].value["activation"]}
    if len(shown) != len(SIX_FUNCTIONS):
        raise RuntimeError(f"expected six functions in the properties table, got {shown}")
    return {
        "first_run_s": first,
        "six_first_s": six_first,
        "changed": latency_stats(changed),
        "cached": latency_stats(cached),
    }


# ---------------------------------------------------------------- 2. cold start in Chromium


def wait_until_idle(page, timeout: float) -> float:
    """Wait until no run is in progress; returns the perf_counter time the quiet began."""
    deadline = time.perf_counter() + timeout
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    quiet_since = None
    while time.perf_counter() < deadline:
        busy = page.locator('[data-testid="stStatusWidget"], [data-testid="stAppSkeleton"]')
        if busy.count() > 0:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since > QUIET_SECONDS:
            return quiet_since
        time.sleep(0.05)
    raise TimeoutError("the app kept running past the timeout")


def cold_start(startup_timeout: float) -> dict:
    """A fresh server and browser: seconds from process start to the home page, then Explorer."""
    from playwright.sync_api import sync_playwright

    timeout_ms = startup_timeout * 1000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            started = time.perf_counter()
            with load_test.streamlit_server(startup_timeout) as server:
                healthy = time.perf_counter() - started
                page.goto(server.url, timeout=timeout_ms)
                page.locator("h1").filter(has_text="actlab").first.wait_for(timeout=timeout_ms)
                title = time.perf_counter() - started
                idle = wait_until_idle(page, startup_timeout) - started
                opened = time.perf_counter()
                page.goto(f"{server.url}/explorer", timeout=timeout_ms)
                chart = page.locator('[data-testid="stVegaLiteChart"]').first
                chart.locator("canvas, svg").first.wait_for(timeout=timeout_ms)
                explorer_chart = time.perf_counter() - opened
                explorer_idle = wait_until_idle(page, startup_timeout) - opened
                if page.locator('[data-testid="stException"]').count():
                    raise RuntimeError("the Explorer showed an exception in the browser")
        finally:
            browser.close()
    return {
        "healthy_s": healthy,
        "title_s": title,
        "idle_s": idle,
        "explorer_chart_s": explorer_chart,
        "explorer_idle_s": explorer_idle,
    }


# ---------------------------------------------------------------- 3. the other bench scripts


@dataclass
class BenchRun:
    name: str
    quick: bool
    returncode: int | None
    seconds: float
    output: list[str]

    def status(self) -> str:
        if self.returncode is None:
            return f"stopped after {self.seconds:.0f} s (time limit)"
        outcome = "ok" if self.returncode == 0 else f"failed (exit {self.returncode})"
        return f"{outcome} in {self.seconds:.1f} s, output below"


def with_root_on_path(environ: dict[str, str]) -> dict[str, str]:
    """A copy of ``environ`` whose PYTHONPATH starts with the repository root.

    ``python bench/x.py`` puts ``bench/`` first on sys.path, not the root, so ``import actlab``
    would fail unless the package is installed; pytest's ``pythonpath = ["."]`` does the same.
    """
    paths = [str(ROOT), *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**environ, "PYTHONPATH": os.pathsep.join(paths)}


def run_bench(script: Path, quick: bool, timeout: float) -> BenchRun:
    """Run one bench script, echoing its output as it comes, stopped after ``timeout``."""
    environ = with_root_on_path(dict(os.environ))
    help_text = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    use_quick = quick and accepts_flag(help_text, "--quick")
    command = [sys.executable, str(script), *(["--quick"] if use_quick else [])]
    print(f"\n$ {' '.join([Path(command[0]).name, *command[1:]])}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, stop)
    timer.start()
    output = []
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            output.append(line.rstrip("\n"))
        process.wait()
    finally:
        timer.cancel()
    return BenchRun(
        script.name,
        use_quick,
        None if timed_out.is_set() else process.returncode,
        time.perf_counter() - started,
        output,
    )


# ---------------------------------------------------------------- main


def load_average() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def machine_line() -> str:
    return (
        f"{os.cpu_count()} cores (shared with other work), load average {load_average()} "
        f"at start, Python {platform.python_version()}"
    )


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    if args.reruns < 1:
        raise SystemExit("--reruns must be >= 1")
    results: dict = {"machine": machine_line()}

    print(f"1. Explorer rerun latency (AppTest, {args.reruns} reruns per case) ...", flush=True)
    results["explorer"] = explorer_rerun_latency(args.reruns)

    if not args.skip_browser:
        print("2. Cold start (fresh server, headless Chromium) ...", flush=True)
        if not Path(CHROMIUM).exists():
            results["cold_start_skipped"] = f"{CHROMIUM} not installed"
        else:
            try:
                results["cold_start"] = cold_start(args.startup_timeout)
            except Exception as failure:  # reported in the summary; the other parts still run
                results["cold_start_error"] = f"{type(failure).__name__}: {failure}"[:300]

    if not args.skip_benches:
        print("3. Other benchmarks ...", flush=True)
        names = [n for n in SUB_BENCHMARKS if not (args.skip_browser and n in BROWSER_BENCHMARKS)]
        scripts = [BENCH / name for name in names if (BENCH / name).exists()]
        results["benches"] = [run_bench(s, args.quick, args.bench_timeout) for s in scripts]

    results["machine"] += f"; load average {load_average()} at end"
    print("\n## Benchmark summary\n")
    print(summary_markdown(results))
    return results


def failed(results: dict) -> bool:
    benches_failed = any(b.returncode != 0 for b in results.get("benches", []))
    return benches_failed or "cold_start_error" in results


if __name__ == "__main__":
    sys.exit(1 if failed(main()) else 0)

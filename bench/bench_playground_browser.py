"""How smoothly does the playground animate? Surface updates per second in Chromium.

Issue 15's target: at least 10 decision-surface updates per second for Circle + tanh, two hidden
layers of 8, on a surface of at least 100 x 100 cells, on 2 CPU cores, measured in a browser.
This starts ``streamlit run`` (file watcher off), opens ``/playground`` in headless Chromium at
1280 x 720 with that configuration in the URL, presses Play, lets it warm up, then counts for
``--seconds`` seconds the frames the component drew whose epoch changed (each one a newly trained
surface, 100 x 100 cells, and every neuron's heatmap), and the server's CPU time over the same
window (its whole process tree, from /proc).

    python bench/bench_playground_browser.py
    python bench/bench_playground_browser.py --seconds 20 --batch 32

Prints surface updates/s, frames/s, epochs/s, the browser's time to decode and draw one frame,
the server's CPU share (of one core and of the
machine) and the load average before the run (the figure depends on what else runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]  # sibling scripts; the app's packages
import load_test  # noqa: E402  (sibling script)
from run_all import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# Circle, tanh, 2 x 8 (the page's labels, as a shared link carries them), 500 points.
QUERY = "pg_ds=Circle&pg_act=Tanh&pg_shape=8%2C+8&pg_n=500"


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its descendants so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in load_test.process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return total / ticks


def measure(args: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    with load_test.streamlit_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{server.url}/playground?{QUERY}&pg_bs={args.batch}&{args.query}".rstrip("&"))
        page.wait_for_function("window.__pgFrames > 0", timeout=120_000)
        page.get_by_test_id("pg-play").click()
        page.wait_for_function("window.__pgSurfaceUpdates > 3", timeout=60_000)
        time.sleep(args.warmup)
        read = "[window.__pgFrames, window.__pgSurfaceUpdates, window.__pgPaintMs]"
        frames0, updates0, paint0 = page.evaluate(read)
        epoch0 = int(page.get_by_test_id("pg-epoch").inner_text().replace(",", ""))
        cpu0, start = cpu_seconds(server.process.pid), time.monotonic()
        page.wait_for_timeout(args.seconds * 1000)  # the browser keeps running meanwhile
        frames1, updates1, paint1 = page.evaluate(read)
        wall = time.monotonic() - start
        cpu1 = cpu_seconds(server.process.pid)
        epoch1 = int(page.get_by_test_id("pg-epoch").inner_text().replace(",", ""))
        page.get_by_test_id("pg-play").click()
        browser.close()
        tracebacks = server.log_tracebacks()
    return {
        "updates_per_s": (updates1 - updates0) / wall,
        "frames_per_s": (frames1 - frames0) / wall,
        "paint_ms": (paint1 - paint0) / max(1, frames1 - frames0),
        "epochs_per_s": (epoch1 - epoch0) / wall,
        "server_cpu_core": (cpu1 - cpu0) / wall,
        "cores": os.cpu_count() or 1,
        "load_before": load_before,
        "tracebacks": tracebacks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds played first")
    parser.add_argument(
        "--batch", type=int, default=10, help="batch size (TF Playground's default: 10)"
    )
    parser.add_argument("--query", default="", help="extra URL state, e.g. pg_lr=0.1")
    args = parser.parse_args()
    result = measure(args)
    print(
        f"playground in Chromium, Circle + tanh 2x8, batch {args.batch}, 100x100 surface, "
        f"{args.seconds:g} s: "
        f"{result['updates_per_s']:.1f} surface updates/s ({result['frames_per_s']:.1f} frames/s, "
        f"{result['epochs_per_s']:.1f} epochs/s, {result['paint_ms']:.1f} ms to decode and draw "
        f"a frame in the browser); server CPU {result['server_cpu_core']:.0%} of "
        f"one core ({result['server_cpu_core'] / result['cores']:.0%} of {result['cores']} "
        f"cores); load average before {result['load_before']:.2f}; "
        f"server tracebacks {result['tracebacks']}"
    )


if __name__ == "__main__":
    main()

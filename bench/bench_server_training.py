"""Training inside the real server, watched live: throughput and the whole server's memory.

``bench_training.py`` times ``train`` alone in a quiet process. On the MNIST page the same
training runs in a thread of the Streamlit server while the page's live view reruns twice a
second, so anything the server does between script runs competes with it for the GIL and the
cores. This starts ``streamlit run`` (file watcher off), opens ``/mnist`` in headless Chromium
with the experiment in the URL, presses **Train**, and reads the page's own figures when the
results appear. Then it trains the same configuration once more with the browser gone (the run
continues without viewers), so both figures come from one server.

    python bench/bench_server_training.py                  # Debian's Fashion-MNIST, all images
    python bench/bench_server_training.py --hidden 128 --batch 64

Prints training samples/s per model watched and unwatched, wall seconds from the click to the
results, and the server's peak RSS (process tree, sampled every 0.1 s).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]  # sibling scripts; the app's packages
import load_test  # noqa: E402  (sibling script)
from run_all import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

SAMPLES = re.compile(r"([\d,]+) training samples/s per model")


def page_query(args: argparse.Namespace, evaluations: int) -> str:
    """The MNIST page's URL state (values are what its widgets show)."""
    return urlencode(
        {
            "mn_ds": "Fashion-MNIST",
            "mn_src": "system copy",
            "mn_lim": "all",
            "mn_hid": args.hidden,
            "mn_bs": args.batch,
            "mn_ep": 1,
            "mn_ev": evaluations,
        }
    )


def run_finished(page, url: str, timeout_ms: float) -> bool:
    """Open the page and wait until it shows either the results or the live view."""
    page.goto(url, timeout=timeout_ms)
    results = page.get_by_role("heading", name="Results")
    live = page.locator('[data-testid="stProgress"]')
    results.or_(live).first.wait_for(timeout=timeout_ms)
    return results.count() > 0


def samples_per_second(page, timeout_ms: float) -> float:
    """Wait for the results and read the page's samples/s caption."""
    page.get_by_role("heading", name="Results").wait_for(timeout=timeout_ms)
    match = SAMPLES.search(page.inner_text("body"))
    if match is None:
        raise RuntimeError("the results caption with samples/s was not found")
    return float(match.group(1).replace(",", ""))


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", default="256", help="hidden layer widths, as on the page")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per training")
    args = parser.parse_args()
    timeout_ms = args.timeout * 1000

    with load_test.streamlit_server() as server, sync_playwright() as playwright:
        peak = load_test.PeakRss(server.process.pid)
        peak.start()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        figures = {}
        # Two or three evaluations per epoch make two configurations (so the second run is not
        # the first one's shared result) with the same training work; samples/s leaves out the
        # evaluations.
        for label, evaluations in (("watched", 2), ("unwatched", 3)):
            url = f"{server.url}/mnist?{page_query(args, evaluations)}"
            page.goto(url, timeout=timeout_ms)
            page.get_by_role("button", name="Train").click(timeout=timeout_ms)
            started = time.perf_counter()
            if label == "unwatched":
                time.sleep(1.0)  # the click has reached the server and the run has started
                page.goto("about:blank")
                while not run_finished(page, url, timeout_ms):
                    page.goto("about:blank")  # no viewer between the rare looks, which come
                    time.sleep(2.0)  # well within the 6 s lease (a look is a page load, ~1-3 s)
            figures[label] = (samples_per_second(page, timeout_ms), time.perf_counter() - started)
        browser.close()
        peak_mib = peak.stop() / 1024
        tracebacks = server.log_tracebacks()

    for label, (rate, seconds) in figures.items():
        print(f"{label:<10} {rate:,.0f} training samples/s per model ({seconds:.1f} s to results)")
    print(f"ratio      watched / unwatched = {figures['watched'][0] / figures['unwatched'][0]:.2f}")
    print(f"server     peak RSS {peak_mib:,.0f} MiB; tracebacks in its log: {tracebacks}")


if __name__ == "__main__":
    main()

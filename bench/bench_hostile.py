"""Hostile use of a public server: the findings of issue 12 replayed against a real server.

Anyone with the link can ask the server for the most expensive view it offers, again and again.
Each finding is one function that opens pages the way a browser opening a link does (a fresh
websocket session per view, the widget values in the URL's query string), one view after
another, and meters the server process while it answers:

1. **Gradients**: ``/gradients`` with every catalogue activation (25 when the issue was filed,
   31 since the 2026 additions), depth 50, width 512, seed 7, then the same with seed 8 (two
   cache misses); then the largest request the page accepts at that depth and width
   (``actlab.budget``'s probe cap), when the app has one.
2. **Explorer caches**: ``--views`` (300) Explorer views with every catalogue function, f″ on,
   every view a new x range and shading threshold and the resolution alternating between 3201
   and 1601 points, so that every view fills the caches with new entries.

Printed per request: the server's CPU-seconds (utime + stime of the server and its children,
from ``/proc/PID/stat``, before and after the request; nothing else talks to that server) and
wall time; per finding: the server's peak RSS (sampled every 100 ms) and its RSS ``--settle``
seconds after the last view closed. Targets: server RSS below 1.2 GB throughout, and no
Gradients request over 15 CPU-seconds. Exit status 1 when a target is missed or a view failed.

From the repository root (not part of the default test run):

    python bench/bench_hostile.py                  # every finding, one fresh server
    python bench/bench_hostile.py --finding 2 --views 100
    python bench/bench_hostile.py --quick          # 60 Explorer views

It starts its own server on 127.0.0.1 (``load_test.streamlit_server``), talks only to it, and
stops it at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]  # the sibling load_test script; the app's packages
import load_test  # noqa: E402  (a sibling script, not a package)

RSS_TARGET_MB = 1200  # server RSS, MB (10⁶ bytes), through every finding
REQUEST_CPU_TARGET_S = 15.0  # CPU-seconds of one Gradients request
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
RESOLUTIONS = (3201, 1601)
THRESHOLDS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.2)
X_GRID = [i / 2 for i in range(-40, 41)]  # the Explorer's x slider: -20..20, step 0.5


# ---------------------------------------------------------------- pure helpers (tested)


def parse_stat_cpu_seconds(stat_text: str, ticks: int = CLOCK_TICKS) -> float:
    """utime + stime in seconds from /proc/PID/stat (fields 14 and 15)."""
    fields = stat_text[stat_text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def all_activation_labels() -> list[str]:
    """Every catalogue activation as the pages' multiselects show them (and links carry)."""
    from actlab import activations

    return [activations.display_name(name) for name in activations.names()]


ALL = len(all_activation_labels())  # 25 when issue 12 was filed, 31 since the 2026 additions


def gradients_query(labels: list[str], depth: int, width: int, seed: int) -> str:
    return urlencode(
        [("gr_act", label) for label in labels]
        + [("gr_depth", depth), ("gr_width", width), ("gr_seed", seed)]
    )


def explorer_queries(views: int, seed: int = 0) -> list[str]:
    """``views`` Explorer links, every catalogue function with f″, no two alike (x range, threshold,
    resolution), so every view is a cache miss."""
    rng = random.Random(seed)
    pairs = [(a, b) for i, a in enumerate(X_GRID) for b in X_GRID[i + 1 :]]
    combos = [(pair, sat) for pair in pairs for sat in THRESHOLDS]
    chosen = rng.sample(combos, views)
    labels = all_activation_labels()
    return [
        urlencode(
            [("ex_fns", label) for label in labels]
            + [("ex_x", lo), ("ex_x", hi), ("ex_sat", sat)]
            + [("ex_n", RESOLUTIONS[i % len(RESOLUTIONS)]), ("ex_d2", "true")]
        )
        for i, ((lo, hi), sat) in enumerate(chosen)
    ]


# ---------------------------------------------------------------- metering the server


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for member in load_test.process_tree(pid):
        try:
            total += parse_stat_cpu_seconds(Path(f"/proc/{member}/stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
    return total


@dataclass
class Request:
    label: str
    cpu_s: float
    wall_s: float
    errors: list[str]
    messages: list[str]


@dataclass
class FindingResult:
    finding: int
    title: str
    rss_before_mb: float
    peak_rss_mb: float = 0.0
    rss_after_mb: float = 0.0
    requests: list[Request] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [e for r in self.requests for e in r.errors]


class PageClient(load_test.ProtocolClient):
    """load_test's protocol client, for any page (load_test's own always asks for the Explorer)."""

    def __init__(self, websocket, timeout: float, page: str) -> None:
        super().__init__(websocket, timeout)
        self.page = page

    async def run(self, widget_states, query_string):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        message.rerun_script.page_name = self.page
        message.rerun_script.query_string = query_string
        message.rerun_script.widget_states.widgets.extend(widget_states)
        await self.websocket.send(message.SerializeToString())
        async with asyncio.timeout(self.timeout):
            return await self._read_until_finished(query_string)


async def open_view(stream_url: str, page: str, query: str, timeout: float) -> load_test.RunOutcome:
    """Open ``page?query`` in a new session, as a browser opening a link, and close it."""
    import websockets

    async with websockets.connect(
        stream_url, subprotocols=["streamlit"], max_size=None, ping_interval=None
    ) as websocket:
        return await PageClient(websocket, timeout, page).run([], query)


class Meter:
    """One server: CPU-seconds per request, peak RSS per finding."""

    def __init__(self, server: load_test.Server, timeout: float) -> None:
        self.pid = server.process.pid
        self.stream_url = load_test.check_loopback(server.url)
        self.timeout = timeout

    def rss_mb(self) -> float:
        return load_test.tree_rss_kib(self.pid) * 1024 / 1e6

    def request(self, label: str, page: str, query: str) -> Request:
        cpu, started = tree_cpu_seconds(self.pid), time.perf_counter()
        try:
            outcome = asyncio.run(open_view(self.stream_url, page, query, self.timeout))
            errors, messages = outcome.errors, outcome.messages
        except TimeoutError:
            errors, messages = [f"timeout: no script_finished within {self.timeout:.0f} s"], []
        except OSError as failure:
            errors, messages = [f"connect: {failure}"], []
        wall = time.perf_counter() - started
        return Request(label, tree_cpu_seconds(self.pid) - cpu, wall, errors, messages)


def run_finding(
    meter: Meter,
    number: int,
    title: str,
    body: Callable[[Meter, FindingResult, argparse.Namespace], None],
    args: argparse.Namespace,
) -> FindingResult:
    """Run one finding's ``body`` while sampling the server's peak RSS."""
    result = FindingResult(number, title, meter.rss_mb())
    sampler = load_test.PeakRss(meter.pid)
    sampler.start()
    try:
        body(meter, result, args)
    finally:
        result.peak_rss_mb = sampler.stop() * 1024 / 1e6
    return result


# ---------------------------------------------------------------- the findings


def finding_gradients(meter: Meter, result: FindingResult, args: argparse.Namespace) -> None:
    """Finding 1: every catalogue activation at depth 50 x width 512, seeds 7 and 8."""
    labels = all_activation_labels()
    for seed in (7, 8):
        query = gradients_query(labels, 50, 512, seed)
        result.requests.append(
            meter.request(f"{ALL} activations, L=50, w=512, seed {seed}", "gradients", query)
        )
    try:
        from actlab import activations, budget, gradients

        allowed = int(budget.PROBE_SECONDS_PER_REQUEST // gradients.probe_seconds(50, 512))
    except (ImportError, AttributeError):
        result.notes.append("no probe cap in actlab.budget: nothing more to test")
        return
    costly = ["mish", "gelu", "selu", "silu", "elu", "softplus", "tanh", "sigmoid"][:allowed]
    chosen = [activations.display_name(name) for name in costly]
    query = gradients_query(chosen, 50, 512, 7)
    label = f"{len(chosen)} costly activations (the cap), L=50, w=512, seed 7"
    result.requests.append(meter.request(label, "gradients", query))


def finding_explorer(meter: Meter, result: FindingResult, args: argparse.Namespace) -> None:
    """Finding 2: Explorer views that each fill the caches with new entries."""
    started = time.perf_counter()
    for index, query in enumerate(explorer_queries(args.views, args.seed), start=1):
        request = meter.request(f"view {index}", "explorer", query)
        result.requests.append(request)
        if index % 25 == 0 or index == args.views:
            print(
                f"  explorer: {index} views, {time.perf_counter() - started:.0f} s, "
                f"server RSS {meter.rss_mb():.0f} MB",
                flush=True,
            )


FINDINGS = {
    1: (f"Gradients: {ALL} activations x depth 50 x width 512", finding_gradients),
    2: (f"Explorer caches: views at {ALL} functions x 3201 points with f''", finding_explorer),
}


# ---------------------------------------------------------------- report


def summarize(result: FindingResult, gradients: bool) -> dict:
    cpu = [r.cpu_s for r in result.requests]
    summary = {
        "finding": result.finding,
        "title": result.title,
        "requests": len(result.requests),
        "errors": len(result.errors),
        "error_samples": sorted(set(result.errors))[:3],
        "messages": sorted({m for r in result.requests for m in r.messages})[:3],
        "rss_before_mb": round(result.rss_before_mb),
        "peak_rss_mb": round(result.peak_rss_mb),
        "rss_after_mb": round(result.rss_after_mb),
        "cpu_s_max": round(max(cpu), 2) if cpu else None,
        "cpu_s_median": round(load_test.percentile(cpu, 50), 2) if cpu else None,
        "notes": result.notes,
    }
    if gradients:
        summary["per_request"] = [
            {"label": r.label, "cpu_s": round(r.cpu_s, 2), "wall_s": round(r.wall_s, 2),
             "refused": bool(r.messages)}
            for r in result.requests
        ]  # fmt: skip
    return summary


def targets_met(summary: dict) -> bool:
    ok = summary["peak_rss_mb"] < RSS_TARGET_MB and not summary["errors"]
    if summary["finding"] == 1:
        ok = ok and summary["cpu_s_max"] < REQUEST_CPU_TARGET_S
    return ok


def format_table(summaries: list[dict]) -> str:
    lines = [
        "| finding | requests | server RSS before / peak / after (MB) | CPU-s per request "
        "(median / max) | errors | targets |",
        "|---|---|---|---|---|---|",
    ]
    for s in summaries:
        lines.append(
            f"| {s['finding']}. {s['title']} | {s['requests']} | {s['rss_before_mb']} / "
            f"{s['peak_rss_mb']} / {s['rss_after_mb']} | {s['cpu_s_median']} / {s['cpu_s_max']} "
            f"| {s['errors']} | {'met' if targets_met(s) else 'MISSED'} |"
        )
    for s in summaries:
        for r in s.get("per_request", []):
            refused = " (refused with a message)" if r["refused"] else ""
            lines.append(f"- {r['label']}: {r['cpu_s']} CPU-s, {r['wall_s']} s{refused}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--finding", type=int, action="append", choices=sorted(FINDINGS),
        help="run only this finding (repeatable); default: all",
    )  # fmt: skip
    parser.add_argument("--views", type=int, default=300, help="Explorer views (finding 2)")
    parser.add_argument("--quick", action="store_true", help="60 Explorer views")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Explorer views")
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before 'after'")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per view")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    return parser


def main(argv: list[str] | None = None) -> list[dict]:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.views = min(args.views, 60)
    numbers = sorted(set(args.finding or FINDINGS))
    summaries = []
    with load_test.streamlit_server(args.startup_timeout) as server:
        meter = Meter(server, args.timeout)
        for page in ("explorer", "gradients"):  # first-run imports are not any finding's cost
            meter.request("warm-up", page, "")
        for number in numbers:
            title, body = FINDINGS[number]
            print(f"finding {number}: {title}", flush=True)
            result = run_finding(meter, number, title, body, args)
            time.sleep(args.settle)
            result.rss_after_mb = meter.rss_mb()
            summaries.append(summarize(result, gradients=number == 1))
        tracebacks = server.log_tracebacks()
    print(format_table(summaries))
    if tracebacks:
        print(f"server log: {tracebacks} traceback(s)")
    print("RESULT " + json.dumps({"findings": summaries, "log_tracebacks": tracebacks}))
    return summaries


if __name__ == "__main__":
    results = main()
    sys.exit(0 if all(targets_met(s) for s in results) else 1)

"""Load test: N concurrent sessions rerunning the Explorer on a real actlab server.

A lecture means ~30 students opening the same link and dragging sliders at once. Each simulated
student speaks Streamlit's own websocket protocol (what the browser sends, minus the drawing):
it opens ``/_stcore/stream``, asks for the ``explorer`` page, reads the widgets off the first
run's deltas, then reruns with random widget values and times each rerun from the ``BackMsg``
it sends to the ``script_finished`` ``ForwardMsg``. Like a browser it reports the hashes of the
large messages it already holds, so the server can send references instead of repeats.

Errors: exception elements, compile errors, timeouts, disconnects, and tracebacks in the log of
a server this script started. ``st.error`` boxes are counted apart as validation messages: random
slider values can be refused on purpose (hardtanh with min_val >= max_val). Server RSS (process
plus children) is sampled from /proc every 100 ms.

Each run waits at most ``--timeout`` seconds, so a session ends within about
``--ramp + (reruns + 1) * (timeout + think)`` seconds; the script then stops the server itself.

Not part of the default test run. From the repository root:

    python bench/load_test.py                         # starts its own server, 30 x 10
    python bench/load_test.py --sessions 5 --reruns 3 --timeout 60
    python bench/load_test.py --url http://127.0.0.1:8501 --server-pid 12345

Only loopback addresses are accepted. Prints a table and one JSON line (prefix ``RESULT``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
PAGE = "explorer"
WIDGET_PREFIX = "ex_"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Explorer widgets a student would play with; everything else keeps its default.
RANDOMIZED_KINDS = {"multiselect", "slider", "select_slider", "checkbox", "number_input"}
MAX_FUNCTIONS = 6
FINISHED_OK, FINISHED_COMPILE_ERROR, FINISHED_EARLY_FOR_RERUN = 0, 1, 2


# ---------------------------------------------------------------- pure helpers (tested)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=30, help="concurrent sessions")
    parser.add_argument("--reruns", type=int, default=10, help="reruns per session")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random widget values")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per run")
    parser.add_argument(
        "--think", type=float, default=0.5, help="max pause between reruns (uniform), seconds"
    )
    parser.add_argument(
        "--ramp", type=float, default=2.0, help="sessions connect spread over this many seconds"
    )
    parser.add_argument(
        "--url", help="use a running server (loopback only) instead of starting one"
    )
    parser.add_argument("--server-pid", type=int, help="pid to sample RSS from, with --url")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    return parser


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between order statistics.

    Same definition as numpy's default, kept dependency-free for a tiny list of latencies.
    """
    if not values:
        return float("nan")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def parse_vmrss_kib(status_text: str) -> int | None:
    """Resident set size in KiB from the text of /proc/PID/status (None when absent)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def parse_stat_ppid(stat_text: str) -> int:
    """Parent pid from /proc/PID/stat; the command name may hold spaces and parentheses."""
    return int(stat_text[stat_text.rindex(")") + 2 :].split()[1])


def widget_key(widget_id: str) -> str | None:
    """The user key Streamlit embeds in a widget id (``$$ID-<hash>-<key>``), if any."""
    parts = widget_id.split("-", 2)
    if len(parts) < 3 or parts[2] == "None":
        return None
    return parts[2]


def count_tracebacks(log_text: str) -> int:
    """Python tracebacks in a server log: the script failing somewhere no element shows."""
    return sum(
        line.startswith("Traceback (most recent call last)") for line in log_text.splitlines()
    )


def check_loopback(url: str) -> str:
    """The ``ws://`` stream address for a loopback ``http://`` server URL; refuses others."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "ws"} or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"only http:// URLs on loopback are allowed, got {url!r}")
    path = parts.path.rstrip("/")
    return f"ws://{parts.netloc}{path}/_stcore/stream"


def summarize(
    results: list[SessionResult],
    peak_rss_kib: int | None,
    wall_s: float,
    log_tracebacks: int | None = None,
) -> dict:
    """Counts and latency statistics over all sessions."""
    reruns = [t for r in results for t in r.rerun_s]
    firsts = [r.first_run_s for r in results if r.first_run_s is not None]
    errors = [e for r in results for e in r.errors]
    errors += ["server log: Traceback"] * (log_tracebacks or 0)
    messages = [m for r in results for m in r.messages]
    return {
        "sessions": len(results),
        "reruns_done": len(reruns),
        "errors": len(errors),
        "error_kinds": sorted({e.split(":")[0] for e in errors}),
        "error_samples": sorted(set(errors))[:5],
        "validation_messages": len(messages),
        "validation_samples": sorted(set(messages))[:3],
        "rerun_median_s": round(percentile(reruns, 50), 3),
        "rerun_p95_s": round(percentile(reruns, 95), 3),
        "rerun_max_s": round(max(reruns), 3) if reruns else float("nan"),
        "first_run_median_s": round(percentile(firsts, 50), 3),
        "first_run_p95_s": round(percentile(firsts, 95), 3),
        "peak_rss_mib": None if peak_rss_kib is None else round(peak_rss_kib / 1024, 1),
        "wall_s": round(wall_s, 1),
    }


def format_table(summary: dict) -> str:
    """A small Markdown table of the summary, for the terminal and the README."""
    rss = summary["peak_rss_mib"]
    rows = [
        ("sessions x reruns done", f"{summary['sessions']} sessions, {summary['reruns_done']}"),
        ("errors", f"{summary['errors']} {summary['error_kinds'] or ''}".strip()),
        ("validation messages (st.error, expected)", str(summary["validation_messages"])),
        ("rerun latency median", f"{summary['rerun_median_s']:.3f} s"),
        ("rerun latency p95", f"{summary['rerun_p95_s']:.3f} s"),
        ("rerun latency max", f"{summary['rerun_max_s']:.3f} s"),
        (
            "first page load median / p95",
            f"{summary['first_run_median_s']:.3f} s / {summary['first_run_p95_s']:.3f} s",
        ),
        ("server peak RSS", "n/a" if rss is None else f"{rss:.0f} MiB"),
        ("wall time", f"{summary['wall_s']:.1f} s"),
    ]
    lines = ["| load test | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------- server and RSS


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants, read from /proc (psutil is not a dependency)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = parse_stat_ppid(Path(f"/proc/{entry}/stat").read_text())
            except (OSError, ValueError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def tree_rss_kib(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            total += parse_vmrss_kib(Path(f"/proc/{member}/status").read_text()) or 0
        except OSError:
            continue
    return total


class PeakRss(threading.Thread):
    """Samples a process tree's RSS every ``interval`` seconds and keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kib = max(self.peak_kib, tree_rss_kib(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kib


def wait_healthy(base_url: str, deadline: float, server: subprocess.Popen | None = None) -> None:
    """Poll ``/_stcore/health`` until it answers 200, the server dies or time runs out."""
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"server exited with code {server.returncode} while starting")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{base_url} did not become healthy in time")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tracebacks(self) -> int:
        return count_tracebacks(self.log_path.read_text(errors="replace"))


@contextmanager
def streamlit_server(startup_timeout: float = 60.0) -> Iterator[Server]:
    """A fresh ``streamlit run streamlit_app.py`` on 127.0.0.1 and a free port; stopped after.

    Output goes to a temporary file (a pipe nobody reads would fill and stall the server).
    The file watcher is off, as on a lecture server where nobody edits the code: with it on,
    any save in the working tree makes Streamlit evict the app's modules from ``sys.modules``
    while other sessions' scripts are running, which shows up as KeyError 'actlab' exceptions.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="actlab-server-") as folder:
        log_path = Path(folder) / "server.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", process, log_path)
        try:
            wait_healthy(server.url, time.monotonic() + startup_timeout, process)
            yield server
        except BaseException:
            sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
            raise
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---------------------------------------------------------------- the simulated student


@dataclass
class Widget:
    id: str
    key: str
    kind: str
    proto: Any


@dataclass
class SessionResult:
    first_run_s: float | None = None
    rerun_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def widget_of(element: Any) -> Widget | None:
    """The Explorer widget an Element delta carries, or None for other elements."""
    kind = element.WhichOneof("type")
    proto = getattr(element, kind, None)
    widget_id = getattr(proto, "id", "")
    key = widget_key(widget_id) if isinstance(widget_id, str) else None
    if not key or not key.startswith(WIDGET_PREFIX):
        return None
    if kind == "slider" and proto.type == proto.SELECT_SLIDER:
        kind = "select_slider"
    return Widget(widget_id, key, kind, proto) if kind in RANDOMIZED_KINDS else None


def random_widget_state(widget: Widget, rng: random.Random) -> Any:
    """A WidgetState holding a random legal value, encoded the way the frontend encodes it."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state, proto = WidgetState(id=widget.id), widget.proto
    if widget.kind == "multiselect":
        count = rng.randint(1, min(MAX_FUNCTIONS, len(proto.options)))
        state.string_array_value.data.extend(rng.sample(list(proto.options), count))
    elif widget.kind == "select_slider":
        state.string_array_value.data.append(rng.choice(list(proto.options)))
    elif widget.kind == "slider":
        steps = round((proto.max - proto.min) / proto.step)
        grid = sorted(rng.sample(range(steps + 1), len(proto.default)))  # distinct ends
        state.double_array_value.data.extend(round(proto.min + k * proto.step, 9) for k in grid)
    elif widget.kind == "checkbox":
        state.bool_value = rng.random() < 0.5
    elif widget.kind == "number_input":
        low = proto.min if proto.has_min else 0
        high = proto.max if proto.has_max else 100
        state.double_value = float(rng.randint(int(low), int(high)))
    return state


@dataclass
class RunOutcome:
    widgets: dict[str, Widget]
    query_string: str
    errors: list[str]
    messages: list[str]


class ProtocolClient:
    """One websocket session speaking Streamlit's BackMsg/ForwardMsg protocol."""

    def __init__(self, websocket: Any, timeout: float) -> None:
        self.websocket, self.timeout = websocket, timeout
        self.cached_hashes: set[str] = set()

    async def run(self, widget_states: list[Any], query_string: str) -> RunOutcome:
        """Send one rerun_script and read ForwardMsgs until the run has finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        client_state = message.rerun_script
        client_state.page_name = PAGE
        client_state.query_string = query_string
        client_state.widget_states.widgets.extend(widget_states)
        client_state.cached_message_hashes.extend(sorted(self.cached_hashes))
        await self.websocket.send(message.SerializeToString())
        async with asyncio.timeout(self.timeout):
            return await self._read_until_finished(query_string)

    async def _read_until_finished(self, query_string: str) -> RunOutcome:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        widgets: dict[str, Widget] = {}
        errors: list[str] = []
        messages: list[str] = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.websocket.recv())
            kind = message.WhichOneof("type")
            if message.metadata.cacheable and message.hash:
                self.cached_hashes.add(message.hash)
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind == "exception":
                    errors.append(f"exception: {element.exception.message[:200]}")
                elif element_kind == "alert" and element.alert.format == Alert.ERROR:
                    messages.append(element.alert.body[:200])
                elif (widget := widget_of(element)) is not None:
                    widgets[widget.id] = widget
            elif kind == "page_info_changed":
                query_string = message.page_info_changed.query_string
            elif kind == "session_event" and message.session_event.HasField(
                "script_compilation_exception"
            ):
                errors.append("compile error: script_compilation_exception")
            elif kind == "page_not_found":
                errors.append(f"page not found: {message.page_not_found.page_name}")
            elif kind == "script_finished":
                if message.script_finished == FINISHED_EARLY_FOR_RERUN:
                    widgets.clear()  # the page reran itself (router hand-over): read it anew
                    continue
                if message.script_finished == FINISHED_COMPILE_ERROR:
                    errors.append("compile error: script finished with compile error")
                return RunOutcome(widgets, query_string, errors, messages)


def changed_states(
    widgets: dict[str, Widget], current: dict[str, Any], rng: random.Random
) -> dict[str, Any]:
    """Every shown widget's state, with one to three of them moved to random values.

    The browser always sends the state of every widget on the page; a student moves a few.
    """
    states = {wid: current[wid] for wid in widgets if wid in current}
    for widget in rng.sample(list(widgets.values()), min(len(widgets), rng.randint(1, 3))):
        states[widget.id] = random_widget_state(widget, rng)
    return states


async def student(
    stream_url: str, reruns: int, rng: random.Random, timeout: float, think: float, delay: float
) -> SessionResult:
    """Open the Explorer, then rerun it ``reruns`` times with random widget values."""
    import websockets

    result = SessionResult()
    await asyncio.sleep(delay)
    try:
        async with websockets.connect(
            stream_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=timeout,
            ping_interval=None,  # browsers never ping; they only answer the server's pings
        ) as websocket:
            client = ProtocolClient(websocket, timeout)
            started = time.perf_counter()
            outcome = await client.run([], "")
            result.first_run_s = time.perf_counter() - started
            result.errors += outcome.errors
            result.messages += outcome.messages
            current: dict[str, Any] = {}
            for _ in range(reruns):
                await asyncio.sleep(rng.uniform(0, think))
                current = changed_states(outcome.widgets, current, rng)
                started = time.perf_counter()
                outcome = await client.run(list(current.values()), outcome.query_string)
                result.rerun_s.append(time.perf_counter() - started)
                result.errors += outcome.errors
                result.messages += outcome.messages
    except TimeoutError:
        result.errors.append(f"timeout: no script_finished within {timeout:.0f} s")
    except websockets.ConnectionClosed as closed:
        result.errors.append(f"disconnect: {closed}")
    except OSError as failure:
        result.errors.append(f"connect: {failure}")
    return result


async def crowd(stream_url: str, args: argparse.Namespace) -> list[SessionResult]:
    """All sessions at once (connections spread over ``--ramp``), bounded by an overall deadline."""
    rngs = [random.Random(f"{args.seed}-{i}") for i in range(args.sessions)]
    delays = [args.ramp * i / max(args.sessions, 1) for i in range(args.sessions)]
    tasks = [
        student(stream_url, args.reruns, rng, args.timeout, args.think, delay)
        for rng, delay in zip(rngs, delays, strict=True)
    ]
    return await asyncio.gather(*tasks)


def run_load_test(
    base_url: str, pid: int | None, args: argparse.Namespace, server: Server | None = None
) -> dict:
    stream_url = check_loopback(base_url)
    sampler = PeakRss(pid) if pid else None
    if sampler:
        sampler.start()
    started = time.perf_counter()
    try:
        results = asyncio.run(crowd(stream_url, args))
    finally:
        peak = sampler.stop() if sampler else None
    tracebacks = server.log_tracebacks() if server else None
    return summarize(results, peak, time.perf_counter() - started, tracebacks)


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    if args.sessions < 1 or args.reruns < 0 or args.timeout <= 0:
        raise SystemExit("--sessions must be >= 1, --reruns >= 0 and --timeout > 0")
    if args.url:
        check_loopback(args.url)
        wait_healthy(args.url.rstrip("/"), time.monotonic() + args.startup_timeout)
        summary = run_load_test(args.url.rstrip("/"), args.server_pid, args)
    else:
        with streamlit_server(args.startup_timeout) as server:
            summary = run_load_test(server.url, server.process.pid, args, server)
    print(format_table(summary))
    print("RESULT " + json.dumps(summary))
    return summary


if __name__ == "__main__":
    sys.exit(1 if main()["errors"] else 0)

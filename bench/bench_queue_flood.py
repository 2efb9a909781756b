"""Issue 12, finding 6, replayed: a flood of trainings, a newcomer, then the flood leaving.

Twenty students (or one visitor with twenty tabs) each press **Train** on a different heavy
configuration of the MNIST page; then a newcomer presses **Train** on the page's default, the
quick comparison preset; then the twenty close their tabs. Each simulated tab speaks Streamlit's
websocket protocol as a browser does (``load_test``'s server and helpers): it opens ``/mnist``
with its experiment in the URL's query string, clicks **Train** (the button's trigger state),
and while its run is unfinished it polls the live view the way the browser's
``st.fragment(run_every=0.5)`` timer does (a fragment rerun half a second after the last one
answered), which is what renews its lease on the run.

Measured, all from the pages' own answers and the server process (no debug hooks):

- what each of the twenty got when it pressed **Train** (running, queued, refused with a message);
- seconds from the newcomer's click to its page showing its run running, and to its results;
- how many of the twenty were still queued or running when they closed their tabs (a page that
  still polls must not lose its run);
- seconds from the twenty closing their tabs to the server's CPU going idle (their runs gone),
  read from ``/proc`` (the server's CPU-seconds per second below ``--idle-cores``);
- seconds until a new tab's heavy run starts running after that (the queue is empty again).

The flood's configurations are the issue's shape made to fit the server's caps (one activation,
4 × 1000 hidden units, batch 64, all the data the server has, as many epochs as the caps allow;
learning rate and optimizer vary so no two are alike); one more tab asks for the issue's exact
configuration (50 epochs), which the page refuses before anything is queued.

    python bench/bench_queue_flood.py                 # 20 tabs; starts its own server
    python bench/bench_queue_flood.py --tabs 5 --quick

Prints a Markdown table and one JSON line starting with ``RESULT``. Exit status 1 when the
newcomer's run did not start within 30 s or the flood's runs were not gone within 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]  # the sibling load_test script; the app's packages
import load_test  # noqa: E402  (a sibling script, not a package)

PAGE = "mnist"
START_TARGET_S = 30.0  # the newcomer's quick preset starts running within this
GONE_TARGET_S = 10.0  # closed tabs' runs are gone within this
LEARNING_RATES = ["0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "0.5", "0.9"]
OPTIMIZERS = ["Adam", "SGD"]  # the page shows actlab.optimizers.label of "adam", "sgd"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- pure helpers (tested)


def flood_query(index: int, epochs: int) -> str:
    """The URL state of flood tab ``index``: the issue's shape, a distinct optimizer setting."""
    return urlencode(
        {
            "mn_act": "ReLU",
            "mn_hid": "1000, 1000, 1000, 1000",
            "mn_bs": 64,
            "mn_lim": "all",
            "mn_ep": epochs,
            "mn_ev": 1,
            "mn_lr": LEARNING_RATES[index % len(LEARNING_RATES)],
            "mn_opt": OPTIMIZERS[(index // len(LEARNING_RATES)) % len(OPTIMIZERS)],
        }
    )


def epochs_within_caps(n_train: int, n_test: int) -> int:
    """The most epochs of the flood's shape that the server's caps admit (at least 1)."""
    from actlab import training

    config = training.TrainingConfig(activations=("relu",), hidden=(1000,) * 4, evals_per_epoch=1)
    fitting = 1
    for epochs in range(1, 51):
        shorter = training.TrainingConfig(**{**config.__dict__, "epochs": epochs})
        if training.budget_problem(
            shorter, n_train, n_test, training.MAX_TRAINING_FLOPS, training.MAX_TRAINING_STEPS
        ):
            break
        fitting = epochs
    return fitting


def page_status(texts: list[tuple[str, str]]) -> str:
    """What a page shows about its run, from its elements' ``(kind, text)``.

    ``running``, ``queued N``, ``done``, ``stopped``, ``refused: …`` (queue full or over a cap),
    ``left`` (this tab let a shared run go), ``idle`` (no run for this configuration), or
    ``unknown``.
    """
    joined = "\n".join(text for _, text in texts)
    for kind, text in texts:
        if kind == "error" and "queue is full" in text:
            return "refused: queue full"
        if kind == "warning" and ("This training needs" in text or "optimizer steps" in text):
            return "refused: over the cap"
    if "Stopped early" in joined or "stopped before it started" in joined:
        return "stopped"
    if "Results" in joined:
        return "done"
    for kind, text in texts:
        if kind == "info" and "in the queue" in text:
            position = text.split("number ", 1)[1].split(" ", 1)[0]
            return f"queued {position}"
    if any(kind == "progress" for kind, _ in texts) or "Loading the data" in joined:
        return "running"
    if "You stopped watching" in joined:
        return "left"
    if "Press **Train**" in joined or "Press Train" in joined:
        return "idle"
    return "unknown"


def parse_stat_cpu_seconds(stat_text: str, ticks: int = CLOCK_TICKS) -> float:
    """utime + stime in seconds from the text of /proc/PID/stat (fields 14 and 15)."""
    fields = stat_text[stat_text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for member in load_test.process_tree(pid):
        try:
            total += parse_stat_cpu_seconds(Path(f"/proc/{member}/stat").read_text())
        except (OSError, ValueError, IndexError):
            continue
    return total


# ---------------------------------------------------------------- one browser tab


@dataclass
class Answer:
    """One script run's answer: element texts, the Train button, the live view's fragment."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    train_button: str | None = None
    fragment: str | None = None  # set while the page asks for fragment reruns
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return page_status(self.texts)


class Tab:
    """One browser tab on the MNIST page, over Streamlit's websocket protocol."""

    def __init__(self, stream_url: str, query: str, timeout: float) -> None:
        self.stream_url, self.query, self.timeout = stream_url, query, timeout
        self.websocket = None
        self.fragment: str | None = None
        self.train_button: str | None = None
        self.last = Answer()
        self.polls = 0
        self.poll_s: list[float] = []  # round trip of each live-view refresh

    async def open(self) -> Answer:
        import websockets

        self.websocket = await websockets.connect(
            self.stream_url, subprotocols=["streamlit"], max_size=None, ping_interval=None
        )
        return await self._run([])

    async def click_train(self) -> Answer:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        if self.train_button is None:
            raise RuntimeError("the page showed no Train button")
        return await self._run([WidgetState(id=self.train_button, trigger_value=True)])

    async def poll(self) -> Answer | None:
        """One live-view refresh, as the fragment's timer asks for it; None when not live."""
        if self.fragment is None:
            return None
        self.polls += 1
        started = time.perf_counter()
        answer = await self._run([], fragment=self.fragment)
        self.poll_s.append(time.perf_counter() - started)
        return answer

    async def close(self) -> None:
        if self.websocket is not None:
            await self.websocket.close()
            self.websocket = None

    async def _run(self, widgets: list, fragment: str | None = None) -> Answer:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        state = message.rerun_script
        state.page_name = PAGE
        state.query_string = self.query
        state.widget_states.widgets.extend(widgets)
        if fragment is not None:
            state.fragment_id = fragment
            state.is_auto_rerun = True
        await self.websocket.send(message.SerializeToString())
        async with asyncio.timeout(self.timeout):
            answer = await self._read(fragment is not None)
        self.last = answer
        return answer

    async def _read(self, fragment_run: bool) -> Answer:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        alert_kinds = {Alert.ERROR: "error", Alert.WARNING: "warning", Alert.INFO: "info"}
        answer = Answer()
        if not fragment_run:  # a full run draws the live view anew, or no longer
            self.fragment = None
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.websocket.recv())
            kind = message.WhichOneof("type")
            if kind == "auto_rerun":
                self.fragment = message.auto_rerun.fragment_id
            elif kind == "stop_auto_rerun":
                self.fragment = None
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                what = element.WhichOneof("type")
                if what == "alert":
                    label = alert_kinds.get(element.alert.format, "alert")
                    answer.texts.append((label, element.alert.body))
                elif what in ("markdown", "heading"):
                    answer.texts.append((what, getattr(element, what).body))
                elif what == "progress":
                    answer.texts.append(("progress", element.progress.text))
                elif what == "exception":
                    answer.errors.append(f"exception: {element.exception.message[:200]}")
                elif what == "button" and load_test.widget_key(element.button.id) == "mn_go":
                    self.train_button = element.button.id
            elif kind == "page_info_changed":
                self.query = message.page_info_changed.query_string
            elif kind == "script_finished":
                if message.script_finished == load_test.FINISHED_EARLY_FOR_RERUN:
                    answer = Answer()  # the page reran itself (st.rerun): read the new run
                    self.fragment = None
                    continue
                answer.fragment = self.fragment
                return answer


async def keep_watching(tab: Tab, period: float, stop: asyncio.Event) -> None:
    """Poll the live view every ``period`` seconds after the last answer, until told to stop."""
    while not stop.is_set() and tab.fragment is not None:
        try:
            await tab.poll()
        except TimeoutError:
            tab.last.errors.append("timeout: a live-view refresh got no answer")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), period)


# ---------------------------------------------------------------- the scenario


async def wait_status(tab: Tab, wanted, timeout: float, period: float) -> tuple[str, float]:
    """Poll ``tab`` until its status satisfies ``wanted``; ``(status, seconds)``."""
    started = time.perf_counter()
    status = tab.last.status
    while not wanted(status) and time.perf_counter() - started < timeout:
        await asyncio.sleep(period)
        answer = await tab.poll()
        if answer is None:  # no live view any more: the page has its final state
            answer = await tab._run([])
        status = answer.status
    return status, time.perf_counter() - started


def cpu_rate(pid: int, window: float) -> float:
    """The server's CPU-seconds per second over the next ``window`` seconds."""
    before = tree_cpu_seconds(pid)
    time.sleep(window)
    return (tree_cpu_seconds(pid) - before) / window


async def scenario(server: load_test.Server, args: argparse.Namespace) -> dict:
    from actlab import datasets, training

    stream_url = load_test.check_loopback(server.url)
    pid = server.process.pid
    source = datasets.resolve_source("mnist")
    epochs = epochs_within_caps(source.n_train, source.n_test)
    result: dict = {"tabs": args.tabs, "flood_epochs": epochs, "data": source.describe()}
    result["lease_s"] = training.LEASE_SECONDS

    warm = Tab(stream_url, "", args.timeout)  # first-run imports are nobody's cost
    await warm.open()
    await warm.close()

    # The exact configuration: refused before anything is queued.
    exact = Tab(stream_url, flood_query(0, 50), args.timeout)
    result["issue_config"] = (await exact.open()).status
    await exact.close()

    # The flood: every tab opens its link, presses Train, then keeps its live view polling.
    tabs = [Tab(stream_url, flood_query(i, epochs), args.timeout) for i in range(args.tabs)]
    stop = asyncio.Event()
    watchers = []
    clicks = []
    for tab in tabs:
        await tab.open()
        clicks.append((await tab.click_train()).status)
        watchers.append(asyncio.create_task(keep_watching(tab, args.period, stop)))
        await asyncio.sleep(args.ramp / max(args.tabs, 1))
    result["flood_clicks"] = {s: clicks.count(s) for s in sorted(set(clicks))}
    await asyncio.sleep(args.settle)
    busy = cpu_rate(pid, 1.0)
    result["cpu_cores_during_flood"] = round(busy, 2)

    # The newcomer: the page's default (quick comparison preset), Train.
    newcomer = Tab(stream_url, "", args.timeout)
    await newcomer.open()
    clicked = time.perf_counter()
    first = (await newcomer.click_train()).status
    if first.startswith("queued") or first == "unknown":
        first, _ = await wait_status(
            newcomer, lambda s: s in ("running", "done"), args.timeout, args.period
        )
    result["newcomer_first_status"] = first
    result["newcomer_start_s"] = round(time.perf_counter() - clicked, 2)
    final, _ = await wait_status(
        newcomer, lambda s: s in ("done", "stopped"), args.timeout, args.period
    )
    result["newcomer_final_status"] = final
    result["newcomer_done_s"] = round(time.perf_counter() - clicked, 2)
    await newcomer.close()

    # Still the flood's pages poll: their runs must still be there.
    before = [tab.last.status for tab in tabs]
    result["flood_before_closing"] = {s: before.count(s) for s in sorted(set(before))}
    result["flood_polls"] = sum(tab.polls for tab in tabs)
    refreshes = [t for tab in tabs for t in tab.poll_s]
    result["refresh_median_s"] = round(load_test.percentile(refreshes, 50), 3)
    result["refresh_max_s"] = round(max(refreshes, default=float("nan")), 3)
    result["flood_errors"] = sorted({e for tab in tabs for e in tab.last.errors})[:3]

    # Every flood tab closes at once; the server's CPU tells when their runs are gone.
    stop.set()
    await asyncio.gather(*watchers)
    for tab in tabs:
        await tab.close()
    closed = time.perf_counter()
    idle_s = None
    while time.perf_counter() - closed < args.timeout:
        if cpu_rate(pid, 0.5) < args.idle_cores:
            idle_s = time.perf_counter() - closed - 0.5  # the quiet half second began then
            break
    result["gone_s"] = None if idle_s is None else round(idle_s, 2)
    result["cpu_cores_after"] = round(cpu_rate(pid, 1.0), 2)

    # A new tab's heavy run starts at once: nothing is left in the queue.
    probe = Tab(stream_url, flood_query(args.tabs + 1, epochs), args.timeout)
    await probe.open()
    clicked = time.perf_counter()
    status = (await probe.click_train()).status
    if status != "running":
        status, _ = await wait_status(probe, lambda s: s == "running", args.timeout, args.period)
    result["probe_status"] = status
    result["probe_start_s"] = round(time.perf_counter() - clicked, 2)
    await probe.close()
    return result


def targets_met(result: dict) -> bool:
    return (
        result.get("newcomer_first_status") in ("running", "done")
        and result.get("newcomer_start_s", 1e9) <= START_TARGET_S
        and result.get("gone_s") is not None
        and result["gone_s"] <= GONE_TARGET_S
        and not result.get("tracebacks")
    )


def format_table(result: dict) -> str:
    rows = [
        ("tabs flooding (distinct heavy configs)", f"{result['tabs']}"),
        ("flood config", f"1 × 784→1000×4→10, batch 64, {result['flood_epochs']} epochs"),
        ("the issue's exact config (50 epochs)", result["issue_config"]),
        ("what the flood's clicks got", json.dumps(result["flood_clicks"])),
        ("server CPU during the flood", f"{result['cpu_cores_during_flood']} cores"),
        (
            "newcomer's quick preset: click → running",
            f"{result['newcomer_start_s']} s ({result['newcomer_first_status']})",
        ),
        ("newcomer: click → results", f"{result['newcomer_done_s']} s"),
        ("flood pages before closing (still polling)", json.dumps(result["flood_before_closing"])),
        (
            "their live-view refreshes: median / max round trip",
            f"{result['refresh_median_s']} s / {result['refresh_max_s']} s "
            f"({result['flood_polls']} refreshes; a lease lasts {result['lease_s']} s)",
        ),
        ("flood tabs closed → server CPU idle (runs gone)", f"{result['gone_s']} s"),
        ("a new heavy run after that: click → running", f"{result['probe_start_s']} s"),
        ("server peak RSS", f"{result['peak_rss_mib']} MiB"),
        ("tracebacks in the server log", str(result["tracebacks"])),
    ]
    lines = ["| queue flood (issue 12, finding 6) | value |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", type=int, default=20, help="flooding tabs (sessions)")
    parser.add_argument("--period", type=float, default=0.5, help="live-view refresh, seconds")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds to open the flood over")
    parser.add_argument("--settle", type=float, default=10.0, help="flood seconds before newcomer")
    parser.add_argument("--idle-cores", type=float, default=0.15, help="CPU rate counted idle")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per page answer")
    parser.add_argument("--quick", action="store_true", help="5 tabs, 4 s of settling")
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    return parser


def main(argv: list[str] | None = None) -> dict:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.tabs, args.settle = min(args.tabs, 5), min(args.settle, 4.0)
    with load_test.streamlit_server(args.startup_timeout) as server:
        peak = load_test.PeakRss(server.process.pid)
        peak.start()
        try:
            result = asyncio.run(scenario(server, args))
        finally:
            result_peak = peak.stop()
        result["peak_rss_mib"] = round(result_peak / 1024)
        result["tracebacks"] = server.log_tracebacks()
    print(format_table(result))
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    sys.exit(0 if targets_met(main()) else 1)

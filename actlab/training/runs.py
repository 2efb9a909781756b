"""Shared runs for a server: background threads, a process-wide limit, a bounded queue.

``TrainingRun`` runs ``train`` in a background thread behind a process-wide limit on
concurrent trainings, so a page can share one run among many viewers; ``RunRegistry`` adds
what a public server needs: compute caps, a bounded queue, one run per visitor, and runs that
stop once nobody watches them. ``RUNS`` is the registry the MNIST page uses.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from actlab import datasets, memory
from actlab.i18n import N_, Refusal, _, counted, ngettext
from actlab.said import Said
from actlab.training import loop
from actlab.training.config import (
    MAX_TRAINING_FLOPS,
    MAX_TRAINING_STEPS,
    TrainingConfig,
    budget_problem,
    flop_text,
    training_cost,
)
from actlab.training.loop import Progress
from actlab.training.presets import ProtocolPlan, plan
from actlab.training.results import TrainingResult

MAX_CONCURRENT_TRAININGS = int(os.environ.get("ACTLAB_MAX_TRAININGS", "2"))
# Runs waiting for a slot, per lane (quick runs have their own); one more is refused.
MAX_QUEUED_TRAININGS = int(os.environ.get("ACTLAB_MAX_QUEUED_TRAININGS", "6"))
# A run estimated at most this (the "quick comparison" preset: 8.5e10, a few seconds) may also
# take a slot of its own, so a queue of long runs never keeps a quick one waiting.
QUICK_RUN_FLOPS = 2e11
RUNS_PER_VIEWER = 1  # unfinished runs one page session holds; starting another lets go of one
LEASE_SECONDS = 6.0  # a run no viewer's page has polled for this long stops by itself
SHARING_NOTE = Said(  # English text; ``SHARING_NOTE.localized()`` on a page
    N_(
        "Identical configurations are computed once and shared; at most {slots} trainings run at "
        "once on this server, one per visitor, and a training stops a few seconds after its last "
        "viewer has left the page."
    ),
    slots=MAX_CONCURRENT_TRAININGS,
)
_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_TRAININGS)
_QUICK_SLOTS = threading.BoundedSemaphore(1)
_waiting: list[TrainingRun] = []
_waiting_lock = threading.Lock()
_run_ids = itertools.count(1)


def waiting_runs() -> list[TrainingRun]:
    """The runs waiting for a slot now, first come first."""
    with _waiting_lock:
        return list(_waiting)


@dataclass(frozen=True)
class RunState:
    """A consistent snapshot of a run for a page: status plus whatever exists yet.

    ``status`` is ``queued``, ``running``, ``done``, ``stopped`` or ``failed``.
    """

    status: str
    progress: Progress | None
    result: TrainingResult | None
    error: str | None
    queue_position: int  # 1 = next to start; 0 when not waiting
    viewers: int = 0  # viewers whose lease is alive

    @property
    def finished(self) -> bool:
        return self.status in ("done", "stopped", "failed")

    @property
    def queue_text(self) -> str:
        """Where a queued run stands, for its page."""
        return _(
            "Waiting for a free training slot: number {position} in the queue ({slots} trainings "
            "run at once on this server)."
        ).format(position=self.queue_position, slots=MAX_CONCURRENT_TRAININGS)

    @property
    def left_text(self) -> str:
        """For a viewer who let go of a run (``TrainingRun.leave``) that others still watch."""
        others = self.viewers
        return ngettext(
            "You stopped watching this training; it goes on for the {count} other viewer who "
            "still watches it. Press **Train** to watch it again.",
            "You stopped watching this training; it goes on for the {count} other viewers who "
            "still watch it. Press **Train** to watch it again.",
            others,
        ).format(count=others)


class TrainingRun:
    """One training in a background thread; any number of viewers can poll ``state()``.

    The thread waits its turn (first come, first served) for one of the process-wide slots
    (``MAX_CONCURRENT_TRAININGS``) before it trains, so a busy server queues work instead of
    thrashing; a run given ``quick_slots`` takes one of those instead if it frees first.
    ``stop()`` works while queued and while training.

    Viewers are opaque ids (one per page session). With ``lease_seconds``, ``watch(viewer)``
    renews that viewer's lease, and once every lease is older than ``lease_seconds`` (tabs
    closed, pages gone elsewhere) the run stops by itself, queued or training. ``leave(viewer)``
    lets one viewer go and stops the run only when no other viewer still watches it.
    """

    def __init__(
        self,
        config: TrainingConfig,
        slots: threading.Semaphore | None = None,
        *,
        quick_slots: threading.Semaphore | None = None,
        lease_seconds: float | None = None,
    ) -> None:
        self.config = config
        self.id = next(_run_ids)
        self._slots = slots or _SLOTS
        self._quick_slots = quick_slots
        self._lease_seconds = lease_seconds
        self._leases: dict[str, float] = {}  # viewer -> time.monotonic() of the last renewal
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._status = "queued"
        self._progress: Progress | None = None
        self._result: TrainingResult | None = None
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="actlab-training", daemon=True)

    @property
    def quick(self) -> bool:
        """Whether this run may use the quick lane's slot."""
        return self._quick_slots is not None

    def start(self) -> TrainingRun:
        with _waiting_lock:
            _waiting.append(self)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for (by ``stop``, the last viewer leaving, or no lease)."""
        return self._stop.is_set()

    def watch(self, viewer: str) -> None:
        """``viewer`` watches this run: its lease starts (or starts again) now."""
        with self._lock:
            self._leases[viewer] = time.monotonic()

    def leave(self, viewer: str) -> bool:
        """``viewer`` stops watching; the run stops unless another viewer's lease is alive.

        Returns whether the run was stopped.
        """
        with self._lock:
            self._leases.pop(viewer, None)
            others = self._live_viewers()
        if others:
            return False
        self.stop()
        return True

    def watched_by(self, viewer: str) -> bool:
        with self._lock:
            return viewer in self._live_viewers()

    def _live_viewers(self) -> list[str]:
        """Viewers whose lease is alive (the caller holds ``self._lock``)."""
        if self._lease_seconds is None:
            return list(self._leases)
        oldest = time.monotonic() - self._lease_seconds
        return [viewer for viewer, renewed in self._leases.items() if renewed >= oldest]

    def _should_stop(self) -> bool:
        """Polled every training step: a stop request, or every viewer's lease run out."""
        if self._stop.is_set():
            return True
        if self._lease_seconds is None:
            return False
        with self._lock:
            abandoned = bool(self._leases) and not self._live_viewers()
        if abandoned:
            self._stop.set()
        return abandoned

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has finished; ``False`` if ``timeout`` seconds passed first."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def state(self) -> RunState:
        with _waiting_lock:
            position = self._queue_position()
        with self._lock:
            viewers = len(self._live_viewers())
            return RunState(
                self._status, self._progress, self._result, self._error, position, viewers
            )

    def _lines(self) -> list[list[TrainingRun]]:
        """The waiting runs ahead of or beside this one, per kind of slot it may take (the
        caller holds ``_waiting_lock``)."""
        lines = [[run for run in _waiting if run._slots is self._slots]]
        if self._quick_slots is not None:
            lines.append([run for run in _waiting if run._quick_slots is self._quick_slots])
        return lines

    def _queue_position(self) -> int:
        if self not in _waiting:
            return 0
        return min(line.index(self) + 1 for line in self._lines())

    def _take_slot(self) -> threading.Semaphore | None:
        """A free slot of a line this run is first in, else ``None``."""
        with _waiting_lock:
            for slots, line in zip((self._slots, self._quick_slots), self._lines(), strict=False):
                if line[0] is self and slots.acquire(blocking=False):
                    return slots
        return None

    def _set(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self, f"_{name}", value)

    def _run(self) -> None:
        held = None
        try:
            while held is None:
                if self._should_stop():
                    self._set(status="stopped")
                    return
                held = self._take_slot()
                if held is None:
                    self._stop.wait(0.05)
        finally:
            with _waiting_lock:
                _waiting.remove(self)
        try:
            self._set(status="running")
            result = loop.train(self.config, lambda p: self._set(progress=p), self._should_stop)
            self._set(status="stopped" if result.stopped else "done", result=result)
        except Refusal as err:  # said in each viewer's language
            self._set(status="failed", error=Said.of(err.message))
        except ValueError as err:
            self._set(status="failed", error=str(err))
        except Exception as err:  # a page must see every failure, not a silent dead thread
            self._set(status="failed", error=f"{type(err).__name__}: {err}")
        finally:
            held.release()
            memory.release_freed_memory()  # the run's optimizer state and batches are gone now


class TrainingRefused(Refusal):
    """This server will not start the run now; the message says why and what to change (a
    ``Said``: English as ``str``, the page's language as ``localized()``)."""

    def __init__(self, said: Said) -> None:
        self.message = said.message
        ValueError.__init__(self, str(said))


class RunRegistry:
    """Identical configurations share one run; finished runs are kept (``keep`` at most).

    Limits for a public server, where every visitor is anonymous: a new run's estimated cost
    must fit ``max_flops`` (``training_cost``) and ``max_steps`` (``training_steps``); at
    most ``max_queued`` runs wait per lane (runs up to ``quick_flops`` have a lane and a slot
    of their own); ``TrainingRefused`` says so otherwise. Started or joined for a ``viewer``
    (an opaque id of one page session), a run is watched by it (``TrainingRun.watch``, with
    leases of ``lease_seconds``), and a viewer holds at most ``runs_per_viewer`` unfinished
    runs: starting or joining another lets go of its oldest, which stops if nobody else
    watches it.
    """

    def __init__(
        self,
        keep: int = 8,
        *,
        max_flops: float = MAX_TRAINING_FLOPS,
        max_steps: float = MAX_TRAINING_STEPS,
        max_queued: int = MAX_QUEUED_TRAININGS,
        runs_per_viewer: int = RUNS_PER_VIEWER,
        lease_seconds: float = LEASE_SECONDS,
        quick_flops: float = QUICK_RUN_FLOPS,
        slots: threading.Semaphore | None = None,
        quick_slots: threading.Semaphore | None = None,
    ) -> None:
        self.keep = keep
        self.max_flops = max_flops
        self.max_steps = max_steps
        self.max_queued = max_queued
        self.runs_per_viewer = runs_per_viewer
        self.lease_seconds = lease_seconds
        self.quick_flops = quick_flops
        self._slots = slots or _SLOTS
        self._quick_slots = quick_slots or _QUICK_SLOTS
        self._runs: OrderedDict[TrainingConfig, TrainingRun] = OrderedDict()
        self._lock = threading.Lock()

    def find(self, config: TrainingConfig) -> TrainingRun | None:
        with self._lock:
            return self._runs.get(config)

    def budget_problem(self, config: TrainingConfig) -> str | None:
        """Why ``config`` is over this registry's compute caps, or ``None`` if it fits."""
        source = datasets.resolve_source(config.dataset, config.source, config.folder)
        return budget_problem(config, source.n_train, source.n_test, self.max_flops, self.max_steps)

    def plan(self, config: TrainingConfig) -> ProtocolPlan:
        """What a form's ``config`` runs as here (``presets.plan`` on its data, with this
        registry's caps): itself, or a published protocol's labelled quick mode."""
        source = datasets.resolve_source(config.dataset, config.source, config.folder)
        return plan(config, source.n_train, source.n_test, self.max_flops, self.max_steps)

    def start(self, config: TrainingConfig, viewer: str | None = None) -> TrainingRun:
        """The shared run of ``config``: the existing one unless it was stopped or failed.

        A new run must fit the compute cap and the queue (else ``TrainingRefused``).
        """
        with self._lock:
            run = self._runs.get(config)
            if run is not None and run.state().status not in ("stopped", "failed"):
                self._runs.move_to_end(config)
                if viewer is not None:
                    self._let_go(viewer, keep=run)
                    run.watch(viewer)
                return run
            source = datasets.resolve_source(config.dataset, config.source, config.folder)
            problem = budget_problem(
                config, source.n_train, source.n_test, self.max_flops, self.max_steps
            )
            if problem is not None:
                raise TrainingRefused(problem)
            quick = training_cost(config, source.n_train, source.n_test) <= self.quick_flops
            if viewer is not None:
                self._let_go(viewer)
            waiting = [
                r
                for r in self._runs.values()
                if r.quick == quick and not r.stopping and r.state().status == "queued"
            ]
            if len(waiting) >= self.max_queued:
                raise TrainingRefused(self._queue_full(len(waiting), quick))
            run = TrainingRun(
                config,
                self._slots,
                quick_slots=self._quick_slots if quick else None,
                lease_seconds=self.lease_seconds if viewer is not None else None,
            )
            if viewer is not None:
                run.watch(viewer)
            self._runs[config] = run.start()
            self._runs.move_to_end(config)
            finished = [c for c, r in self._runs.items() if r.state().finished]
            for old in finished[: max(0, len(finished) - self.keep)]:
                del self._runs[old]
            return run

    def _let_go(self, viewer: str, keep: TrainingRun | None = None) -> None:
        """Make room for one more run of ``viewer``: it leaves its oldest unfinished runs."""
        held = [
            run
            for run in self._runs.values()
            if run is not keep and not run.state().finished and run.watched_by(viewer)
        ]
        for run in held[: max(0, len(held) - self.runs_per_viewer + 1)]:
            run.leave(viewer)

    def _queue_full(self, waiting: int, quick: bool) -> Said:
        full = counted(
            "The training queue is full: {count} training is waiting for this server's {slots} "
            "training slots. Try again in a minute",
            "The training queue is full: {count} trainings are waiting for this server's {slots} "
            "training slots. Try again in a minute",
            waiting,
            slots=MAX_CONCURRENT_TRAININGS,
        )
        if quick:
            return Said(N_("{full}."), full=full)
        return Said(
            N_(
                "{full}, or start a smaller run (up to {flops}, like the quick comparison preset): "
                "those have a slot of their own."
            ),
            full=full,
            flops=flop_text(self.quick_flops),
        )


RUNS = RunRegistry()

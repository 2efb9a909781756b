"""actlab.training.runs: shared runs, the slots and their queue, viewers' leases, compute caps."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pandas as pd
import pytest
from mnist_fixtures import small

from actlab import training
from actlab.training import loop


def test_runs_are_shared_limited_and_stop_within_a_second():
    registry = training.RunRegistry(keep=2)
    long_config = small(epochs=100, evals_per_epoch=1, train_limit=5000)
    run = registry.start(long_config)
    assert registry.start(long_config) is run  # identical configs share one run
    deadline = time.monotonic() + 20
    while run.state().progress is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.state().status == "running"
    asked = time.monotonic()
    run.stop()
    assert run.wait(timeout=5)
    assert time.monotonic() - asked < 1.0
    state = run.state()
    assert state.status == "stopped" and state.result.stopped
    assert registry.start(long_config) is not run  # a stopped run is started afresh
    registry.find(long_config).stop()


def test_only_the_allowed_number_of_trainings_run_at_once():
    slot = threading.BoundedSemaphore(1)
    first = training.TrainingRun(small(epochs=100, train_limit=5000), slot).start()
    second = training.TrainingRun(small(), slot).start()
    time.sleep(0.3)
    assert first.state().status == "running"
    waiting = second.state()
    assert waiting.status == "queued" and waiting.queue_position >= 1
    first.stop()
    assert second.wait(timeout=20)
    assert second.state().status == "done"
    assert isinstance(second.state().result.history, pd.DataFrame)
    third = training.TrainingRun(small(), threading.BoundedSemaphore(0)).start()
    third.stop()  # stopping a queued run ends it without training
    assert third.wait(timeout=2) and third.state().status == "stopped"


def test_failures_are_reported_not_swallowed(monkeypatch):
    monkeypatch.setattr(
        loop, "tensor_data", lambda *a, **k: (_ for _ in ()).throw(ValueError("no data"))
    )
    run = training.TrainingRun(small(), threading.BoundedSemaphore(1)).start()
    assert run.wait(timeout=5)
    assert run.state().status == "failed" and run.state().error == "no data"


def _registry(**changes) -> training.RunRegistry:
    """A registry with its own slots (none free unless given), so tests never wait on others."""
    options = {
        "slots": threading.BoundedSemaphore(1),
        "quick_slots": threading.BoundedSemaphore(1),
        "quick_flops": 0,  # every run goes to the ordinary lane unless a test says otherwise
    }
    for name in ("slots", "quick_slots"):
        if isinstance(changes.get(name), int):
            changes[name] = (
                threading.BoundedSemaphore(changes[name])
                if changes[name]
                else (threading.Semaphore(0))
            )
    return training.RunRegistry(**(options | changes))


def _stop_all(*runs: training.TrainingRun) -> None:
    for run in runs:
        run.stop()
    for run in runs:
        assert run.wait(timeout=10)


def test_start_over_the_cap_is_refused_with_the_numbers():
    registry = _registry(max_flops=1e9)
    with pytest.raises(training.TrainingRefused, match=r"needs an estimated 2\.6 GFLOP"):
        registry.start(small(epochs=2), "visitor")
    assert registry.find(small(epochs=2)) is None
    assert "limit of 1.0 GFLOP" in registry.budget_problem(small(epochs=2))
    assert registry.budget_problem(small(train_limit=10, epochs=1, activations=("relu",))) is None


def test_a_full_queue_refuses_the_next_run_and_quick_runs_have_their_own_lane():
    registry = _registry(slots=0, quick_slots=0, max_queued=2)
    first, second = registry.start(small(seeds=(1,))), registry.start(small(seeds=(2,)))
    assert [first.state().queue_position, second.state().queue_position] == [1, 2]
    with pytest.raises(training.TrainingRefused, match="The training queue is full: 2 trainings"):
        registry.start(small(seeds=(3,)))
    assert registry.start(small(seeds=(1,))) is first  # joining a waiting run is no new run
    # A quick run waits in its own lane, and takes its own slot while the others wait.
    lanes = _registry(slots=0, quick_slots=1, max_queued=1, quick_flops=2e9)
    slow = lanes.start(small(epochs=5))  # 6.6 GFLOP
    quick = lanes.start(small(train_limit=100, activations=("relu",)))  # 0.5 GFLOP
    assert quick.quick and not slow.quick
    assert quick.wait(timeout=20) and quick.state().status == "done"
    assert slow.state().status == "queued"
    _stop_all(first, second, slow)
    assert first.state().status == second.state().status == "stopped"


def test_one_visitor_holds_one_run_and_a_shared_run_outlives_one_of_its_viewers():
    registry = _registry(slots=0)
    mine = registry.start(small(seeds=(1,)), "a")
    assert mine.watched_by("a") and mine.state().viewers == 1
    other = registry.start(small(seeds=(2,)), "a")  # a new run lets go of the old one
    assert mine.wait(timeout=2) and mine.state().status == "stopped"
    assert registry.start(small(seeds=(2,)), "b") is other  # b joins a's run
    assert other.state().viewers == 2
    third = registry.start(small(seeds=(3,)), "a")  # a moves on; b still watches
    time.sleep(0.2)
    assert other.state().status == "queued" and not other.stopping
    assert not other.watched_by("a") and other.watched_by("b")
    _stop_all(other, third)


def test_stop_detaches_a_viewer_and_stops_the_run_only_for_the_last_one():
    run = training.TrainingRun(small(), threading.Semaphore(0), lease_seconds=60).start()
    run.watch("a")
    run.watch("b")
    assert run.leave("a") is False
    time.sleep(0.2)
    assert run.state().status == "queued" and run.state().viewers == 1
    assert run.leave("b") is True
    assert run.wait(timeout=2) and run.state().status == "stopped"


def test_a_run_whose_viewers_are_gone_stops_by_itself_queued_or_training():
    registry = _registry(slots=1, lease_seconds=0.5)
    running = registry.start(small(epochs=100, train_limit=5000), "a")
    waiting = registry.start(small(epochs=100, train_limit=5000, seeds=(1,)), "b")
    renewed_until = time.monotonic() + 1.5
    while time.monotonic() < renewed_until:  # both pages poll, as the live view does
        running.watch("a")
        waiting.watch("b")
        time.sleep(0.1)
    assert running.state().status == "running" and waiting.state().status == "queued"
    gone = time.monotonic()  # both tabs close
    assert waiting.wait(timeout=3) and running.wait(timeout=3)
    assert time.monotonic() - gone < 2.0
    assert running.state().status == "stopped" and running.state().result.stopped
    assert waiting.state().status == "stopped" and waiting.state().queue_position == 0
    assert waiting not in training.waiting_runs()


def test_runs_take_their_turn_first_come_first_served():
    slot = threading.BoundedSemaphore(1)
    runs = [training.TrainingRun(small(seeds=(s,)), slot) for s in range(3)]
    hold = training.TrainingRun(small(epochs=100, train_limit=5000), slot).start()
    deadline = time.monotonic() + 10
    while hold.state().status != "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    for run in runs:
        run.start()
        time.sleep(0.05)
    assert [run.state().queue_position for run in runs] == [1, 2, 3]
    hold.stop()
    started = []
    while len(started) < 3 and time.monotonic() < deadline + 30:
        started += [r for r in runs if r not in started and r.state().status != "queued"]
        time.sleep(0.005)
    assert started == runs
    _stop_all(*runs)


def test_a_runs_state_says_where_it_waits_and_who_still_watches_it():
    state = training.RunState("queued", None, None, None, queue_position=3, viewers=1)
    slots = training.MAX_CONCURRENT_TRAININGS
    assert state.queue_text == (
        f"Waiting for a free training slot: number 3 in the queue ({slots} trainings run at "
        "once on this server)."
    )
    assert "it goes on for the 1 other viewer who still watches it" in state.left_text
    two = replace(state, viewers=2).left_text
    assert "it goes on for the 2 other viewers who still watch it" in two
    assert f"at most {slots} trainings run at once" in training.SHARING_NOTE

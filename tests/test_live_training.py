"""ui.live_training: the finished-runs store keeps the newest runs and forgets old ones."""

from __future__ import annotations

from ui.live_training import FinishedRuns


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_finished_runs_keep_the_newest_and_forget_expired_ones():
    clock = Clock()
    runs = FinishedRuns(keep=2, ttl_seconds=60.0, clock=clock)
    runs.add("a", 1)
    clock.now = 10.0
    runs.add("b", 2)
    runs.add("c", 3)  # over the count: the oldest goes
    assert (runs.get("a"), runs.get("b"), runs.get("c"), len(runs)) == (None, 2, 3, 2)
    clock.now = 65.0
    runs.add("b", 4)  # added again: newest, its age starts over
    clock.now = 75.0  # c was added at 10 s: older than 60 s now
    assert (runs.get("c"), runs.get("b"), len(runs)) == (None, 4, 1)

"""One long-lived worker thread whose torch uses a single CPU thread, shared by the live lessons.

The playground and the gradient demos train tiny models (at most 64 × 784 matrices). Splitting
such products across threads only adds synchronisation, which on a busy 2-core server costs
milliseconds per product: measured there, a batch-32 playground epoch took 116 ms with torch's
2 threads against 3.5 ms with 1, and the "does it learn?" comparison 11-48 s against 1.1 s.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import torch

T = TypeVar("T")

_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


def _single_threaded_worker() -> ThreadPoolExecutor:
    """Start the worker once. ``torch.set_num_threads`` also sets the default for threads
    created later, so the calling thread restores that default at once; threads already
    running keep their own setting."""
    global _worker
    with _worker_lock:
        if _worker is None:
            before = torch.get_num_threads()
            worker = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="actlab-one-thread", initializer=_use_one_thread
            )
            worker.submit(int).result()  # start the thread (and its initializer) now
            torch.set_num_threads(before)
            _worker = worker
        return _worker


def _use_one_thread() -> None:
    torch.set_num_threads(1)
    # torch reads the process default into a thread's own setting on the thread's first
    # parallel call; make that happen now, while the default is 1.
    torch.get_num_threads()


def run_single_threaded(function: Callable[..., T], *args: object) -> T:
    """``function(*args)`` on the single-threaded worker: how a live page should run torch."""
    return _single_threaded_worker().submit(function, *args).result()

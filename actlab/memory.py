"""Hand freed heap memory back to the operating system after a large piece of work.

glibc keeps memory that Python and torch free inside its arenas (one per thread) for reuse, so
a server that ran a big training keeps that peak as resident memory long after the run ended,
and every training thread adds its own arena. ``malloc_trim(0)`` returns the free pages of all
arenas. Elsewhere (macOS, musl) there is nothing to call and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
import time


@functools.cache
def _malloc_trim():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return freed heap pages to the OS; ``True`` if glibc's ``malloc_trim`` was called."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


_last_release = 0.0
_release_lock = threading.Lock()


def release_freed_memory_every(seconds: float) -> bool:
    """``release_freed_memory`` unless it ran less than ``seconds`` ago (any thread).

    For pages that free memory often (cache misses, evictions): a trim costs ~6 ms after a
    heavy probe and ~0 ms when nothing is left to return, so once a second is plenty.
    """
    global _last_release
    now = time.monotonic()
    with _release_lock:
        if now - _last_release < seconds:
            return False
        _last_release = now
    return release_freed_memory()

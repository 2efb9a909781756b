"""actlab.memory: freed heap pages really go back to the operating system."""

from __future__ import annotations

import platform
import re
import threading
from pathlib import Path

import pytest

from actlab import memory


def resident_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_memory_freed_in_a_worker_thread_is_returned():
    held: list[bytearray] = []

    def allocate_then_free_most() -> None:
        # 64 KiB blocks stay below glibc's mmap threshold, so they live in the thread's arena;
        # the last one pins the arena's top, so free() alone cannot shrink it.
        blocks = [bytearray(64 * 1024) for _ in range(3000)]
        for block in blocks:
            block[::4096] = b"\x01" * len(block[::4096])  # touch every page
        held.append(blocks[-1])
        del blocks

    worker = threading.Thread(target=allocate_then_free_most)
    worker.start()
    worker.join()
    before = resident_mib()
    assert memory.release_freed_memory() is True
    after = resident_mib()
    assert before - after > 100, (before, after)  # most of the ~190 MiB freed comes back

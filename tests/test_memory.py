"""actlab.memory: freed heap pages really go back to the operating system."""

from __future__ import annotations

import ast
import gc
import importlib.util
import platform
import re
import threading
import weakref
from pathlib import Path

import pytest

from actlab import budget, memory
from ui import caching


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


def test_release_every_runs_at_most_once_per_interval(monkeypatch):
    spec = importlib.util.find_spec("actlab.memory")
    fresh = importlib.util.module_from_spec(spec)  # as a server starts: never released yet
    spec.loader.exec_module(fresh)
    calls = []
    monkeypatch.setattr(fresh, "release_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(fresh.time, "monotonic", lambda: 60.0)  # on a machine up for a minute
    assert fresh.release_freed_memory_every(3600) is True
    assert fresh.release_freed_memory_every(3600) is False
    assert fresh.release_freed_memory_every(0) is True
    assert len(calls) == 2


PAGES = sorted((Path(__file__).resolve().parents[1] / "app_pages").glob("*.py"))


def cache_decorators(path: Path) -> list[tuple[str, dict[str, ast.expr]]]:
    """(function name, keyword arguments) of every ``@st.cache_data(...)`` in a page; a
    ``@bounded_cache(entries, size)`` (ui.caching) counts with those as max_entries, max_size
    and its ttl."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ast.unparse(target) == "st.cache_data":
                    keywords = decorator.keywords if isinstance(decorator, ast.Call) else []
                    found.append((node.name, {k.arg: k.value for k in keywords}))
                elif ast.unparse(target) == "bounded_cache":
                    entries, size = decorator.args
                    limits = {"max_entries": entries, "max_size": size}
                    found.append((node.name, limits | {"ttl": ast.Constant(3600)}))
    return found


def test_bounded_cache_is_st_cache_data_with_the_three_limits(monkeypatch):
    seen = {}
    monkeypatch.setattr(caching.st, "cache_data", lambda **kwargs: seen.update(kwargs))
    caching.bounded_cache(7, 3 * budget.MiB)
    assert seen == {
        "show_spinner": False,
        "max_entries": 7,
        "max_size": 3 * budget.MiB,
        "ttl": budget.CACHE_TTL_SECONDS,
    }


def test_every_page_cache_is_bounded_in_entries_and_age():
    caches = [(path.name, name, kw) for path in PAGES for name, kw in cache_decorators(path)]
    assert len(caches) >= 15
    for page, name, keywords in caches:
        assert "max_entries" in keywords and "ttl" in keywords, (page, name)


def budget_value(expr: ast.expr) -> int:
    """A literal, or a constant ``budget.NAME`` read from actlab.budget."""
    if isinstance(expr, ast.Constant):
        return expr.value
    return getattr(budget, ast.unparse(expr).removeprefix("budget."))


def test_caches_with_many_or_large_entries_have_a_byte_limit_from_the_budget():
    total = 0
    for path in PAGES:
        for name, keywords in cache_decorators(path):
            if "max_size" not in keywords:
                small = budget_value(keywords["max_entries"]) == 1 or name == "dataset_summary"
                assert small, (path.name, name)  # one entry, or a few short strings
                continue
            assert ast.unparse(keywords["max_size"]).startswith("budget."), (path.name, name)
            total += budget_value(keywords["max_size"])
    assert total <= 300 * budget.MiB  # all caches together, pickled


def test_release_every_collects_cyclic_garbage_first(monkeypatch):
    monkeypatch.setattr(memory, "_last_release", 0.0)

    class Node:
        pass

    node = Node()
    node.self = node  # a cycle, as every page run's namespace is
    node.payload = bytearray(1)
    alive = weakref.ref(node)
    del node
    memory.release_freed_memory_every(0)
    assert alive() is None


def test_frozen_objects_are_left_out_of_collections():
    try:
        count = memory.freeze_long_lived_objects()
        assert count >= gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_release_is_due_on_growth_or_when_memory_stays_high():
    mib = 2**20
    due = memory.release_due
    assert due(900 * mib, 800 * mib, 500 * mib, 1.0, 64 * mib, 120.0)  # grew 100 MiB
    assert not due(850 * mib, 800 * mib, 500 * mib, 60.0, 64 * mib, 120.0)  # not yet
    assert due(850 * mib, 800 * mib, 500 * mib, 130.0, 64 * mib, 120.0)  # high for 2 minutes
    assert not due(540 * mib, 540 * mib, 500 * mib, 999.0, 64 * mib, 120.0)  # near its floor
    assert memory.resident_bytes() > 10 * mib

"""Fixtures shared by the test modules (AppTest helpers live in apptest_helpers.py).

Use them per module with ``pytestmark = pytest.mark.usefixtures("one_thread")``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from actlab import datasets


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny matrices gain nothing from threads, and a shared 2-core machine loses a lot."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def isolated_data_dirs(tmp_path, monkeypatch) -> None:
    """An empty download cache and no user folder, whatever the machine has."""
    monkeypatch.setenv(datasets.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(datasets.DATA_DIR_ENV, raising=False)
    datasets._load_cached.cache_clear()


END_TO_END = ("test_page_", "test_hostile_inputs", "test_browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Page-by-page AppTest runs, the hostile-link fuzz and the browser are end-to-end: they
    belong to the full run (CI, the README's command), not to ``pytest -m "not slow"``, the
    quick loop over actlab's units plus one run of every page inside the router
    (tests/test_app.py)."""
    for item in items:
        if item.path.name.startswith(END_TO_END):
            item.add_marker(pytest.mark.slow)

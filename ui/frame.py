"""The common frame of every lesson page: title, what to notice, and friendly error display."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

T = TypeVar("T")


def lesson_header(title: str, notice: str) -> None:
    """Page title plus the one or two sentences telling the student what to look for."""
    st.title(title)
    st.info(notice, icon=":material/visibility:")


def guarded(compute: Callable[[], T]) -> T | None:
    """Run ``compute``; a ``ValueError`` from actlab becomes a clear on-page message.

    Returns ``None`` after showing the message so the page can skip what depends on it.
    """
    try:
        return compute()
    except ValueError as err:
        st.error(f"{err}", icon=":material/error:")
        return None

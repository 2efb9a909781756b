"""Page caches with a ceiling: on a public server one visitor's views must not fill memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from actlab import budget


def bounded_cache(entries: int, size_bytes: int) -> Callable[[Callable[..., Any]], Any]:
    """``st.cache_data`` holding at most ``entries`` results and ``size_bytes`` pickled bytes,
    each for at most ``budget.CACHE_TTL_SECONDS``; the limits per page live in actlab.budget."""
    return st.cache_data(
        show_spinner=False, max_entries=entries, max_size=size_bytes, ttl=budget.CACHE_TTL_SECONDS
    )

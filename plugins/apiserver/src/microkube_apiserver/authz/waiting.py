"""Waiting for a cache's first list (a question asked right after start must not be answered
from an empty index)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["wait_until"]


async def wait_until(done: Callable[[], bool], within: float = 10.0) -> bool:
    """Poll ``done`` every 10 ms; False if it is still false after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not done():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True

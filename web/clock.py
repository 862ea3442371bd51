"""The one clock. Everything that reads the time calls `now()` or `monotonic()` from here, so tests
can move time with `frozen`/`advance` instead of sleeping."""

from __future__ import annotations

import datetime as dt
import time

_offset = 0.0  # seconds added to the real clock; tests move it


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=_offset)


def timestamp() -> float:
    """Seconds since the epoch (wall clock), as `time.time()`."""
    return time.time() + _offset


def monotonic() -> float:
    return time.monotonic() + _offset


def advance(seconds: float) -> None:
    """Move every clock forward (tests only)."""
    global _offset
    _offset += seconds


def reset() -> None:
    global _offset
    _offset = 0.0

"""The one clock. Everything that reads the time calls `now()` or `monotonic()` from here, so tests
can move time with `frozen`/`advance` instead of sleeping."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo

_offset = 0.0  # seconds added to the real clock; tests move it


def now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=_offset)


def is_time_zone(name: str) -> bool:
    """An IANA time zone name this machine knows ("Europe/Berlin", "UTC")."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def today_in(time_zone: str | None) -> dt.date:
    """Today's date where the person is (UTC when their time zone is not known)."""
    zone = zoneinfo.ZoneInfo(time_zone) if time_zone and is_time_zone(time_zone) else dt.UTC
    return now().astimezone(zone).date()


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

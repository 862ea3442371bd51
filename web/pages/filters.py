"""The templates' set-up: filters for dates, durations and names, and the asset() global."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from web.domain.enums import Injury
from web.pages.assets import asset

WEEKDAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}


def day_label(day: dt.date) -> str:
    """ "Mon 7 Dec": a session's date, short."""
    return f"{day:%a} {day.day} {day:%b}"


def when(value: dt.datetime | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC).strftime("%-d %b %Y, %H:%M UTC")


def local_time(value: dt.datetime | str | None) -> Markup:
    """A moment as a <time> element: UTC as written, shown in the reader's own time zone by the page
    script (static/js/app.js)."""
    if value is None:
        return Markup("")
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    iso = value.astimezone(dt.UTC).isoformat(timespec="seconds")
    return Markup('<time datetime="{}" data-local>{}</time>').format(iso, when(value))


def seconds(value: int | None) -> str:
    if not value:
        return "0 s"
    minutes, secs = divmod(int(value), 60)
    if minutes and secs:
        return f"{minutes} min {secs} s"
    return f"{minutes} min" if minutes else f"{secs} s"


def distance(value: float | None) -> str:
    return f"{value:g} km" if value else ""


def coach_label(value: str | None) -> str:
    if not value:
        return "—"
    if value.startswith("offline"):
        return "trainplan's built-in coach" + (
            " (standing in for the AI coach)" if "fallback" in value else ""
        )
    return "the AI coach"


def configure_templates(engine: Any) -> None:
    """Called once by the template config: filters for dates, durations and names."""
    env = engine.engine
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals["asset"] = asset
    env.globals["body_parts"] = [injury.value for injury in Injury]  # what "Anything hurt?" offers
    env.filters.update(
        {
            "when": when,
            "seconds": seconds,
            "distance": distance,
            "coach_label": coach_label,
            "weekday": lambda d: WEEKDAY_NAMES.get(str(d), str(d)),
            "day_label": day_label,
            "local_time": local_time,
        }
    )

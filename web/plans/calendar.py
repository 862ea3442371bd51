"""A plan as an iCalendar file (RFC 5545): one all-day event per session, on its day of its week, counted
from the plan's first day. Calendar apps import it (Google, Apple, Outlook); re-importing the same plan
updates its events rather than doubling them, as each event's UID is stable."""

from __future__ import annotations

import datetime as dt
import uuid

from web.domain.enums import Weekday
from web.domain.plan import PlanContent, PlannedExercise, PlannedSession

_DAY_INDEX = {day: i for i, day in enumerate(Weekday)}
_LINE_OCTETS = 75


def plan_start(start_date: dt.date | None, created_at: dt.datetime) -> dt.date:
    """The plan's first day: the brief's, or (for plans made before plans had one) the Monday after it
    was made (that day, on a Monday)."""
    if start_date is not None:
        return start_date
    day = created_at.date()
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def session_date(start: dt.date, week: int, day: Weekday) -> dt.date:
    monday = start - dt.timedelta(days=start.weekday())
    return monday + dt.timedelta(weeks=week - 1, days=_DAY_INDEX[day])


def plan_ics(content: PlanContent, plan_id: uuid.UUID, start: dt.date, stamp: dt.datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//trainplan//plan calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(content.title)}",
    ]
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for week in content.weeks:
        for session in week.sessions:
            day = session_date(start, week.number, session.day)
            if day < start:  # a first week that starts mid-week has no sessions before its first day
                continue
            lines += [
                "BEGIN:VEVENT",
                f"UID:{plan_id}-w{week.number}-{session.day.value}@trainplan",
                f"DTSTAMP:{stamp_text}",
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{_text(f'{session.title} ({session.duration_minutes} min)')}",
                f"DESCRIPTION:{_text(_description(week.number, week.theme, session))}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _description(number: int, theme: str, session: PlannedSession) -> str:
    rows = [f"Week {number}: {theme}"] + [_exercise(e) for e in session.exercises]
    return "\n".join(rows)


def _exercise(e: PlannedExercise) -> str:
    if e.distance_km:
        work = f"{e.sets} x {e.distance_km:g} km" if e.sets > 1 else f"{e.distance_km:g} km"
    elif e.reps:
        work = f"{e.sets} x {e.reps}"
    elif e.duration_seconds:
        work = f"{e.sets} x {e.duration_seconds} s"
    else:
        work = f"{e.sets} sets"
    rest = f", rest {e.rest_seconds} s" if e.rest_seconds else ""
    return f"- {e.name}: {work}, {e.intensity}{rest}"


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets folded with CRLF + space, never inside a UTF-8 character."""
    out, current = [], ""
    for char in line:
        limit = _LINE_OCTETS if not out else _LINE_OCTETS - 1  # a continuation starts with its space
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)

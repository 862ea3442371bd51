"""Product analytics: what people did, never what they said. Each event is a name, the person's account
id and a few codes or counts (no answers, no free text, no email). The funnel reads them back: how many
people reached each step of the walk from sign-up to a logged session, and where they stopped
(`python -m web.report funnel --days 7`)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from web.clock import now
from web.tables import AnalyticsEvent

log = logging.getLogger("web.analytics")

# The walk, in order: (event name, what a person has done when it is recorded).
FUNNEL: list[tuple[str, str]] = [
    ("signed_up", "signed up"),
    ("onboarding_questions_viewed", "saw the questions"),
    ("onboarding_questions_completed", "answered the questions"),
    ("onboarding_personal_viewed", "saw the personal info step"),
    ("onboarding_personal_completed", "gave their personal info"),
    ("onboarding_review_viewed", "reached the review"),
    ("generate_pressed", "pressed Generate"),
    ("plan_generation_succeeded", "got a plan"),
    ("plan_viewed", "opened their plan"),
    ("session_logged", "logged a session"),
]


async def write_event(
    name: str,
    user_id: uuid.UUID | None,
    *,
    job_id: uuid.UUID | None = None,
    at: dt.datetime | None = None,
    **properties: Any,
) -> None:
    """One event, written in the caller's transaction when there is one (and undone with it): the
    events that belong with a change of state (a job started, failed or saved, a plan made active, a
    session logged)."""
    await AnalyticsEvent(
        name=name, user=user_id, job=job_id, properties=properties, created_at=at or now()
    ).save()


async def record(name: str, user_id: uuid.UUID | None, **properties: Any) -> None:
    """Record one event on its own (a page seen, a button pressed). Analytics never fails a request: a
    write that fails is logged and dropped."""
    try:
        await write_event(name, user_id, **properties)
    except Exception as exc:
        log.warning("analytics event dropped", extra={"event": name, "error_type": type(exc).__name__})


@dataclass(frozen=True)
class FunnelStep:
    event: str
    label: str
    people: int
    of_first: int | None  # percent of the people at the first step
    of_previous: int | None  # percent of the people at the step before


async def funnel(days: int, *, until: dt.datetime | None = None) -> list[FunnelStep]:
    """The people who signed up in the last `days` days (a cohort: long-standing users logging sessions
    do not swell the later steps), and how many of them reached each step since."""
    since = (until or now()) - dt.timedelta(days=days)
    rows = await AnalyticsEvent.raw(
        'SELECT name, COUNT(DISTINCT "user") AS people FROM analytics_event WHERE "user" IN '
        "(SELECT \"user\" FROM analytics_event WHERE name = 'signed_up' AND created_at >= {}) "
        "GROUP BY name",
        since,
    )
    people = {row["name"]: int(row["people"]) for row in rows}
    steps, first, previous = [], None, None
    for event, label in FUNNEL:
        n = people.get(event, 0)
        first = n if first is None else first
        steps.append(
            FunnelStep(
                event=event,
                label=label,
                people=n,
                of_first=round(100 * n / first) if first else None,
                of_previous=round(100 * n / previous) if previous else None,
            )
        )
        previous = n
    return steps

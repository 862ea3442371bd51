"""Answers and personal info -> the TrainingBrief a coach works from."""

from __future__ import annotations

import datetime as dt

from web import clock
from web.domain import words
from web.domain.brief import TrainingBrief
from web.domain.enums import WEEKDAYS, Activity
from web.onboarding.questions import QUESTIONS_BY_ID
from web.onboarding.schemas import Answer, PersonalInfo


def build_brief(
    info: PersonalInfo, responses: dict[str, Answer], today: dt.date | None = None
) -> TrainingBrief:
    activities = [Activity(a) for a in responses.get("activities") or []] or [Activity.strength]
    free_text = [t for t in (str(responses.get("goal_details") or "").strip(), info.notes.strip()) if t]
    today = today or clock.now().date()
    reading = words.read(free_text, today)
    barriers = responses.get("barriers") or []
    if barriers:
        labels = {o.value: o.label for o in QUESTIONS_BY_ID["barriers"].options}
        free_text.append("Usual barriers: " + ", ".join(labels[b] for b in barriers))
    return TrainingBrief(
        goal=info.goal,
        experience=info.experience_level,
        weeks=int(responses["plan_weeks"]),
        days=sorted(set(info.available_days), key=WEEKDAYS.index),
        sessions_per_week=info.days_per_week,
        minutes_per_session=info.minutes_per_session,
        equipment=sorted(set(info.equipment)),
        injuries=sorted(set(info.injuries) | set(reading.injuries)),
        activities=activities,
        current_weekly_running_km=float(responses.get("weekly_running_km") or 0),
        age=info.age,
        sex=info.sex,
        height_cm=round(info.height.cm, 1),
        weight_kg=round(info.weight.kg, 1),
        motivation=int(responses.get("motivation") or 3),
        free_text=free_text,
        start_date=words.next_monday_or_today(today),
        event=reading.event,
        focus=reading.focus,
        understood=reading.understood,
        unparsed=reading.unparsed,
    )

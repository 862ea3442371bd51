"""Playbook notes: coaching notes derived from the brief's structured fields."""

from __future__ import annotations

from web.coach.base import PlaybookCategory, PlaybookNote, PlaybookNotes
from web.coach.offline_coach.layout import pick_days
from web.coach.offline_coach.outline import GOAL_TITLES
from web.domain.brief import TrainingBrief
from web.domain.catalogue import allowed_exercises
from web.domain.enums import Activity, Experience, Goal, Injury
from web.domain.measures import DAY_NAMES
from web.domain.skeleton import expected_sessions

_INJURY_LIMITS = {
    Injury.knee: "Knee: no jumping, deep or loaded squats, lunges or hard interval running; easy runs "
    "build slowly; use partial-range box squats, bridges and low-impact cardio.",
    Injury.lower_back: "Lower back: no loaded hinges (deadlifts, swings, bent-over rows) and no rowing "
    "machine; use bridges, hip thrusts and supported rows.",
    Injury.shoulder: "Shoulder: no overhead pressing, pull-ups, dips or bench press; use floor presses, "
    "band or cable presses and rows.",
    Injury.wrist: "Wrist: no push-ups, hand-supported planks or front squats; press with dumbbells, bands "
    "or cables in a neutral grip.",
    Injury.ankle: "Ankle: no running, jumping, skipping or calf raises; use cycling, walking and "
    "supported strength work.",
    Injury.hip: "Hip: no sprint intervals or deep hip-flexion stretches; keep ranges short and controlled.",
    Injury.neck: "Neck: no bar across the back, pike push-ups or head-lifting core work; keep the head "
    "neutral.",
    Injury.elbow: "Elbow: no curls, triceps isolation, pull-ups or dips; rows and presses only in a "
    "pain-free range.",
}


def _limit_notes(brief: TrainingBrief) -> list[str]:
    notes = [_INJURY_LIMITS[injury] for injury in dict.fromkeys(brief.injuries)]
    if brief.experience is Experience.beginner:
        notes.append("New to structured training: technique before load, 2-3 reps in reserve on every set.")
    if brief.age >= 50:
        notes.append("Aged 50 or over: longer warm-ups and a rest day after the hardest sessions help.")
    runs_ok = any(e.id == "easy_run" for e in allowed_exercises(brief))
    if (Activity.running in brief.activities or brief.goal is Goal.endurance) and not runs_ok:
        notes.append(
            "Running is paused while the injury heals; aerobic work is on low-impact cardio instead."
        )
    elif Activity.running in brief.activities or brief.goal is Goal.endurance:
        notes.append(
            f"Runs about {brief.current_weekly_running_km:g} km a week now; weekly running rises by at "
            "most 10% and drops back in deload weeks."
        )
    return notes


def _schedule_notes(brief: TrainingBrief) -> list[str]:
    count = expected_sessions(brief)
    days = ", ".join(DAY_NAMES[d] for d in pick_days(brief, count)) or "no days"
    notes = [f"Trains {count} times a week ({days}), up to {brief.minutes_per_session} minutes a session."]
    if count < brief.sessions_per_week:
        notes.append(
            f"Asked for {brief.sessions_per_week} sessions; {count} are planned so that there is at least "
            "one full rest day and at most one session a day."
        )
    if brief.minutes_per_session <= 30:
        notes.append("Short sessions: few exercises, supersets welcome, no long rests.")
    return notes


def _preference_notes(brief: TrainingBrief) -> list[str]:
    activities = ", ".join(a.value for a in brief.activities) or "no stated preference"
    equipment = ", ".join(e.value.replace("_", " ") for e in brief.equipment) or "bodyweight only"
    return [
        f"Goal: {GOAL_TITLES[brief.goal]}. Enjoys: {activities}.",
        f"Equipment: {equipment}.",
    ]


def _motivation_note(brief: TrainingBrief) -> str:
    if brief.motivation <= 2:
        return "Motivation is low right now: keep sessions short and winnable and praise showing up."
    if brief.motivation == 3:
        return "Motivation is moderate: clear weekly targets and visible progress will help."
    return "Highly motivated: the risk is doing too much too soon; stick to the planned progression."


def build_playbook(brief: TrainingBrief) -> PlaybookNotes:
    """Coaching notes derived from the brief's structured fields; the person's free text is not used."""
    texts = [
        *((PlaybookCategory.limits, t) for t in _limit_notes(brief)),
        *((PlaybookCategory.schedule, t) for t in _schedule_notes(brief)),
        *((PlaybookCategory.preferences, t) for t in _preference_notes(brief)),
        (PlaybookCategory.motivation, _motivation_note(brief)),
    ]
    return PlaybookNotes(notes=[PlaybookNote(category=c, text=t[:300]) for c, t in texts][:20])

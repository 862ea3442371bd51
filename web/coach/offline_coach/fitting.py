"""Fitting sessions to the minutes, and weekly sets to the muscle-group cap."""

from __future__ import annotations

from collections import Counter

from web.coach.offline_coach.blueprint import _Session
from web.coach.offline_coach.dosing import (
    ACCESSORY,
    CARDIO,
    COOLDOWN,
    FINISHER,
    GROUP_SET_TARGET,
    MAIN,
    MOBILITY,
    PEAK,
)
from web.coach.offline_coach.sets_reps import _item_sets, _planned, _render_item
from web.domain.brief import TrainingBrief
from web.domain.catalogue import estimate_session_minutes
from web.domain.enums import Weekday
from web.domain.rules import HARD_SETS_JUMP_RATIO, HARD_SETS_JUMP_SLACK, MAX_HARD_SETS_PER_GROUP


def _peak_minutes(brief: TrainingBrief, session: _Session) -> float:
    exercises = [_render_item(brief, item, PEAK, True) for item in session.items]
    return estimate_session_minutes(_planned(brief, session, Weekday.mon, exercises))


def _drop_last(session: _Session, keep: int) -> bool:
    if len(session.items) <= keep:
        return False
    session.items.pop()
    return True


def _fewer_sets(session: _Session, roles: tuple[str, ...], floor: int) -> bool:
    for item in reversed(session.items):
        if item.role in roles and item.sets > floor:
            item.sets -= 1
            return True
    return False


def _shorter_rest(session: _Session) -> bool:
    for item in reversed(session.items):
        if item.role in (MAIN, ACCESSORY) and item.rest > 60:
            item.rest = max(60, item.rest - 30)
            return True
    return False


def _shorter_work(session: _Session) -> bool:
    for item in reversed(session.items):
        if item.role in (CARDIO, FINISHER) and item.seconds and item.seconds > 30:
            item.seconds = max(30, item.seconds - 30)
            return True
    return False


def _fit(brief: TrainingBrief, session: _Session) -> None:
    """Drop accessories, sets and rest until the heaviest week of a block fits the minutes."""
    steps = (
        lambda: _drop_last(session, 4),
        lambda: _fewer_sets(session, (ACCESSORY,), 2),
        lambda: _shorter_rest(session),
        lambda: _drop_last(session, 2),
        lambda: _fewer_sets(session, (MAIN,), 2),
        lambda: _fewer_sets(session, (CARDIO, FINISHER), 1),
        lambda: _shorter_work(session),
        lambda: _drop_last(session, 1),
        lambda: _fewer_sets(session, (MOBILITY, COOLDOWN), 1),
    )
    for step in steps:
        while _peak_minutes(brief, session) > brief.minutes_per_session and step():
            pass


def _group_sets(sessions: list[_Session], phase: int, extras: bool) -> Counter[str]:
    sets: Counter[str] = Counter()
    for session in sessions:
        for item in session.items:
            if item.exercise.is_strength:
                for group in item.exercise.muscle_groups:
                    sets[group] += _item_sets(item, phase, extras)
    return sets


def _reduce_group(sessions: list[_Session], group: str) -> bool:
    """Take one set (or one exercise) off the week's work for `group`; False when nothing is left."""
    hits = [
        (session, item)
        for session in sessions
        for item in session.items
        if item.exercise.is_strength and group in item.exercise.muscle_groups
    ]
    by_sets = sorted(hits, key=lambda hit: -hit[1].sets)
    for role, floor in ((ACCESSORY, 2), (MAIN, 3), (ACCESSORY, 0), (MAIN, 2), (MAIN, 0)):
        for session, item in by_sets if floor else reversed(hits):
            if item.role != role:
                continue
            if floor and item.sets > floor:
                item.sets -= 1
                return True
            if not floor and len(session.items) > 1:
                session.items.remove(item)
                return True
    return False


def _trim_groups(sessions: list[_Session]) -> None:
    while over := sorted(g for g, n in _group_sets(sessions, PEAK, True).items() if n > GROUP_SET_TARGET):
        if not _reduce_group(sessions, over[0]):
            return


def _extras_safe(sessions: list[_Session]) -> bool:
    base, peak = _group_sets(sessions, 0, False), _group_sets(sessions, PEAK, True)
    return all(
        sets <= MAX_HARD_SETS_PER_GROUP
        and sets <= base[g] * (1 + HARD_SETS_JUMP_RATIO) + HARD_SETS_JUMP_SLACK
        for g, sets in peak.items()
    )

"""Reading the person's own words: a race and its date, an event, a body part that hurts, a wish.

A small rule-based reader for the common cases. What it understands shapes the plan (the skeleton
tapers for a dated race; the coaches give a wish its exercises; a sore body part is treated as an
injury) and is named in the plan's summary. Sentences it does not understand are kept as they are:
the LLM coach is given them (as data), and the plan page shows them back to the person.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from web.domain.brief import Focus, TargetEvent
from web.domain.enums import Injury

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

# (pattern, label, km); the first match wins, so longer names come first.
_RACES: tuple[tuple[str, str, float], ...] = (
    (r"\bhalf[\s-]*marathon\b|\b21(?:\.1)?\s*k(?:m)?\b", "half marathon", 21.1),
    (r"\bultra(?:[\s-]*marathon)?\b|\b50\s*k(?:m)?\b", "ultramarathon", 50.0),
    (r"\bmarathon\b|\b42(?:\.2)?\s*k(?:m)?\b", "marathon", 42.2),
    (r"\b10[\s-]*mile[rs]?\b", "10-mile race", 16.1),
    (r"\b15\s*k(?:m)?\b", "15 km race", 15.0),
    (r"\b10\s*k(?:m)?\b|\bten\s*k\b", "10 km race", 10.0),
    (r"\b5\s*k(?:m)?\b|\bparkrun\b|\bfive\s*k\b", "5 km race", 5.0),
)
# A distance alone ("I run 10 km a week") is no race: it needs one of these, or a date.
_RACE_WORDS = re.compile(
    r"\b(race|parkrun|event|finish|compete|enter(ed)?|sign(ed)?\s+up|training\s+for|"
    r"(run|do|complete)\s+(a|my|the|an)\b)",
    re.I,
)
_VOLUME = re.compile(r"\b(a|per|each|every)\s+week\b|\bweekly\b|/\s*w(ee)?k\b", re.I)
_EVENTS: tuple[tuple[str, str], ...] = (
    (r"\btriathlon\b", "triathlon"),
    (r"\b(hike|hiking|trek|trekking)\b", "hike"),
    (r"\bski(ing)?\b", "ski trip"),
    (r"\bwedding\b", "wedding"),
    (r"\b(holiday|vacation)\b", "holiday"),
    (r"\b(meet|competition|tournament)\b", "competition"),
)
_FOCUS: tuple[tuple[str, Focus], ...] = (
    (
        r"\b(get(ting)?|stand(ing)?|rise|rising)\s+(up\s+)?(from|off)\s+the\s+(floor|ground)\b",
        Focus.floor_transfer,
    ),
    (
        r"\bcarry(ing)?\b|\blift(ing)?\s+(my\s+)?(grand)?(son|daughter|child|kids?|baby|grandchildren)\b",
        Focus.carrying,
    ),
    (r"\bstairs?\b|\bsteps\b", Focus.stairs),
    (r"\bbalance\b|\bfall(s|ing)?\b", Focus.balance),
    (r"\bposture\b|\bdesk\b|\bhunch", Focus.posture),
    (r"\b(pull|chin)[\s-]?ups?\b", Focus.pull_up),
    (r"\bpush[\s-]?ups?\b|\bpress[\s-]?ups?\b", Focus.push_up),
    (r"\bgrip\b|\bjars?\b", Focus.grip),
)
_FOCUS_WORDS = {
    Focus.floor_transfer: "getting up from the floor", Focus.carrying: "carrying", Focus.stairs: "stairs",
    Focus.balance: "balance", Focus.posture: "posture", Focus.pull_up: "pull-ups",
    Focus.push_up: "push-ups", Focus.grip: "grip",
}  # fmt: skip
_PAIN = r"(pain|painful|sore|hurts?|hurting|ache|aching|achy|injur(y|ed)|strain|sprain|surgery|replacement|arthritis|stiff|niggle|bad|dodgy|weak)"
_BODY: tuple[tuple[str, Injury], ...] = (
    (r"\bknees?\b", Injury.knee),
    (r"\b(lower\s+)?back\b|\bspine\b|\bsciatica\b", Injury.lower_back),
    (r"\bshoulders?\b|\brotator\s+cuff\b", Injury.shoulder),
    (r"\bwrists?\b", Injury.wrist),
    (r"\bankles?\b|\bachilles\b", Injury.ankle),
    (r"\bhips?\b", Injury.hip),
    (r"\bneck\b", Injury.neck),
    (r"\belbows?\b|\btennis\s+elbow\b", Injury.elbow),
)


@dataclass
class Reading:
    event: TargetEvent | None = None
    focus: list[Focus] = field(default_factory=list)
    injuries: list[Injury] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)  # sentences for the plan's summary
    unparsed: list[str] = field(default_factory=list)


def read(texts: list[str], today: dt.date) -> Reading:
    """What the rules understand in `texts` (the goal details and notes)."""
    reading = Reading()
    for text in texts:
        for sentence in _sentences(text):
            if not _read_sentence(sentence, today, reading):
                reading.unparsed.append(sentence)
    reading.understood = _understood(reading)
    return reading


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;\n])\s+|\n+", text.strip())
    return [p.strip() for p in parts if len(p.strip()) > 1]


def _read_sentence(sentence: str, today: dt.date, reading: Reading) -> bool:
    found = False
    event = _event(sentence, today)
    if event is not None and (reading.event is None or (reading.event.date is None and event.date)):
        reading.event, found = event, True
    elif event is not None:
        found = True
    for pattern, focus in _FOCUS:
        if re.search(pattern, sentence, re.I):
            found = True
            if focus not in reading.focus:
                reading.focus.append(focus)
    if re.search(_PAIN, sentence, re.I):
        for pattern, injury in _BODY:
            if re.search(pattern, sentence, re.I):
                found = True
                if injury not in reading.injuries:
                    reading.injuries.append(injury)
    return found


def _event(sentence: str, today: dt.date) -> TargetEvent | None:
    found = [
        e for clause in re.split(r",|;|\band\b|\bbut\b", sentence) if (e := _clause_event(clause, today))
    ]
    event = next((e for e in found if e.date), found[0] if found else None)
    if event is not None and event.date is None and len(found) == 1:
        event = event.model_copy(update={"date": parse_date(sentence, today)})  # "My 5k race, April 3rd"
    return event


def _clause_event(sentence: str, today: dt.date) -> TargetEvent | None:
    when = parse_date(sentence, today)
    for pattern, label, km in _RACES:
        if not re.search(pattern, sentence, re.I):
            continue
        named = "marathon" in label  # "half marathon", "marathon", "ultramarathon" are races by name
        if named or ((_RACE_WORDS.search(sentence) or when) and not _VOLUME.search(sentence)):
            return TargetEvent(kind="race", label=label, distance_km=km, date=when)
    if re.search(r"\b(race|parkrun)\b", sentence, re.I):
        return TargetEvent(kind="race", label="race", distance_km=None, date=when)
    for pattern, label in _EVENTS:
        if re.search(pattern, sentence, re.I):
            return TargetEvent(kind="event", label=label, date=when)
    return None


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """A date in `text`: 2027-04-12, 12/04/2027 (day first), 12 April, April 12th, in 10 weeks,
    in 3 months. Dates without a year are the next such day on or after `today`."""
    if m := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text):
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    if m := re.search(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{2,4})\b", text):
        year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
        return _safe(year, int(m[2]), int(m[1]))
    day_month = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:\s+(\d{{4}}))?", text, re.I)
    month_day = re.search(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", text, re.I)
    if day_month:
        return _next(today, _MONTHS[day_month[2].lower()], int(day_month[1]), day_month[3])
    if month_day:
        return _next(today, _MONTHS[month_day[1].lower()], int(month_day[2]), month_day[3])
    if m := re.search(r"\bin\s+(\d{1,2}|a|one|two|three|four|five|six)\s+(week|month)s?\b", text, re.I):
        words = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
        count = words.get(m[1].lower()) or int(m[1])
        return today + dt.timedelta(days=count * (7 if m[2].lower() == "week" else 30))
    return None


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _next(today: dt.date, month: int, day: int, year: str | None) -> dt.date | None:
    if year:
        return _safe(int(year), month, day)
    for offset in (0, 1):
        when = _safe(today.year + offset, month, day)
        if when is not None and when >= today:
            return when
    return None


def _understood(reading: Reading) -> list[str]:
    out = []
    if (event := reading.event) is not None:
        when = f" on {event.date:%-d %B %Y}" if event.date else ""
        out.append(f"Your {event.label}{when}: the plan builds towards it.")
    if reading.focus:
        wishes = ", ".join(_FOCUS_WORDS[f] for f in reading.focus)
        out.append(f"What you want to be able to do ({wishes}) has its own exercises in the plan.")
    if reading.injuries:
        parts = ", ".join(i.value.replace("_", " ") for i in reading.injuries)
        out.append(f"You mentioned your {parts}: exercises that load it are left out or swapped.")
    return out


def next_monday_or_today(today: dt.date) -> dt.date:
    """The default start of a plan: today if it is a Monday, else the next Monday."""
    return today + dt.timedelta(days=(7 - today.weekday()) % 7)

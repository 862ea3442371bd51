"""The playbook learns from what happened (after ACE, "Agentic Context Engineering": notes that gain
helpful and harmful counts from outcomes, and a curator that merges and retires them).

- Evidence: each logged session since a note was made counts for or against it, by what the note is
  about. A note about a body part ("Knee: no jumping") is borne out by sessions done without pain there
  and goes against the person when they report pain there. A note about session length is borne out by
  long sessions done and goes against them when long sessions are skipped. A note about a kind of
  training (running, strength, mobility...) counts that kind's sessions done or skipped.
- The curator merges duplicate notes (the same words, or nearly: most words shared), recounts every
  note from the log (so a log sent twice counts once) and retires a note that keeps proving harmful.
- Matching ranks the live notes for a new plan by relevance (embeddings when there are some, else
  shared words) and by their record.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from web.clock import now
from web.db import write_transaction
from web.domain.brief import TrainingBrief
from web.domain.enums import Injury, SessionKind
from web.domain.plan import PlanContent
from web.tables import Plan, PlaybookEntry, SessionLog

log = logging.getLogger("web.playbook")

RETIRE_HARMFUL = 3  # a note against the person this often, and at least twice as often as it helped
MERGE_SHARED = 0.75  # notes of one category sharing this share of their words are one note
LONG_SESSION = 1.25  # a session this much longer than the person's median planned session is "long"
_WORD = re.compile(r"[a-z]+")
_LENGTH_WORDS = ("minute", "long session", "short session", "session length", "time")
_KIND_WORDS = {
    SessionKind.run: ("run", "running"),
    SessionKind.strength: ("strength", "lifting", "weights"),
    SessionKind.mobility: ("mobility", "stretch"),
    SessionKind.conditioning: ("conditioning", "cardio", "interval"),
}


@dataclass(frozen=True)
class Outcome:
    """One logged session, as the evidence reads it."""

    status: str  # done | skipped
    pain: str | None
    kind: str
    long: bool
    at: dt.datetime


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2}


def evidence(text: str, since: dt.datetime, outcomes: Sequence[Outcome]) -> tuple[int, int]:
    """(helpful, harmful): the sessions since the note that bore it out or went against it."""
    lower = text.lower()
    parts = {p.value for p in Injury if p.value.replace("_", " ") in lower}
    about_length = any(w in lower for w in _LENGTH_WORDS)
    kinds = {k.value for k, words in _KIND_WORDS.items() if _words(lower) & set(words)}
    helpful = harmful = 0
    for o in outcomes:
        if o.at < since:
            continue
        if parts:
            harmful += o.pain in parts
            helpful += o.status == "done" and o.pain not in parts
        if about_length and o.long:
            harmful += o.status == "skipped"
            helpful += o.status == "done"
        if kinds and o.kind in kinds and not parts:
            harmful += o.status == "skipped"
            helpful += o.status == "done"
    return helpful, harmful


async def outcomes_of(user_id: uuid.UUID) -> list[Outcome]:
    """Every session the person logged, on any plan version, with the planned session it was."""
    rows = await SessionLog.select().where(SessionLog.user == user_id).order_by(SessionLog.logged_at)
    # A changed plan version carries the logs of the weeks it kept: one session, one outcome (its latest).
    logs = list({r["origin"] or r["id"]: r for r in rows}.values())
    plan_ids = {row["plan"] for row in logs}
    plans = (
        {
            p["id"]: PlanContent.model_validate(p["content"])
            for p in await Plan.select(Plan.id, Plan.content)
            .where(Plan.id.is_in(list(plan_ids)))
            .output(load_json=True)
        }
        if plan_ids
        else {}
    )
    planned = []
    for row in logs:
        content = plans.get(row["plan"])
        weeks = {w.number: w for w in content.weeks} if content else {}
        sessions = weeks[row["week"]].sessions if row["week"] in weeks else []
        if 1 <= row["session"] <= len(sessions):
            planned.append((row, sessions[row["session"] - 1]))
    if not planned:
        return []
    usual = statistics.median(s.duration_minutes for _, s in planned)
    return [
        Outcome(
            row["status"],
            row["pain"],
            s.kind.value,
            s.duration_minutes >= usual * LONG_SESSION,
            row["logged_at"],
        )
        for row, s in planned
    ]


def _same(a: dict, b: dict) -> bool:
    if a["category"] != b["category"]:
        return False
    one, other = _words(a["text"]), _words(b["text"])
    return bool(one and other) and len(one & other) >= MERGE_SHARED * max(len(one), len(other))


async def curate(user_id: uuid.UUID) -> None:
    """Merge duplicate notes, recount each from the log, retire those that keep proving harmful."""
    entries = await PlaybookEntry.select().where(PlaybookEntry.user == user_id).order_by(PlaybookEntry.id)
    kept: list[dict] = []
    merged: list[int] = []  # the later of two duplicates goes; the earlier keeps its history
    for entry in entries:  # retired and deleted notes too: the same note written again stays retired
        if entry["retired_at"] is None and any(_same(entry, k) for k in kept):
            merged.append(entry["id"])
        else:
            kept.append(entry)
    outcomes = await outcomes_of(user_id)
    at = now()
    async with write_transaction():
        if merged:
            await PlaybookEntry.delete().where(PlaybookEntry.id.is_in(merged))
        for entry in (e for e in kept if e["retired_at"] is None):
            helpful, harmful = evidence(entry["text"], entry["created_at"], outcomes)
            values = {PlaybookEntry.helpful: helpful, PlaybookEntry.harmful: harmful}
            # A limit is never retired: pain despite it says it matters, not that it harms.
            retire = (
                entry["category"] != "limits" and harmful >= RETIRE_HARMFUL and harmful >= 2 * max(helpful, 1)
            )
            if retire:
                values[PlaybookEntry.retired_at] = at
            if (helpful, harmful) != (entry["helpful"], entry["harmful"]) or len(values) > 2:
                await PlaybookEntry.update(values).where(PlaybookEntry.id == entry["id"])


async def curate_quietly(user_id: uuid.UUID) -> None:
    """`curate`, never failing its caller (a session log must not fail because the playbook could not learn)."""
    try:
        await curate(user_id)
    except Exception as exc:
        log.warning("playbook could not learn from the log", extra={"error_type": type(exc).__name__})


# -- matching notes to a new brief ------------------------------------------------------------------


def brief_words(brief: TrainingBrief) -> set[str]:
    keys = {
        brief.goal.value,
        *map(str, brief.activities),
        *map(str, brief.injuries),
        *map(str, brief.equipment),
    }
    return {k.replace("_", " ") for k in keys}


def brief_text(brief: TrainingBrief) -> str:
    """What a brief is about, in words, for its embedding."""
    return "; ".join(
        [f"goal {brief.goal.value}", f"level {brief.experience.value}", *sorted(brief_words(brief))]
    )


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def rank(
    entries: list[dict], brief: TrainingBrief, query: Sequence[float] | None = None, limit: int = 5
) -> list[str]:
    """The live notes most relevant to this brief, best record first among equals. Relevance is the
    embeddings' cosine when both sides have one (`query` is the brief's), else shared words; limits
    always count, because they keep people safe. A note's record (helpful - harmful) adds to it."""
    keywords = brief_words(brief)

    def score(entry: dict) -> float:
        if query is not None and entry.get("embedding"):
            relevance = max(cosine(query, entry["embedding"]) - 0.2, 0.0) * 5
        else:
            relevance = float(sum(k in entry["text"].lower() for k in keywords))
        if entry["category"] == "limits":
            relevance += 2
        if relevance <= 0:
            return 0.0
        return relevance + 0.25 * (entry.get("helpful", 0) - 2 * entry.get("harmful", 0))

    live = [e for e in entries if not e.get("retired_at")]
    ranked = sorted((e for e in live if score(e) > 0), key=score, reverse=True)
    return [e["text"] for e in ranked[:limit]]

"""The coaching playbook: notes about the person (limits, preferences, schedule, motivation), built in the
background beside each generation. Its own timeout; its failure is logged and counted and never touches
the plan or the request."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from web.clock import now
from web.coach.base import CoachError, PlaybookNote
from web.db import is_unique_violation, write_transaction
from web.domain.brief import TrainingBrief
from web.observability import Stopwatch
from web.tables import GenerationJob, PlaybookEntry, PlaybookRun, User

log = logging.getLogger("web.playbook")


async def run_playbook(job: GenerationJob, coach: Any, settings: Any, metrics: Any) -> None:
    watch = Stopwatch()
    try:
        run = PlaybookRun(user=job.user, job=job.id, status="running", created_at=now())
        await run.save()
    except Exception as exc:
        if is_unique_violation(exc):
            # This job's playbook already ran (the job was resumed). If the process running it died, its run
            # would say "running" for ever: close it.
            await _finish_interrupted(job)
            return
        log.warning("playbook could not start", extra={"error_type": type(exc).__name__})
        return
    status, code = "succeeded", None
    try:
        brief = TrainingBrief.model_validate(job.brief)
        async with asyncio.timeout(settings.playbook_timeout_seconds):
            result = await coach.playbook(brief)
        await _store(run, result.value.notes)
    except TimeoutError:
        status, code = "timed_out", "timeout"
    except CoachError as exc:
        status, code = "failed", exc.code.value
    except asyncio.CancelledError:
        status, code = "failed", "cancelled"
        await _finish(run, status, code, watch.seconds)
        raise
    except Exception as exc:
        status, code = "failed", type(exc).__name__
        log.exception("playbook crashed")
    await _finish(run, status, code, watch.seconds)
    metrics.playbook_seconds.labels(status).observe(watch.seconds)
    level = logging.INFO if status == "succeeded" else logging.WARNING
    log.log(level, "playbook finished", extra={"job_id": str(job.id), "status": status, "code": code})


async def _store(run: PlaybookRun, notes: list[PlaybookNote]) -> None:
    at = now()
    async with write_transaction():
        for note in notes:
            await PlaybookEntry(
                user=run.user, run=run.id, category=note.category.value, text=note.text, created_at=at
            ).save()


async def _finish_interrupted(job: GenerationJob) -> None:
    try:
        await PlaybookRun.update(
            {
                PlaybookRun.status: "failed",
                PlaybookRun.error_code: "interrupted",
                PlaybookRun.finished_at: now(),
            }
        ).where((PlaybookRun.job == job.id) & (PlaybookRun.status == "running"))
    except Exception:
        log.warning("playbook status could not be saved", exc_info=True)


async def _finish(run: PlaybookRun, status: str, code: str | None, seconds: float) -> None:
    try:
        await PlaybookRun.update(
            {
                PlaybookRun.status: status,
                PlaybookRun.error_code: code,
                PlaybookRun.duration_seconds: seconds,
                PlaybookRun.finished_at: now(),
            }
        ).where(PlaybookRun.id == run.id)
    except Exception:
        log.warning("playbook status could not be saved", exc_info=True)


async def playbook_of(user: User) -> dict[str, Any]:
    """The person's notes from their latest successful run, and the status of the latest run."""
    latest = (
        await PlaybookRun.objects()
        .where(PlaybookRun.user == user.id)
        .order_by(PlaybookRun.created_at, ascending=False)
        .first()
    )
    done = (
        await PlaybookRun.objects()
        .where((PlaybookRun.user == user.id) & (PlaybookRun.status == "succeeded"))
        .order_by(PlaybookRun.created_at, ascending=False)
        .first()
    )
    entries = []
    if done is not None:
        entries = (
            await PlaybookEntry.select(PlaybookEntry.category, PlaybookEntry.text, PlaybookEntry.created_at)
            .where(PlaybookEntry.run == done.id)
            .order_by(PlaybookEntry.id)
        )
    return {
        "status": latest.status if latest else "none",
        "error_code": latest.error_code if latest else None,
        "updated_at": (latest.finished_at or latest.created_at) if latest else None,
        "entries": [
            {"category": e["category"], "text": e["text"], "created_at": e["created_at"]} for e in entries
        ],
    }


def match_context(entries: list[dict[str, Any]], brief: TrainingBrief, limit: int = 5) -> list[str]:
    """Earlier playbook notes most relevant to this brief (PLAYBOOK_CONTEXT_MATCHING_ENABLED).

    A small lexical match: notes sharing words with the person's goal, activities, injuries and
    equipment rank first; limits always count, because they keep people safe."""
    keywords = {
        brief.goal.value,
        *map(str, brief.activities),
        *map(str, brief.injuries),
        *map(str, brief.equipment),
    }
    keywords = {k.replace("_", " ") for k in keywords}

    def score(entry: dict[str, Any]) -> int:
        text = entry["text"].lower()
        return sum(k in text for k in keywords) + (2 if entry["category"] == "limits" else 0)

    ranked = sorted((e for e in entries if score(e) > 0), key=score, reverse=True)
    return [e["text"] for e in ranked[:limit]]

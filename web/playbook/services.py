"""The coaching playbook: notes about the person (limits, preferences, schedule, motivation), built in the
background beside each generation. Its own timeout; its failure is logged and counted and never touches
the plan or the request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from web.clock import now
from web.coach.base import CoachError, PlaybookNote
from web.db import is_unique_violation, write_transaction
from web.domain.brief import TrainingBrief
from web.errors import NotFound
from web.observability import Stopwatch
from web.playbook.learning import brief_text, curate_quietly, rank
from web.tables import GenerationJob, PlaybookEntry, PlaybookRun, User

Embedder = Callable[[list[str]], Awaitable[list[list[float]]]]
EMBED_TIMEOUT = 2.0

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
        await _store(run, result.value.notes, coach)
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


async def _store(run: PlaybookRun, notes: list[PlaybookNote], coach: Any) -> None:
    """The run's notes (with their embeddings when the coach makes them), then the curator merges them
    with the notes already there."""
    vectors: list[Any] = [None] * len(notes)
    if notes and hasattr(coach, "embed"):
        try:
            vectors = await coach.embed([n.text for n in notes])
        except Exception as exc:
            log.warning("note embeddings failed; matching by words", extra={"error_type": type(exc).__name__})
    at = now()
    async with write_transaction():
        for note, vector in zip(notes, vectors, strict=True):
            await PlaybookEntry(
                user=run.user,
                run=run.id,
                category=note.category.value,
                text=note.text,
                created_at=at,
                embedding=vector,
            ).save()
    await curate_quietly(run.user)


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
    """The person's live notes (every run's, curated), and the status of the latest run."""
    latest = (
        await PlaybookRun.objects()
        .where(PlaybookRun.user == user.id)
        .order_by(PlaybookRun.created_at, ascending=False)
        .first()
    )
    entries = (
        await PlaybookEntry.select()
        .where((PlaybookEntry.user == user.id) & PlaybookEntry.retired_at.is_null())
        .order_by(PlaybookEntry.id)
        .output(load_json=True)
    )
    return {
        "status": latest.status if latest else "none",
        "error_code": latest.error_code if latest else None,
        "updated_at": (latest.finished_at or latest.created_at) if latest else None,
        "entries": entries,
    }


async def delete_entry(user: User, entry_id: int) -> None:
    """The person deletes a note: it is never used again."""
    async with write_transaction():  # kept, retired: the same note written again by a later run stays out
        gone = (
            await PlaybookEntry.update({PlaybookEntry.retired_at: now()})
            .where(
                (PlaybookEntry.id == entry_id)
                & (PlaybookEntry.user == user.id)
                & PlaybookEntry.retired_at.is_null()
            )
            .returning(PlaybookEntry.id)
        )
    if not gone:
        raise NotFound("No note with this id belongs to your account.", code="note_not_found")


async def match_context(user: User, brief: TrainingBrief, embedder: Embedder | None = None) -> list[str]:
    """Earlier notes that bear on this brief (PLAYBOOK_CONTEXT_MATCHING_ENABLED), ranked by relevance
    and record (web/playbook/learning.py): by embeddings when the notes have them and the embedder
    answers within a second or two, else by shared words."""
    entries = (await playbook_of(user))["entries"]
    query = None
    if embedder is not None and any(e.get("embedding") for e in entries):
        try:
            async with asyncio.timeout(EMBED_TIMEOUT):
                query = (await embedder([brief_text(brief)]))[0]
        except Exception as exc:  # matching by words instead: never a failed submit
            log.warning(
                "embedding the brief failed; matching by words", extra={"error_type": type(exc).__name__}
            )
    return rank(entries, brief, query)

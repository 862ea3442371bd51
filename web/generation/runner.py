"""Runs generation jobs from the jobs table with bounded concurrency, a lease and a heartbeat.

Any number of runners (in web processes or `python -m web.worker`) can share one database: a job is
claimed by a conditional UPDATE, kept by its heartbeat, and taken back by the reaper when its lease
runs out (the process died), to be resumed from its checkpoint or failed as retryable.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from typing import Any

from web.clock import now
from web.db import with_retries
from web.domain.adapt import ADAPT_KINDS
from web.generation.adapt_run import run_adaptation
from web.generation.pipeline import GenerationFailed, PipelineDeps, Progress, run_pipeline
from web.generation.progress import LeaseLost
from web.generation.save import PlanChanged, save_plan
from web.generation.services import get_job
from web.generation.side import SideTasks
from web.generation.transitions import end_cancelled, end_failed, hand_back, renew_lease
from web.observability import Stopwatch, job_id_var
from web.tables import GenerationJob, IdempotencyKey

log = logging.getLogger("web.generation.runner")


class JobRunner:
    def __init__(self, deps: PipelineDeps, settings: Any, *, playbook_coach: Any = None) -> None:
        self.deps = deps
        self.settings = settings
        self.playbook_coach = playbook_coach
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._jobs: dict[uuid.UUID, asyncio.Task] = {}
        self.side = SideTasks(settings, deps.metrics, playbook_coach, deps.on_ended)  # playbook, Web Push
        self._cancel_asked: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.Task | None = None
        self._last_reap = 0.0
        self.poll_seconds = 1.0

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="job-runner")
        log.info("job runner started", extra={"worker": self.worker_id})

    def wake(self) -> None:
        self._wake.set()

    @property
    def busy(self) -> int:
        return len(self._jobs)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking work; give running jobs `grace` seconds, then hand the rest back to the queue."""
        self._stopping = True
        self.wake()
        if self._loop:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._jobs:
            _, pending = await asyncio.wait(list(self._jobs.values()), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        await self.side.stop()
        log.info("job runner stopped", extra={"worker": self.worker_id})

    def request_cancel(self, job_id: uuid.UUID) -> None:
        task = self._jobs.get(job_id)
        if task is not None:
            self._cancel_asked.add(job_id)
            task.cancel()
        self.side.cancel_playbook(job_id)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            try:
                if loop.time() - self._last_reap >= max(self.settings.job_lease_seconds / 3, 0.2):
                    self._last_reap = loop.time()
                    await self.reap()
                while self.busy < self.settings.generation_concurrency and not self._stopping:
                    job_id = await self.claim()
                    if job_id is None:
                        break
                    self._jobs[job_id] = asyncio.create_task(self._execute(job_id), name=f"job-{job_id}")
                self.deps.metrics.queue_depth.set(self.busy)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("runner loop error; continuing")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    # -- claiming and reaping ---------------------------------------------------------------------

    async def claim(self) -> uuid.UUID | None:
        # A first plan (someone waiting at the end of onboarding) goes before a regeneration.
        candidates = (
            await GenerationJob.select(GenerationJob.id)
            .where(GenerationJob.status == "queued")
            .order_by(GenerationJob.priority, ascending=False)
            .order_by(GenerationJob.created_at)
            .limit(5)
        )
        for row in candidates:
            at = now()
            won = (
                await GenerationJob.update(
                    {
                        GenerationJob.status: "running",
                        GenerationJob.lease_owner: self.worker_id,
                        GenerationJob.lease_expires_at: at
                        + dt.timedelta(seconds=self.settings.job_lease_seconds),
                        GenerationJob.attempts: GenerationJob.attempts + 1,
                        GenerationJob.claims: GenerationJob.claims + 1,
                        GenerationJob.started_at: at,
                        GenerationJob.updated_at: at,
                    }
                )
                .where((GenerationJob.id == row["id"]) & (GenerationJob.status == "queued"))
                .returning(GenerationJob.id)
            )
            if won:
                return row["id"]
        return None

    async def reap(self) -> None:
        """Take back jobs whose runner vanished (lease expired) and end jobs past their deadline."""
        at = now()
        stale = (
            await GenerationJob.objects()
            .where((GenerationJob.status == "running") & (GenerationJob.lease_expires_at < at))
            .output(load_json=True)
        )
        for job in stale:
            if job.attempts < self.settings.job_max_attempts and job.deadline_at > at:
                await self._requeue(job, "Resuming after an interruption", only_if_lease_expired=True)
            else:
                await self._fail(job, "interrupted", "lease expired", only_if_lease_expired=True)
        overdue = (
            await GenerationJob.objects()
            .where((GenerationJob.status == "queued") & (GenerationJob.deadline_at < at))
            .output(load_json=True)
        )
        for job in overdue:
            await self._fail(
                job, "deadline_exceeded", "deadline passed while queued", only_if_status="queued"
            )
        await IdempotencyKey.delete().where(IdempotencyKey.expires_at < at)

    async def _requeue(self, job: GenerationJob, text: str, **conditions: bool) -> None:
        if await hand_back(job, text, **conditions):
            log.info("job handed back to the queue", extra={"job_id": str(job.id), "reason": text})
            await self.deps.notifier.notify(job.id)
            self.wake()

    # -- running one job --------------------------------------------------------------------------

    async def _execute(self, job_id: uuid.UUID) -> None:
        token = job_id_var.set(str(job_id))
        watch = Stopwatch()
        job = await get_job(job_id)
        heartbeat = asyncio.create_task(self._heartbeat(job_id, job.claims if job is not None else -1))
        try:
            if job is None:
                return
            log.info("job started", extra={"attempt": job.attempts, "coach": self.deps.coach.name})
            self.deps.metrics.generations_started.labels(self.deps.coach.name).inc()
            self.side.start_playbook(job)
            await self._run_to_end(job)
        except asyncio.CancelledError:
            await self._on_cancelled(job)
        except Exception:
            # e.g. the database refused a bookkeeping write: the lease runs out, the reaper takes it back
            log.exception("job task crashed; the job will be taken back when its lease expires")
        finally:
            heartbeat.cancel()
            self._jobs.pop(job_id, None)
            self._cancel_asked.discard(job_id)
            self.deps.metrics.generation_seconds.observe(watch.seconds)
            job_id_var.reset(token)
            self.wake()

    async def _run_to_end(self, job: GenerationJob) -> None:
        remaining = max((job.deadline_at - now()).total_seconds(), 0.01)
        deadline = asyncio.timeout(remaining)
        try:
            async with deadline:
                run = run_adaptation if job.kind in ADAPT_KINDS else run_pipeline
                outcome = await run(job, self.deps)
        except TimeoutError:
            if not deadline.expired():
                log.exception("generation crashed")
            await self._fail(job, "deadline_exceeded" if deadline.expired() else "internal_error", "timeout")
            return
        except GenerationFailed as exc:
            await self._fail(job, exc.code, exc.detail)
            return
        except LeaseLost:
            log.info("lease lost: another attempt owns the job; this one stops and writes nothing more")
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("generation crashed")
            await self._fail(job, "internal_error", type(exc).__name__)
            return
        watch = Stopwatch()
        try:
            await Progress(job, self.deps.notifier).stage("saving", "Saving", 95)
            await with_retries(
                lambda: save_plan(job, outcome.content, outcome.coach, outcome.usage), what="save_plan"
            )
        except LeaseLost:
            log.info("lease lost before the save: another attempt owns the job; nothing saved here")
            return
        except PlanChanged:
            await self._fail(job, "plan_changed", "the plan changed during the change")
            return
        except Exception as exc:
            log.error("plan save failed; nothing of it was kept", extra={"error_type": type(exc).__name__})
            await self._fail(job, "save_failed", type(exc).__name__)
            return
        self.deps.metrics.save_seconds.observe(watch.seconds)
        self.deps.metrics.generations_succeeded.labels(outcome.coach).inc()
        log.info("plan saved", extra={"coach": outcome.coach, "weeks": len(outcome.content.weeks)})
        await self.deps.notifier.notify(job.id)
        self.side.ended(job)

    async def _on_cancelled(self, job: GenerationJob | None) -> None:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # let the bookkeeping below run; the job's work itself has stopped
        if job is None:
            return
        if job.id in self._cancel_asked:
            await self._finish_cancelled(job)
        elif self._stopping:
            await self._requeue(job, "Paused for a server restart; it will resume", refund_attempt=True)

    async def _finish_cancelled(self, job: GenerationJob) -> None:
        if await end_cancelled(job):
            log.info("job cancelled")
            await self.deps.notifier.notify(job.id)

    async def _fail(self, job: GenerationJob, code: str, detail: str, **conditions: Any) -> None:
        if await end_failed(job, code, holder=self.worker_id, **conditions):
            self.deps.metrics.generations_failed.labels(code).inc()
            log.warning("generation failed", extra={"job_id": str(job.id), "code": code, "detail": detail})
            await self.deps.notifier.notify(job.id)
            job.status = "failed"
            self.side.ended(job)

    async def _heartbeat(self, job_id: uuid.UUID, claims: int) -> None:
        interval = max(self.settings.job_lease_seconds / 3, 0.1)
        while True:
            await asyncio.sleep(interval)
            try:
                rows = await renew_lease(job_id, self.worker_id, claims, self.settings.job_lease_seconds)
            except Exception:
                log.warning("heartbeat failed; will try again", exc_info=True)
                continue
            if not rows:  # the lease is gone (reaped, or finished elsewhere): stop working on it
                task = self._jobs.get(job_id)
                if task is not None:
                    task.cancel()
                return
            if rows[0]["cancel_requested"]:
                self.request_cancel(job_id)
                return

"""What runs beside a job and must never touch it: its coaching playbook, and telling the person's
devices how it ended (Web Push). Each is a task of its own; a failure is logged and goes no further."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from web.domain.adapt import ADAPT_KINDS
from web.playbook.services import run_playbook
from web.tables import GenerationJob

log = logging.getLogger("web.generation.runner")


class SideTasks:
    def __init__(self, settings: Any, metrics: Any, playbook_coach: Any, on_ended: Any) -> None:
        self.settings, self.metrics = settings, metrics
        self.playbook_coach, self.on_ended = playbook_coach, on_ended
        self.tasks: set[asyncio.Task] = set()
        self.playbooks: dict[uuid.UUID, asyncio.Task] = {}  # the playbook task of each running job

    def start_playbook(self, job: GenerationJob) -> None:
        if not self.settings.playbook_enabled or self.playbook_coach is None or job.kind in ADAPT_KINDS:
            return
        task = self._spawn(run_playbook(job, self.playbook_coach, self.settings, self.metrics), "playbook")
        self.playbooks[job.id] = task
        task.add_done_callback(lambda _: self.playbooks.pop(job.id, None))

    def cancel_playbook(self, job_id: uuid.UUID) -> None:
        """A cancelled generation spends nothing more on its playbook."""
        playbook = self.playbooks.get(job_id)
        if playbook is not None:
            playbook.cancel()

    def ended(self, job: GenerationJob) -> None:
        if self.on_ended is not None:
            self._spawn(_quietly(self.on_ended(job)), "job-ended")

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=2)

    def _spawn(self, work: Any, name: str) -> asyncio.Task:
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task


async def _quietly(work: Any) -> None:
    try:
        await work
    except Exception as exc:
        log.warning("job-ended hook failed", extra={"error_type": type(exc).__name__})

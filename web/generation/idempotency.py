"""Idempotency-Key: a request sent again with the same key gets the same job, never a second one; the same
key with another body is refused. Keys are per user and expire after IDEMPOTENCY_TTL_HOURS."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from web.clock import now
from web.db import is_unique_violation, write_transaction
from web.errors import InvalidInput
from web.tables import GenerationJob, IdempotencyKey, User


async def replay(user: User, key: str, digest: str) -> uuid.UUID | None:
    """The job an earlier request with this key made (its id), or None; refused for another body."""
    row = (
        await IdempotencyKey.objects()
        .where(
            (IdempotencyKey.user == user.id)
            & (IdempotencyKey.key == key)
            & (IdempotencyKey.expires_at > now())
        )
        .first()
    )
    if row is None:
        return None
    if row.request_hash != digest:
        raise InvalidInput(
            "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
            code="idempotency_key_reused",
            errors=[
                {"field": "Idempotency-Key", "message": "Already used with another body.", "code": "reused"}
            ],
        )
    return row.job


async def remember_key(user: User, key: str | None, digest: str, job: GenerationJob, settings: Any) -> None:
    if not key:
        return
    try:
        async with write_transaction():
            await insert_key(user, key, digest, job.id, settings)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        await replay(user, key, digest)  # raises when the same key came with another body


async def insert_key(user: User, key: str, digest: str, job_id: uuid.UUID, settings: Any) -> None:
    await IdempotencyKey.delete().where(
        (IdempotencyKey.user == user.id) & (IdempotencyKey.key == key) & (IdempotencyKey.expires_at <= now())
    )
    await IdempotencyKey(
        user=user.id,
        key=key,
        request_hash=digest,
        job=job_id,
        created_at=now(),
        expires_at=now() + dt.timedelta(hours=settings.idempotency_ttl_hours),
    ).save()

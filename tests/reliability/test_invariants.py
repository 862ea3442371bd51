"""The invariant checker itself: quiet on a healthy database, loud on each kind of damage."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.factories import account
from tests.reliability.invariants import check_invariants
from tests.reliability.support import generate_and_follow
from web.tables import GenerationEvent, GenerationJob, Plan, UserProfile

pytestmark = pytest.mark.quick


async def test_healthy_database_has_no_violations_and_each_damage_is_named(server):
    async with server.client() as client:
        acct = await account(client)
        job, _ = await generate_and_follow(client, acct)
    await server.stop()
    assert job["status"] == "succeeded"
    assert await check_invariants() == []

    job_id = job["id"]
    plan = await Plan.objects().first()
    late = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    damage = [
        (
            GenerationJob.update({GenerationJob.active_slot: "x"}).where(GenerationJob.id == job_id),
            GenerationJob.update({GenerationJob.active_slot: None}).where(GenerationJob.id == job_id),
            "still holds active_slot",
        ),
        (
            GenerationJob.update(
                {
                    GenerationJob.error_code: "llm_timeout",
                    GenerationJob.status: "failed",
                    GenerationJob.error_message: "openai.APITimeoutError at line 3",
                }
            ).where(GenerationJob.id == job_id),
            GenerationJob.update(
                {
                    GenerationJob.error_code: None,
                    GenerationJob.status: "succeeded",
                    GenerationJob.error_message: None,
                }
            ).where(GenerationJob.id == job_id),
            "not the user-safe one",
        ),
        (
            GenerationEvent.update({GenerationEvent.seq: 99}).where(
                (GenerationEvent.job == job_id) & (GenerationEvent.seq == 2)
            ),
            GenerationEvent.update({GenerationEvent.seq: 2}).where(
                (GenerationEvent.job == job_id) & (GenerationEvent.seq == 99)
            ),
            "without gaps",
        ),
        (
            UserProfile.update({UserProfile.active_plan_id: uuid.uuid4()}).where(
                UserProfile.id == acct.profile_id
            ),
            UserProfile.update({UserProfile.active_plan_id: plan.id}).where(
                UserProfile.id == acct.profile_id
            ),
            "points at no plan",
        ),
        (
            GenerationJob.update(
                {
                    GenerationJob.status: "running",
                    GenerationJob.lease_owner: "gone",
                    GenerationJob.lease_expires_at: late - dt.timedelta(hours=2),
                    GenerationJob.active_slot: acct.profile_id,
                }
            ).where(GenerationJob.id == job_id),
            GenerationJob.update(
                {
                    GenerationJob.status: "succeeded",
                    GenerationJob.lease_owner: None,
                    GenerationJob.lease_expires_at: None,
                    GenerationJob.active_slot: None,
                }
            ).where(GenerationJob.id == job_id),
            "lease that expired",
        ),
    ]
    for do, undo, expected in damage:
        await do
        try:
            found = await check_invariants()
            assert any(expected in v for v in found), (expected, found)
        finally:
            await undo
    assert await check_invariants() == []

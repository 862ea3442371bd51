"""Load: a burst of people registering and generating at once against a live server (fake LLM on
loopback). No 5xx, no duplicate plans, no lost jobs, every stream ends with its terminal event."""

from __future__ import annotations

import os

import pytest
from argon2 import PasswordHasher

from tests.reliability.load import run_load
from tests.reliability.support import assert_invariants, llm, settle
from web.tables import GenerationJob, Plan, UserProfile

USERS = int(os.environ.get("TRAINPLAN_LOAD_USERS", "30"))


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_burst_of_people_generating_at_once(start_server, fake_openai, monkeypatch, record_property):
    from web.auth import services

    monkeypatch.setattr(
        services, "_hasher", PasswordHasher()
    )  # the real cost: sign-ups are part of the burst
    server = await start_server(**llm(fake_openai, openai_timeout_seconds=30))
    result = await run_load(server.url, users=USERS, within=240)
    print("\n" + result.summary())
    record_property("summary", result.summary())

    assert result.errors == []
    assert result.server_errors == 0, result.statuses
    assert len(result.jobs) == USERS and set(result.jobs.values()) == {"succeeded"}  # no job lost or failed
    assert result.streams_ended == USERS  # every stream delivered its terminal event
    assert result.plans_per_person == [1] * USERS  # no duplicate plans
    await settle(10)
    await server.stop()
    assert await GenerationJob.count() == USERS
    assert await Plan.count() == await UserProfile.count() == USERS
    await assert_invariants()

"""Every job write after a claim is fenced by the claim's token (`claims`); terminal states are final.

Each race is set up step by step with the real runner, pipeline progress and save against the real
database (the app's runner is off, so the test decides who claims when): no sleeps, no timing."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import account, generate_body
from web.clock import now
from web.coach.base import Usage
from web.coach.offline_coach import build_plan
from web.domain.brief import TrainingBrief
from web.generation.pipeline import Progress
from web.generation.progress import LeaseLost
from web.generation.save import save_plan
from web.services import build_services
from web.tables import GenerationEvent, GenerationJob, Plan


@pytest.fixture
async def setup(start_server):
    server = await start_server(run_worker=False)
    services = build_services(server.services.settings, with_runner=True)
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert r.status_code == 202, r.text
    return services.runner, services.runner.deps, r.json()["job"]["id"]


async def _claimed(runner) -> GenerationJob:
    job_id = await runner.claim()
    assert job_id is not None
    return await GenerationJob.objects().where(GenerationJob.id == job_id).output(load_json=True).first()


async def _take_over(runner, job: GenerationJob) -> GenerationJob:
    """The reaper hands the job back after its lease ran out, and another claim takes it."""
    await GenerationJob.update({GenerationJob.lease_expires_at: now() - dt.timedelta(seconds=1)}).where(
        GenerationJob.id == job.id
    )
    await runner.reap()
    return await _claimed(runner)


async def _events(job_id) -> list[str]:
    rows = (
        await GenerationEvent.select(GenerationEvent.type)
        .where(GenerationEvent.job == job_id)
        .order_by(GenerationEvent.seq)
    )
    return [r["type"] for r in rows]


def _content(job: GenerationJob):
    return build_plan(TrainingBrief.model_validate(job.brief))


async def test_a_runner_whose_lease_was_taken_over_writes_nothing_more(setup):
    runner, deps, _ = setup
    old = await _claimed(runner)
    new = await _take_over(runner, old)
    assert new.attempts == old.attempts + 1
    before = await _events(old.id)
    with pytest.raises(LeaseLost):
        await Progress(old, deps.notifier).stage("writing", "Week 1 of 4 is ready", 30, checkpoint={"x": 1})
    with pytest.raises(LeaseLost):
        await save_plan(old, _content(old), "offline", Usage())
    assert await _events(old.id) == before  # no event, no checkpoint, no plan from the old attempt
    assert await Plan.count() == 0
    row = await GenerationJob.objects().where(GenerationJob.id == old.id).output(load_json=True).first()
    assert row.checkpoint != {"x": 1} and row.status == "running"
    await Progress(new, deps.notifier).stage("writing", "Writing", 20)  # the new owner still can


async def test_a_failed_job_stays_failed_when_the_old_runner_saves(setup):
    runner, _deps, _ = setup
    job = await _claimed(runner)
    await GenerationJob.update({GenerationJob.lease_expires_at: now() - dt.timedelta(seconds=1)}).where(
        GenerationJob.id == job.id
    )
    await runner._fail(job, "interrupted", "lease expired", only_if_lease_expired=True)
    job.status = "running"  # the old runner's own view of the job
    with pytest.raises(LeaseLost):
        await save_plan(job, _content(job), "offline", Usage())
    row = await GenerationJob.objects().where(GenerationJob.id == job.id).output(load_json=True).first()
    assert row.status == "failed" and await Plan.count() == 0
    assert (await _events(job.id))[-1] == "failed"  # no `done` after `failed`


async def test_a_cancel_after_the_save_leaves_the_job_succeeded(setup):
    runner, _, _ = setup
    job = await _claimed(runner)
    await save_plan(job, _content(job), "offline", Usage())
    job.status = "running"  # the runner's view when the cancel lands
    await runner._finish_cancelled(job)
    row = await GenerationJob.objects().where(GenerationJob.id == job.id).output(load_json=True).first()
    assert row.status == "succeeded"
    assert (await _events(job.id))[-1] == "done"


async def test_a_save_retried_after_a_lost_acknowledgement_finds_its_commit(setup):
    runner, _, _ = setup
    job = await _claimed(runner)
    content = _content(job)
    first = await save_plan(job, content, "offline", Usage())
    job.status = "running"  # the commit happened, the answer never arrived: the save runs again
    again = await save_plan(job, content, "offline", Usage())
    assert again.id == first.id and await Plan.count() == 1
    assert (await _events(job.id)).count("done") == 1


async def test_the_reaper_does_not_requeue_a_job_whose_heartbeat_came_in_between(setup):
    runner, _, _ = setup
    job = await _claimed(runner)
    stale_view = (
        await GenerationJob.objects().where(GenerationJob.id == job.id).output(load_json=True).first()
    )  # what the reaper read
    await GenerationJob.update({GenerationJob.lease_expires_at: now() + dt.timedelta(seconds=30)}).where(
        GenerationJob.id == job.id
    )  # the heartbeat, between the reaper's read and its write
    await runner._requeue(stale_view, "Resuming after an interruption", only_if_lease_expired=True)
    row = await GenerationJob.objects().where(GenerationJob.id == job.id).output(load_json=True).first()
    assert row.status == "running" and row.attempts == job.attempts


async def test_a_claim_handed_back_at_shutdown_keeps_its_token_out_of_the_next_claim(setup):
    """A shutdown hand-back refunds the attempt (the job is not counted as failing), but the fencing token
    still moves on: the claim after it does not share the old claim's token, so the old claim, were it to
    write late, is refused."""
    runner, deps, _ = setup
    old = await _claimed(runner)
    await runner._requeue(old, "Paused for a server restart; it will resume", refund_attempt=True)
    new = await _claimed(runner)
    assert new.attempts == old.attempts  # refunded: the restart does not count against the job
    assert new.claims == old.claims + 1  # but the token is new
    before = await _events(old.id)
    with pytest.raises(LeaseLost):
        await Progress(old, deps.notifier).stage("writing", "Week 1 of 4 is ready", 30)
    with pytest.raises(LeaseLost):
        await save_plan(old, _content(old), "offline", Usage())
    assert await _events(old.id) == before and await Plan.count() == 0
    await Progress(new, deps.notifier).stage("writing", "Writing", 20)  # the new claim can

"""Changing a plan in use over the API: adjusting the rest of it from the log, redoing a week under a
temporary constraint, swapping an exercise. Each is a job like a generation and ends as a new version
that keeps the weeks it did not change (and their logs); each refusal leaves nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import account, made_plan
from web import clock
from web.domain.catalogue import get_exercise
from web.domain.measures import total_hard_sets
from web.domain.plan import PlannedWeek
from web.tables import GenerationJob, Plan, SessionLog

WAIT = {"Prefer": "wait=20"}


@pytest.fixture
def moved_clock():
    yield clock
    clock.reset()


def _week_sets(week: dict) -> int:
    return total_hard_sets(PlannedWeek.model_validate(week))


async def _to_week(client, acct, plan, week: int) -> dict:
    """Move the clock to the first day of the plan's week `week`; the schedule then."""
    r = await client.get(f"/api/v1/plans/{plan['id']}/schedule", headers=acct.headers)
    sched = r.json()
    start, today = dt.date.fromisoformat(sched["start_date"]), dt.date.fromisoformat(sched["today"])
    clock.advance(((start - today).days + 7 * (week - 1)) * 86400 + 3600)
    r = await client.get(f"/api/v1/plans/{plan['id']}/schedule", headers=acct.headers)
    assert r.json()["current_week"] == week
    return r.json()


async def _log(client, acct, plan, week, session, **body):
    url = f"/api/v1/plans/{plan['id']}/weeks/{week}/sessions/{session}/log"
    r = await client.put(url, json=body, headers=acct.headers)
    assert r.status_code == 200, r.text


async def _changed(r, acct, client) -> dict:
    assert r.status_code == 200, r.text  # Prefer: wait saw it finish
    body = r.json()
    assert body["status"] == "succeeded" and body["plan"]["is_active"]
    return body["plan"]


async def test_adjusting_from_a_hard_painful_patchy_log_rewrites_only_the_weeks_ahead(client, moved_clock):
    acct = await account(client)
    plan = await made_plan(client, acct)
    sched = await _to_week(client, acct, plan, 3)
    assert len([s for s in sched["sessions"] if s["week"] == 1]) == 3
    await _log(client, acct, plan, 1, 1, status="done", rpe=9, pain="knee", note="knee ached on lunges")
    await _log(client, acct, plan, 1, 2, status="done", rpe=9)
    await _log(client, acct, plan, 1, 3, status="skipped")  # and week 2 was missed: 2 of 6 done

    r = await client.post(f"/api/v1/plans/{plan['id']}/adjust", headers={**acct.headers, **WAIT})
    new = await _changed(r, acct, client)
    assert new["version"] == 2 and new["id"] != plan["id"]
    old_weeks, new_weeks = plan["content"]["weeks"], new["content"]["weeks"]
    assert new_weeks[:3] == old_weeks[:3]  # this week and the ones before: as they were
    adaptation = new["content"]["adaptation"]
    assert adaptation["kind"] == "adjust" and adaptation["from_version"] == 1 and adaptation["weeks"] == [4]
    said = " ".join(adaptation["changes"])
    assert "knee pain (week 1)" in said and "felt hard (effort 9.0" in said and "2 of the 6 sessions" in said
    for week in new_weeks[3:]:
        assert len(week["sessions"]) == 2  # one session a week fewer (3 -> 2)
        for session in week["sessions"]:
            for item in session["exercises"]:
                assert "knee" not in get_exercise(item["exercise_id"]).contraindications, item
    assert _week_sets(new_weeks[3]) < _week_sets(old_weeks[3])  # lighter from here on
    # the log of the kept weeks came along; the old version keeps its own
    r = await client.get(f"/api/v1/plans/{new['id']}/schedule", headers=acct.headers)
    logged = {(s["week"], s["session"]): s["log"]["status"] for s in r.json()["sessions"] if s["log"]}
    assert logged == {(1, 1): "done", (1, 2): "done", (1, 3): "skipped"}
    assert await SessionLog.count().where(SessionLog.plan == plan["id"]) == 3
    job = await GenerationJob.objects().where(GenerationJob.id == r.json()["plan_id"]).first()
    assert job is None  # (the schedule's plan_id is the plan's, not a job's)
    jobs = await GenerationJob.select(GenerationJob.kind, GenerationJob.status).order_by(
        GenerationJob.created_at
    )
    assert jobs == [{"kind": "initial", "status": "succeeded"}, {"kind": "adjust", "status": "succeeded"}]


async def test_nothing_to_adjust_and_a_finished_plan_are_refused_with_nothing_written(client, moved_clock):
    acct, other = await account(client), await account(client)
    plan = await made_plan(client, acct)
    r = await client.post(f"/api/v1/plans/{plan['id']}/adjust", headers=acct.headers)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "nothing_to_adjust" and "nothing to change" in r.json()["detail"]
    await _to_week(client, acct, plan, 4)  # the last week: nothing after it
    r = await client.post(f"/api/v1/plans/{plan['id']}/adjust", headers=acct.headers)
    assert r.status_code == 409 and r.json()["code"] == "plan_ending"
    r = await client.post(f"/api/v1/plans/{plan['id']}/adjust", headers=other.headers)
    assert r.status_code == 404  # someone else's plan looks like a missing one
    assert await Plan.count() == 1 and await GenerationJob.count() == 1


async def test_redoing_a_week_for_two_days_without_kit_changes_that_week_alone(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    body = {"days": ["thu", "tue"], "equipment": []}
    url = f"/api/v1/plans/{plan['id']}/weeks/2/redo"
    r = await client.post(url, json=body, headers={**acct.headers, **WAIT, "Idempotency-Key": "redo-2"})
    new = await _changed(r, acct, client)
    weeks, old = new["content"]["weeks"], plan["content"]["weeks"]
    assert [w for i, w in enumerate(weeks) if i != 1] == [w for i, w in enumerate(old) if i != 1]
    assert [s["day"] for s in weeks[1]["sessions"]] == ["tue", "thu"]
    for session in weeks[1]["sessions"]:
        for item in session["exercises"]:
            assert get_exercise(item["exercise_id"]).equipment == (), item  # bodyweight only
    assert new["content"]["adaptation"]["changes"] == [
        "Week 2 rewritten for 2 days (Tuesday, Thursday) and no equipment; the other weeks are unchanged."
    ]
    # the same request again (a retry) is the same job, not a third version
    again = await client.post(url, json=body, headers={**acct.headers, **WAIT, "Idempotency-Key": "redo-2"})
    assert again.status_code == 200 and again.json()["job"]["id"] == r.json()["job"]["id"]
    assert await Plan.count() == 2


@pytest.mark.parametrize(
    ("week", "body", "status", "code"),
    [
        (2, {}, 422, "validation_failed"),
        (2, {"days": []}, 422, "validation_failed"),
        (2, {"days": ["someday"]}, 422, "validation_failed"),
        (2, {"equipment": ["rocket"]}, 422, "validation_failed"),
        (2, {"days": ["mon"], "colour": "red"}, 422, "validation_failed"),
        (9, {"days": ["mon"]}, 404, "week_not_found"),
        (0, {"days": ["mon"]}, 404, "week_not_found"),
    ],
)
async def test_bad_redo_requests_are_refused_with_nothing_written(client, week, body, status, code):
    acct = await account(client)
    plan = await made_plan(client, acct)
    r = await client.post(f"/api/v1/plans/{plan['id']}/weeks/{week}/redo", json=body, headers=acct.headers)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code and r.json()["detail"]
    assert await Plan.count() == 1 and await GenerationJob.count() == 1


async def test_a_past_week_cannot_be_redone(client, moved_clock):
    acct = await account(client)
    plan = await made_plan(client, acct)
    await _to_week(client, acct, plan, 3)
    r = await client.post(
        f"/api/v1/plans/{plan['id']}/weeks/2/redo", json={"days": ["mon"]}, headers=acct.headers
    )
    assert r.status_code == 409 and r.json()["code"] == "week_past"
    assert "change week 3 or a later one" in r.json()["detail"]


async def test_swapping_an_exercise_offers_the_same_movement_and_changes_it_from_that_week_on(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    first = plan["content"]["weeks"][0]["sessions"][0]["exercises"][0]
    base = f"/api/v1/plans/{plan['id']}/weeks/2/sessions/1/exercises/1"
    r = await client.get(f"{base}/alternatives", headers=acct.headers)
    assert r.status_code == 200, r.text
    options = r.json()
    old_id = plan["content"]["weeks"][1]["sessions"][0]["exercises"][0]["exercise_id"]
    old = get_exercise(old_id)
    assert options and all(get_exercise(o["exercise_id"]).pattern == old.pattern for o in options)
    assert old_id not in {o["exercise_id"] for o in options}
    assert all(set(o["equipment"]) <= {"dumbbells", "bench", "pull_up_bar"} for o in options)
    pick = options[0]
    r = await client.post(
        f"{base}/swap", json={"exercise_id": pick["exercise_id"]}, headers={**acct.headers, **WAIT}
    )
    new = await _changed(r, acct, client)
    weeks = new["content"]["weeks"]
    assert weeks[0]["sessions"][0]["exercises"][0] == first  # week 1 is before the swap
    ids = {i["exercise_id"] for w in weeks[1:] for s in w["sessions"] for i in s["exercises"]}
    assert old_id not in ids and pick["exercise_id"] in ids
    swapped = weeks[1]["sessions"][0]["exercises"][0]
    assert swapped["name"] == pick["name"] and swapped["notes"].startswith(f"In place of {old.name}.")
    assert new["content"]["adaptation"]["kind"] == "swap"
    assert new["content"]["adaptation"]["changes"][0].startswith(
        f"{pick['name']} in place of {old.name} from week 2"
    )


async def test_bad_swaps_are_refused_with_nothing_written(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    base = f"/api/v1/plans/{plan['id']}/weeks/1/sessions/1/exercises"
    for url, body, status in [
        (f"{base}/1/swap", {"exercise_id": "no_such_lift"}, 422),
        (f"{base}/1/swap", {}, 422),
        (f"{base}/99/swap", {"exercise_id": "push_up"}, 404),
        (f"/api/v1/plans/{plan['id']}/weeks/1/sessions/9/exercises/1/swap", {"exercise_id": "push_up"}, 404),
        (f"{base}/99/alternatives", None, 404),
    ]:
        r = await (
            client.get(url, headers=acct.headers)
            if body is None
            else client.post(url, json=body, headers=acct.headers)
        )
        assert r.status_code == status, (url, r.text)
        assert r.json()["detail"]
    assert await Plan.count() == 1 and await GenerationJob.count() == 1


async def test_the_llm_coach_rewrites_the_weeks_ahead_with_the_log_in_its_brief(
    start_server, fake_openai, moved_clock
):
    from tests.integration.generation.test_failures import _llm

    server = await start_server(**_llm(fake_openai))
    async with server.client() as client:
        acct = await account(client)
        plan = await made_plan(client, acct)
        assert plan["coach"] == "openai"
        await _to_week(client, acct, plan, 3)
        for session in (1, 2):
            await _log(client, acct, plan, 1, session, status="done", rpe=4)
        fake_openai.reset()
        r = await client.post(f"/api/v1/plans/{plan['id']}/adjust", headers={**acct.headers, **WAIT})
        new = await _changed(r, acct, client)
    assert new["coach"] == "openai" and new["content"]["weeks"][:3] == plan["content"]["weeks"][:3]
    calls = fake_openai.calls
    assert [c["kind"] for c in calls] == ["week"]  # week 4 alone: no outline, no other week paid again
    prompt = " ".join(m["content"] for m in calls[0]["messages"] if isinstance(m.get("content"), str))
    assert "From the training log: You did 2 of the 6 sessions" in prompt
    assert "felt easy (effort 4.0" in " ".join(new["content"]["adaptation"]["changes"])


async def test_a_changed_version_builds_on_the_plan_not_on_a_weeks_constraint(client, moved_clock):
    acct = await account(client)
    plan = await made_plan(client, acct)
    redo = await client.post(
        f"/api/v1/plans/{plan['id']}/weeks/2/redo", json={"equipment": []}, headers={**acct.headers, **WAIT}
    )
    v2 = await _changed(redo, acct, client)
    # the next change of v2 has the person's own kit again: week 3 redone for other days uses dumbbells
    redo3 = await client.post(
        f"/api/v1/plans/{v2['id']}/weeks/3/redo",
        json={"days": ["mon", "wed", "fri"]},
        headers={**acct.headers, **WAIT},
    )
    v2b = await _changed(redo3, acct, client)
    week3 = v2b["content"]["weeks"][2]
    assert any(
        "dumbbells" in get_exercise(i["exercise_id"]).equipment
        for s in week3["sessions"]
        for i in s["exercises"]
    )
    assert v2b["content"]["weeks"][1] == v2["content"]["weeks"][1]  # the bodyweight week stays as it was
    v2 = v2b
    # only the active version can be changed
    r = await client.post(
        f"/api/v1/plans/{plan['id']}/weeks/3/redo", json={"equipment": []}, headers=acct.headers
    )
    assert r.status_code == 409 and r.json()["code"] == "plan_not_active"
    # adjusting answers the log once: the same log does not cut the plan again
    await _to_week(client, acct, v2, 3)
    for session in (1, 2, 3):
        await _log(client, acct, v2, 1, session, status="skipped")
    v3 = await _changed(
        await client.post(f"/api/v1/plans/{v2['id']}/adjust", headers={**acct.headers, **WAIT}), acct, client
    )
    assert len(v3["content"]["weeks"][3]["sessions"]) == 2
    again = await client.post(f"/api/v1/plans/{v3['id']}/adjust", headers=acct.headers)
    assert again.status_code == 409 and again.json()["code"] == "nothing_to_adjust"


async def test_a_week_with_logged_sessions_is_not_redone(client, moved_clock):
    acct = await account(client)
    plan = await made_plan(client, acct)
    await _to_week(client, acct, plan, 2)
    await _log(client, acct, plan, 2, 1, status="done", rpe=6)
    r = await client.post(
        f"/api/v1/plans/{plan['id']}/weeks/2/redo", json={"days": ["sat"]}, headers=acct.headers
    )
    assert r.status_code == 409 and r.json()["code"] == "week_logged"
    assert await Plan.count() == 1


async def test_a_new_plan_is_not_started_while_the_plan_is_being_changed(start_server, fake_openai):
    from tests.integration.generation.test_failures import _llm

    server = await start_server(**_llm(fake_openai))
    async with server.client() as client:
        acct = await account(client)
        plan = await made_plan(client, acct)
        fake_openai.script({"name": "hang", "seconds": 30, "match": "week"})
        r = await client.post(
            f"/api/v1/plans/{plan['id']}/weeks/2/redo", json={"days": ["sat"]}, headers=acct.headers
        )
        assert r.status_code == 202, r.text
        job = r.json()["job"]
        from tests.factories import generate_body

        body = generate_body(acct.profile_id, regenerate=True)
        refused = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
        assert refused.status_code == 409 and refused.json()["code"] == "generation_in_progress"
        await client.post(f"/api/v1/generations/{job['id']}/cancel", headers=acct.headers)

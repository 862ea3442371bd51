"""Every bad generate request gets a clear per-field problem, and nothing is written."""

from __future__ import annotations

import pytest

from tests.factories import account, generate_body, personal_info, responses
from web.tables import GenerationEvent, GenerationJob, IdempotencyKey

REQUIRED = ["user_profile_id", "personal_info", "initial_questions", "initial_responses"]


async def _refused(client, acct, body, status=422, headers=None, **kw):
    r = await client.post("/api/v1/plans/generate", json=body, headers=headers or acct.headers, **kw)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["request_id"] and problem["detail"]
    assert await GenerationJob.count() == 0 and await GenerationEvent.count() == 0
    assert await IdempotencyKey.count() == 0
    return problem


def _fields(problem) -> dict[str, str]:
    return {e["field"]: e["message"] for e in problem["errors"]}


@pytest.mark.parametrize("field", REQUIRED)
async def test_each_missing_field(client, field):
    acct = await account(client)
    body = generate_body(acct.profile_id)
    del body[field]
    problem = await _refused(client, acct, body)
    assert problem["code"] == "validation_failed"
    assert _fields(problem)[field] == "This is required."


@pytest.mark.parametrize(
    ("field", "empty"),
    [
        ("user_profile_id", ""),
        ("personal_info", {}),
        ("initial_questions", []),
        ("initial_responses", {}),
    ],
)
async def test_each_empty_field(client, field, empty):
    acct = await account(client)
    problem = await _refused(client, acct, {**generate_body(acct.profile_id), field: empty})
    assert any(f == field or f.startswith(field + ".") for f in _fields(problem)), problem


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("age", 7, "Enter a number from 13 to 100"),
        ("days_per_week", 7, "Enter a number from 1 to 6"),
        ("available_days", ["mon"], "Choose at least 3 available days"),
        ("equipment", ["spaceship"], "Pick one of the listed options"),
        ("height", {"value": 20, "unit": "cm"}, "Height must be between"),
        ("weight", {"value": 1000, "unit": "lb"}, "Weight must be between"),
        ("minutes_per_session", "long", "Enter a whole number"),
        ("notes", "x" * 1001, "Keep this under 1000 characters"),
    ],
)
async def test_invalid_personal_info(client, key, value, message):
    acct = await account(client)
    problem = await _refused(client, acct, generate_body(acct.profile_id, info=personal_info(**{key: value})))
    messages = " ".join(_fields(problem).values())
    assert message in messages, problem
    assert "Input should" not in messages and "String should" not in messages  # no raw validator text


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        (responses(plan_weeks=40), "initial_responses.plan_weeks", "from 4 to 16"),
        (responses(plan_weeks="six"), "initial_responses.plan_weeks", "Enter a number"),
        (responses(motivation=9), "initial_responses.motivation", "from 1 to 5"),
        (responses(motivation=2.5), "initial_responses.motivation", "whole number"),
        (responses(activities=["skydiving"]), "initial_responses.activities", "listed options"),
        (responses(activities=[]), "initial_responses.activities", "This is required"),
        (responses(goal_details="y" * 1001), "initial_responses.goal_details", "under 1000"),
        (responses(plan_weeks=...), "initial_responses.plan_weeks", "This is required"),
    ],
)
async def test_answers_of_the_wrong_type_or_range(client, answers, field, message):
    acct = await account(client)
    problem = await _refused(client, acct, generate_body(acct.profile_id, answers=answers))
    assert message in _fields(problem)[field], problem


async def test_unknown_question_ids(client):
    acct = await account(client)
    body = generate_body(acct.profile_id)
    body["initial_questions"].append("favourite_colour")
    body["initial_responses"]["favourite_colour"] = "blue"
    problem = await _refused(client, acct, body)
    fields = _fields(problem)
    assert "Unknown question id" in fields["initial_questions[6]"]
    assert fields["initial_responses.favourite_colour"] == "Unknown question id."


async def test_unknown_fields_are_refused(client):
    acct = await account(client)
    problem = await _refused(client, acct, generate_body(acct.profile_id, status="succeeded", user_id="x"))
    assert _fields(problem)["status"] == "This field is not allowed."


async def test_not_json(client):
    acct = await account(client)
    problem = await _refused(client, acct, None, content=b"{not json", status=422)
    assert _fields(problem)["body"]


async def test_oversize_body_is_413(client):
    acct = await account(client)
    body = generate_body(acct.profile_id, answers=responses(goal_details="z" * 70_000))
    problem = await _refused(client, acct, body, status=413)
    assert problem["code"] == "payload_too_large"


async def test_too_many_questions(client):
    acct = await account(client)
    body = generate_body(acct.profile_id)
    body["initial_questions"] = [f"q{i}" for i in range(60)]
    problem = await _refused(client, acct, body)
    assert "initial_questions" in _fields(problem)


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\tchar"])
async def test_bad_idempotency_keys(client, key):
    acct = await account(client)
    problem = await _refused(
        client, acct, generate_body(acct.profile_id), headers={**acct.headers, "Idempotency-Key": key}
    )
    assert problem["code"] == "invalid_idempotency_key"


async def test_too_few_days_is_said_at_once_with_the_other_errors(client):
    acct = await account(client)
    info = personal_info(age=7, days_per_week=4, available_days=["mon", "wed"])
    problem = await _refused(client, acct, generate_body(acct.profile_id, info=info))
    fields = _fields(problem)
    assert fields["personal_info.age"] == "Enter a number from 13 to 100."
    assert fields["personal_info.available_days"] == "Choose at least 4 available days for 4 sessions a week."


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Use an IANA time zone name"),
        ({"time_zone": "../../etc/passwd"}, "time_zone", "Use an IANA time zone name"),
        ({"time_zone": "x" * 65}, "time_zone", "64 characters"),
        ({"start_date": "2020-01-06"}, "start_date", "Choose a start date from today to 6 months ahead."),
        ({"start_date": "2099-01-05"}, "start_date", "Choose a start date from today to 6 months ahead."),
        ({"start_date": "next monday"}, "start_date", "date"),
    ],
)
async def test_a_bad_start_date_or_time_zone(client, extra, field, message):
    acct = await account(client)
    problem = await _refused(client, acct, generate_body(acct.profile_id, **extra))
    assert message.lower() in _fields(problem)[field].lower()

"""Size limits: body size (also when streamed without Content-Length), nesting depth, answer counts,
free text, token size, unknown fields (mass assignment) and the prompt token budget. Each refusal is a
problem with a stable code, and nothing is written."""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest

from tests.factories import PASSWORD, account, generate_body, personal_info, responses, wait_for_job
from tests.security.conftest import assert_problem
from web.tables import AnalyticsEvent, GenerationEvent, GenerationJob, IdempotencyKey, Plan, User, UserProfile

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
LIMIT = 64 * 1024


async def _nothing_written() -> None:
    assert await GenerationJob.count() == 0
    assert await GenerationEvent.count() == 0
    assert await IdempotencyKey.count() == 0
    assert await Plan.count() == 0


def _fields(problem: dict) -> dict[str, str]:
    return {e["field"]: e["code"] for e in problem.get("errors", [])}


def _sized_body(profile_id: str, size: int) -> bytes:
    """A valid generate request padded (with JSON whitespace) to exactly `size` bytes."""
    raw = json.dumps(generate_body(profile_id)).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


async def test_the_body_limit_is_exact(client):
    acct = await account(client)
    headers = {**acct.headers, "Content-Type": "application/json"}
    r = await client.post(
        "/api/v1/plans/generate", content=_sized_body(acct.profile_id, LIMIT + 1), headers=headers
    )
    assert_problem(r, 413, "payload_too_large")
    await _nothing_written()
    r = await client.post(
        "/api/v1/plans/generate", content=_sized_body(acct.profile_id, LIMIT), headers=headers
    )
    assert r.status_code == 202, r.text


async def test_a_streamed_body_without_content_length_is_limited_too(client):
    acct = await account(client)
    body = _sized_body(acct.profile_id, 3 * LIMIT)

    async def chunks():
        for i in range(0, len(body), 4096):
            yield body[i : i + 4096]

    r = await client.post(
        "/api/v1/plans/generate",
        content=chunks(),
        headers={**acct.headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_problem(r, 413, "payload_too_large")
    await _nothing_written()


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/token"), ("PUT", "/api/v1/profile")],
)
async def test_every_json_endpoint_has_the_body_limit(client, method, path):
    acct = await account(client)
    before = await UserProfile.select().where(UserProfile.id == uuid.UUID(acct.profile_id))
    body = json.dumps({"email": "big@example.com", "password": PASSWORD, "pad": "x" * LIMIT}).encode()
    r = await client.request(
        method, path, content=body, headers={**acct.headers, "Content-Type": "application/json"}
    )
    assert_problem(r, 413, "payload_too_large")
    assert await User.count() == 1
    assert await UserProfile.select().where(UserProfile.id == uuid.UUID(acct.profile_id)) == before


@pytest.mark.parametrize("depth", [100, 5000, 30_000])
async def test_deeply_nested_json_is_422_not_500(client, depth):
    acct = await account(client)
    nested = "[" * depth + "]" * depth
    for path, method in (
        ("/api/v1/plans/generate", "POST"),
        ("/api/v1/auth/register", "POST"),
        ("/api/v1/profile", "PUT"),
    ):
        body = (
            nested
            if path != "/api/v1/plans/generate"
            else (json.dumps(generate_body(acct.profile_id))[:-1] + ', "deep": ' + nested + "}")
        )
        r = await client.request(
            method, path, content=body.encode(), headers={**acct.headers, "Content-Type": "application/json"}
        )
        assert_problem(r, 422, "validation_failed")
    await _nothing_written()
    assert await User.count() == 1


_PLAN = "/api/v1/plans/00000000-0000-0000-0000-000000000001"
# Every operation that takes a typed JSON body (generate reads its own, above). The body is read before
# the plan is looked up, so an unknown plan is fine here.
TYPED_BODIES = [
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("PUT", "/api/v1/profile"),
    ("PUT", f"{_PLAN}/weeks/1/sessions/1/log"),
    ("POST", f"{_PLAN}/weeks/1/redo"),
    ("POST", f"{_PLAN}/weeks/1/sessions/1/exercises/1/swap"),
    ("POST", "/api/v1/push/subscriptions"),
]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "json"),
        (b"[" * 5000 + b"]" * 5000, "json"),  # deeper than the decoder goes: it raised RecursionError (500)
        (b'{"a": ' + b"[" * 30_000 + b"]" * 30_000 + b"}", "json"),
        (b"", "missing"),
        (b"[]", "model_type"),
        (b'"text"', "model_type"),
    ],
    ids=["malformed", "deep", "deep_inside_an_object", "empty", "array", "string"],
)
async def test_every_typed_body_refuses_what_is_not_its_object_with_a_422(client, body, code):
    acct = await account(client)
    before = await UserProfile.select().where(UserProfile.id == uuid.UUID(acct.profile_id))
    for method, path in TYPED_BODIES:
        r = await client.request(
            method, path, content=body, headers={**acct.headers, "Content-Type": "application/json"}
        )
        problem = assert_problem(r, 422, "validation_failed")
        assert problem["errors"] == [{"field": "body", "message": "Send a JSON object.", "code": code}], (
            path,
            problem,
        )
    assert await User.count() == 1
    assert await UserProfile.select().where(UserProfile.id == uuid.UUID(acct.profile_id)) == before
    await _nothing_written()


async def test_typed_bodies_keep_each_operations_own_words(client):
    acct = await account(client)
    r = await client.post("/api/v1/auth/register", json={"email": "a@example", "password": "short"})
    problem = assert_problem(r, 422, "validation_failed")
    assert problem["detail"] == "Check your email and password."
    assert {e["field"]: e["message"] for e in problem["errors"]} == {
        "email": "Enter a valid email address, like name@example.com.",
        "password": "Use at least 10 characters.",
    }
    assert "short" not in r.text  # the input is never echoed (it may be a password)
    r = await client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": "p" * 129})
    assert _fields(assert_problem(r, 422, "validation_failed")) == {"password": "string_too_long"}
    assert r.json()["errors"][0]["message"] == "Keep this under 128 characters."
    r = await client.put(
        "/api/v1/profile", json={"personal_info": personal_info(age=200)}, headers=acct.headers
    )
    problem = assert_problem(r, 422, "validation_failed")
    assert problem["detail"] == "Some of your personal info is invalid."
    assert problem["errors"] == [
        {"field": "age", "message": "Enter a number from 13 to 100.", "code": "less_than_equal"}
    ]
    # The personal info alone (the first mobile release's body) reads the same.
    r = await client.put("/api/v1/profile", json=personal_info(age=200), headers=acct.headers)
    assert assert_problem(r, 422, "validation_failed")["errors"] == problem["errors"]
    r = await client.put("/api/v1/profile", json=personal_info(age=40), headers=acct.headers)
    assert r.status_code == 200 and r.json()["personal_info"]["age"] == 40


async def test_too_many_answers_and_oversized_answer_lists(client):
    acct = await account(client)
    body = generate_body(acct.profile_id)
    body["initial_responses"].update({f"extra_{i}": 1 for i in range(51 - len(body["initial_responses"]))})
    r = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
    assert _fields(assert_problem(r, 422, "validation_failed")) == {"initial_responses": "too_long"}
    # Many items inside one multiple-choice answer, and a question id the size of the body.
    r = await client.post(
        "/api/v1/plans/generate",
        headers=acct.headers,
        json=generate_body(acct.profile_id, answers=responses(barriers=["time"] * 8000)),
    )
    assert "initial_responses.barriers" in _fields(assert_problem(r, 422, "validation_failed"))
    body = generate_body(acct.profile_id)
    body["initial_questions"].append("q" * 60_000)
    r = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
    problem = assert_problem(r, 422, "validation_failed")
    assert len(r.content) < 4000  # the huge id is not echoed back
    assert any(f.startswith("initial_questions") for f in _fields(problem))
    await _nothing_written()


async def test_free_text_over_the_configured_limit(start_server):
    server = await start_server(max_free_text_chars=200)
    async with server.client() as client:
        acct = await account(client)
        long = "word " * 41  # 205 characters
        r = await client.post(
            "/api/v1/plans/generate",
            headers=acct.headers,
            json=generate_body(acct.profile_id, answers=responses(goal_details=long)),
        )
        assert _fields(assert_problem(r, 422, "validation_failed")) == {
            "initial_responses.goal_details": "invalid_answer"
        }
        r = await client.post(
            "/api/v1/plans/generate",
            headers=acct.headers,
            json=generate_body(acct.profile_id, info=personal_info(notes=long)),
        )
        assert "personal_info.notes" in _fields(assert_problem(r, 422, "validation_failed"))
        await _nothing_written()
        r = await client.post(
            "/api/v1/plans/generate",
            headers=acct.headers,
            json=generate_body(
                acct.profile_id,
                info=personal_info(notes=long[:200]),
                answers=responses(goal_details=long[:200]),
            ),
        )
        assert r.status_code == 202, r.text


def _own_token(user_id: str, size: int) -> str:
    """A correctly signed access token padded to exactly `size` characters."""
    now = int(time.time())
    claims = {
        "sub": user_id,
        "iat": now,
        "exp": now + 600,
        "iss": "trainplan",
        "token_use": "access",
        "pad": "",
    }
    base = len(jwt.encode(claims, SECRET, algorithm="HS256"))
    for pad in range(max(0, (size - base) * 3 // 4 - 8), size):
        claims["pad"] = "p" * pad
        token = jwt.encode(claims, SECRET, algorithm="HS256")
        if len(token) == size:
            return token
    raise AssertionError(f"no token of {size} characters")


async def test_a_token_over_jwt_max_bytes(start_server):
    server = await start_server(jwt_max_bytes=1024)
    async with server.client() as client:
        acct = await account(client)
        for size in (1023, 1024):
            ok = await client.get(
                "/api/v1/profile", headers={"Authorization": f"Bearer {_own_token(acct.user_id, size)}"}
            )
            assert ok.status_code == 200, (size, ok.text)
        big = _own_token(acct.user_id, 1025)
        r = await client.get("/api/v1/profile", headers={"Authorization": f"Bearer {big}"})
        assert "too large" in assert_problem(r, 401, "unauthorized")["detail"]
        assert r.headers["www-authenticate"].startswith("Bearer")
        # The legacy body field has the same limit.
        r = await client.post("/api/v1/plans/generate", json=generate_body(acct.profile_id, jwt_token=big))
        assert_problem(r, 401, "unauthorized")
        await _nothing_written()


@pytest.mark.parametrize(
    "extra",
    [
        {"id": "00000000-0000-0000-0000-000000000001"},
        {"status": "succeeded"},
        {"user_id": "x"},
        {"role": "admin"},
        {"plan_id": "00000000-0000-0000-0000-000000000001"},
        {"coach": "openai"},
    ],
)
async def test_mass_assignment_on_generate(client, extra):
    acct = await account(client)
    bodies = [
        generate_body(acct.profile_id, **extra),
        generate_body(acct.profile_id, info={**personal_info(), **extra}),
    ]
    if "id" not in extra:  # a question reference has an id of its own
        bodies.append(
            generate_body(acct.profile_id)
            | {
                "initial_questions": [
                    {"id": q, **extra} for q in generate_body(acct.profile_id)["initial_questions"]
                ]
            }
        )
    for body in bodies:
        r = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
        problem = assert_problem(r, 422, "validation_failed")
        assert "extra_forbidden" in _fields(problem).values(), problem
    await _nothing_written()
    profile = (
        await UserProfile.objects()
        .where(UserProfile.id == uuid.UUID(acct.profile_id))
        .output(load_json=True)
        .first()
    )
    assert profile.personal_info == {}


async def test_mass_assignment_on_profile_and_register(client):
    acct = await account(client)
    other_plan = str(uuid.uuid4())
    before = await UserProfile.select().where(UserProfile.id == uuid.UUID(acct.profile_id)).first()
    for body in (
        {"personal_info": personal_info(), "active_plan_id": other_plan},
        {"personal_info": personal_info(), "id": str(uuid.uuid4()), "user": str(uuid.uuid4())},
        # Named like the handlers' `user` dependency, alone: Litestar answered that with a 500.
        {"personal_info": personal_info(), "user": "SECRETinUSER"},
        {**personal_info(), "active_plan_id": other_plan},
        {"personal_info": {**personal_info(), "role": "admin"}},
    ):
        r = await client.put("/api/v1/profile", json=body, headers=acct.headers)
        problem = assert_problem(r, 422, "validation_failed")
        assert "extra_forbidden" in _fields(problem).values(), problem
        if "personal_info" in body and set(body) - {"personal_info"}:
            assert problem["detail"] == "Send only personal_info.", problem
            assert set(_fields(problem)) == set(body) - {"personal_info"}, problem
    assert await UserProfile.select().where(UserProfile.id == uuid.UUID(acct.profile_id)).first() == before
    for extra in (
        {"user": "SECRETinUSER"},
        {"role": "admin"},
        {"is_active": False},
        {"id": str(uuid.uuid4())},
        {"external_sub": "idp|x"},
    ):
        for path in ("/api/v1/auth/register", "/api/v1/auth/token"):
            r = await client.post(path, json={"email": "mass@example.com", "password": PASSWORD, **extra})
            problem = assert_problem(r, 422, "validation_failed")
            assert _fields(problem) == {next(iter(extra)): "extra_forbidden"}, problem
            assert "SECRET" not in r.text
    assert await User.count() == 1
    # A field named at any length comes back cut to 64 characters.
    r = await client.put(
        "/api/v1/profile", json={"personal_info": personal_info(), "k" * 5000: 1}, headers=acct.headers
    )
    assert _fields(assert_problem(r, 422, "validation_failed")) == {"k" * 64: "extra_forbidden"}


async def test_a_prompt_over_the_token_budget_never_reaches_the_llm(start_server, fake_openai):
    server = await start_server(
        openai_api_key="test-key",
        openai_base_url=fake_openai.base_url,
        prompt_token_budget=200,
        llm_fallback_enabled=False,
    )
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert r.status_code == 202, r.text
        job = await wait_for_job(client, acct, r.json()["job"]["id"])
        assert job["status"] == "failed", job
        assert job["error"]["code"] == "prompt_too_large" and job["error"]["retryable"] is False
        assert "token" not in job["error"]["message"].lower()  # a message for a person, not internals
        assert (await client.get("/api/v1/plans/current", headers=acct.headers)).status_code == 404
    assert fake_openai.calls == []
    assert await Plan.count() == 0
    assert await AnalyticsEvent.count().where(AnalyticsEvent.name == "plan_generation_succeeded") == 0

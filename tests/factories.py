"""Test data, made through the app's own services and API (never by writing rows by hand)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


QUESTIONS_FORM = {  # the onboarding steps' forms as a person fills them (browser tests, page tests)
    "plan_weeks": "4",
    "activities": ["strength", "mobility"],
    "weekly_running_km": "0",
    "motivation": "4",
    "barriers": ["time"],
    "goal_details": "Carry my kids up the hill without getting out of breath.",
}
PERSONAL_FORM = {
    "age": "34",
    "sex": "female",
    "height": "168",
    "height_unit": "cm",
    "weight": "64",
    "weight_unit": "kg",
    "experience_level": "intermediate",
    "goal": "strength",
    "days_per_week": "3",
    "available_days": ["mon", "wed", "fri", "sat"],
    "minutes_per_session": "45",
    "equipment": ["dumbbells", "bench"],
    "injuries": [],
    "notes": "",
}


def form_body(fields: dict[str, Any]) -> dict[str, Any]:
    """Form fields as a browser posts them: lists as repeated values, empty lists left out."""
    return {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in fields.items() if v != []}


def personal_info(**overrides: Any) -> dict[str, Any]:
    info = {
        "age": 34,
        "sex": "female",
        "height": {"value": 168, "unit": "cm"},
        "weight": {"value": 64, "unit": "kg"},
        "experience_level": "intermediate",
        "goal": "strength",
        "days_per_week": 3,
        "available_days": ["mon", "wed", "fri", "sat"],
        "minutes_per_session": 60,
        "equipment": ["dumbbells", "bench", "pull_up_bar"],
        "injuries": [],
        "notes": "",
    }
    info.update(overrides)
    return info


def responses(**overrides: Any) -> dict[str, Any]:
    answers = {
        "plan_weeks": 4,
        "activities": ["strength", "mobility"],
        "weekly_running_km": 0,
        "motivation": 4,
        "barriers": ["time"],
        "goal_details": "Get stronger for hiking.",
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not ...}


def generate_body(profile_id: str, *, info: dict | None = None, answers: dict | None = None, **extra) -> dict:
    answers = responses() if answers is None else answers
    return {
        "user_profile_id": profile_id,
        "personal_info": info or personal_info(),
        "initial_questions": [
            "plan_weeks",
            "activities",
            "weekly_running_km",
            "motivation",
            "barriers",
            "goal_details",
        ],
        "initial_responses": answers,
        **extra,
    }


class Account:
    def __init__(self, email: str, token: str, profile_id: str, user_id: str) -> None:
        self.email = email
        self.token = token
        self.profile_id = profile_id
        self.user_id = user_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def account(client: httpx.AsyncClient, email: str | None = None) -> Account:
    email = email or f"person{next(_counter)}@example.com"
    r = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    return Account(email, body["access_token"], body["profile_id"], body["user_id"])


async def wait_for_job(client: httpx.AsyncClient, acct: Account, job_id: str, timeout: float = 30) -> dict:
    import asyncio

    loop = asyncio.get_running_loop()
    ends = loop.time() + timeout
    while True:
        r = await client.get(f"/api/v1/generations/{job_id}", headers=acct.headers)
        assert r.status_code == 200, r.text
        job = r.json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        if loop.time() > ends:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
        await asyncio.sleep(0.05)


async def until(check, *, timeout: float = 10, interval: float = 0.02, what: str = "the condition") -> Any:
    """`await check()`'s first truthy value, asked every `interval` (it reads another process: the app over
    HTTP, or the fake server); an AssertionError if it stays false for `timeout` seconds."""
    import asyncio

    loop = asyncio.get_running_loop()
    ends = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > ends:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(interval)


async def made_plan(client, acct: Account, **extra: Any) -> dict:
    """A plan made through the API for `acct` (waiting for it: Prefer: wait), as the API returns it."""
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id, **extra),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert r.status_code == 200, r.text
    return r.json()["plan"]

"""Observability: JSON logs that correlate and never leak, Prometheus metrics that move, health checks
that tell live from ready."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import PASSWORD, generate_body, personal_info, responses, until
from tests.reliability.support import accounts, follow, job_of, llm, process_env, submit
from tests.sse import read_events

API_KEY = "sk-test-SECRET-123"
MARKER = "QUOKKA-7f3a9c-MARKER"  # free text a person typed: must never reach a log line
# Loggers whose lines are about one job and must say which.
JOB_LOGGERS = {"web.generation.pipeline", "web.coach", "web.coach.cache", "web.playbook"}
RUNNER_LIFECYCLE = {"job runner started", "job runner stopped", "runner loop error; continuing"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens on it once the socket is closed


# ------------------------------------------------------------------------------------------------ logs


async def test_json_logs_correlate_and_never_leak_secrets_or_free_text(server_process, fake_openai):
    proc = server_process(
        **process_env(fake_openai, OPENAI_API_KEY=API_KEY, LOG_FORMAT="json", LOG_LEVEL="INFO")
    ).start()
    email = f"obs-{time.time_ns()}@example.com"
    async with httpx.AsyncClient(base_url=proc.url, timeout=30) as client:
        assert (
            await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        ).status_code == 201
        wrong = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD + "-nope"})
        assert wrong.status_code == 401
        token = (await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})).json()
        jwt, profile_id = token["access_token"], token["profile_id"]
        headers = {"Authorization": f"Bearer {jwt}"}
        body = generate_body(
            profile_id,
            info=personal_info(notes=f"old knee thing {MARKER}"),
            answers=responses(goal_details=f"hike the {MARKER} trail"),
        )
        # A refused request carrying the secrets and the marker (too long a note) must not log them either.
        too_long = {**body, "personal_info": {**body["personal_info"], "notes": MARKER * 100}}
        assert (
            await client.post("/api/v1/plans/generate", json=too_long, headers=headers)
        ).status_code == 422
        # The legacy body token, a bad token, and a request id of our own.
        r = await client.post(
            "/api/v1/plans/generate",
            json={**body, "jwt_token": jwt},
            headers={"X-Request-ID": "obs-test-req-1"},
        )
        assert r.status_code == 202, r.text
        assert r.headers["x-request-id"] == "obs-test-req-1"
        job = r.json()["job"]
        assert (
            await client.get("/api/v1/plans/current", headers={"Authorization": f"Bearer {jwt}x"})
        ).status_code == 401
        status, events = await read_events(client, job["events_url"], headers)
        assert status == 200 and events[-1].event == "done"
        assert (await client.get("/api/v1/plans/current", headers=headers)).status_code == 200
        await client.get("/api/v1/playbook", headers=headers)
    proc.terminate()
    text = proc.logs()

    for secret in (jwt, PASSWORD, API_KEY, MARKER, jwt.split(".")[2]):
        assert secret not in text, f"a log line contains {secret[:12]}..."
    lines = []
    for number, raw in enumerate(text.splitlines()):
        if not raw.strip() or (number == 0 and raw.startswith("trainplan at http")):
            continue  # the one plain line `python -m web` prints for a person, before the JSON logs
        try:
            lines.append(json.loads(raw))
        except ValueError:
            pytest.fail(f"a log line is not JSON: {raw[:200]}")
    assert all("request_id" in line and "ts" in line and "level" in line for line in lines)
    access = [line for line in lines if line["logger"] == "web.access"]
    assert len(access) >= 8 and all(line["request_id"] and line["status"] for line in access)
    assert {line["path"] for line in access} >= {"/api/v1/auth/token", "/api/v1/plans/generate"}
    # The caller's request id ties the access line and the handler's lines together.
    mine = [line for line in lines if line["request_id"] == "obs-test-req-1"]
    assert {"web.access", "web.generation"} <= {line["logger"] for line in mine}, mine
    handler = [line for line in lines if line["logger"] in ("web.generation", "web.errors", "web.auth")]
    assert handler and all(line["request_id"] for line in handler)
    job_lines = [
        line
        for line in lines
        if line["logger"] in JOB_LOGGERS
        or (line["logger"] == "web.generation.runner" and line["msg"] not in RUNNER_LIFECYCLE)
    ]
    assert len(job_lines) >= 6 and all(line.get("job_id") == job["id"] for line in job_lines), [
        line for line in job_lines if line.get("job_id") != job["id"]
    ]
    assert any(line["msg"] == "plan saved" for line in job_lines)


# ------------------------------------------------------------------------------------------------ metrics


def _samples(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _total(samples: dict, name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


async def test_metrics_move_after_a_success_and_a_failure(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 1.5, "match": "outline", "times": 1})
    server = await start_server(**llm(fake_openai, llm_fallback_enabled=False, openai_timeout_seconds=10))
    async with server.client() as client:
        before = _samples((await client.get("/metrics")).text)
        assert _value(before, "trainplan_open_event_streams") == 0
        ok, bad = await accounts(client, 2)
        # While a job runs and someone watches it: the gauges show it.
        job = (await submit(client, ok)).json()["job"]
        stream = asyncio.create_task(read_events(client, job["events_url"], ok.headers))

        async def scrape() -> dict:
            return _samples((await client.get("/metrics")).text)

        async def watched() -> (
            dict | None
        ):  # the job runs for 1.5 s (the hanging outline) while the stream opens
            samples = await scrape()
            return samples if _value(samples, "trainplan_open_event_streams") == 1 else None

        during = await until(watched, what="the stream counted in /metrics")
        assert _value(during, "trainplan_generation_queue_depth") == 1
        await stream
        assert (await job_of(client, ok, job["id"]))["status"] == "succeeded"
        fake_openai.script({"name": "server_error", "match": "outline", "times": 10})
        failed = (await submit(client, bad)).json()["job"]
        await follow(client, bad, failed)

        async def settled() -> (
            bool
        ):  # the playbook beside each job, and the runner's bookkeeping, end on their own
            samples = await scrape()
            return (
                _total(samples, "trainplan_playbook_duration_seconds_count") == 2
                and _value(samples, "trainplan_generation_queue_depth") == 0
            )

        await until(settled, what="both playbook runs measured and the runner idle")
        response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)
    assert _value(after, "trainplan_generations_started_total", coach="openai") == 2
    assert _value(after, "trainplan_generations_succeeded_total", coach="openai") == 1
    assert _value(after, "trainplan_generations_failed_total", code="llm_unavailable") == 1
    assert _value(after, "trainplan_generation_duration_seconds_count") == 2
    assert _value(after, "trainplan_llm_call_duration_seconds_count", kind="outline", outcome="ok") == 1
    assert (
        _value(after, "trainplan_llm_call_duration_seconds_count", kind="outline", outcome="llm_unavailable")
        == 1
    )
    assert _value(after, "trainplan_llm_call_duration_seconds_count", kind="week", outcome="ok") == 4
    assert _value(after, "trainplan_llm_tokens_total", type="prompt") > 0
    assert _value(after, "trainplan_llm_tokens_total", type="completion") > 0
    assert _value(after, "trainplan_plan_save_duration_seconds_count") == 1
    assert _total(after, "trainplan_playbook_duration_seconds_count") == 2
    assert _value(after, "trainplan_generation_queue_depth") == 0
    assert _value(after, "trainplan_open_event_streams") == 0
    # Requests per route template, with their latency (Litestar's Prometheus middleware).
    submits = {
        "method": "POST",
        "path": "/api/v1/plans/generate",
        "status_code": "202",
        "app_name": "trainplan",
    }
    assert (
        _value(after, "trainplan_requests_total", **submits)
        - _value(before, "trainplan_requests_total", **submits)
        == 2
    )
    assert _value(after, "trainplan_request_duration_seconds_count", **submits) >= 2
    generation = {**submits, "method": "GET", "path": "/api/v1/generations/{job_id}", "status_code": "200"}
    assert _value(after, "trainplan_requests_total", **generation) >= 1
    assert not any(dict(labels).get("path", "").endswith("/events") for _, labels in after)


# ------------------------------------------------------------------------------------------------ health


async def test_live_and_ready_when_all_is_well(client):
    live = await client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ok", "checks": {"database": "ok"}}


def _assert_not_ready(response: httpx.Response, **checks: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"]
    body = response.json()
    assert body["code"] == "not_ready" and body["status"] == 503
    assert body["checks"] == checks


def test_ready_is_503_while_postgresql_is_unreachable_but_the_process_lives(server_process):
    """Started with the database down (a PostgreSQL URL at a closed port), the process still starts: live
    says 200 (do not restart me), ready says 503 (do not send me traffic), and requests get a 503 that says
    to try again, not a 500."""
    proc = server_process(DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/trainplan").start()
    assert httpx.get(proc.url + "/health/live").status_code == 200
    _assert_not_ready(httpx.get(proc.url + "/health/ready"), database="down")
    r = httpx.post(proc.url + "/api/v1/auth/register", json={"email": "x@example.com", "password": PASSWORD})
    assert r.status_code == 503 and r.json()["code"] == "database_unavailable", r.text
    proc.terminate()
    assert "unhandled error" not in proc.logs()


@pytest.mark.sqlite_only
async def test_ready_is_503_while_the_sqlite_file_cannot_be_opened(server):
    """The SQLite file's directory is gone (an unmounted volume): ready says 503, then 200 once it is back."""
    from web.db import engine

    db = engine()
    path = db.path
    async with server.client() as client:
        db.path = "/nonexistent-trainplan-dir/db.sqlite3"
        try:
            assert (await client.get("/health/live")).status_code == 200
            _assert_not_ready(await client.get("/health/ready"), database="down")
        finally:
            db.path = path
        assert (await client.get("/health/ready")).status_code == 200


def test_ready_is_503_when_redis_is_down_and_the_process_still_starts(server_process):
    """REDIS_URL at a closed port: the process starts (live events fall back to polling the database),
    ready says 503 with checks.redis=down and the database ok."""
    proc = server_process(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0").start()
    assert httpx.get(proc.url + "/health/live").status_code == 200
    _assert_not_ready(httpx.get(proc.url + "/health/ready"), database="ok", redis="down")
    proc.terminate()


async def test_the_backlog_gauge_counts_the_queued_jobs_in_the_table(start_server):
    server = await start_server(run_worker=False)  # nothing leaves the queue
    async with server.client() as client:
        people = await accounts(client, 2)
        jobs = [(await submit(client, acct)).json()["job"] for acct in people]
        assert _value(_samples((await client.get("/metrics")).text), "trainplan_generation_queued_jobs") == 2
        r = await client.post(f"/api/v1/generations/{jobs[0]['id']}/cancel", headers=people[0].headers)
        assert r.status_code == 200
        assert _value(_samples((await client.get("/metrics")).text), "trainplan_generation_queued_jobs") == 1

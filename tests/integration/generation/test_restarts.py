"""A server killed or stopped with jobs in flight: every job finishes or fails, none hangs."""

from __future__ import annotations

import time

import httpx

from tests.factories import PASSWORD, generate_body


def _account(url: str) -> tuple[dict, str]:
    with httpx.Client(base_url=url, timeout=10) as c:
        email = f"restart{time.time_ns()}@example.com"
        c.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).raise_for_status()
        body = c.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {body['access_token']}"}, body["profile_id"]


def _poll(url: str, headers: dict, job_id: str, timeout: float = 40) -> dict:
    """The job once it has ended; an AssertionError if it has not within `timeout` seconds."""
    ends = time.monotonic() + timeout
    while True:
        job = httpx.get(f"{url}/api/v1/generations/{job_id}", headers=headers, timeout=5).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        if time.monotonic() > ends:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
        time.sleep(0.1)  # asking another process over HTTP


def _env(fake, **extra):
    return {
        "OPENAI_API_KEY": "k",
        "OPENAI_BASE_URL": fake.base_url,
        "JOB_LEASE_SECONDS": "1",
        "OPENAI_TIMEOUT_SECONDS": "30",
        "RATE_LIMIT_AUTH_PER_MINUTE": "1000",
        **extra,
    }


def _wait_for(check, what: str, timeout: float = 20) -> None:
    ends = time.monotonic() + timeout
    while not check():
        if time.monotonic() > ends:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)  # reading the fake server's state


def _wait_running(url, headers, job_id):
    for _ in range(200):
        if httpx.get(f"{url}/api/v1/generations/{job_id}", headers=headers).json()["status"] == "running":
            return
        time.sleep(0.05)
    raise AssertionError("job never started")


def test_sigkill_mid_job_then_restart_resumes_it(server_process, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 3, "match": "week", "times": 1})
    first = server_process(**_env(fake_openai)).start()
    headers, profile_id = _account(first.url)
    r = httpx.post(f"{first.url}/api/v1/plans/generate", json=generate_body(profile_id), headers=headers)
    job_id = r.json()["job"]["id"]
    _wait_running(first.url, headers, job_id)
    # Mid-week: the first week call (the one that hangs 3 s) has reached the model.
    _wait_for(lambda: fake_openai.calls_for("week"), "the hanging week call under way")
    first.kill()
    outline_calls = [c for c in fake_openai.calls if c["kind"] == "outline"]
    second = server_process(**{**_env(fake_openai), "PORT": str(first.port)}).start()
    job = _poll(second.url, headers, job_id)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    # the outline was checkpointed: the resumed attempt did not pay for it again
    assert len([c for c in fake_openai.calls if c["kind"] == "outline"]) == len(outline_calls) == 1


def test_sigkill_with_attempts_used_up_fails_retryable(server_process, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 30, "match": "outline", "times": 5})
    env = _env(fake_openai, JOB_MAX_ATTEMPTS="1")
    first = server_process(**env).start()
    headers, profile_id = _account(first.url)
    job_id = httpx.post(
        f"{first.url}/api/v1/plans/generate", json=generate_body(profile_id), headers=headers
    ).json()["job"]["id"]
    _wait_running(first.url, headers, job_id)
    first.kill()
    second = server_process(**{**env, "PORT": str(first.port)}).start()
    job = _poll(second.url, headers, job_id, timeout=20)
    assert job["status"] == "failed"
    assert job["error"]["code"] == "interrupted" and job["error"]["retryable"] is True


def test_sigterm_hands_back_running_jobs_and_the_next_server_finishes_them(server_process, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 30, "match": "outline", "times": 1})
    first = server_process(**_env(fake_openai)).start()
    headers, profile_id = _account(first.url)
    job_id = httpx.post(
        f"{first.url}/api/v1/plans/generate", json=generate_body(profile_id), headers=headers
    ).json()["job"]["id"]
    _wait_running(first.url, headers, job_id)
    started = time.monotonic()
    first.terminate(timeout=30)  # uvicorn re-raises SIGTERM after its graceful shutdown: exit code -15
    assert time.monotonic() - started < 25  # graceful, within the deadline
    logs = first.logs()
    assert "job handed back to the queue" in logs and "job runner stopped" in logs
    assert "Traceback" not in logs
    second = server_process(**{**_env(fake_openai), "PORT": str(first.port)}).start()
    job = _poll(second.url, headers, job_id)
    assert job["status"] == "succeeded", job

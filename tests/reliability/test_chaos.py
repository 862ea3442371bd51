"""Chaos across processes: 2 web processes and 3 workers on PostgreSQL and Redis, people generating and
following their jobs' streams on either web process, while workers are killed (SIGKILL) and restarted
every few seconds, one is stopped with SIGTERM with jobs running, and Redis goes away for a while.

Every job ends once, succeeded; one plan per job; every stream sees its job's end; the invariants hold;
and no LLM answer is paid for twice beyond the calls in flight on a killed worker (counted at the fake).
`make chaos` runs it alone; `.ci/run` runs it with the PostgreSQL suite. CHAOS_USERS sets the people
(default 100, two generations each).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.factories import Account, account, generate_body, personal_info, responses
from tests.fakes.openai_server import FakeOpenAI
from tests.live import ROOT, free_port
from tests.reliability.support import assert_invariants, follow, process_env
from web.coach import prompt_text
from web.tables import GenerationJob, Plan

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow, pytest.mark.timeout(420)]

USERS = int(os.environ.get("CHAOS_USERS", "100"))
KILL_EVERY = 1.5  # seconds between rounds of chaos


class Process:
    """A child process (`python -m web.worker`, or redis-server) with its log, started and stopped."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, ready: str) -> None:
        self.args, self.env, self.log, self.ready = args, env, log, ready
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> Process:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out, stderr=out)
        ends = time.monotonic() + timeout
        while self.ready.encode() not in self.log.read_bytes()[offset:]:
            if self.proc.poll() is not None or time.monotonic() > ends:
                raise RuntimeError(f"{self.args[0]} did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.05)  # reading a child's log for its ready line
        return self

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> float:
        assert self.proc is not None
        started = time.monotonic()
        self.proc.wait(timeout)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def redis_process(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server binary: the chaos run starts and stops a Redis of its own")
    port = free_port()
    args = [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
    proc = Process(args, dict(os.environ), tmp_path / "redis.log", "Ready to accept connections")
    yield port, proc.start()
    proc.stop()


async def test_chaos_across_processes(database, server_process, redis_process, tmp_path):
    port, redis = redis_process
    fake = FakeOpenAI(latency=(0.5, 3000)).start()
    env = process_env(
        fake,
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        RUN_WORKER="false",
        JOB_LEASE_SECONDS="2",
        JOB_MAX_ATTEMPTS="10",
        GENERATION_DEADLINE_SECONDS="240",
        GENERATION_CONCURRENCY="2",
        RATE_LIMIT_GENERATIONS_PER_HOUR="100",
        SSE_MAX_STREAMS_PER_USER="10",
    )
    webs = [server_process(**env).start() for _ in range(2)]
    worker_env = {**os.environ, **env, "DATABASE_URL": database}
    workers = [
        Process(
            [sys.executable, "-m", "web.worker"], worker_env, tmp_path / f"worker-{i}.log", "worker ready"
        )
        for i in range(3)
    ]
    try:
        for worker in workers:
            worker.start()
        # Idle connections are dropped after 1 s, well before uvicorn closes them (5 s): reusing one the
        # server is closing at that moment is a client-side race, not what this run is about.
        limits = httpx.Limits(keepalive_expiry=1)
        clients = [httpx.AsyncClient(base_url=w.url, timeout=60, limits=limits) for w in webs]
        people = await asyncio.gather(*(_person(random.choice(clients), n) for n in range(USERS)))
        done, second_wave = asyncio.Event(), asyncio.Event()
        chaos = asyncio.create_task(_chaos(workers, redis, fake, done, second_wave))
        streams = await asyncio.gather(
            *(_generate_twice(clients, acct, n, second_wave) for n, acct in enumerate(people))
        )
        done.set()
        in_flight_at_kills, sigterm_seconds, held_a_job = await chaos
        for client in clients:
            await client.aclose()
    finally:
        for worker in workers:
            worker.stop()
        fake.stop()

    # Every stream saw its job's end; every job succeeded, once; one plan each.
    assert all(events[-1].event == "done" for pair in streams for events in pair)
    jobs = await GenerationJob.select(GenerationJob.id, GenerationJob.status)
    assert len(jobs) == 2 * USERS and Counter(j["status"] for j in jobs) == {"succeeded": 2 * USERS}
    assert await Plan.count() == 2 * USERS
    await assert_invariants(grace_seconds=30)
    # The chaos happened; a worker given SIGTERM stops within 25 s, its running jobs finished or handed back.
    assert len(in_flight_at_kills) >= 2 and 0 < sigterm_seconds < 25
    # LLM answers paid twice: at most the calls in flight when a worker was killed.
    answered = [c for c in fake.calls if c["status"] == 200 and c["kind"] in ("outline", "week")]
    keys = Counter((_brief_key(c), c["kind"], c["week"]) for c in answered)
    paid_twice = sum(n - 1 for n in keys.values())
    print(
        f"chaos: {len(in_flight_at_kills)} kills, {paid_twice} answers paid twice, "
        f"SIGTERM {sigterm_seconds:.1f} s (held a job: {held_a_job})"
    )
    assert paid_twice <= sum(in_flight_at_kills), (paid_twice, in_flight_at_kills)


async def _person(client: httpx.AsyncClient, n: int) -> Account:
    return await account(client, f"chaos-{n}-{os.getpid()}@example.com")


async def _generate_twice(clients, acct: Account, n: int, second_wave: asyncio.Event) -> list:
    """A first plan, then (after the SIGTERM) a regeneration, each followed on a web process picked at
    random."""
    # Every person's brief differs (age, then session length past 60 people), so their LLM answers do too:
    # the same brief twice would be counted as answers paid twice.
    info = personal_info(age=20 + n % 60, minutes_per_session=60 + 5 * (n // 60))
    seen = []
    for weeks, regenerate in ((4, False), (5, True)):  # and the regeneration's brief differs from the first
        if regenerate:
            await second_wave.wait()
        answers = responses(plan_weeks=weeks)
        body = generate_body(acct.profile_id, info=info, answers=answers, regenerate=regenerate)
        # As a mobile client does: an Idempotency-Key, and the same request again on a connection error
        # (another web process, the same key: the same job, never a second one).
        headers = {**acct.headers, "Idempotency-Key": f"chaos-{n}-{weeks}"}
        for attempt in (1, 2, 3):
            try:
                r = await random.choice(clients).post("/api/v1/plans/generate", json=body, headers=headers)
                break
            except httpx.TransportError:
                if attempt == 3:
                    raise
        assert r.status_code == 202, r.text
        seen.append(await follow(random.choice(clients), acct, r.json()["job"]))
    return seen


def _brief_key(call: dict) -> str:
    brief = prompt_text.read_brief(call["messages"])
    return brief.model_dump_json() if brief is not None else ""


async def _chaos(
    workers: list[Process], redis: Process, fake: FakeOpenAI, done: asyncio.Event, second_wave: asyncio.Event
):
    """Until `done`, every KILL_EVERY seconds: round 2 stops Redis for 3 s, round 3 stops a worker that
    holds a running job with SIGTERM (the regenerations start after it), every other round SIGKILLs a
    random worker; a stopped worker is started again. Returns (the calls in flight at each kill and at the
    SIGTERM, the SIGTERM'd worker's time to stop, whether it held a job)."""
    in_flight: list[int] = []
    sigterm_seconds, held_a_job = 0.0, False
    rounds = 0
    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), KILL_EVERY)  # the pace of the chaos itself
        if done.is_set():
            break
        rounds += 1
        if rounds == 2:  # Redis goes away: streams fall back to polling the events table
            redis.stop()
            await asyncio.sleep(3)  # how long Redis stays away
            await asyncio.to_thread(redis.start)
            continue
        worker = random.choice(workers)
        if rounds == 3:  # a graceful stop, of a worker with a job running if there is one
            busy = await _workers_with_jobs(workers)
            held_a_job = bool(busy)
            worker = busy[0] if busy else worker
            in_flight.append(fake.in_flight)  # what it hands back unfinished is asked again elsewhere
            worker.signal(signal.SIGTERM)
            sigterm_seconds = await asyncio.to_thread(worker.wait, 60)
            second_wave.set()
        else:
            in_flight.append(fake.in_flight)
            worker.signal(signal.SIGKILL)
            await asyncio.to_thread(worker.wait, 10)
        await asyncio.to_thread(worker.start)
    return in_flight, sigterm_seconds, held_a_job


async def _workers_with_jobs(workers: list[Process]) -> list[Process]:
    """The workers holding a running job (a lease owner names its process id: host:pid:nonce)."""
    owners = await GenerationJob.select(GenerationJob.lease_owner).where(GenerationJob.status == "running")
    pids = {int(o["lease_owner"].split(":")[1]) for o in owners if o["lease_owner"]}
    return [w for w in workers if w.proc is not None and w.proc.pid in pids]

"""Thousands of open event streams on one process: what they cost while nothing happens, how fast an
event reaches every listener, and whether database reads grow with listeners (they should not).

    jobs in progress   `--stream-jobs` generations (default 200) held in progress: the fake model hangs on
                       their outline; GENERATION_CONCURRENCY=64 run, the rest wait queued (a queued
                       job's stream is followed the same way)
    streams            `--streams` (default 5,000) listeners spread over those jobs, raw sockets (the
                       client's own cost kept small)

Measured, each against a baseline taken in the same run:
    idle CPU           the server's CPU (utime + stime of its process) over 10 s with the streams open,
                       vs the same 10 s with the jobs in progress and no stream
    reads/s            reads of the events table per second (trainplan_event_reads_total) with every
                       stream open, vs with one stream per job
    event to client    each job is cancelled; from the `cancelled` event's `at` (stamped just before its
                       commit) to each listener reading it, p50/p95, vs GET /health/live with the streams
                       open; and from sending the cancel (its request's own time included)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx

PING_SECONDS = float(os.environ.get("SSE_PING_SECONDS", "25"))  # the server's default
IDLE_SECONDS = 2 * PING_SECONDS  # whole ping rounds: streams opened together ping together
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


async def reads_of_events(client: httpx.AsyncClient) -> float:
    for line in (await client.get("/metrics")).text.splitlines():
        if line.startswith("trainplan_event_reads_total "):
            return float(line.split()[1])
    raise RuntimeError("no trainplan_event_reads_total in /metrics")


class Listener:
    """One raw SSE connection: records when it first hears from the server and when `cancelled` arrives."""

    def __init__(self, port: int, path: str, token: str) -> None:
        self.port, self.path, self.token = port, path, token
        self.opened = asyncio.Event()
        self.cancelled_at: float | None = None
        self.refused: str | None = None
        self.commit_to_client: float | None = None  # from the event's `at` (just before its commit)
        self.done = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=2**20)
        self._writer = writer
        writer.write(
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            status = await reader.readline()
            if b" 200 " not in status:
                self.refused = status.decode(errors="replace").strip()
                return
            while line := await reader.readline():
                if line.startswith(b"event: "):
                    self.opened.set()
                    if line.startswith(b"event: cancelled"):
                        self.cancelled_at = time.perf_counter()
                        data = await reader.readline()
                        at = json.loads(data.removeprefix(b"data: "))["at"]
                        written = dt.datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
                        self.commit_to_client = time.time() - written
                        return
        finally:
            self.opened.set()
            self.done.set()
            writer.close()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


async def bench_streams(row: Callable, tmp: str, streams: int, jobs: int) -> None:
    from tests.factories import generate_body
    from tests.fakes.openai_server import FakeOpenAI
    from tests.live import ServerProcess, free_port

    fake = FakeOpenAI().start()
    fake.script({"name": "hang", "seconds": 3600, "match": "outline", "times": 10 * jobs})
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TRAINPLAN_TEST_LOG": str(Path(tmp) / "streams-server.log"),
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_TIMEOUT_SECONDS": "3600",
        "LLM_CACHE_TTL_HOURS": "0",
        "LLM_FALLBACK_ENABLED": "false",
        "RATE_LIMIT_AUTH_PER_MINUTE": "100000",
        "RATE_LIMIT_GENERATIONS_PER_HOUR": "100000",
        "RATE_LIMIT_GENERATIONS_PER_DAY": "100000",
        "SSE_MAX_STREAMS": str(streams + 100),
        "SSE_MAX_STREAMS_PER_USER": str(streams),
        "GENERATION_CONCURRENCY": "64",
        "GENERATION_QUEUE_MAX": str(jobs + 10),
    }
    server = ServerProcess(env, port).start()
    pid = server.proc.pid
    listeners: list[Listener] = []
    tasks: list[asyncio.Task] = []
    try:
        people = await _people(server.url, jobs)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            job_ids = []
            for token, profile_id in people:
                r = await client.post(
                    "/api/v1/plans/generate",
                    json=generate_body(profile_id),
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert r.status_code == 202, r.text
                job_ids.append(r.json()["job"]["id"])

            quiet = _cpu_over(pid, IDLE_SECONDS)

            def open_streams(count: int, start: int) -> None:
                for i in range(start, start + count):
                    token, _ = people[i % jobs]
                    listener = Listener(port, f"/api/v1/generations/{job_ids[i % jobs]}/events", token)
                    listeners.append(listener)
                    tasks.append(asyncio.create_task(listener.run()))

            open_streams(jobs, 0)  # one per job
            await _all_open(listeners)
            one_each = await _reads_per_second(client)
            open_streams(streams - jobs, jobs)
            await _all_open(listeners)

            busy = _cpu_over(pid, IDLE_SECONDS)
            all_open = await _reads_per_second(client)
            row(
                f"idle server CPU, {streams} streams over {jobs} jobs in progress",
                f"{busy * 100:.1f}% core",
                f"no streams {quiet * 100:.1f}% core",
                busy / max(quiet, 0.001),
            )
            row(
                "  the streams' own share of a core (goal <= 5%)",
                f"{(busy - quiet) * 100:.1f}% core",
                "one core 100%",
                busy - quiet,
            )
            row(
                f"events-table reads/s, {streams} streams",
                f"{all_open:.0f}/s",
                f"one stream per job {one_each:.0f}/s",
                all_open / max(one_each, 0.001),
            )

            lives = []
            for _ in range(20):
                started = time.perf_counter()
                await client.get("/health/live")
                lives.append(time.perf_counter() - started)
            from_send = await _cancel_all(server.url, people, job_ids, listeners)
            committed = [lst.commit_to_client for lst in listeners if lst.commit_to_client is not None]
            assert len(committed) == len(listeners), "a listener's cancelled event had no `at`"
            live = statistics.median(lives)
            row(
                f"event commit to each of {streams} listeners (p50)",
                f"{statistics.median(committed) * 1000:.0f} ms",
                f"GET /health/live {live * 1000:.1f} ms",
                statistics.median(committed) / live,
            )
            row(
                f"event commit to each of {streams} listeners (p95; goal <= 250 ms)",
                f"{_p95(committed) * 1000:.0f} ms",
                "250 ms",
                _p95(committed) / 0.25,
            )
            row(
                "  cancel sent to each listener (p95: the cancel request's own time included)",
                f"{_p95(from_send) * 1000:.0f} ms",
                "250 ms",
                _p95(from_send) / 0.25,
            )
    finally:
        for listener in listeners:
            listener.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.terminate()
        fake.stop()


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


async def _people(url: str, count: int) -> list[tuple[str, str]]:
    """`count` accounts (token, profile id), made eight at a time (the password hashing is the cost)."""
    from tests.factories import PASSWORD

    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def one(i: int) -> tuple[str, str]:
            async with gate:
                email = f"streams-{i}-{os.getpid()}@example.com"
                r = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
                assert r.status_code == 201, r.text
                r = await client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
                body = r.json()
                return body["access_token"], body["profile_id"]

        return list(await asyncio.gather(*(one(i) for i in range(count))))


async def _all_open(listeners: list[Listener]) -> None:
    await asyncio.wait_for(asyncio.gather(*(lst.opened.wait() for lst in listeners)), 300)
    refused = [lst.refused for lst in listeners if lst.refused or lst.done.is_set()]
    if refused:
        raise RuntimeError(f"{len(refused)} streams were refused or closed, e.g. {refused[0]}")


def _cpu_over(pid: int, seconds: float) -> float:
    """The server's CPU over `seconds` of wall time, as a share of one core (blocks this process on purpose:
    the measurement is of the server left alone)."""
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - started)


async def _reads_per_second(client: httpx.AsyncClient, seconds: float = 5.0) -> float:
    before, started = await reads_of_events(client), time.monotonic()
    await asyncio.sleep(seconds)  # a measuring window, not a wait for an event
    return (await reads_of_events(client) - before) / (time.monotonic() - started)


async def _cancel_all(url: str, people, job_ids, listeners: list[Listener]) -> list[float]:
    """Cancel each job (eight at a time) and time every listener's `cancelled` from its cancel's send."""
    sent: dict[str, float] = {}
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def cancel(i: int) -> None:
            async with gate:
                token, _ = people[i]
                sent[job_ids[i]] = time.perf_counter()
                r = await client.post(
                    f"/api/v1/generations/{job_ids[i]}/cancel", headers={"Authorization": f"Bearer {token}"}
                )
                assert r.status_code == 200, r.text

        await asyncio.gather(*(cancel(i) for i in range(len(job_ids))))
        await asyncio.wait_for(asyncio.gather(*(lst.done.wait() for lst in listeners)), 120)
    out = []
    for listener in listeners:
        job_id = listener.path.split("/")[-2]
        assert listener.cancelled_at is not None, "a listener never heard its job's cancelled event"
        out.append(listener.cancelled_at - sent[job_id])
    return out

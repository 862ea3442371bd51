"""A burst of people registering and generating at once against a live server, each following their
own event stream to its end. Used by test_load.py and by bench/run.py; loopback only, bounded in
people and time."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.factories import account, generate_body
from tests.sse import read_events

TERMINAL_EVENTS = ("done", "failed", "cancelled")


@dataclass
class LoadResult:
    users: int
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)  # every HTTP status seen, streams included
    submit_seconds: list[float] = field(default_factory=list)
    jobs: dict[str, str] = field(default_factory=dict)  # job id -> final status
    streams_ended: int = 0  # streams that delivered their job's terminal event
    plans_per_person: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, p: float) -> float:
        data = sorted(self.submit_seconds)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]

    def summary(self) -> str:
        finals = Counter(self.jobs.values())
        return (
            f"load: {self.users} people at once in {self.seconds:.1f}s | {self.requests} requests "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(self.statuses.items()))}) | submit p50 "
            f"{self.percentile(50) * 1000:.0f} ms, p95 {self.percentile(95) * 1000:.0f} ms, max "
            f"{max(self.submit_seconds, default=0) * 1000:.0f} ms | jobs {len(self.jobs)} "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(finals.items()))}) | streams with a terminal event "
            f"{self.streams_ended}/{self.users} | plans per person {sorted(set(self.plans_per_person))}"
            + (f" | errors: {self.errors[:3]}" if self.errors else "")
        )


async def _one(client: httpx.AsyncClient, result: LoadResult) -> None:
    acct = await account(client)
    started = time.perf_counter()
    r = await client.post("/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers)
    result.submit_seconds.append(time.perf_counter() - started)
    if r.status_code != 202:
        result.errors.append(f"submit {r.status_code}: {r.text[:120]}")
        return
    job = r.json()["job"]
    last_id = None
    for _ in range(10):  # like a browser: reconnect with Last-Event-ID if a stream ends early
        headers = {**acct.headers, **({"Last-Event-ID": last_id} if last_id else {})}
        status, events = await read_events(client, job["events_url"], headers)
        result.statuses[status] += 1
        if events and events[-1].event in TERMINAL_EVENTS:
            result.streams_ended += 1
            break
        if status != 200:
            break
        last_id = events[-1].id if events else last_id
    final = (await client.get(f"/api/v1/generations/{job['id']}", headers=acct.headers)).json()
    result.jobs[job["id"]] = final["status"]
    plans = (await client.get("/api/v1/plans/", headers=acct.headers)).json()
    result.plans_per_person.append(len(plans))


async def run_load(base_url: str, users: int = 30, within: float = 120) -> LoadResult:
    result = LoadResult(users=users)

    async def count(response: httpx.Response) -> None:
        if not response.request.headers.get("accept", "").startswith("text/event-stream"):
            result.statuses[response.status_code] += 1

    limits = httpx.Limits(max_connections=users * 2 + 10, max_keepalive_connections=users * 2)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=60, limits=limits, event_hooks={"response": [count]}
    ) as client:
        started = time.perf_counter()
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(_one(client, result) for _ in range(users)), return_exceptions=True), within
        )
        result.seconds = time.perf_counter() - started
    result.errors += [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]
    return result

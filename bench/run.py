"""`python -m bench.run` (make bench): benchmarks as ratios against a baseline measured in the same run.

Absolute times depend on the machine; the ratios are what to compare between runs and commits. Nothing
here asserts on time. Loopback only (the app as a `python -m web` subprocess, the fake OpenAI server in
this process), bounded in requests and time; a throwaway SQLite database unless BENCH_DATABASE_URL names
another one (a PostgreSQL database you can write to).

    submit      POST /api/v1/plans/generate (202) vs GET /health/live, sequential and as a burst
    fan-out     an event stream replayed to N listeners at once vs to one; live delivery skew
    save        the plan save transaction (save_plan) vs a one-row insert transaction
    memory      peak RSS growth of the server for one generation and for ten at once vs its idle RSS
    llm         a 12-week plan against one call writing all its tokens; calls per plan; the share of
                plans the LLM delivered with 10% of week answers broken (bench/llm.py)
    streams     5,000 open event streams over 200 jobs in progress: idle CPU, events-table reads/s,
                event-to-listener latency (bench/streams.py)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="trainplan-bench-"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{_TMP / 'bench.sqlite3'}"
os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "APP_ENV": "test",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "JWT_SECRET": "bench-secret-that-is-long-enough-for-hs256-0123456789",
    }
)
for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "REDIS_URL"):
    os.environ.pop(name, None)

import httpx  # noqa: E402

ROWS: list[tuple[str, str, str, str]] = []


def p(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def row(name: str, measured: str, baseline: str, ratio: float) -> None:
    text = f"{ratio:.2f}x" if ratio < 1 else f"{ratio:.1f}x"
    ROWS.append((name, measured, baseline, text))
    print(f"  {name}: {measured} vs {baseline} -> {text}", flush=True)


def migrate() -> None:
    env = {**os.environ, "PICCOLO_CONF": "piccolo_conf"}
    subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "all"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


# ---------------------------------------------------------------------------------------------- save


async def bench_save(samples: int) -> None:
    import datetime as dt
    import uuid

    from tests.factories import generate_body, responses
    from web import db
    from web.coach.base import Usage
    from web.coach.offline_coach import OfflineCoach
    from web.db import write_transaction
    from web.domain.plan import PlanContent
    from web.generation.save import save_plan
    from web.onboarding.formatter import build_brief
    from web.onboarding.validation import parse_generate_request
    from web.tables import AnalyticsEvent, GenerationJob, User, UserProfile

    await db.connect()
    try:
        coach = OfflineCoach()
        request = parse_generate_request(
            generate_body(str(uuid.uuid4()), answers=responses(plan_weeks=8)), max_free_text=1000
        )
        brief = build_brief(request.personal_info, request.initial_responses)
        outline = (await coach.outline(brief)).value
        weeks = [(await coach.week(brief, outline, n, None)).value for n in range(1, brief.weeks + 1)]
        content = PlanContent(
            title=outline.title, summary=outline.summary, weeks=weeks, guidance=["Warm up."]
        )
        at = dt.datetime.now(dt.UTC)
        user = User(id=uuid.uuid4(), email=f"bench-{uuid.uuid4().hex[:8]}@example.com", created_at=at)
        await user.save()
        profile = UserProfile(id=uuid.uuid4(), user=user.id, created_at=at, updated_at=at)
        await profile.save()
        jobs = []
        for _ in range(samples):
            job = GenerationJob(
                id=uuid.uuid4(),
                user=user.id,
                profile=profile.id,
                status="running",
                request_hash="bench",
                deadline_at=at + dt.timedelta(hours=1),
                created_at=at,
                updated_at=at,
            )
            await job.save()
            jobs.append(job)
        saves, inserts = [], []
        for job in jobs:  # interleaved, so both see the same database size and conditions
            started = time.perf_counter()
            await save_plan(job, content, "offline", Usage(1000, 2000))
            saves.append(time.perf_counter() - started)
            started = time.perf_counter()
            async with write_transaction():
                await AnalyticsEvent(name="bench_insert", properties={}, created_at=at).save()
            inserts.append(time.perf_counter() - started)
        row(
            f"plan save ({brief.weeks}-week plan, p50 of {samples})",
            ms(statistics.median(saves)),
            f"one-row insert {ms(statistics.median(inserts))}",
            statistics.median(saves) / statistics.median(inserts),
        )
    finally:
        await db.disconnect()


# ---------------------------------------------------------------------------------------------- server


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux)
        return True
    except OSError:
        return False


async def bench_server(users: int, listeners: int) -> None:
    from tests.factories import account, generate_body
    from tests.fakes.openai_server import FakeOpenAI
    from tests.live import ServerProcess, free_port
    from tests.sse import read_events

    fake = FakeOpenAI().start()
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TRAINPLAN_TEST_LOG": str(_TMP / "server.log"),
        "OPENAI_API_KEY": "sk-bench",
        "OPENAI_BASE_URL": fake.base_url,
        "LLM_CACHE_TTL_HOURS": "0",
        "RATE_LIMIT_AUTH_PER_MINUTE": "100000",
        "RATE_LIMIT_GENERATIONS_PER_HOUR": "100000",
        "RATE_LIMIT_GENERATIONS_PER_DAY": "100000",
        "SSE_MAX_STREAMS_PER_USER": str(listeners + 5),
        "GENERATION_CONCURRENCY": "4",
    }
    server = ServerProcess(env, port).start()
    pid = server.proc.pid
    try:
        limits = httpx.Limits(max_connections=listeners + users + 10)
        async with httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits) as client:
            for _ in range(20):  # warm up the routes
                await client.get("/health/live")
            idle_rss = rss_kib(pid, "VmRSS")
            people = [await account(client) for _ in range(users)]

            # -- submit latency, one at a time, interleaved with the baseline
            lives, submits = [], []
            for acct in people:
                started = time.perf_counter()
                await client.get("/health/live")
                lives.append(time.perf_counter() - started)
                started = time.perf_counter()
                r = await client.post(
                    "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
                )
                submits.append(time.perf_counter() - started)
                assert r.status_code == 202, r.text
            row(
                f"submit 202, sequential (p50 of {users})",
                ms(statistics.median(submits)),
                f"GET /health/live {ms(statistics.median(lives))}",
                statistics.median(submits) / statistics.median(lives),
            )
            row(
                f"submit 202, sequential (p95 of {users})",
                ms(p(submits, 95)),
                f"GET /health/live {ms(p(lives, 95))}",
                p(submits, 95) / p(lives, 95),
            )
            await _wait_idle(client, people)

            # -- submit latency, everyone at once (regenerations)
            async def timed(coro):
                started = time.perf_counter()
                await coro
                return time.perf_counter() - started

            burst = await asyncio.gather(
                *(
                    timed(
                        client.post(
                            "/api/v1/plans/generate",
                            json=generate_body(a.profile_id, regenerate=True),
                            headers=a.headers,
                        )
                    )
                    for a in people
                )
            )
            lives_burst = await asyncio.gather(*(timed(client.get("/health/live")) for _ in people))
            row(
                f"submit 202, {users} at once (p95)",
                ms(p(burst, 95)),
                f"{users} GET /health/live at once {ms(p(lives_burst, 95))}",
                p(burst, 95) / p(lives_burst, 95),
            )
            await _wait_idle(client, people)

            # -- memory: one generation, then ten at once, after a warm-up
            if reset_peak(pid):
                before = rss_kib(pid, "VmRSS")
                await client.post(
                    "/api/v1/plans/generate",
                    json=generate_body(people[0].profile_id, regenerate=True),
                    headers={**people[0].headers, "Prefer": "wait=60"},
                )
                one = rss_kib(pid, "VmHWM") - before
                reset_peak(pid)
                before = rss_kib(pid, "VmRSS")
                await asyncio.gather(
                    *(
                        client.post(
                            "/api/v1/plans/generate",
                            json=generate_body(a.profile_id, regenerate=True),
                            headers={**a.headers, "Prefer": "wait=60"},
                        )
                        for a in people[:10]
                    )
                )
                ten = rss_kib(pid, "VmHWM") - before
                row(
                    "peak RSS growth, one generation",
                    f"{one / 1024:.1f} MiB",
                    f"idle RSS {idle_rss / 1024:.0f} MiB",
                    one / idle_rss,
                )
                row(
                    "peak RSS growth, ten generations at once",
                    f"{ten / 1024:.1f} MiB",
                    f"idle RSS {idle_rss / 1024:.0f} MiB",
                    ten / idle_rss,
                )
            await _wait_idle(client, people)
            row(
                "RSS after all generations (a leak grows this)",
                f"{rss_kib(pid, 'VmRSS') / 1024:.0f} MiB",
                f"idle RSS {idle_rss / 1024:.0f} MiB",
                rss_kib(pid, "VmRSS") / idle_rss,
            )

            # -- SSE: replay of a finished job's stream to N listeners at once vs one
            acct = people[0]
            jobs = (await client.get("/api/v1/generations", headers=acct.headers)).json()
            url = jobs[0]["events_url"]
            single = []
            for _ in range(5):
                started = time.perf_counter()
                _, events = await read_events(client, url, acct.headers)
                single.append(time.perf_counter() - started)
            started = time.perf_counter()
            await asyncio.gather(*(read_events(client, url, acct.headers) for _ in range(listeners)))
            fan = time.perf_counter() - started
            row(
                f"SSE replay of {len(events)} events to {listeners} listeners at once",
                ms(fan),
                f"to one listener {ms(statistics.median(single))}",
                fan / statistics.median(single),
            )
            row(
                "SSE replay, one stream",
                ms(statistics.median(single)),
                f"GET /health/live {ms(statistics.median(lives))}",
                statistics.median(single) / statistics.median(lives),
            )

            # -- SSE: live delivery of one job's events to N listeners; skew of the terminal event
            fake.script({"name": "hang", "seconds": 0.3, "match": "week", "times": 100})
            r = await client.post(
                "/api/v1/plans/generate",
                json=generate_body(acct.profile_id, regenerate=True),
                headers=acct.headers,
            )
            url = r.json()["job"]["events_url"]
            arrivals: list[float] = []

            async def listen():
                await read_events(client, url, acct.headers)
                arrivals.append(time.perf_counter())

            await asyncio.gather(*(listen() for _ in range(listeners)))
            skew = max(arrivals) - min(arrivals)
            row(
                f"SSE live: terminal event skew over {listeners} listeners",
                ms(skew),
                f"GET /health/live {ms(statistics.median(lives))}",
                skew / statistics.median(lives),
            )
    finally:
        server.terminate()
        fake.stop()


async def _wait_idle(client, people) -> None:
    for _ in range(600):
        busy = False
        for acct in people:
            jobs = (await client.get("/api/v1/generations", headers=acct.headers)).json()
            if jobs and jobs[0]["status"] in ("queued", "running"):
                busy = True
                break
        if not busy:
            return
        await asyncio.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="trainplan benchmarks (ratios against same-run baselines)")
    parser.add_argument(
        "--users", type=int, default=20, help="accounts for the submit benchmarks (default 20)"
    )
    parser.add_argument("--listeners", type=int, default=50, help="event stream listeners (default 50)")
    parser.add_argument("--samples", type=int, default=30, help="plan saves to time (default 30)")
    parser.add_argument(
        "--streams",
        type=int,
        default=5000,
        help="open event streams for bench/streams.py (default 5000; 0 skips)",
    )
    parser.add_argument(
        "--stream-jobs", type=int, default=200, help="jobs those streams follow (default 200)"
    )
    parser.add_argument("--only", choices=("server", "llm", "streams"), help="run only this benchmark")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print(f"trainplan bench: database {DATABASE_URL.split('://')[0]}, {os.cpu_count()} CPUs", flush=True)
    try:
        migrate()
        from bench.llm import bench_llm
        from bench.streams import bench_streams

        if args.only is None:
            asyncio.run(bench_save(args.samples))
        if args.only in (None, "server"):
            asyncio.run(bench_server(args.users, args.listeners))
        if args.only in (None, "llm"):
            asyncio.run(bench_llm(row, str(_TMP)))
        if args.streams and args.only in (None, "streams"):
            asyncio.run(bench_streams(row, str(_TMP), args.streams, args.stream_jobs))
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)
    width = max(len(r[0]) for r in ROWS)
    print(f"\n{'benchmark':<{width}} | {'measured':>12} | {'baseline':<38} | ratio")
    print("-" * (width + 68))
    for name, measured, baseline, ratio in ROWS:
        print(f"{name:<{width}} | {measured:>12} | {baseline:<38} | {ratio}")
    print(f"\n{len(ROWS)} measurements in {time.monotonic() - started:.0f}s (ratio = measured / baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The events stream: order, replay after Last-Event-ID, keep-alive, terminal close, 204 after the end."""

from __future__ import annotations

import asyncio
from uuid import UUID

import httpx

from tests.factories import account, generate_body, responses, wait_for_job
from tests.sse import read_events
from web.clock import now
from web.db import write_transaction
from web.generation.feed import Feeds
from web.generation.progress import Notifier, append_event, event_payload
from web.generation.services import cancelled_values
from web.tables import GenerationEvent, GenerationJob


async def _start(client, acct, weeks=4):
    body = generate_body(acct.profile_id, answers=responses(plan_weeks=weeks))
    r = await client.post("/api/v1/plans/generate", json=body, headers=acct.headers)
    assert r.status_code == 202
    return r.json()["job"]


async def test_stream_order_weeks_and_terminal_close(start_server, fake_openai):
    fake_openai.script({"name": "slow_trickle", "match": "week", "times": 2})
    server = await start_server(openai_api_key="k", openai_base_url=fake_openai.base_url, week_parallelism=2)
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct, weeks=6)
        status, events = await read_events(client, job["events_url"], acct.headers)
    assert status == 200
    ids = [int(e.id) for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] == 1
    kinds = [e.event for e in events]
    assert kinds[0] == "queued" and kinds[-1] == "done"
    texts = [e.json["stage_text"] for e in events]
    assert (
        "Reading your answers" in texts and "Planning your 6 weeks" in texts and "Checking the plan" in texts
    )
    assert any(t.startswith("Writing week ") and t.endswith(" of 6") for t in texts)
    weeks = [e.json["week"]["number"] for e in events if e.event == "week"]
    assert sorted(weeks) == [1, 2, 3, 4, 5, 6]
    first_week = kinds.index("week")
    assert first_week < kinds.index("done") and "checking" not in [
        e.json["stage"] for e in events[:first_week]
    ]
    percents = [e.json["percent"] for e in events]
    assert percents == sorted(percents) and percents[-1] == 100
    assert events[-1].json["plan_id"]


async def test_replay_after_last_event_id_then_live(client):
    acct = await account(client)
    job = await _start(client, acct)
    _, first = await read_events(client, job["events_url"], acct.headers, stop_after=2)
    status, rest = await read_events(
        client, job["events_url"], {**acct.headers, "Last-Event-ID": first[-1].id}
    )
    assert status == 200
    assert int(rest[0].id) == int(first[-1].id) + 1
    assert rest[-1].event == "done"
    # After the end: a client that saw the terminal event gets 204; one that did not gets it replayed.
    status, none = await read_events(
        client, job["events_url"], {**acct.headers, "Last-Event-ID": rest[-1].id}
    )
    assert status == 204 and none == []
    status, again = await read_events(
        client, job["events_url"], {**acct.headers, "Last-Event-ID": rest[-2].id}
    )
    assert status == 200 and [e.event for e in again] == ["done"]


async def test_keep_alive_comments(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 1.5, "match": "outline"})
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_ping_seconds=0.3,
        openai_timeout_seconds=10,
    )
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
        comments: list[str] = []
        status, events = await read_events(client, job["events_url"], acct.headers, comments=comments)
    assert status == 200 and events[-1].event == "done"
    assert comments, "expected keep-alive comments while the coach was silent"


async def test_failed_stream_ends_with_the_error(start_server, fake_openai):
    fake_openai.script({"name": "refusal", "times": 5})
    server = await start_server(
        openai_api_key="k", openai_base_url=fake_openai.base_url, llm_fallback_enabled=False
    )
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
        _, events = await read_events(client, job["events_url"], acct.headers)
    assert events[-1].event == "failed"
    error = events[-1].json["error"]
    assert error["code"] == "llm_refused" and "try again" in error["message"].lower()
    assert "Traceback" not in events[-1].data


async def test_another_users_stream_is_404(client):
    alice, bob = await account(client), await account(client)
    job = await _start(client, alice)
    status, _ = await read_events(client, job["events_url"], bob.headers)
    assert status == 404
    await wait_for_job(client, alice, job["id"])


async def test_cancel_a_running_job(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 20, "match": "outline"})
    server = await start_server(
        openai_api_key="k", openai_base_url=fake_openai.base_url, openai_timeout_seconds=30
    )
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
        for _ in range(100):
            if (await client.get(job["status_url"], headers=acct.headers)).json()["status"] == "running":
                break
            await asyncio.sleep(0.05)
        r = await client.post(job["cancel_url"], headers=acct.headers)
        assert r.status_code == 200
        done = await wait_for_job(client, acct, job["id"], timeout=10)
        assert done["status"] == "cancelled"
        _, events = await read_events(client, job["events_url"], {**acct.headers, "Last-Event-ID": "1"})
        assert events[-1].event == "cancelled"
        # the slot is free again: a new request starts a new job
        again = await client.post(
            "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
        )
        assert again.status_code == 202 and again.json()["job"]["id"] != job["id"]


BAD_IDS = ["²", "9" * 5000, "9" * 20, "-1", "+5", " 1 2", "0x10", "\u0661"]  # an Arabic-Indic one


async def test_a_bad_last_event_id_replays_from_the_start_on_the_api_and_the_pages(client):
    acct = await account(client)
    job = await _start(client, acct)
    await wait_for_job(client, acct, job["id"])
    page = f"/generate/{job['id']}/events"
    cookie = {"Cookie": f"trainplan_session={acct.token}"}
    for bad in BAD_IDS:
        for url, headers in (
            (job["events_url"], {**acct.headers, "Last-Event-ID": bad}),
            (
                job["events_url"] + "?last_event_id=" + bad.replace("+", "%2B").replace(" ", "%20"),
                acct.headers,
            ),
            (page, {**cookie, "Last-Event-ID": bad}),
        ):
            try:
                status, events = await read_events(client, url, headers)
            except (
                UnicodeEncodeError,
                httpx.LocalProtocolError,
            ):  # a header httpx will not send: the query form covers it
                continue
            assert status == 200, (bad[:20], url)
            assert events[0].id == "1" and events[-1].event == "done", (bad[:20], url)


def _metric(text: str, name: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith(name + " "))
    return float(line.split()[1])


async def test_one_reader_per_job_serves_every_listener(start_server, fake_openai):
    """30 streams of one job get the same events, and the events table is read as often as for one."""
    fake_openai.script({"name": "hang", "seconds": 0.6, "match": "week", "times": 2})
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_streams_per_user=40,
        week_parallelism=1,
    )
    async with server.client() as client:
        acct = await account(client)
        reads_before = _metric((await client.get("/metrics")).text, "trainplan_event_reads_total")
        job = await _start(client, acct, weeks=4)
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await asyncio.gather(
            *(read_events(client, job["events_url"], acct.headers) for _ in range(30))
        )
        seconds = loop.time() - started
        metrics = (await client.get("/metrics")).text
    ids = [[e.id for e in events] for _, events in results]
    assert all(status == 200 for status, _ in results)
    assert ids[0][-1] and all(i == ids[0] for i in ids)  # everyone saw the same events, to the end
    assert [e.event for e in results[0][1]][-1] == "done"
    reads = _metric(metrics, "trainplan_event_reads_total") - reads_before
    # One reader: a read per wake-up (an event written, or the one-second floor), whatever the listeners.
    # A read per stream per wake-up would be 30 times that.
    assert reads <= len(ids[0]) + seconds + 3
    assert _metric(metrics, "trainplan_event_feeds") == 0  # dropped with the last listener


async def test_every_listener_of_a_job_hears_an_event_in_the_same_turn_of_the_loop(start_server):
    """Fifty listeners of one feed, all waiting: a new event reaches every one of them within a couple of
    turns of the event loop, not one listener per turn (an asyncio.Condition hands its lock on one turn
    at a time: on a busy server the last of 25 listeners heard an event hundreds of ms after the first)."""
    server = await start_server(run_worker=False)
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
    job_id = UUID(job["id"])
    notifier = Notifier()
    feeds = Feeds(notifier, floor_seconds=3600)  # no poll: only the wake-up below delivers
    turn = 0
    live: list[asyncio.Event] = [asyncio.Event() for _ in range(50)]
    heard: list[int] = []

    async def ticker() -> None:
        nonlocal turn
        while True:
            turn += 1
            await asyncio.sleep(0)  # one turn of the loop

    async def listen(i: int) -> None:
        async with feeds.subscribe(job_id) as feed:
            async for row in feed.follow(0, timeout=30):
                if row["type"] == "queued":
                    live[i].set()
                elif row["type"] == "cancelled":
                    heard.append(turn)

    ticking = asyncio.create_task(ticker())
    listeners = [asyncio.create_task(listen(i)) for i in range(50)]
    try:
        async with asyncio.timeout(20):
            await asyncio.gather(*(event.wait() for event in live))
            await _write_cancelled_without_wake_up(job_id)
            await notifier.notify(job_id)
            await asyncio.gather(*listeners)
    finally:
        for task in (ticking, *listeners):
            task.cancel()
        await feeds.close()
    assert len(heard) == 50
    assert max(heard) - min(heard) <= 2, sorted(heard)


async def test_an_event_written_by_another_process_reaches_the_stream_through_the_poll(start_server):
    """No Redis and no wake-up from the writer (as from a separate worker process): the feeds' one poll a
    second finds the job behind and its reader delivers the event."""
    server = await start_server(run_worker=False)
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
        seen = []
        headers = {**acct.headers, "Accept": "text/event-stream"}
        async with client.stream("GET", job["events_url"], headers=headers) as response:
            lines = response.aiter_lines()
            async with asyncio.timeout(10):
                async for line in lines:
                    if line.startswith("event: "):
                        seen.append(line.removeprefix("event: "))
                    if seen == ["queued"] and line == "":  # the stream is live: now another process writes
                        await _write_cancelled_without_wake_up(UUID(job["id"]))
                    if seen[-1:] == ["cancelled"]:
                        break
    assert seen == ["queued", "cancelled"]


async def _write_cancelled_without_wake_up(job_id: UUID) -> None:
    job_row = await GenerationJob.objects().where(GenerationJob.id == job_id).first()
    async with write_transaction():
        await GenerationJob.update(cancelled_values(now())).where(GenerationJob.id == job_id)
        job_row.status = "cancelled"
        await append_event(job_id, "cancelled", event_payload(job_row), now())


async def test_events_written_at_once_take_the_next_numbers_from_the_job_row(start_server):
    """Twenty writers add an event to one job at the same moment, each in its own transaction: every one
    gets its own number, in one run with no gaps (the counter on the job row orders them; nothing is
    retried, which on PostgreSQL could not work inside a transaction after a unique violation)."""
    server = await start_server(run_worker=False)
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
    job_id = UUID(job["id"])

    async def write_one(n: int) -> int:
        async with write_transaction():
            return await append_event(job_id, "stage", {"n": n}, now())

    numbers = await asyncio.gather(*(write_one(n) for n in range(20)))
    assert sorted(numbers) == list(range(2, 22))  # the queued event was 1
    rows = await GenerationEvent.select(GenerationEvent.seq).where(GenerationEvent.job == job_id)
    assert sorted(r["seq"] for r in rows) == list(range(1, 22))
    row = await GenerationJob.select(GenerationJob.event_seq).where(GenerationJob.id == job_id).first()
    assert row["event_seq"] == 21


async def test_the_migration_brings_existing_jobs_level(start_server):
    """Jobs from before the counters: their event numbering carries on after their last event."""
    from web.piccolo_migrations.trainplan_0006_job_counters_data import forwards

    server = await start_server(run_worker=False)
    async with server.client() as client:
        acct = await account(client)
        job = await _start(client, acct)
    job_id = UUID(job["id"])
    async with write_transaction():
        await append_event(job_id, "stage", {}, now())
    await GenerationJob.update({GenerationJob.event_seq: 0, GenerationJob.claims: 0}).where(
        GenerationJob.id == job_id
    )  # as the rows were before migration 0005
    manager = await forwards()
    for raw in manager.raw:
        await raw()
    async with write_transaction():
        assert await append_event(job_id, "stage", {}, now()) == 3

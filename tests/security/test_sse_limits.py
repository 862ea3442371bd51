"""Event-stream limits: open streams per user (429) and in all (503), leases given back when a stream
closes, and a stream idle past SSE_MAX_SECONDS that ends cleanly and resumes with Last-Event-ID."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.factories import account, generate_body, responses, until
from tests.security.conftest import REDIS_URL, assert_problem
from tests.sse import read_events

HANG = {"name": "hang", "seconds": 20, "match": "outline", "times": 5}


class OpenStream:
    """An event stream held open after its first event."""

    def __init__(self, client, url: str, headers: dict) -> None:
        self.client, self.url, self.headers = client, url, headers
        self._cm = None
        self._lines = None
        self.response = None

    async def open(self) -> int:
        self._cm = self.client.stream(
            "GET", self.url, headers={**self.headers, "Accept": "text/event-stream"}
        )
        self.response = await self._cm.__aenter__()
        if self.response.status_code == 200:
            # Keep the line iterator: dropping a half-read one would close the connection.
            self._lines = self.response.aiter_lines()
            while not (await self._lines.__anext__()).startswith("id:"):
                pass
        else:
            await self.response.aread()
        return self.response.status_code

    async def close(self) -> None:
        if self._cm is not None:
            with contextlib.suppress(Exception):
                await self._cm.__aexit__(None, None, None)
            self._cm = None


async def _hanging_job(client, acct) -> str:
    r = await client.post("/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers)
    assert r.status_code == 202, r.text
    return r.json()["job"]["events_url"]


async def _open_streams(server) -> int:
    return server.services.limits._streams


async def _cancel(client, acct, events_url: str) -> None:
    await client.post(events_url.removesuffix("/events") + "/cancel", headers=acct.headers)


async def test_per_user_stream_cap(start_server, fake_openai):
    fake_openai.script(HANG)
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_streams_per_user=2,
        sse_ping_seconds=0.5,
    )
    async with server.client() as client, server.client() as other_client:
        alice, bob = await account(client), await account(client)
        url = await _hanging_job(client, alice)
        streams = [OpenStream(client, url, alice.headers) for _ in range(2)]
        try:
            assert [await s.open() for s in streams] == [200, 200]
            third = await client.get(url, headers={**alice.headers, "Accept": "text/event-stream"})
            assert_problem(third, 429, "too_many_streams")
            assert int(third.headers["retry-after"]) >= 1 and third.headers["ratelimit-limit"] == "2"
            assert third.headers["ratelimit-remaining"] == "0"
            assert await _open_streams(server) == 2
            # Another person is not affected.
            bob_url = await _hanging_job(other_client, bob)
            bob_stream = OpenStream(other_client, bob_url, bob.headers)
            assert await bob_stream.open() == 200
            await bob_stream.close()
            await _cancel(other_client, bob, bob_url)
            # Closing a stream gives its lease back.
            await streams.pop().close()
            await until(lambda: _open_streams_is(server, 1), timeout=5, what="open streams back to 1")
            again = OpenStream(client, url, alice.headers)
            streams.append(again)
            assert await again.open() == 200
        finally:
            for s in streams:
                await s.close()
        await until(lambda: _open_streams_is(server, 0), timeout=5, what="open streams back to 0")
        await _cancel(client, alice, url)


async def _open_streams_is(server, n: int) -> bool:
    return await _open_streams(server) == n


async def test_concurrent_opens_cannot_overshoot_the_cap(start_server, fake_openai):
    fake_openai.script(HANG)
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_streams_per_user=2,
        sse_ping_seconds=0.5,
    )
    async with server.client() as client:
        alice = await account(client)
        url = await _hanging_job(client, alice)
        streams = [OpenStream(client, url, alice.headers) for _ in range(6)]
        try:
            statuses = await asyncio.gather(*(s.open() for s in streams))
            assert sorted(statuses) == [200, 200, 429, 429, 429, 429], statuses
            assert await _open_streams(server) == 2
        finally:
            for s in streams:
                await s.close()
        await until(lambda: _open_streams_is(server, 0), timeout=5, what="open streams back to 0")
        await _cancel(client, alice, url)


async def test_global_stream_cap_is_503(start_server, fake_openai):
    fake_openai.script(HANG)
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_streams=2,
        sse_max_streams_per_user=5,
        sse_ping_seconds=0.5,
    )
    async with server.client() as client:
        alice, bob = await account(client), await account(client)
        url = await _hanging_job(client, alice)
        bob_url = await _hanging_job(client, bob)
        streams = [OpenStream(client, url, alice.headers) for _ in range(2)]
        try:
            assert [await s.open() for s in streams] == [200, 200]
            r = await client.get(bob_url, headers={**bob.headers, "Accept": "text/event-stream"})
            assert_problem(r, 503, "streams_full")
            assert r.headers["retry-after"] == "5"
        finally:
            for s in streams:
                await s.close()
        await until(lambda: _open_streams_is(server, 0), timeout=5, what="open streams back to 0")
        bob_stream = OpenStream(client, bob_url, bob.headers)
        assert await bob_stream.open() == 200  # room again once Alice's streams closed
        await bob_stream.close()
        await _cancel(client, alice, url)
        await _cancel(client, bob, bob_url)


async def test_an_idle_stream_ends_cleanly_and_resumes_with_last_event_id(start_server, fake_openai):
    fake_openai.script({"name": "hang", "seconds": 2.5, "match": "outline"})
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_seconds=1.0,
        sse_ping_seconds=0.3,
        openai_timeout_seconds=10,
    )
    async with server.client() as client:
        acct = await account(client)
        r = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id, answers=responses(plan_weeks=4)),
            headers=acct.headers,
        )
        url = r.json()["job"]["events_url"]
        seen: list = []
        last_id, connections, timeouts = None, 0, 0
        while not seen or seen[-1].event != "done":
            connections += 1
            assert connections <= 20, [e.event for e in seen]
            headers = {**acct.headers, **({"Last-Event-ID": last_id} if last_id else {})}
            status, events = await read_events(client, url, headers)
            assert status == 200
            if events and events[-1].event == "timeout":
                timeouts += 1
                timeout_event = events.pop()
                assert timeout_event.id is None and timeout_event.data == "{}"
            seen += events
            ids = [e.id for e in events if e.id]
            last_id = ids[-1] if ids else last_id
        await until(lambda: _open_streams_is(server, 0), timeout=5, what="open streams back to 0")
    assert timeouts >= 1 and connections >= 2
    ids = [int(e.id) for e in seen]
    assert ids == list(range(1, len(ids) + 1)), ids  # nothing lost, nothing twice, across reconnects
    assert seen[0].event == "queued" and seen[-1].event == "done"


@pytest.mark.redis
async def test_the_per_user_stream_cap_holds_across_processes_through_redis(start_server, fake_openai):
    import redis.asyncio as aioredis

    fake_openai.script(HANG)
    settings = dict(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_streams_per_user=2,
        redis_url=REDIS_URL,
    )
    one, two = await start_server(**settings), await start_server(**settings, run_worker=False)
    store = aioredis.from_url(REDIS_URL)
    async with one.client() as c1, two.client() as c2:
        alice = await account(c1)
        url = await _hanging_job(c1, alice)
        key = f"trainplan:streams:{alice.user_id}"
        first, second = OpenStream(c1, url, alice.headers), OpenStream(c2, url, alice.headers)
        try:
            assert await first.open() == 200 and await second.open() == 200  # one in each process
            assert await store.zcard(key) == 2
            for client in (c1, c2):  # a third is refused by either process
                third = await client.get(url, headers={**alice.headers, "Accept": "text/event-stream"})
                assert_problem(third, 429, "too_many_streams")
            await second.close()  # closing one in process two frees a place for process one

            async def freed():
                return await store.zcard(key) == 1

            await until(freed, what="the closed stream's slot given back in Redis")
            again = OpenStream(c1, url, alice.headers)
            assert await again.open() == 200
            await again.close()
        finally:
            await first.close()
            await second.close()
            await store.aclose()
        await _cancel(c1, alice, url)


async def test_with_redis_down_the_stream_cap_is_kept_per_process(start_server, fake_openai):
    fake_openai.script(HANG)
    server = await start_server(
        openai_api_key="k",
        openai_base_url=fake_openai.base_url,
        sse_max_streams_per_user=1,
        redis_url="redis://127.0.0.1:1/0",  # nothing listens there
    )
    async with server.client() as client:
        alice = await account(client)
        url = await _hanging_job(client, alice)
        stream = OpenStream(client, url, alice.headers)
        try:
            assert await stream.open() == 200  # Redis does not answer: the stream is still served
            second = await client.get(url, headers={**alice.headers, "Accept": "text/event-stream"})
            assert_problem(second, 429, "too_many_streams")  # and the cap still holds, in this process
        finally:
            await stream.close()
        await _cancel(client, alice, url)

"""A small server-sent events reader over a real HTTP stream (httpx)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx


@dataclass
class Event:
    id: str | None
    event: str
    data: str

    @property
    def json(self):
        return json.loads(self.data)


async def read_events(
    client: httpx.AsyncClient,
    url: str,
    headers: dict,
    *,
    stop_after: int | None = None,
    comments: list | None = None,
) -> tuple[int, list[Event]]:
    """Read until the server closes the stream (or `stop_after` events). Returns (status, events)."""
    events: list[Event] = []
    async with client.stream("GET", url, headers={**headers, "Accept": "text/event-stream"}) as response:
        if response.status_code != 200:
            return response.status_code, events
        assert response.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, list[str]] = {}
        async for line in response.aiter_lines():
            if line.startswith(":"):
                if comments is not None:
                    comments.append(line)
                continue
            if line == "":
                if "data" in fields or "event" in fields:
                    events.append(
                        Event(
                            id=(fields.get("id") or [None])[0],
                            event=(fields.get("event") or ["message"])[0],
                            data="\n".join(fields.get("data", [])),
                        )
                    )
                    if stop_after is not None and len(events) >= stop_after:
                        break
                fields = {}
                continue
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
        return response.status_code, events

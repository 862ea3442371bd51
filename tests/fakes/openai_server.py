"""A fake OpenAI chat-completions server over real HTTP, for the real `openai` SDK.

It runs a small Starlette app under uvicorn on 127.0.0.1 in a background thread with its own event
loop. By default ("ok") it reads `REQUEST_KIND:` / `WEEK_NUMBER:` and the <training_brief> JSON
from the prompt (see web/coach/prompts.py), and answers with what `OfflineCoach` produces, so the
default answers are valid, rule-passing plans.

Tests script misbehaviour with a FIFO queue, one behaviour consumed per HTTP call (then back to
"ok"); a behaviour with `match` is only consumed by a call of that REQUEST_KIND, and `times` makes
it serve that many calls. In-process::

    fake.script("malformed", Behaviour("rate_limited", retry_after=0.01, times=3))
    fake.script({"name": "hang", "seconds": 5, "match": "week"})

From another process (e.g. an app under test started with OPENAI_BASE_URL=fake.base_url)::

    POST /_fake/script   JSON list of behaviours (or one), appended to the queue
    POST /_fake/reset    empty the queue and the recorded calls
    GET  /_fake/calls    {"count": n, "calls": [...]}   (?messages=0 leaves out the prompts)

Standalone: `python -m tests.fakes.openai_server --port 8099` prints the base URL, serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import hashlib
import json
import math
import re
import signal
import socket
import struct
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from web.coach import prompt_text, prompts
from web.domain.plan import PlannedWeek, PlanOutline

BEHAVIOURS: frozenset[str] = frozenset(
    {
        "ok",  # the default: OfflineCoach's answer
        "rate_limited",  # 429 + Retry-After: retry_after (seconds; omitted when null)
        "server_error",  # HTTP `status` (default 500) with an OpenAI-style error body
        "hang",  # sleep `seconds` (default 30) before answering ok; ends early if the client leaves
        "malformed",  # content that is not JSON
        "wrong_schema",  # valid JSON that does not match the response model
        "refusal",  # message.refusal set, content null
        "content_filter",  # finish_reason "content_filter"
        "truncated",  # finish_reason "length", content cut mid-JSON
        "invalid_plan",  # parses, breaks the rules (day outside the brief, barbell exercise, ...)
        "wrong_week",  # a valid week with another number than asked
        "short_outline",  # an outline missing its last week
        "other_blocks",  # an outline whose blocks choose other exercises than the offline coach would
        "bad_blocks",  # an outline whose blocks name an unknown exercise and one the person may not do
        "slow_trickle",  # the ok body sent in small chunks over `seconds` (default 1.5)
        "prompt_injection_echo",  # ok, with <script>, hx-get and {{ 7*7 }} inside titles and notes
    }
)

INJECTION = '<script>alert(1)</script> hx-get="/x" {{ 7*7 }}'
_KIND_BY_SCHEMA = {"PlanOutline": "outline", "PlannedWeek": "week", "PlaybookNotes": "playbook"}


@dataclass
class Behaviour:
    """One scripted answer.

    JSON form: {"name": "rate_limited", "retry_after": 0.01, "times": 2, "match": "week"}.
    """

    name: str
    match: str | None = None  # a REQUEST_KIND (outline|week|repair|playbook), or None for any call
    times: int = 1
    retry_after: float | None = 0.0  # rate_limited
    status: int = 500  # server_error
    seconds: float | None = None  # hang / slow_trickle

    def __post_init__(self) -> None:
        if self.name not in BEHAVIOURS:
            raise ValueError(f"unknown fake behaviour {self.name!r}; known: {sorted(BEHAVIOURS)}")
        if self.match is not None and self.match not in prompts.REQUEST_KINDS:
            raise ValueError(f"match must be one of {prompts.REQUEST_KINDS}, not {self.match!r}")
        if self.times < 1:
            raise ValueError("times must be >= 1")

    @classmethod
    def parse(cls, value: Behaviour | str | dict[str, Any]) -> Behaviour:
        if isinstance(value, Behaviour):
            return copy.copy(value)
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict):
            known = {f.name for f in fields(cls)}
            unknown = set(value) - known
            if unknown:
                raise ValueError(f"unknown behaviour keys {sorted(unknown)}; known: {sorted(known)}")
            return cls(**value)
        raise TypeError(f"a behaviour is a name, a dict or a Behaviour, not {type(value).__name__}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class FakeOpenAI:
    """start()/stop(), `base_url`, `script(...)`, `reset()`, `calls`, `call_count`."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, latency: tuple[float, float] | None = None
    ) -> None:
        self.host = host
        self.port = port
        # (time to first token in s, tokens per s): an answer takes ttft + its tokens / rate, like a model
        self.latency = latency
        self._lock = threading.Lock()
        self._queue: list[Behaviour] = []
        self._calls: list[dict[str, Any]] = []
        self._in_flight = 0
        self.embedding_calls: list[dict[str, Any]] = []
        self.embeddings_down = False  # a fault switch: /v1/embeddings answers 503
        self._stopping = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._error: BaseException | None = None
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat_completions, methods=["POST"]),
                Route("/v1/embeddings", self._embeddings, methods=["POST"]),
                Route("/_fake/script", self._control_script, methods=["POST"]),
                Route("/_fake/reset", self._control_reset, methods=["POST"]),
                Route("/_fake/calls", self._control_calls, methods=["GET"]),
                Route("/_fake/health", self._control_health, methods=["GET"]),
                Route("/{path:path}", self._not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            ]
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> FakeOpenAI:
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._sock = sock
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"fake-openai-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"fake OpenAI server did not start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("fake OpenAI server did not start in time")
            time.sleep(0.01)
        return self

    def _run(self) -> None:
        assert self._server is not None and self._sock is not None
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by start()
            self._error = exc
        finally:
            loop.close()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
        self._thread = self._server = self._sock = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ scripting

    def script(self, *behaviours: Behaviour | str | dict[str, Any]) -> None:
        """Append behaviours to the queue (names, dicts in the JSON form, or Behaviour objects)."""
        parsed = [Behaviour.parse(b) for b in behaviours]
        with self._lock:
            self._queue.extend(parsed)

    def reset(self) -> None:
        with self._lock:
            self._queue = []
            self._calls = []  # a late update from an old request goes to the old list
            self.embedding_calls = []
            self.embeddings_down = False

    @property
    def queue(self) -> list[dict[str, Any]]:
        with self._lock:
            return [b.to_json() for b in self._queue]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every HTTP call to /v1/chat/completions since the last reset, oldest first."""
        with self._lock:
            return [dict(c) for c in self._calls]

    @property
    def in_flight(self) -> int:
        """Calls being answered right now."""
        with self._lock:
            return self._in_flight

    @property
    def call_count(self) -> int:
        with self._lock:
            return len(self._calls)

    def calls_for(self, kind: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["kind"] == kind]

    def _next_behaviour(self, kind: str | None) -> Behaviour:
        with self._lock:
            for i, behaviour in enumerate(self._queue):
                if behaviour.match is None or behaviour.match == kind:
                    behaviour.times -= 1
                    if behaviour.times <= 0:
                        del self._queue[i]
                    return behaviour
        return Behaviour("ok")

    # ------------------------------------------------------------------ control API

    async def _control_script(self, request: Request) -> Response:
        try:
            body = await request.json()
            items = body if isinstance(body, list) else [body]
            self.script(*items)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"queued": len(self.queue), "queue": self.queue})

    async def _control_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"ok": True})

    async def _control_calls(self, request: Request) -> Response:
        calls = self.calls
        if request.query_params.get("messages") in ("0", "false", "no"):
            calls = [{k: v for k, v in c.items() if k != "messages"} for c in calls]
        return JSONResponse({"count": len(calls), "calls": calls})

    async def _control_health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def _not_found(self, request: Request) -> Response:
        return _error(
            404,
            f"Unknown request URL: {request.method} {request.url.path}.",
            "invalid_request_error",
            "unknown_url",
        )

    # ------------------------------------------------------------------ embeddings

    async def _embeddings(self, request: Request) -> Response:
        """Embeddings that carry meaning enough for tests: hashed word stems, so texts sharing words are
        close. As the API: float lists, or base64 float32 (the SDK's default encoding)."""
        if self.embeddings_down:
            return _error(503, "The embeddings service is unavailable.", "server_error")
        body = await request.json()
        texts = body.get("input") or []
        texts = [texts] if isinstance(texts, str) else texts
        with self._lock:
            self.embedding_calls.append({"model": body.get("model"), "input": list(texts)})
        data = []
        for index, text in enumerate(texts):
            vector = _meaning(str(text))
            if body.get("encoding_format") == "base64":
                vector = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": vector})
        usage = {"prompt_tokens": sum(_tokens(str(t)) for t in texts), "total_tokens": 0}
        return JSONResponse({"object": "list", "data": data, "model": body.get("model"), "usage": usage})

    # ------------------------------------------------------------------ chat completions

    async def _chat_completions(self, request: Request) -> Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.", "invalid_request_error")
        messages = body.get("messages") or []
        response_format = body.get("response_format") or {}
        schema_name = (response_format.get("json_schema") or {}).get("name")
        kind = prompt_text.read_request_kind(messages) or _KIND_BY_SCHEMA.get(schema_name or "")
        week = prompt_text.read_week_number(messages)
        behaviour = self._next_behaviour(kind)
        call: dict[str, Any] = {
            "kind": kind,
            "week": week,
            "model": body.get("model"),
            "behaviour": behaviour.name,
            "status": None,
            "has_authorization": bool(request.headers.get("authorization")),
            "response_format": schema_name,
            "response_format_type": response_format.get("type"),
            "max_completion_tokens": body.get("max_completion_tokens"),
            "retry_count": request.headers.get("x-stainless-retry-count"),
            "messages": messages,
            "client_disconnected": False,
            "at": time.time(),
        }
        with self._lock:
            call["in_flight"] = self._in_flight  # other calls being answered when this one arrived
            self._in_flight += 1
            self._calls.append(call)
        try:
            response = await self._respond(behaviour, request, body, kind, week, call)
        except Exception as exc:  # a bug in the fake or an unreadable prompt: say so like the API would
            response = _error(
                400, f"fake OpenAI could not answer: {type(exc).__name__}: {exc}", "invalid_request_error"
            )
        finally:
            with self._lock:
                self._in_flight -= 1
        call["status"] = response.status_code
        return response

    async def _respond(
        self,
        b: Behaviour,
        request: Request,
        body: dict[str, Any],
        kind: str | None,
        week: int | None,
        call: dict[str, Any],
    ) -> Response:
        model = str(body.get("model") or "gpt-fake")
        messages = body.get("messages") or []
        prompt_tokens = prompt_text.estimate_tokens(messages)
        name = b.name

        if name == "rate_limited":
            headers = {"x-request-id": _request_id()}
            if b.retry_after is not None:
                headers["retry-after"] = _seconds_header(b.retry_after)
            return _error(
                429,
                f"Rate limit reached for {model} on requests per min (RPM): Limit 3, Used 3, Requested 1. "
                "Please try again later.",
                "requests",
                "rate_limit_exceeded",
                headers=headers,
            )
        if name == "server_error":
            if b.status >= 500:
                return _error(
                    b.status,
                    "The server had an error while processing your request. Sorry about that!",
                    "server_error",
                )
            return _error(b.status, f"Fake error with status {b.status}.", "invalid_request_error")
        if name == "refusal":
            return _completion(
                model,
                None,
                refusal="I'm sorry, but I can't help with that request.",
                prompt_tokens=prompt_tokens,
                completion_tokens=12,
            )
        if name == "malformed":
            content = 'Sure! Here is your plan: {"number": 1, "theme": "Base", "sessions": [ {"day": "mon",'
            return _completion(model, content, prompt_tokens=prompt_tokens)
        if name == "wrong_schema":
            content = json.dumps({"plan": "run a lot", "weeks": "many", "hacked": True})
            return _completion(model, content, prompt_tokens=prompt_tokens)

        if name == "hang":
            seconds = 30.0 if b.seconds is None else b.seconds
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not self._stopping.is_set():
                if await request.is_disconnected():
                    call["client_disconnected"] = True
                    return Response(status_code=499)  # nobody is listening any more
                await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

        value = await self._default_answer(kind, week, messages)
        if name == "invalid_plan":
            value = _break_rules(kind, value, messages)
        elif name == "short_outline" and kind == "outline":
            value["weeks"] = value["weeks"][:-1]
        elif name == "other_blocks" and kind == "outline":
            value["blocks"] = other_blocks(prompt_text.read_brief(messages), value["blocks"])
        elif name == "bad_blocks" and kind == "outline":
            for block in value["blocks"]:
                block["exercises"] = ["laser_squat", "lat_pulldown", *block["exercises"][:12]]
            value["blocks"].append(
                {"number": 13, "exercises": ["push_up"], "why": "A block the plan has not."}
            )
        elif name == "wrong_week" and kind in ("week", "repair"):
            value["number"] = value["number"] + 1 if value["number"] < 52 else value["number"] - 1
        elif name == "prompt_injection_echo":
            value = _inject(value)
        content = json.dumps(value)
        call["answer"] = value

        if name == "truncated":
            cut = content[: max(1, len(content) // 2)]
            return _completion(model, cut, finish_reason="length", prompt_tokens=prompt_tokens)
        if name == "content_filter":
            return _completion(model, None, finish_reason="content_filter", prompt_tokens=prompt_tokens)
        if name == "slow_trickle":
            payload = json.dumps(_completion_body(model, content, prompt_tokens=prompt_tokens)).encode()
            return StreamingResponse(
                _trickle(payload, 1.5 if b.seconds is None else b.seconds, self._stopping),
                media_type="application/json",
                headers={"x-request-id": _request_id()},
            )
        if self.latency is not None:
            ttft, rate = self.latency
            await asyncio.sleep(ttft + _tokens(content) / rate)
        return _completion(model, content, prompt_tokens=prompt_tokens)

    async def _default_answer(
        self, kind: str | None, week: int | None, messages: list[Any]
    ) -> dict[str, Any]:
        """What OfflineCoach answers for this prompt, as JSON data."""
        from web.coach.offline_coach import OfflineCoach  # written alongside; imported late on purpose

        brief = prompt_text.read_brief(messages)
        if brief is None:
            raise ValueError("no <training_brief> block in the user message")
        coach = OfflineCoach()
        if kind == "outline":
            generated: Any = await coach.outline(brief)
        elif kind == "playbook":
            generated = await coach.playbook(brief)
        elif kind in ("week", "repair"):
            outline_data = prompt_text.read_block(messages, prompts.OUTLINE_OPEN, prompts.OUTLINE_CLOSE)
            outline = (
                PlanOutline.model_validate(outline_data)
                if outline_data is not None
                else (await coach.outline(brief)).value
            )
            if kind == "week":
                if week is None:
                    raise ValueError("no WEEK_NUMBER line in a week request")
                generated = await coach.week(brief, outline, week, None)
            else:
                week_data = prompt_text.read_block(messages, prompts.WEEK_OPEN, prompts.WEEK_CLOSE)
                if week_data is None:
                    raise ValueError("no <week_to_repair> block in a repair request")
                violations = prompt_text.read_block(
                    messages, prompts.VIOLATIONS_OPEN, prompts.VIOLATIONS_CLOSE
                )
                try:
                    bad_week = PlannedWeek.model_validate(week_data)
                except ValueError:  # a week can break the schema's limits too; hand it over as is
                    bad_week = PlannedWeek.model_construct(**week_data)
                generated = await coach.repair_week(brief, outline, bad_week, list(violations or []))
        else:
            raise ValueError(f"unknown REQUEST_KIND {kind!r}")
        return generated.value.model_dump(mode="json")


def other_blocks(brief: Any, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The blocks with each exercise swapped for another allowed one of the same pattern where there is
    one: a model that chooses differently from the offline coach, within the rules."""
    from web.domain.catalogue import allowed_exercises, get_exercise

    allowed = [e for e in allowed_exercises(brief) if e.is_strength]
    out = []
    for block in blocks:
        chosen: list[str] = []
        for exercise_id in block["exercises"]:
            pattern = get_exercise(exercise_id).pattern
            others = [e.id for e in allowed if e.pattern == pattern and e.id not in block["exercises"]]
            swap = next((i for i in others if i not in chosen), exercise_id)
            chosen.append(swap if swap not in chosen else exercise_id)
        out.append({**block, "exercises": list(dict.fromkeys(chosen))})
    return out


# ---------------------------------------------------------------------- response helpers

_counter = 0
_counter_lock = threading.Lock()


def _meaning(text: str, dims: int = 64) -> list[float]:
    vector = [0.0] * dims
    for word in re.findall(r"[a-z]+", text.lower()):
        if len(word) > 2:
            vector[int(hashlib.sha256(word[:5].encode()).hexdigest(), 16) % dims] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _request_id() -> str:
    global _counter
    with _counter_lock:
        _counter += 1
        return f"req_fake_{_counter:06d}"


def _seconds_header(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _error(
    status: int, message: str, type_: str, code: str | None = None, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers or {"x-request-id": _request_id()})


def _completion_body(
    model: str,
    content: str | None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 0,
    completion_tokens: int | None = None,
) -> dict[str, Any]:
    if completion_tokens is None:
        completion_tokens = max(1, math.ceil(len(content or "") / 4))
    return {
        "id": f"chatcmpl-fake-{_request_id()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _tokens(content: str | None) -> int:
    """Completion tokens of an answer, at ~4 characters a token."""
    return math.ceil(len(content or "") / 4)


def _completion(model: str, content: str | None, **kwargs: Any) -> JSONResponse:
    return JSONResponse(_completion_body(model, content, **kwargs), headers={"x-request-id": _request_id()})


async def _trickle(payload: bytes, seconds: float, stopping: threading.Event) -> AsyncIterator[bytes]:
    chunks = 12
    size = max(1, math.ceil(len(payload) / chunks))
    pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
    delay = seconds / max(1, len(pieces))
    for piece in pieces:
        yield piece
        if not stopping.is_set():
            await asyncio.sleep(delay)


_TEXT_LIMITS = {"title": 80, "theme": 80, "notes": 300, "summary": 600, "why": 200, "text": 300}


def _inject(value: Any) -> Any:
    """Put the injection markers at the start of every title/theme/notes/summary/why/text string."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _TEXT_LIMITS and isinstance(item, str):
                out[key] = f"{INJECTION} {item}"[: _TEXT_LIMITS[key]]
            else:
                out[key] = _inject(item)
        return out
    if isinstance(value, list):
        return [_inject(v) for v in value]
    return value


def _break_rules(kind: str | None, value: dict[str, Any], messages: Iterable[Any]) -> dict[str, Any]:
    """A schema-valid answer that breaks the training rules."""
    brief = prompt_text.read_brief(list(messages))
    assert brief is not None
    value = copy.deepcopy(value)
    if kind == "outline":
        weeks = value["weeks"]
        if len(weeks) > 1:
            value["weeks"] = weeks[:-1]  # too few weeks
        for w in value["weeks"]:
            w["is_deload"] = not w["is_deload"]
        return value
    if kind not in ("week", "repair") or not value.get("sessions"):
        return value
    allowed = [d.value for d in brief.days]
    outside = [d for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if d not in allowed]
    first = value["sessions"][0]
    # A day the person cannot train (or, with all seven days available, a second session that day).
    if outside:
        first["day"] = outside[0]
    else:
        value["sessions"].append(copy.deepcopy(first))
    first["duration_minutes"] = min(240, brief.minutes_per_session + 30)
    barbell = _barbell_exercise(brief)
    first["exercises"][0].update(
        {
            "exercise_id": barbell[0],
            "name": barbell[1],
            "sets": 5,
            "reps": "5",
            "duration_seconds": None,
            "distance_km": None,
        }
    )
    return value


def _barbell_exercise(brief: Any) -> tuple[str, str]:
    """An exercise that needs a barbell (or other equipment the person lacks) from the catalogue."""
    try:
        from web.domain import catalogue

        everything = catalogue.all_exercises()
        owned = {str(getattr(e, "value", e)) for e in brief.equipment}
        for exercise in everything:
            needs = {str(getattr(e, "value", e)) for e in (getattr(exercise, "equipment", ()) or ())}
            if needs and not needs <= owned and ("barbell" in needs or "barbell" in owned):
                return str(exercise.id), str(exercise.name)
        for exercise in everything:
            needs = {str(getattr(e, "value", e)) for e in (getattr(exercise, "equipment", ()) or ())}
            if needs and not needs <= owned:
                return str(exercise.id), str(exercise.name)
    except (ImportError, AttributeError):
        pass
    return "barbell_back_squat", "Barbell back squat"


# ---------------------------------------------------------------------- other processes


class FakeOpenAIControl:
    """Drive a FakeOpenAI running in another process through its control API."""

    def __init__(self, url: str) -> None:
        self.root = url.rstrip("/").removesuffix("/v1")

    def _request(self, method: str, path: str, data: Any = None) -> Any:
        body = None if data is None else json.dumps(data).encode()
        req = urllib.request.Request(
            self.root + path, data=body, method=method, headers={"content-type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def script(self, *behaviours: Behaviour | str | dict[str, Any]) -> Any:
        return self._request("POST", "/_fake/script", [Behaviour.parse(b).to_json() for b in behaviours])

    def reset(self) -> None:
        self._request("POST", "/_fake/reset", {})

    def calls(self, messages: bool = True) -> list[dict[str, Any]]:
        return self._request("GET", "/_fake/calls" + ("" if messages else "?messages=0"))["calls"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the fake OpenAI server until killed.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    fake = FakeOpenAI(args.host, args.port).start()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    print(fake.base_url, flush=True)
    try:
        while not done.wait(0.5):
            pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()

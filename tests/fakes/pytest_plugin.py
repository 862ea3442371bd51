"""Pytest fixtures for the fake OpenAI server, and a guard that keeps tests off the real API.

- `fake_openai`: a started `FakeOpenAI` with an empty script queue and no recorded calls. One
  server per test session underneath; the queue and calls are reset before and after every test.
- `fake_openai_server`: the session-scoped server itself (no reset), for session/module fixtures
  such as an app started once for many tests.
- autouse `_no_real_openai`: resolving api.openai.com (or any *.openai.com host) raises and
  fails the test at teardown, even if the code under test swallowed the error (e.g. fell back to
  the offline coach).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI

_BLOCKED_SUFFIX = "openai.com"


class RealOpenAIAccess(RuntimeError):
    pass


def _blocked(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="ignore")
    if not isinstance(host, str):
        return False
    host = host.lower().rstrip(".")
    return host == _BLOCKED_SUFFIX or host.endswith("." + _BLOCKED_SUFFIX)


@pytest.fixture(autouse=True)
def _no_real_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    attempts: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = socket.create_connection

    def guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if _blocked(host):
            attempts.append(str(host))
            raise RealOpenAIAccess(f"test tried to reach the real OpenAI API ({host})")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded_create_connection(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(address, tuple) and address and _blocked(address[0]):
            attempts.append(str(address[0]))
            raise RealOpenAIAccess(f"test tried to reach the real OpenAI API ({address[0]})")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
    yield
    if attempts:
        pytest.fail(
            f"test tried to reach the real OpenAI API: {sorted(set(attempts))}; point the client at "
            "fake_openai.base_url",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    fake_openai_server.reset()
    yield fake_openai_server
    fake_openai_server.reset()

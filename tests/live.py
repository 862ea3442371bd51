"""Live servers for tests: the real app served by uvicorn over real HTTP on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object
    server: uvicorn.Server
    task: asyncio.Task

    @property
    def services(self):
        return self.app.state.services

    def client(self, **kw) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kw)

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 30)


@pytest.fixture
async def start_server(database):
    """Start the app in this event loop with settings overrides: `server = await start_server(**overrides)`."""
    from web.app import create_app
    from web.settings import Settings

    servers: list[LiveServer] = []

    async def start(**overrides) -> LiveServer:
        defaults = {
            "rate_limit_auth_per_minute": 10_000,
            "rate_limit_generations_per_hour": 1000,
            "rate_limit_generations_per_day": 10_000,
            "job_lease_seconds": 3,
        }
        settings = Settings(**{"app_env": "test", "database_url": database, **defaults, **overrides})
        app = create_app(settings)
        port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
            proxy_headers=False,  # as `python -m web` runs it: TRUSTED_PROXIES alone decides
        )
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # older uvicorn
        task = asyncio.create_task(server.serve())
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
        live = LiveServer(url=f"http://127.0.0.1:{port}", app=app, server=server, task=task)
        servers.append(live)
        return live

    yield start
    for live in servers:
        await live.stop()


@pytest.fixture
async def server(start_server):
    """The app with its default coach (offline) and an in-process runner."""
    return await start_server()


@pytest.fixture
async def client(server):
    async with server.client() as c:
        yield c


class ServerProcess:
    """The app in its own process (`python -m web`), for crash, restart and signal tests."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env = env
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(env["TRAINPLAN_TEST_LOG"])

    def start(self, timeout: float = 20) -> ServerProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web"], cwd=ROOT, env=self.env, stdout=log, stderr=log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited:\n" + self.log_path.read_text()[-3000:])
            try:
                if httpx.get(self.url + "/health/live", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start:\n" + self.log_path.read_text()[-3000:])

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def server_process(database, tmp_path):
    """Factory: `proc = server_process(**env_overrides).start()`; killed at the end of the test."""
    procs: list[ServerProcess] = []

    def make(**env: str) -> ServerProcess:
        full = {
            **os.environ,
            "DATABASE_URL": database,
            "HOST": "127.0.0.1",
            "TRAINPLAN_TEST_LOG": str(tmp_path / f"server-{len(procs)}.log"),
            "PORT": str(free_port()),
            **env,
        }
        proc = ServerProcess(full, int(full["PORT"]))
        procs.append(proc)
        return proc

    yield make
    for proc in procs:
        if proc.proc and proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait(10)

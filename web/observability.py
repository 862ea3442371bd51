"""Request ids, structured JSON logs and Prometheus metrics."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id(incoming: str | None) -> str:
    """Keep a caller's X-Request-ID when it is short and plain; otherwise make one."""
    if incoming and _SAFE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


# Fields of a LogRecord that are not the caller's `extra`.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Keys that must never reach a log line, whatever a caller passes in `extra`.
_FORBIDDEN = {
    "password",
    "token",
    "jwt",
    "jwt_token",
    "authorization",
    "api_key",
    "answers",
    "free_text",
    "notes",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        job_id = job_id_var.get()
        if job_id:
            entry["job_id"] = job_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = "[redacted]" if key.lower() in _FORBIDDEN else value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        rid = request_id_var.get() or "-"
        job = job_id_var.get()
        extras = {
            k: ("[redacted]" if k.lower() in _FORBIDDEN else v)
            for k, v in record.__dict__.items()
            if k not in _RESERVED and not k.startswith("_")
        }
        line = (
            f"{record.levelname:<7} {record.name} [{rid}{' job=' + job if job else ''}] {record.getMessage()}"
        )
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._trainplan = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    # Replace only our own handler, so that building several apps (tests) or pytest's capture keep working.
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_trainplan", False)] + [handler]
    root.setLevel(level.upper())
    # Third-party loggers that would print request lines, bodies or headers.
    for noisy in ("httpx", "httpcore", "openai", "httpx2", "httpcore2", "uvicorn.access", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# Counted wherever the events table is read (web/generation/progress.py makes every read), whatever app
# instance asked: one per process, on the default registry.
EVENT_READS = Counter("trainplan_event_reads_total", "Reads of the events table by this process")


def event_read() -> None:
    EVENT_READS.inc()


def multiprocess_dir() -> str | None:
    """PROMETHEUS_MULTIPROC_DIR: set (before start) when several processes serve one address
    (`uvicorn --workers N`): each writes its metrics there, and a scrape of any of them adds them up."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render_metrics(metrics: Metrics) -> bytes:
    """The text a scrape gets: this process's metrics, or with PROMETHEUS_MULTIPROC_DIR those of every
    process sharing the directory (counters and histograms summed, gauges as their mode says)."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(metrics.registry) + generate_latest(REGISTRY)


def process_exited() -> None:
    """Drop this process's live gauges from the shared directory (a stopped worker's open streams are 0)."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(os.getpid())


class Metrics:
    """The app's Prometheus metrics, on a registry of its own (one per app instance). HTTP requests are
    counted and timed per route by Litestar's Prometheus middleware (web/app.py), on the default registry.
    A gauge's `multiprocess_mode` says how processes add up under PROMETHEUS_MULTIPROC_DIR."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.generations_started = Counter(
            "trainplan_generations_started_total", "Generation jobs started", ["coach"], registry=r
        )
        self.generations_succeeded = Counter(
            "trainplan_generations_succeeded_total",
            "Generation jobs that saved a plan",
            ["coach"],
            registry=r,
        )
        self.generations_failed = Counter(
            "trainplan_generations_failed_total", "Generation jobs that failed", ["code"], registry=r
        )
        self.generation_seconds = Histogram(
            "trainplan_generation_duration_seconds",
            "Wall time of a generation job",
            registry=r,
            buckets=(0.5, 1, 2, 5, 10, 20, 40, 60, 120, 300),
        )
        self.llm_seconds = Histogram(
            "trainplan_llm_call_duration_seconds",
            "LLM call latency",
            ["kind", "outcome"],
            registry=r,
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40),
        )
        self.llm_tokens = Counter("trainplan_llm_tokens_total", "LLM tokens", ["type"], registry=r)
        self.llm_throttled = Counter(
            "trainplan_llm_throttled_total",
            "429 answers from the LLM provider (retries included)",
            registry=r,
        )
        self.llm_concurrency_limit = Gauge(
            "trainplan_llm_concurrency_limit",
            "LLM calls let run at once (LLM_MAX_CONCURRENCY per process, halved on 429s)",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.save_seconds = Histogram(
            "trainplan_plan_save_duration_seconds",
            "Plan save transaction time",
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
        )
        self.playbook_seconds = Histogram(
            "trainplan_playbook_duration_seconds", "Playbook task time", ["outcome"], registry=r
        )
        self.queue_depth = Gauge(
            "trainplan_generation_queue_depth",
            "Jobs queued or running in the runners",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.queued_jobs = Gauge(
            "trainplan_generation_queued_jobs",
            "Jobs waiting in the jobs table (all processes; read at each scrape)",
            registry=r,
            multiprocess_mode="livemax",
        )
        self.open_streams = Gauge(
            "trainplan_open_event_streams", "Open SSE streams", registry=r, multiprocess_mode="livesum"
        )
        self.event_feeds = Gauge(
            "trainplan_event_feeds",
            "Jobs whose events are being read (one reader per job and process)",
            registry=r,
            multiprocess_mode="livesum",
        )

    def llm_call(self, kind: str, seconds: float, usage: Any, outcome: str) -> None:
        self.llm_seconds.labels(kind, outcome).observe(seconds)
        self.llm_tokens.labels("prompt").inc(getattr(usage, "prompt_tokens", 0))
        self.llm_tokens.labels("completion").inc(getattr(usage, "completion_tokens", 0))


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start

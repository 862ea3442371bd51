"""What the app builds once at start-up and hands to handlers: settings, tokens, coaches, runner, metrics."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from web.auth.tokens import TokenService
from web.coach.base import Coach
from web.coach.cache import CachingCoach
from web.coach.gate import AdaptiveGate
from web.coach.offline_coach import OfflineCoach
from web.generation.feed import Feeds
from web.generation.pipeline import PipelineDeps
from web.generation.progress import Notifier
from web.generation.runner import JobRunner
from web.limits import Limits, WindowCounter
from web.observability import Metrics
from web.push.service import Pusher
from web.settings import Settings

log = logging.getLogger("web")


@dataclass
class Services:
    settings: Settings
    tokens: TokenService
    notifier: Notifier
    metrics: Metrics
    coach: Coach
    runner: JobRunner | None
    limits: Limits
    feeds: Feeds
    openai_client: Any = None
    pusher: Any = None  # Web Push (web/push.py)


def build_coach(settings: Settings, metrics: Metrics, gate: AdaptiveGate | None = None) -> tuple[Coach, Any]:
    if not settings.openai_api_key:
        return OfflineCoach(), None
    import httpx
    import openai

    from web.coach.openai_coach import OpenAICoach

    async def on_response(response: httpx.Response) -> None:
        if response.status_code == 429:  # every one, the SDK's own retries included
            metrics.llm_throttled.inc()
            if gate is not None:
                gate.throttled()

    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
        http_client=openai.DefaultAsyncHttpxClient(event_hooks={"response": [on_response]}),
    )
    coach = OpenAICoach.from_settings(client, settings, on_call=metrics.llm_call)
    if settings.llm_cache_ttl_hours > 0:
        return CachingCoach(
            coach, model=settings.openai_model, ttl_hours=settings.llm_cache_ttl_hours
        ), client
    return coach, client


def build_services(settings: Settings, *, with_runner: bool) -> Services:
    metrics = Metrics()
    notifier = Notifier(settings.redis_url)
    gate = AdaptiveGate(settings.llm_max_concurrency, on_change=metrics.llm_concurrency_limit.set)
    metrics.llm_concurrency_limit.set(gate.limit)
    coach, client = build_coach(settings, metrics, gate)
    fallback = OfflineCoach() if settings.llm_fallback_enabled and coach.name != "offline" else None
    deps = PipelineDeps(
        coach=coach,
        fallback=fallback,
        notifier=notifier,
        metrics=metrics,
        week_parallelism=settings.week_parallelism,
        week_fallback=fallback,
        llm_gate=gate,
    )
    pusher = Pusher(settings)
    deps.on_ended = pusher.job_ended
    runner = JobRunner(deps, settings, playbook_coach=coach) if with_runner else None
    limits = Limits(settings, WindowCounter(settings.redis_url))
    limits.on_streams_changed = metrics.open_streams.set
    return Services(
        settings=settings,
        limits=limits,
        tokens=TokenService(settings),
        notifier=notifier,
        metrics=metrics,
        coach=coach,
        runner=runner,
        feeds=Feeds(notifier, on_count=metrics.event_feeds.set),
        openai_client=client,
        pusher=pusher,
    )


async def start(services: Services) -> None:
    await services.notifier.start()
    if services.runner is not None:
        await services.runner.start()


async def stop(services: Services, grace: float = 10.0) -> None:
    if services.runner is not None:
        await services.runner.stop(grace)
    await services.feeds.close()
    await services.notifier.stop()
    await services.limits.close()
    if services.openai_client is not None:
        await services.openai_client.close()

"""The LLM coach: structured outputs from the OpenAI chat completions API.

The openai SDK owns retries (429 honouring Retry-After, 408/409/5xx, connection errors and
timeouts, with exponential backoff); this module adds no second retry layer. It maps every failure
to a `CoachError` whose `retryable` flag tells the job runner whether trying the whole step again
later may help.

Nothing here logs a prompt, an answer or the API key: only the kind of call, the week, latency,
token counts and the outcome.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from web.coach import prompt_text, prompts
from web.coach.base import CoachError, CoachErrorCode, Generated, PlaybookNotes, Usage
from web.domain.brief import TrainingBrief
from web.domain.plan import PlannedWeek, PlanOutline

log = logging.getLogger("web.coach")

M = TypeVar("M", bound=BaseModel)

# on_call(kind, seconds, usage, outcome): outcome is "ok" or a CoachErrorCode value.
CallHook = Callable[[str, float, Usage, str], None]

OUTCOME_OK = "ok"


def _usage_of(completion: Any) -> Usage:
    usage = getattr(completion, "usage", None)
    if usage is None:
        return Usage()
    return Usage(int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0))


def _validation_summary(exc: ValidationError) -> str:
    """Where the answer failed validation, without the offending values (they are model output)."""
    errors = exc.errors(include_input=False, include_url=False)
    first = errors[0] if errors else {}
    loc = ".".join(str(p) for p in first.get("loc", ()))
    return f"{len(errors)} validation error(s); first: {first.get('type', '?')} at {loc or '<root>'}"


def map_openai_error(exc: BaseException) -> CoachError | None:
    """The CoachError for an exception raised by the openai SDK, or None when it is not one of them."""
    name = type(exc).__name__
    if isinstance(exc, openai.RateLimitError):
        return CoachError(CoachErrorCode.rate_limited, f"{name}: HTTP 429", retryable=True)
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError: it is a subclass
        return CoachError(CoachErrorCode.timeout, name, retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return CoachError(CoachErrorCode.unavailable, name, retryable=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        # 5xx and the statuses the SDK itself treats as transient (408 timeout, 409 lock).
        transient = status >= 500 or status in (408, 409)
        return CoachError(
            CoachErrorCode.unavailable,
            f"{name}: HTTP {status} (request id {exc.request_id or '-'})",
            retryable=transient,
        )
    if isinstance(exc, openai.LengthFinishReasonError):
        return CoachError(
            CoachErrorCode.truncated,
            "finish_reason=length: the answer hit max_completion_tokens",
            retryable=True,  # another sample may well be shorter
        )
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return CoachError(CoachErrorCode.refused, "finish_reason=content_filter", retryable=False)
    if isinstance(exc, openai.APIResponseValidationError):
        return CoachError(CoachErrorCode.malformed, f"{name}: unexpected response shape", retryable=True)
    if isinstance(exc, ValidationError):
        return CoachError(CoachErrorCode.malformed, _validation_summary(exc), retryable=True)
    if isinstance(exc, json.JSONDecodeError):
        return CoachError(CoachErrorCode.malformed, f"invalid JSON at char {exc.pos}", retryable=True)
    if isinstance(exc, openai.OpenAIError):
        return CoachError(CoachErrorCode.unavailable, name, retryable=False)
    return None


class OpenAICoach:
    """Implements `web.coach.base.Coach` with `client.chat.completions.parse`.

    `client` is the app's single `openai.AsyncOpenAI`; it is narrowed once with `with_options` to
    this coach's per-call timeout and retry count (the connection pool is shared).
    """

    name = "openai"

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        model: str = "gpt-4o-mini",
        timeout_seconds: float = 45.0,
        max_retries: int = 2,
        prompt_token_budget: int = 12_000,
        max_completion_tokens: int = 6000,
        on_call: CallHook | None = None,
        embedding_model: str = "text-embedding-3-small",
    ) -> None:
        self.model = model
        self.embedding_model = embedding_model
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.prompt_token_budget = prompt_token_budget
        self.max_completion_tokens = max_completion_tokens
        self.on_call = on_call
        self._client = client.with_options(timeout=timeout_seconds, max_retries=max_retries)

    @classmethod
    def from_settings(
        cls, client: openai.AsyncOpenAI, settings: Any, *, on_call: CallHook | None = None
    ) -> OpenAICoach:
        """Build from `web.settings.Settings` (openai_model, openai_timeout_seconds, ...)."""
        return cls(
            client,
            model=settings.openai_model,
            timeout_seconds=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
            prompt_token_budget=settings.prompt_token_budget,
            max_completion_tokens=settings.openai_max_completion_tokens,
            on_call=on_call,
            embedding_model=settings.openai_embedding_model,
        )

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Embeddings of short texts (playbook notes, a brief's summary), for matching notes by meaning."""
        try:
            answer = await self._client.embeddings.create(model=self.embedding_model, input=texts)
        except Exception as exc:
            raise map_openai_error(exc) or exc from exc
        return [item.embedding for item in sorted(answer.data, key=lambda item: item.index)]

    # ---------------------------------------------------------------- Coach protocol

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]:
        return await self._call("outline", None, prompts.outline_messages(brief), PlanOutline)

    async def week(
        self, brief: TrainingBrief, outline: PlanOutline, number: int, previous: PlannedWeek | None
    ) -> Generated[PlannedWeek]:
        messages = prompts.week_messages(brief, outline, number, previous)
        return await self._call("week", number, messages, PlannedWeek)

    async def repair_week(
        self, brief: TrainingBrief, outline: PlanOutline, week: PlannedWeek, violations: Sequence[str]
    ) -> Generated[PlannedWeek]:
        messages = prompts.repair_messages(brief, outline, week, list(violations))
        return await self._call("repair", week.number, messages, PlannedWeek)

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]:
        return await self._call("playbook", None, prompts.playbook_messages(brief), PlaybookNotes)

    # ---------------------------------------------------------------- one call

    async def _call(
        self, kind: str, week: int | None, messages: list[dict[str, str]], response_format: type[M]
    ) -> Generated[M]:
        started = time.perf_counter()
        usage = Usage()
        outcome = OUTCOME_OK
        estimated = prompt_text.estimate_tokens(messages, response_format)
        try:
            if estimated > self.prompt_token_budget:
                raise CoachError(
                    CoachErrorCode.prompt_too_large,
                    f"estimated {estimated} prompt tokens > budget {self.prompt_token_budget}",
                    retryable=False,
                )
            try:
                completion = await self._client.chat.completions.parse(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    response_format=response_format,
                    max_completion_tokens=self.max_completion_tokens,
                )
            except (openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError) as exc:
                usage = _usage_of(getattr(exc, "completion", None))
                raise map_openai_error(exc) from None  # type: ignore[misc]
            except (ValidationError, json.JSONDecodeError) as exc:
                raise map_openai_error(exc) from None  # type: ignore[misc]
            except openai.OpenAIError as exc:
                raise map_openai_error(exc) from exc  # type: ignore[misc]
            usage = _usage_of(completion)
            value = self._value_of(completion, kind, week, response_format)
            return Generated(value=value, usage=usage)
        except CoachError as exc:
            outcome = str(exc.code)
            raise
        except BaseException:
            outcome = "error"  # cancellation or a bug; not mapped, re-raised as is
            raise
        finally:
            self._record(kind, week, time.perf_counter() - started, usage, outcome, estimated)

    @staticmethod
    def _value_of(completion: Any, kind: str, week: int | None, response_format: type[M]) -> M:
        if not completion.choices:
            raise CoachError(CoachErrorCode.malformed, "no choices in the completion", retryable=True)
        message = completion.choices[0].message
        if message.refusal:
            raise CoachError(CoachErrorCode.refused, "the model refused (message.refusal)", retryable=False)
        parsed = message.parsed
        if parsed is None:
            raise CoachError(CoachErrorCode.malformed, "no parsed content in the answer", retryable=True)
        if not isinstance(parsed, response_format):
            raise CoachError(
                CoachErrorCode.malformed,
                f"parsed {type(parsed).__name__}, expected {response_format.__name__}",
                retryable=True,
            )
        if week is not None and isinstance(parsed, PlannedWeek) and parsed.number != week:
            parsed = parsed.model_copy(update={"number": week})  # the server knows the number it asked for
        return parsed

    def _record(
        self, kind: str, week: int | None, seconds: float, usage: Usage, outcome: str, estimated: int
    ) -> None:
        level = logging.INFO if outcome == OUTCOME_OK else logging.WARNING
        log.log(
            level,
            "coach call kind=%s week=%s model=%s outcome=%s latency_ms=%d prompt_tokens=%d "
            "completion_tokens=%d estimated_prompt_tokens=%d",
            kind,
            week if week is not None else "-",
            self.model,
            outcome,
            round(seconds * 1000),
            usage.prompt_tokens,
            usage.completion_tokens,
            estimated,
            extra={
                "coach": self.name,
                "call_kind": kind,
                "week": week,
                "model": self.model,
                "outcome": outcome,
                "latency_ms": round(seconds * 1000),
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "estimated_prompt_tokens": estimated,
            },
        )
        if self.on_call is not None:
            try:
                self.on_call(kind, seconds, usage, outcome)
            except Exception:  # metrics must never break generation
                log.exception("coach on_call hook failed")

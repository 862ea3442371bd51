"""The user-safe face of each way a generation can end badly. Details go to the server log only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    message: str
    retryable: bool


FAILURES: dict[str, Failure] = {
    "llm_rate_limited": Failure("Our AI coach is very busy right now. Try again in a few minutes.", True),
    "llm_unavailable": Failure("Our AI coach is not reachable right now. Try again in a few minutes.", True),
    "llm_timeout": Failure("Our AI coach did not answer in time. Try again.", True),
    "llm_refused": Failure(
        "The AI coach could not write a plan from these answers. Go back, check your notes, and try again.",
        False,
    ),
    "llm_truncated": Failure("The AI coach's answer was cut short. Try again.", True),
    "llm_malformed": Failure("The AI coach's answer was not usable. Try again.", True),
    "prompt_too_large": Failure(
        "Your answers are too long for the coach. Go back, shorten your notes, and try again.", False
    ),
    "plan_invalid": Failure(
        "We could not produce a plan that passes our safety checks. Try again, or go back and adjust your days, "
        "minutes or equipment.",
        True,
    ),
    "deadline_exceeded": Failure("Making your plan took too long and was stopped. Try again.", True),
    "save_failed": Failure(
        "Your plan was written but could not be saved. Nothing was half-saved; try again.", True
    ),
    "plan_changed": Failure(
        "Your plan changed while this change was being made, so it was not applied. Open your plan and "
        "change it again.",
        False,
    ),
    "plan_not_found": Failure("The plan version to change is gone. Open your plan and try again.", False),
    "interrupted": Failure("The generation was interrupted by a server restart. Try again.", True),
    "internal_error": Failure("Something went wrong on our side. Try again.", True),
}


def failure_for(code: str) -> Failure:
    return FAILURES.get(code, FAILURES["internal_error"])

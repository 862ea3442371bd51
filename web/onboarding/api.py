"""JSON API for the onboarding question set."""

from __future__ import annotations

from litestar import get
from pydantic import BaseModel

from web.onboarding.questions import QUESTION_SET_VERSION, QUESTIONS, Question


class QuestionSet(BaseModel):
    version: str
    questions: list[Question]


@get(
    "/api/v1/onboarding/questions",
    operation_id="ListOnboardingQuestions",
    tags=["onboarding"],
    cache=300,
    exclude_from_auth=True,  # public: the app shows the questions before sign-up
)
async def list_questions() -> QuestionSet:
    """The versioned onboarding questions: id, text, type, options, range, required."""
    return QuestionSet(version=QUESTION_SET_VERSION, questions=list(QUESTIONS))

"""Text every field accepts: no NUL or other control characters (PostgreSQL refuses NUL in text, and
no person types them); line breaks and tabs are fine in free text."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_CONTROL_MESSAGE = "Remove the control characters (such as NUL) from this text."


def clean_text(value: str) -> str:
    if CONTROL_CHARS.search(value):
        raise ValueError(NO_CONTROL_MESSAGE)
    return value


CleanText = Annotated[str, AfterValidator(clean_text)]


class ClosedBody(BaseModel):
    """A request body that refuses unknown fields, in one error on the whole body. (Per field, an unknown
    field named like one of the handler's dependencies, `user`, makes Litestar answer 500: it takes the
    error for a failed dependency.)"""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_fields_only(cls, data: Any) -> Any:
        if isinstance(data, dict) and (
            unknown := sorted(str(k)[:40] for k in set(data) - set(cls.model_fields))
        ):
            raise ValueError(f"Unknown fields: {', '.join(unknown[:10])}.")
        return data

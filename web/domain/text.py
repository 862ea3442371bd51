"""Text every field accepts: no NUL or other control characters (PostgreSQL refuses NUL in text, and
no person types them); line breaks and tabs are fine in free text."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
NO_CONTROL_MESSAGE = "Remove the control characters (such as NUL) from this text."


def clean_text(value: str) -> str:
    if CONTROL_CHARS.search(value):
        raise ValueError(NO_CONTROL_MESSAGE)
    return value


CleanText = Annotated[str, AfterValidator(clean_text)]

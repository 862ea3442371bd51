"""Reading the prompts of web/coach/prompts.py back (the fake OpenAI server and tests), and a
conservative token estimate to refuse big prompts before they are sent (the OpenAI coach)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from web.coach.prompts import BRIEF_CLOSE, BRIEF_OPEN, CHARS_PER_TOKEN, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST
from web.domain.brief import TrainingBrief

# --------------------------------------------------------------------------------------------
# Reading prompts back (the fake OpenAI server and tests use these)

_KIND_RE = re.compile(r"^REQUEST_KIND: *(outline|week|repair|playbook) *$", re.MULTILINE)
_WEEK_RE = re.compile(r"^WEEK_NUMBER: *(\d{1,3}) *$", re.MULTILINE)


def _content_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def _user_text(messages: Iterable[Mapping[str, Any]]) -> str:
    return "\n".join(_content_text(m) for m in messages if m.get("role") == "user")


def read_request_kind(messages: Iterable[Mapping[str, Any]]) -> str | None:
    match = _KIND_RE.search(_user_text(messages))
    return match.group(1) if match else None


def read_week_number(messages: Iterable[Mapping[str, Any]]) -> int | None:
    match = _WEEK_RE.search(_user_text(messages))
    return int(match.group(1)) if match else None


def read_block(messages: Iterable[Mapping[str, Any]], open_tag: str, close_tag: str) -> Any | None:
    """The JSON data of the first `open_tag` block in the user messages, or None."""
    text = _user_text(messages)
    start = text.find(open_tag + "\n")  # a block opens on a line of its own (see _block)
    if start < 0:
        return None
    end = text.find("\n" + close_tag, start)
    if end < 0:
        return None
    return json.loads(text[start + len(open_tag) + 1 : end])


def read_brief(messages: Iterable[Mapping[str, Any]]) -> TrainingBrief | None:
    data = read_block(messages, BRIEF_OPEN, BRIEF_CLOSE)
    return TrainingBrief.model_validate(data) if data is not None else None


# --------------------------------------------------------------------------------------------
# Token estimate


def estimate_tokens(
    messages: Iterable[Mapping[str, Any]], response_format: type[BaseModel] | None = None
) -> int:
    """A conservative prompt-size estimate (~chars/3.5), with no tokenizer download.

    The structured-output JSON schema is part of the prompt the API bills; pass the response
    model to count it too.
    """
    chars = 0
    count = 0
    for message in messages:
        count += 1
        chars += len(_content_text(message)) + len(str(message.get("role", "")))
    if response_format is not None:
        chars += len(json.dumps(response_format.model_json_schema(), separators=(",", ":")))
    return math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * count + TOKENS_PER_REQUEST

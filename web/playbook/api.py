"""JSON API for the coaching playbook."""

from __future__ import annotations

import datetime as dt

from litestar import get
from pydantic import BaseModel

from web.auth.guards import BEARER, CurrentUser
from web.playbook.services import playbook_of


class PlaybookEntryOut(BaseModel):
    category: str
    text: str
    created_at: dt.datetime


class PlaybookOut(BaseModel):
    status: str  # none, running, succeeded, failed, timed_out
    error_code: str | None
    updated_at: dt.datetime | None
    entries: list[PlaybookEntryOut]


@get(
    "/api/v1/playbook",
    operation_id="GetPlaybook",
    tags=["playbook"],
    security=BEARER,
)
async def get_playbook(user: CurrentUser) -> PlaybookOut:
    """Coaching notes about you, built in the background with each generation, and that task's status."""
    return PlaybookOut.model_validate(await playbook_of(user))

"""JSON API for the coaching playbook."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import delete, get
from litestar.params import Parameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from pydantic import BaseModel

from web.auth.guards import BEARER, CurrentUser
from web.playbook.services import delete_entry, playbook_of


class PlaybookEntryOut(BaseModel):
    id: int
    category: str  # limits | preferences | schedule | motivation
    text: str
    helpful: int  # sessions since the note that bore it out
    harmful: int  # ... and that went against it (a note that keeps proving harmful is retired)
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
    """What your coach has learned: notes about you, built in the background with each generation, merged
    when they repeat, counted for or against by the sessions you log, and that task's status."""
    return PlaybookOut.model_validate(await playbook_of(user))


@delete(
    "/api/v1/playbook/entries/{entry_id:int}",
    operation_id="DeletePlaybookEntry",
    tags=["playbook"],
    security=BEARER,
    status_code=HTTP_204_NO_CONTENT,
)
async def delete_playbook_entry(
    user: CurrentUser, entry_id: Annotated[int, Parameter(ge=1, le=2_147_483_647)]
) -> None:
    """Delete a note: your coach never uses it again."""
    await delete_entry(user, entry_id)

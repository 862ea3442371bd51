"""A person's calendar feed: a secret address that Google, Apple and other calendars subscribe to, serving
the active plan's sessions as iCalendar (so the calendar follows when the plan changes). The address is
the only key: 256 random bits, never logged, changed on request (the old one stops at once) or stopped."""

from __future__ import annotations

import re
import secrets

from web.auth.services import profile_of
from web.clock import now
from web.db import write_transaction
from web.plans.services import own_plan, plan_calendar
from web.tables import User, UserProfile


async def feed_token(user: User, *, new: bool = False) -> str:
    """The person's feed token, made on first use; `new`: a fresh one, and the old address stops."""
    profile = await profile_of(user)
    if profile.calendar_token and not new:
        return profile.calendar_token
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await UserProfile.update({UserProfile.calendar_token: token, UserProfile.updated_at: now()}).where(
            UserProfile.id == profile.id
        )
    return token


async def stop_feed(user: User) -> None:
    profile = await profile_of(user)
    async with write_transaction():
        await UserProfile.update({UserProfile.calendar_token: None, UserProfile.updated_at: now()}).where(
            UserProfile.id == profile.id
        )


async def feed_calendar(token: str) -> str | None:
    """The calendar behind a feed token: the active plan's sessions; None for a token that is not (or no
    longer) anyone's, or a person without a plan (a calendar needs at least one event: RFC 5545)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token):
        return None
    profile = await UserProfile.objects().where(UserProfile.calendar_token == token).first()
    if profile is None or profile.active_plan_id is None:
        return None
    user = await User.objects().where(User.id == profile.user).first()
    return await plan_calendar(await own_plan(user, profile.active_plan_id))


def feed_urls(base: str, token: str) -> tuple[str, str]:
    """The feed's address, and the same with webcal:// (which opens the calendar app on phones)."""
    url = f"{base.rstrip('/')}/calendar/{token}.ics"
    return url, "webcal://" + url.split("://", 1)[1]

"""Remember-me sign-ins: refresh tokens that rotate on every use and can be revoked.

A refresh token is a random 256-bit secret (only its sha256 is stored). Exchanging it ends it and issues
a new one of the same family with a new access token. Presenting one that was already exchanged means it
was copied (the real client got a new one), so the whole family is revoked and the person signs in again
(OAuth 2.0 Security BCP, refresh token rotation), unless it comes within a few seconds of the exchange,
as requests sent together do. Logging out moves the account's token generation,
which ends every refresh token with every access token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid

from web.clock import now
from web.db import write_transaction
from web.errors import Unauthorized
from web.tables import RefreshToken, User

log = logging.getLogger("web.auth")
SIGN_IN_AGAIN = "Your sign-in has ended: sign in again."
REUSE_GRACE = dt.timedelta(seconds=30)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_refresh(user: User, ttl_days: float, family: uuid.UUID | None = None) -> str:
    """A new refresh token for `user` (a new family unless rotating one). Inside the caller's transaction
    when there is one."""
    secret = secrets.token_urlsafe(32)
    at = now()
    await RefreshToken(
        id=uuid.uuid4(),
        user=user.id,
        token_hash=_hash(secret),
        family=family or uuid.uuid4(),
        generation=user.token_generation,
        expires_at=at + dt.timedelta(days=ttl_days),
        created_at=at,
    ).save()
    return secret


async def new_sign_in(user: User, ttl_days: float) -> str:
    """A refresh token for a sign-in with a password (the person's expired ones dropped first)."""
    await prune(user)
    return await issue_refresh(user, ttl_days)


async def rotate(secret: str, ttl_days: float) -> tuple[User, str | None]:
    """Exchange a refresh token: the person it belongs to and their new refresh token. Unauthorized for an
    unknown, expired or revoked one, and for one used again later than REUSE_GRACE after its exchange (a
    copy: that also ends every token of its family). Within the grace (a browser's tabs, or a page and its
    stream, renewing at once), the person, and None: an access token, but the successor stays with the
    request that made it."""
    if not secret or len(secret) > 200:
        raise Unauthorized(SIGN_IN_AGAIN, code="invalid_refresh_token")
    at = now()
    row = await RefreshToken.objects().where(RefreshToken.token_hash == _hash(secret)).first()
    if row is None or row.expires_at <= at:
        raise Unauthorized(SIGN_IN_AGAIN, code="invalid_refresh_token")
    user = await User.objects().where(User.id == row.user).first()
    if user is None or not user.is_active or row.generation != user.token_generation:
        raise Unauthorized(SIGN_IN_AGAIN, code="invalid_refresh_token")
    if row.used_at is not None:
        if at - row.used_at <= REUSE_GRACE:  # requests that left together with the same token
            return user, None
        await _revoke_family(row.family)
        raise Unauthorized(SIGN_IN_AGAIN, code="invalid_refresh_token")
    async with write_transaction():
        won = (
            await RefreshToken.update({RefreshToken.used_at: at})
            .where((RefreshToken.id == row.id) & RefreshToken.used_at.is_null())
            .returning(RefreshToken.id)
        )
        if not won:  # a parallel exchange of the same token got there first: it holds the successor
            return user, None
        fresh = await issue_refresh(user, ttl_days, family=row.family)
    return user, fresh


async def _revoke_family(family: uuid.UUID) -> None:
    log.warning("refresh token reused: its sign-in is revoked")
    async with write_transaction():
        await RefreshToken.delete().where(RefreshToken.family == family)


async def revoke_all(user: User) -> None:
    """Every refresh token of the person (logging out; the generation move already refuses them)."""
    async with write_transaction():
        await RefreshToken.delete().where(RefreshToken.user == user.id)


async def prune(user: User) -> None:
    """Drop the person's expired refresh tokens (exchanged ones stay until then: they catch a reuse)."""
    async with write_transaction():
        await RefreshToken.delete().where((RefreshToken.user == user.id) & (RefreshToken.expires_at <= now()))

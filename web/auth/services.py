"""Accounts: register, log in, resolve the user behind a token."""

from __future__ import annotations

import asyncio
import os
import uuid
import weakref

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator
from zxcvbn import zxcvbn

from web.analytics import record
from web.auth.refresh import revoke_all
from web.auth.tokens import Claims
from web.clock import now
from web.db import is_unique_violation, write_transaction
from web.domain.text import CONTROL_CHARS
from web.errors import Conflict, InvalidInput, Unauthorized
from web.tables import PushSubscription, User, UserProfile

_hasher = PasswordHasher()
MIN_PASSWORD = 10
MIN_STRENGTH = 2  # zxcvbn's score, 0-4: 2 is "somewhat guessable", safe against online guessing
HASH_CONCURRENCY = int(os.environ.get("AUTH_HASH_CONCURRENCY") or max(1, (os.cpu_count() or 2) - 1))
_HASH_GATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Verified against when the email is unknown, so a miss costs as long as a hit.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=128, repr=False)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        """A real address (email-validator: no control characters, no markup in the local part)."""
        value = value.strip().lower()
        if CONTROL_CHARS.search(value) or "<" in value or ">" in value:
            raise ValueError("Enter a valid email address, like name@example.com.")
        try:
            return validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise ValueError("Enter a valid email address, like name@example.com.") from None

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("A password cannot contain a NUL character.")
        if len(value) < MIN_PASSWORD:
            raise ValueError(f"Use at least {MIN_PASSWORD} characters.")
        return value


def password_problem(email: str, password: str) -> str | None:
    """Why a new password is too easy to guess (zxcvbn: common passwords, repeats, keyboard runs, the
    person's own email), in words for the person; None when it is fine."""
    if not password.strip():
        return "A password of spaces only is easy to guess: use words or characters."
    local = email.split("@", 1)[0]
    if password.strip().lower() in (email, local):
        return "Do not use your email address as your password."
    verdict = zxcvbn(password[:100], user_inputs=[email, local, "trainplan"])
    if verdict["score"] >= MIN_STRENGTH:
        return None
    warning = verdict["feedback"].get("warning") or "This password is easy to guess."
    return f"{warning.rstrip('.')}. Try a few unrelated words, like a short sentence."


async def hashing(fn, *args):
    """Run an argon2 hash or verify in a thread, a few at a time: a burst of sign-ups must not take every
    core from the rest of the API (AUTH_HASH_CONCURRENCY)."""
    loop = asyncio.get_running_loop()
    gate = _HASH_GATES.get(loop)
    if gate is None:
        gate = _HASH_GATES[loop] = asyncio.Semaphore(HASH_CONCURRENCY)
    async with gate:
        return await asyncio.to_thread(fn, *args)


async def register(creds: Credentials) -> User:
    problem = password_problem(creds.email, creds.password)
    if problem:
        raise InvalidInput(
            "Choose a stronger password.", errors=[{"field": "password", "message": problem, "code": "weak"}]
        )
    password_hash = await hashing(_hasher.hash, creds.password)
    user = User(id=uuid.uuid4(), email=creds.email, password_hash=password_hash, created_at=now())
    try:
        async with write_transaction():
            await user.save()
            await UserProfile(id=uuid.uuid4(), user=user.id, created_at=now(), updated_at=now()).save()
    except Exception as exc:
        if is_unique_violation(exc):
            # Enumeration, decided: sign-up says plainly that the address has an account (as most
            # products do: a person who forgot they signed up needs to know), and the per-address and
            # per-account limits keep anyone from testing addresses in bulk. Login never says which part
            # was wrong. Answering alike and mailing a notice would need outgoing mail, which we lack.
            raise Conflict(
                "An account with this email already exists. Log in instead.", code="email_taken"
            ) from None
        raise
    await record("signed_up", user.id)
    return user


async def authenticate(creds: Credentials) -> User:
    user = await User.objects().where(User.email == creds.email).first()
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    try:
        await hashing(_hasher.verify, stored, creds.password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.is_active:
        raise Unauthorized("The email or password is not right.", code="invalid_credentials")
    return user


async def user_for_claims(claims: Claims) -> User:
    if claims.external:
        if not claims.sub or len(claims.sub) > 255:  # User.external_sub holds at most 255 characters
            raise Unauthorized()
        external = await _external_user(claims.sub)
        if external is None or not external.is_active:
            raise Unauthorized()
        return external
    try:
        user_id = uuid.UUID(claims.sub)
    except ValueError:
        raise Unauthorized() from None
    user = await User.objects().where(User.id == user_id).first()
    if user is None or not user.is_active:
        raise Unauthorized()
    if claims.generation != user.token_generation:  # issued before a logout: revoked everywhere
        raise Unauthorized("You have signed out: sign in again.")
    return user


async def sign_out_everywhere(user: User) -> None:
    """Revoke every token issued to this person so far (every device, every process): the next
    request with one of them is refused, as a bearer token or a session cookie."""
    await User.update({User.token_generation: User.token_generation + 1}).where(User.id == user.id)
    await revoke_all(user)
    # A signed-out person's devices are not told about their plans any more (a shared browser).
    await PushSubscription.delete().where(PushSubscription.user == user.id)


async def _external_user(sub: str) -> User:
    """People from an external identity provider get an account on first sight."""
    user = await User.objects().where(User.external_sub == sub).first()
    if user is not None:
        return user
    user = User(
        id=uuid.uuid4(), email=f"{uuid.uuid4().hex}@external.invalid", external_sub=sub, created_at=now()
    )
    try:
        async with write_transaction():
            await user.save()
            await UserProfile(id=uuid.uuid4(), user=user.id, created_at=now(), updated_at=now()).save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        user = await User.objects().where(User.external_sub == sub).first()  # a parallel request won
    return user


async def save_personal_info(user: User, info: dict) -> UserProfile:
    """Replace the person's personal info (validated by the caller); the profile as it now is."""
    profile = await profile_of(user)
    async with write_transaction():
        await UserProfile.update({UserProfile.personal_info: info, UserProfile.updated_at: now()}).where(
            UserProfile.id == profile.id
        )
    return await profile_of(user)


async def profile_of(user: User) -> UserProfile:
    profile = await UserProfile.objects().where(UserProfile.user == user.id).output(load_json=True).first()
    if profile is None:  # accounts always get one at registration; this heals older rows
        profile = UserProfile(
            id=uuid.uuid4(),
            user=user.id,
            personal_info={},
            onboarding_draft={},
            created_at=now(),
            updated_at=now(),
        )
        await profile.save()
    return profile

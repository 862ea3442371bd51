"""JSON API for accounts and the profile."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, ConfigDict, Field, model_validator

from web.auth.guards import BEARER, CurrentUser, auth_attempts
from web.auth.refresh import new_sign_in, rotate
from web.auth.services import (
    Credentials,
    authenticate,
    profile_of,
    register,
    save_personal_info,
    sign_out_everywhere,
)
from web.domain.text import ClosedBody
from web.errors import Unauthorized, invalid_body
from web.onboarding.schemas import PersonalInfo
from web.onboarding.validation import range_message
from web.tables import User, UserProfile


class UserOut(BaseModel):
    id: UUID
    email: str
    profile_id: UUID
    created_at: dt.datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    # Exchange it at /auth/refresh for a new access token (and a new refresh token) when this one expires.
    refresh_token: str
    refresh_expires_in: int
    user_id: UUID
    profile_id: UUID


class RefreshIn(ClosedBody):
    refresh_token: str = Field(min_length=1, max_length=200)


async def tokens_for(services: Any, user: User, refresh_token: str | None = None) -> TokenOut:
    """An access token, and a refresh token (new, or the one a rotation just made)."""
    settings = services.settings
    if refresh_token is None:
        refresh_token = await new_sign_in(user, settings.refresh_token_ttl_days)
    return TokenOut(
        access_token=services.tokens.issue_access(str(user.id), generation=user.token_generation),
        expires_in=settings.jwt_access_ttl_seconds,
        refresh_token=refresh_token,
        refresh_expires_in=int(settings.refresh_token_ttl_days * 86400),
        user_id=user.id,
        profile_id=(await profile_of(user)).id,
    )


class ProfileIn(BaseModel):
    """`{"personal_info": {...}}`, nothing else (no mass assignment). The personal info sent alone, as
    the mobile app's first release did, is read as the same."""

    model_config = ConfigDict(extra="forbid")

    personal_info: PersonalInfo

    @model_validator(mode="before")
    @classmethod
    def _bare_personal_info(cls, data: Any) -> Any:
        return {"personal_info": data} if isinstance(data, dict) and "personal_info" not in data else data


# The 422s of these operations head their field errors with what the operation needs.
_CREDENTIALS_INVALID = invalid_body("Check your email and password.", message_for=range_message)
_PROFILE_INVALID = invalid_body(
    "Some of your personal info is invalid.", message_for=range_message, within="personal_info"
)


class ProfileOut(BaseModel):
    id: UUID
    personal_info: dict[str, Any] | None
    active_plan_id: UUID | None
    updated_at: dt.datetime


def profile_out(profile: UserProfile) -> ProfileOut:
    info = profile.personal_info
    return ProfileOut(
        id=profile.id,
        personal_info=info or None,
        active_plan_id=profile.active_plan_id,
        updated_at=profile.updated_at,
    )


class AuthController(Controller):
    path = "/api/v1"
    tags = ["auth"]

    @post(
        "/auth/register",
        operation_id="Register",
        status_code=HTTP_201_CREATED,
        guards=[auth_attempts("register")],
        exception_handlers=_CREDENTIALS_INVALID,
        exclude_from_auth=True,
    )
    async def create_user(self, data: JSONBody[Credentials]) -> UserOut:
        """Create an account with email and password (at least 10 characters)."""
        user = await register(data)
        profile = await profile_of(user)
        return UserOut(id=user.id, email=user.email, profile_id=profile.id, created_at=user.created_at)

    @post(
        "/auth/token",
        operation_id="CreateToken",
        status_code=HTTP_200_OK,
        response_headers=[ResponseHeader(name="Cache-Control", value="no-store", description="RFC 6749 5.1")],
        guards=[auth_attempts("login")],
        exception_handlers=_CREDENTIALS_INVALID,
        exclude_from_auth=True,
    )
    async def create_token(self, request: Request, data: JSONBody[Credentials]) -> TokenOut:
        """Exchange email and password for an access token (JWT, HS256)."""
        services = request.app.state.services
        await services.limits.check_account(data.email)
        try:
            user = await authenticate(data)
        except Unauthorized:
            await services.limits.login_failed(data.email)
            raise
        return await tokens_for(services, user)

    @post(
        "/auth/refresh",
        operation_id="RefreshToken",
        status_code=HTTP_200_OK,
        response_headers=[ResponseHeader(name="Cache-Control", value="no-store", description="RFC 6749 5.1")],
        guards=[auth_attempts("refresh")],
        exclude_from_auth=True,
    )
    async def refresh_token(self, request: Request, data: JSONBody[RefreshIn]) -> TokenOut:
        """Exchange a refresh token for a new access token and a new refresh token (the old one ends: a
        refresh token works once; using one twice ends that sign-in everywhere). 401: sign in again."""
        services = request.app.state.services
        user, fresh = await rotate(data.refresh_token, services.settings.refresh_token_ttl_days)
        if fresh is None:  # exchanged a moment ago by another request: it holds the new pair
            raise Unauthorized(
                "This refresh token was just used: use the tokens that exchange gave.",
                code="refresh_token_used",
            )
        return await tokens_for(services, user, fresh)

    @post(
        "/auth/logout",
        operation_id="Logout",
        status_code=HTTP_204_NO_CONTENT,
        security=BEARER,
    )
    async def logout(self, user: CurrentUser) -> None:
        """Sign out everywhere: every access and refresh token issued to you so far stops working at once."""
        await sign_out_everywhere(user)

    @get("/profile", operation_id="GetProfile", security=BEARER)
    async def get_profile(self, user: CurrentUser) -> ProfileOut:
        """Your profile: its id (the `user_profile_id` of a generate request) and personal info."""
        return profile_out(await profile_of(user))

    @put(
        "/profile",
        operation_id="UpdateProfile",
        exception_handlers=_PROFILE_INVALID,
        security=BEARER,
    )
    async def update_profile(self, user: CurrentUser, data: JSONBody[ProfileIn]) -> ProfileOut:
        """Replace your personal info (age, sex, height, weight with units, experience, goal, schedule...)."""
        info = data.personal_info.model_dump(mode="json")
        return profile_out(await save_personal_info(user, info))

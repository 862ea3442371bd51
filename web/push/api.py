"""JSON API for Web Push: the server's key, and a device's subscription (the pages use the same calls)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from litestar import Controller, Request, delete, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from web.auth.guards import BEARER, CurrentUser
from web.domain.text import ClosedBody
from web.tables import PushSubscription


def _key_bytes(length: int, what: str):
    """A base64url key that decodes to `length` bytes (a P-256 point: 65, starting 0x04; an auth
    secret: 16); the published contract gives the same as patterns (web/openapi_contract.py)."""

    def check(value: object) -> str:
        text = value.strip() if isinstance(value, str) else ""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) != length or (length == 65 and raw[0] != 4) or not text or len(text) > 100:
            raise PydanticCustomError("invalid_key", f"This is not a browser's {what} (base64url).")
        return text

    return BeforeValidator(check)


class PushKeys(ClosedBody):
    p256dh: Annotated[str, _key_bytes(65, "P-256 public key")] = Field(description="The browser's P-256 key")
    auth: Annotated[str, _key_bytes(16, "auth secret")] = Field(description="Its auth secret (16 bytes)")


class SubscriptionIn(ClosedBody):
    """What PushSubscription.toJSON() gives in the browser (expirationTime is ignored)."""

    endpoint: str = Field(min_length=10, max_length=1000)
    keys: PushKeys
    expirationTime: int | None = None


class PushKeyOut(BaseModel):
    public_key: str  # VAPID, base64url: the applicationServerKey for PushManager.subscribe()


class PushController(Controller):
    path = "/api/v1/push"
    tags = ["notifications"]
    security = BEARER

    @get("/key", operation_id="GetPushKey")
    async def key(self, request: Request, user: CurrentUser) -> PushKeyOut:
        """The server's VAPID public key, to subscribe a device."""
        return PushKeyOut(public_key=request.app.state.services.pusher.public_key)

    @post("/subscriptions", operation_id="Subscribe", status_code=HTTP_201_CREATED)
    async def subscribe(self, request: Request, user: CurrentUser, data: JSONBody[SubscriptionIn]) -> None:
        """Notify this device when a generation or a change of your plan ends while you are away. Only the
        push services' addresses are taken (Chrome, Firefox, Safari, Edge): 422 for any other."""
        pusher = request.app.state.services.pusher
        await pusher.subscribe(user, data.endpoint, data.keys.p256dh, data.keys.auth)

    @delete("/subscriptions", operation_id="Unsubscribe", status_code=HTTP_204_NO_CONTENT)
    async def unsubscribe(
        self, user: CurrentUser, endpoint: Annotated[str, QueryParameter(max_length=1000)]
    ) -> None:
        """This device is not notified any more."""
        await PushSubscription.delete().where(
            (PushSubscription.endpoint == endpoint) & (PushSubscription.user == user.id)
        )

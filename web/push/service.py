"""Web Push: a notification on the person's devices when a generation or a change of their plan ends
while they are away (RFC 8030 delivery, RFC 8291 aes128gcm payload encryption, RFC 8292 VAPID).

The browser subscribes through its push service and gives us the endpoint and its keys; we encrypt the
message to those keys (pywebpush's encoder) and sign a VAPID token, then POST it ourselves with httpx
(async, bounded by a timeout). The service worker (static/js/sw.js) shows it unless a window on the
job's page is in view. Endpoints are the push services' hosts only (PUSH_ENDPOINT_HOSTS): a person's
subscription never makes this server call an address of their choosing. Sending is best effort: a
failure is logged and never touches the job; a subscription the push service says is gone is deleted.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPusher

from web.clock import now
from web.db import write_transaction
from web.errors import InvalidInput
from web.tables import GenerationJob, Plan, PushSubscription, User

log = logging.getLogger("web.push")
SEND_TIMEOUT = 5.0
MAX_DEVICES = 10
TTL_SECONDS = 24 * 3600
MESSAGES = {
    "succeeded": ("Your plan is ready", "Every week is written and checked. Open it to start."),
    "changed": ("Your plan is changed", "Open it to see what changed and why."),
    "failed": ("We couldn't make your plan", "Open trainplan to see why and try again."),
}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Pusher:
    """This process's VAPID key and its sends."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.vapid = _vapid(settings)
        point = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.public_key = _b64(point)  # the browser's applicationServerKey
        self.hosts = [h.strip().lower() for h in settings.push_endpoint_hosts.split(",") if h.strip()]

    def endpoint_allowed(self, endpoint: str) -> bool:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        secure = parts.scheme == "https" or (self.settings.app_env == "test" and parts.scheme == "http")
        return secure and any(host == h or host.endswith("." + h) for h in self.hosts)

    def endpoint_pattern(self) -> str:
        """`endpoint_allowed` as a regular expression, for the published contract (a little stricter:
        lower-case host names, no user info)."""
        scheme = "https?" if self.settings.app_env == "test" else "https"
        hosts = "|".join(re.escape(h) for h in self.hosts)
        return f"^{scheme}://([a-z0-9-]+\\.)*({hosts})(:[0-9]{{1,5}})?(/[^\\s]*)?$"

    async def subscribe(self, user: User, endpoint: str, p256dh: str, auth: str) -> None:
        if not self.endpoint_allowed(endpoint):
            raise InvalidInput(
                "This push service is not one we send to.",
                errors=[
                    {"field": "endpoint", "message": "Not a known push service address.", "code": "invalid"}
                ],
            )
        # One row per endpoint: a browser that subscribes again (or that another person now signs in on)
        # replaces it. At most MAX_DEVICES a person: the oldest go first.
        async with write_transaction():
            await PushSubscription.delete().where(PushSubscription.endpoint == endpoint)
            await PushSubscription(
                id=uuid.uuid4(), user=user.id, endpoint=endpoint, p256dh=p256dh, auth=auth, created_at=now()
            ).save()
            rows = (
                await PushSubscription.select(PushSubscription.id)
                .where(PushSubscription.user == user.id)
                .order_by(PushSubscription.created_at, ascending=False)
            )
            if len(rows) > MAX_DEVICES:
                await PushSubscription.delete().where(
                    PushSubscription.id.is_in([r["id"] for r in rows[MAX_DEVICES:]])
                )

    async def job_ended(self, job: GenerationJob) -> int:
        """Tell the person's devices how the job ended; the number of devices reached."""
        kind = (
            "failed"
            if job.status == "failed"
            else "succeeded"
            if job.kind in ("initial", "regenerate")
            else "changed"
        )
        title, body = MESSAGES[kind]
        plan = (
            await Plan.select(Plan.id).where(Plan.job == job.id).first()
            if job.status == "succeeded"
            else None
        )
        url = f"/plans/{plan['id']}" if plan else f"/generate/{job.id}"
        payload = {
            "title": title,
            "body": body,
            "url": url,
            "tag": f"job-{job.id}",
            "job_page": f"/generate/{job.id}",
        }
        return await self.send(job.user, payload)

    async def send(self, user_id: uuid.UUID, payload: dict) -> int:
        rows = await PushSubscription.select().where(PushSubscription.user == user_id)
        reached = 0
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT) as client:
            for row in rows:
                reached += await self._one(client, row, json.dumps(payload).encode())
        return reached

    async def _one(self, client: httpx.AsyncClient, row: dict, data: bytes) -> int:
        if not self.endpoint_allowed(row["endpoint"]):
            return 0
        info = {"endpoint": row["endpoint"], "keys": {"p256dh": row["p256dh"], "auth": row["auth"]}}
        try:
            encoded = WebPusher(info).encode(data, content_encoding="aes128gcm")
            parts = urlsplit(row["endpoint"])
            claims = {
                "aud": f"{parts.scheme}://{parts.netloc}",
                "exp": int(time.time()) + 12 * 3600,
                "sub": self.settings.vapid_subject,
            }
            headers = {
                **self.vapid.sign(claims),
                "TTL": str(TTL_SECONDS),
                "Content-Encoding": "aes128gcm",
                "Urgency": "normal",
            }
            answer = await client.post(row["endpoint"], content=encoded["body"], headers=headers)
        except Exception as exc:
            log.warning("push not sent", extra={"error_type": type(exc).__name__})
            return 0
        if answer.status_code in (404, 410):  # the browser unsubscribed or the subscription expired
            await PushSubscription.delete().where(PushSubscription.id == row["id"])
            return 0
        if answer.status_code >= 400:
            log.warning("push refused", extra={"status": answer.status_code})
            return 0
        return 1


def _vapid(settings: Any) -> Vapid:
    """VAPID_PRIVATE_KEY (PEM, or the raw key in base64url), else one made on first start and kept in
    the data directory (every process on this machine shares it; set the variable to share it wider)."""
    if settings.vapid_private_key:
        value = settings.vapid_private_key.strip()
        return Vapid.from_pem(value.encode()) if value.startswith("-----") else Vapid.from_string(value)
    path = Path(settings.data_dir) / "vapid_private.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Vapid()
        fresh.generate_keys()
        draft = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(fresh.private_pem())
        try:  # whole or not at all, and the first process to get there wins
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return Vapid.from_file(str(path))

"""Fingerprinted static assets: `asset("css/app.css")` in a template gives `/assets/css/app.<hash>.css`,
served with a year-long immutable cache; a changed file gets a new name, so browsers never see a
stale script or stylesheet. Plain `/static/...` addresses keep working with a short cache."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from functools import cache
from pathlib import Path

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

STATIC = Path(__file__).resolve().parents[2] / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<suffix>\.[a-z0-9]+)$")


@cache
def _fingerprint(relative: str) -> str:
    return hashlib.sha256((STATIC / relative).read_bytes()).hexdigest()[:12]


def asset(relative: str) -> str:
    """The fingerprinted address of static/<relative> (a template global)."""
    path = Path(relative)
    return f"/assets/{path.parent / f'{path.stem}.{_fingerprint(relative)}{path.suffix}'}".replace("/./", "/")


@get("/assets/{name:path}", include_in_schema=False, sync_to_thread=False)
def serve_asset(name: FromPath[str]) -> File:
    """A fingerprinted asset; an old or made-up hash is a 404, never another file's bytes."""
    match = _NAME.match(name.lstrip("/"))
    if match is None:
        raise NotFoundException()
    relative = f"{match['stem']}{match['suffix']}"
    target = (STATIC / relative).resolve()
    if STATIC not in target.parents or not target.is_file() or _fingerprint(relative) != match["hash"]:
        raise NotFoundException()
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return File(
        path=target,
        media_type=media_type,
        headers={"Cache-Control": IMMUTABLE},
        content_disposition_type="inline",
    )

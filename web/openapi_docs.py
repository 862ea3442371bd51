"""Document the request body of handlers that read their own body.

Some handlers parse the body themselves (to authenticate first, accept the mobile app's legacy
`jwt_token`, and answer with our own per-field errors). Litestar documents a request body from a `data`
parameter, including one on a dependency in scope; a dependency the handler never asks for is never
run. So this unused dependency only tells the OpenAPI document what the body looks like."""

from typing import Any

from litestar.di import Provide


def documented_body(model: type) -> dict[str, Provide]:
    async def request_body(data: Any) -> None:  # pragma: no cover - never run
        raise AssertionError("documentation only")

    request_body.__annotations__["data"] = model

    return {"documented_request_body": Provide(request_body)}

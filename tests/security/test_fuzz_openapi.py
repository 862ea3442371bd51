"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis), against a live
server, with a real bearer token: no 5xx, and every documented response matches its schema.

Bounded: 25 examples per operation and mode, derandomized, no shrinking, well under 90 s.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.factories import PASSWORD, account, generate_body, personal_info
from web.auth.services import Credentials
from web.onboarding.schemas import GenerateRequest, PersonalInfo

MAX_EXAMPLES = 25
BUDGET_SECONDS = 80

JSON_OPERATIONS = {
    ("post", "/api/v1/auth/register"): "201",
    ("post", "/api/v1/auth/token"): "200",
    ("get", "/api/v1/profile"): "200",
    ("put", "/api/v1/profile"): "200",
    ("post", "/api/v1/plans/generate"): "202",
    ("get", "/api/v1/generations"): "200",
    ("get", "/api/v1/generations/{job_id}"): "200",
    ("post", "/api/v1/generations/{job_id}/cancel"): "200",
    ("get", "/api/v1/plans"): "200",
    ("get", "/api/v1/plans/current"): "200",
    ("get", "/api/v1/plans/{plan_id}"): "200",
    ("post", "/api/v1/plans/{plan_id}/activate"): "200",
    ("get", "/api/v1/playbook"): "200",
    ("get", "/api/v1/onboarding/questions"): "200",
    ("get", "/health/live"): "200",  # /health/ready answers an untyped Response: fuzzed, not schema-checked
}


def check_document(doc: dict) -> None:
    """Every JSON endpoint is documented with a JSON response schema for its success status."""
    paths = doc["paths"]
    for (method, path), status in JSON_OPERATIONS.items():
        operation = paths[path][method]
        assert operation.get("operationId"), (method, path)
        content = operation["responses"][status]["content"]
        assert content["application/json"]["schema"], (method, path)
    assert paths["/api/v1/plans/generate"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    # The event stream is left out of the document on purpose (see web/generation/api.py).
    assert "/api/v1/generations/{job_id}/events" not in paths


def _body(doc: dict, model: Any, example: dict, wrap: str | None = None, **pin: Any) -> dict:
    """A requestBody from one of the app's pydantic models, with its $defs moved into components."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    doc["components"].setdefault("schemas", {}).update(schema.pop("$defs", {}))
    for name, value in pin.items():
        schema["properties"][name] = {"type": "string", "enum": [value]}
    if wrap:
        schema = {
            "type": "object",
            "properties": {wrap: schema},
            "required": [wrap],
            "additionalProperties": False,
        }
    return {"required": True, "content": {"application/json": {"schema": schema, "example": example}}}


def with_request_bodies(doc: dict, acct: Any, plan: dict) -> dict:
    """The handlers read their bodies themselves, so the document has no requestBody for them (a known gap):
    describe them from the same models the handlers validate with, so the fuzzer sends real bodies. Examples
    (valid bodies, real ids) make sure every operation is also called with input it accepts."""
    doc = copy.deepcopy(doc)
    paths = doc["paths"]
    login = {"email": acct.email, "password": PASSWORD}
    paths["/api/v1/auth/register"]["post"]["requestBody"] = _body(doc, Credentials, login)
    paths["/api/v1/auth/token"]["post"]["requestBody"] = _body(doc, Credentials, login)
    paths["/api/v1/profile"]["put"]["requestBody"] = _body(
        doc, PersonalInfo, {"personal_info": personal_info()}, wrap="personal_info"
    )
    paths["/api/v1/plans/generate"]["post"]["requestBody"] = _body(
        doc, GenerateRequest, generate_body(acct.profile_id, regenerate=True), user_profile_id=acct.profile_id
    )
    for path_item in paths.values():
        for operation in path_item.values():
            for param in operation.get("parameters", []):
                param["example"] = {"job_id": plan["job_id"], "plan_id": plan["id"]}.get(param["name"])
    return doc


def fuzz(doc: dict, base_url: str, token: str) -> list[str]:
    """Run every operation in both modes; return one line per failing operation."""
    schema = schemathesis.openapi.from_dict(doc)
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    deadline = time.monotonic() + BUDGET_SECONDS
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() > deadline:
                failures.append(
                    f"time budget of {BUDGET_SECONDS} s spent before {operation.label} ({mode.value})"
                )
                return failures

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case) -> None:
                response = case.call(base_url=base_url, session=session, headers=auth, timeout=30)
                case.validate_response(response, checks=checks)

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to break: no parameters
            except Exception as exc:  # one report per operation and mode; keep fuzzing the others
                failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {str(exc)[:1500]}")
    session.close()
    return failures


@pytest.mark.slow
@pytest.mark.timeout(150)
async def test_fuzzing_the_openapi_document_finds_no_5xx_and_no_schema_breaks(start_server):
    server = await start_server()
    async with server.client() as client:
        acct = await account(client)
        # A finished plan, so that plan and generation reads answer with real bodies too.
        r = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id),
            headers={**acct.headers, "Prefer": "wait=30"},
        )
        assert r.status_code == 200, r.text
        plan = r.json()["plan"]
        doc = (await client.get("/api/schema/openapi.json")).json()
    check_document(doc)
    started = time.monotonic()
    # The server shares this event loop: fuzz from a thread so that it keeps serving.
    failures = await asyncio.to_thread(fuzz, with_request_bodies(doc, acct, plan), server.url, acct.token)
    assert not failures, "\n\n".join(failures)
    assert time.monotonic() - started < 90

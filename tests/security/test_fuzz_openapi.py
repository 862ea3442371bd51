"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis), against a live
server, with a real bearer token: no 5xx, and every documented response matches its schema.

Bounded: 25 examples per operation and mode, derandomized, no shrinking, well under 90 s.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections import Counter
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
    events = paths["/api/v1/generations/{job_id}/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    assert {p["name"] for p in events["parameters"]} == {"job_id", "Last-Event-ID", "last_event_id"}
    # The bodies the handlers read are published with the models they validate with.
    for method, path in BODIES:
        assert paths[path][method]["requestBody"]["content"]["application/json"]["schema"], (method, path)


BODIES = (
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("put", "/api/v1/profile"),
    ("post", "/api/v1/plans/generate"),
)


def with_examples(doc: dict, acct: Any, plan: dict) -> dict:
    """The published document as it is, with examples added (valid bodies, real ids) so that every
    operation is also called with input it accepts; the schemas the fuzzer draws from are untouched."""
    doc = copy.deepcopy(doc)
    paths = doc["paths"]
    login = {"email": acct.email, "password": PASSWORD}
    examples = {
        "/api/v1/auth/register": login,
        "/api/v1/auth/token": login,
        "/api/v1/profile": {"personal_info": personal_info()},
        "/api/v1/plans/generate": generate_body(acct.profile_id, regenerate=True),
    }
    for method, path in BODIES:
        paths[path][method]["requestBody"]["content"]["application/json"]["example"] = examples[path]
    for path_item in paths.values():
        for operation in path_item.values():
            for param in operation.get("parameters", []):
                param["example"] = {"job_id": plan["job_id"], "plan_id": plan["id"]}.get(param["name"])
    return doc


class RejectedValidInput(AssertionError):
    pass


def valid_input_is_accepted(ctx, response, case) -> None:
    """A request the published schema allows is not refused as malformed (400/422): the document carries
    the server's real constraints. The exceptions are policies no schema can state (each said in the
    document): sign-up refuses an easily guessed password (`weak`), and a plan's start date is from today
    to 6 months ahead (`start_out_of_range`)."""
    if (
        case.meta is None
        or not case.meta.generation.mode.is_positive
        or response.status_code not in (400, 422)
    ):
        return
    body = response.json()
    codes = {e.get("code") for e in body.get("errors") or []}
    if case.operation.label == "POST /api/v1/auth/register" and codes == {"weak"}:
        return
    if case.operation.label == "POST /api/v1/plans/generate" and codes == {"start_out_of_range"}:
        return
    raise RejectedValidInput(f"{case.operation.label}: schema-valid input refused: {response.text[:600]}")


def fuzz(doc: dict, base_url: str, token: str) -> list[str]:
    """Run every operation in both modes; return one line per failing operation."""
    schema = schemathesis.openapi.from_dict(doc)
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    deadline = time.monotonic() + BUDGET_SECONDS
    checks = [
        not_a_server_error,
        response_schema_conformance,
        content_type_conformance,
        valid_input_is_accepted,
    ]
    # Signing out ends the token for every later call: fuzz it last, so that the rest is fuzzed signed in.
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=lambda op: op.label == LOGOUT)
    for operation in operations:
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
            except (Exception, BaseExceptionGroup) as exc:  # one report per operation and mode; go on
                failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {str(exc)[:1500]}")
    session.close()
    return failures


LOGOUT = "POST /api/v1/auth/logout"


def fuzz_flows(doc: dict, base_url: str, token: str) -> Counter:
    """The stateful phase: sequences of calls that follow the document's links (profile -> generate ->
    generation -> events/cancel, plan -> activate/calendar), each response checked as above. Returns the
    (operation, status) pairs seen."""
    doc = copy.deepcopy(doc)
    del doc["paths"]["/api/v1/auth/logout"]  # fuzzed above; here it would end every flow at its first call
    schema = schemathesis.openapi.from_dict(doc)
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    seen: Counter = Counter()
    checks = [
        not_a_server_error,
        response_schema_conformance,
        content_type_conformance,
        valid_input_is_accepted,
    ]

    class Flows(schema.as_state_machine()):
        def get_call_kwargs(self, case) -> dict:
            return {"base_url": base_url, "session": session, "headers": auth, "timeout": 30}

        def after_call(self, response, case) -> None:
            seen[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(response, checks=checks)

    Flows.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
        )
    )
    session.close()
    return seen


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
    failures = await asyncio.to_thread(fuzz, with_examples(doc, acct, plan), server.url, acct.token)
    assert not failures, "\n\n".join(failures)
    async with server.client() as client:  # the stateless run signed out (its last call): sign in again
        r = await client.post("/api/v1/auth/token", json={"email": acct.email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
    seen = await asyncio.to_thread(fuzz_flows, with_examples(doc, acct, plan), server.url, token)
    # The links were followed: an operation on a real job or plan id (only a link's expression gives one;
    # made-up ids get 404) answered with success.
    followed = {(label, status) for label, status in seen if "{" in label and status < 300}
    assert followed, seen
    assert time.monotonic() - started < 120

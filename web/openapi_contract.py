"""The published API contract: the OpenAPI document says what the server really accepts, and how the
operations lead into each other.

Litestar draws the request schemas from the pydantic models' fields; what their validators check on top
(a real email address, a height whose range depends on its unit, as many available days as sessions, the
question set's ids and each answer's type and range, unknown fields refused) is added here from the same
sources (`web/onboarding`, `web/auth`), so a client generated from the document validates as the server
does. A schema may be stricter than the server, never looser; the fuzz test (tests/security) holds the
server to it. Links (profile -> generate -> generation -> events and cancel, plan -> activate) let a client,
or a stateful fuzzer, follow the flow.
"""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import available_timezones

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin
from pydantic import BaseModel

from web.auth.services import MIN_PASSWORD
from web.generation.adapt import WeekRedoIn
from web.onboarding.questions import QUESTIONS, Question, QuestionType
from web.onboarding.schemas import CM_PER_IN, HEIGHT_CM, KG_PER_LB, WEIGHT_KG
from web.plans.log import SessionLogIn
from web.push.api import SubscriptionIn

# Text fields refuse control characters other than tab and line breaks (web/domain/text.py).
CLEAN_TEXT = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"
# An address on a special-use domain (`.test`, `.local`...) is refused, as email-validator does.
EMAIL = "^(?!.*\\.(" + "|".join(SPECIAL_USE_DOMAIN_NAMES) + ")$).*$"
# A password: no NUL, and not only spaces.
PASSWORD = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
# Request bodies whose models refuse unknown fields (extra="forbid").
CLOSED = (
    "Credentials",
    "ProfileIn",
    "PersonalInfo",
    "Height",
    "Weight",
    "GenerateRequest",
    "QuestionRef",
    "SessionLogIn",
    "ExerciseResult",
    "WeekRedoIn",
    "SwapIn",
    "RefreshIn",
    "SubscriptionIn",
    "PushKeys",
)


class ContractJsonPlugin(JsonRenderPlugin):
    """Serves /api/schema/openapi.json with the contract added (once: the document is cached)."""

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        if not openapi_schema.get("x-contract"):
            services = request.app.state.services
            publish(
                openapi_schema, max_free_text=services.settings.max_free_text_chars, pusher=services.pusher
            )
        return super().render(request, openapi_schema)


def publish(doc: dict[str, Any], *, max_free_text: int, pusher: Any = None) -> dict[str, Any]:
    schemas = doc["components"]["schemas"]
    for name in CLOSED:
        schemas[name]["additionalProperties"] = False
    credentials = schemas["Credentials"]["properties"]
    credentials["email"].update(format="email", pattern=EMAIL)
    credentials["password"].update(minLength=MIN_PASSWORD, pattern=PASSWORD)
    schemas["Height"].update(_measure("cm", "in", HEIGHT_CM, CM_PER_IN))
    schemas["Weight"].update(_measure("kg", "lb", WEIGHT_KG, KG_PER_LB))
    _personal_info(schemas["PersonalInfo"], max_free_text)
    _generate_request(schemas, max_free_text)
    _as_pydantic_says(schemas, SessionLogIn)
    _as_pydantic_says(schemas, WeekRedoIn)
    schemas["SessionLogIn"]["properties"]["note"]["pattern"] = CLEAN_TEXT
    schemas["ExerciseResult"]["properties"]["name"]["pattern"] = CLEAN_TEXT
    _as_pydantic_says(schemas, SubscriptionIn)
    keys = schemas["PushKeys"]["properties"]  # base64url of 65 and 16 bytes
    keys["p256dh"].update(type="string", pattern="^B[A-P][A-Za-z0-9_-]{84}[AEIMQUYcgkosw048]=?$")
    keys["auth"].update(type="string", pattern="^[A-Za-z0-9_-]{21}[AQgw](==)?$")
    if pusher is not None:  # only the push services this server sends to
        schemas["SubscriptionIn"]["properties"]["endpoint"]["pattern"] = pusher.endpoint_pattern()
    _problems(doc)
    _links(doc["paths"])
    doc["x-contract"] = True
    return doc


def _as_pydantic_says(schemas: dict[str, Any], model: type[BaseModel]) -> None:
    """A model's schema as pydantic writes it (Litestar's drops the bounds of optional numbers)."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema


def _measure(base: str, other: str, bounds: tuple[float, float], per_other: float) -> dict[str, Any]:
    """A value whose range depends on its unit (the base unit when none is given)."""
    low, high = bounds
    return {
        "anyOf": [
            {"properties": {"unit": {"const": base}, "value": {"minimum": low, "maximum": high}}},
            {
                "required": ["unit"],
                "properties": {
                    "unit": {"const": other},
                    # rounded inwards, so that every value allowed here converts into the base range
                    "value": {
                        "minimum": math.ceil(low / per_other * 100) / 100,
                        "maximum": math.floor(high / per_other * 100) / 100,
                    },
                },
            },
        ]
    }


def _personal_info(schema: dict[str, Any], max_free_text: int) -> None:
    props = schema["properties"]
    for name in ("available_days", "equipment", "injuries"):
        props[name]["uniqueItems"] = True
    props["notes"].update(maxLength=min(props["notes"].get("maxLength", max_free_text), max_free_text))
    props["notes"]["pattern"] = CLEAN_TEXT
    most = props["days_per_week"]["maximum"]
    schema["description"] = "At least as many available days as sessions a week."
    schema["anyOf"] = [
        {"properties": {"days_per_week": {"const": n}, "available_days": {"minItems": n}}}
        for n in range(1, int(most) + 1)
    ]


def _generate_request(schemas: dict[str, Any], max_free_text: int) -> None:
    ids = [q.id for q in QUESTIONS]
    ref = schemas["QuestionRef"]["properties"]
    ref["id"] = {"type": "string", "enum": ids}
    ref["text"] = {"oneOf": [{"type": "string", "maxLength": 500, "pattern": CLEAN_TEXT}, {"type": "null"}]}
    schema = schemas["GenerateRequest"]
    props = schema["properties"]
    props["time_zone"] = {
        "oneOf": [{"type": "string", "enum": sorted(available_timezones())}, {"type": "null"}],
        "description": props["time_zone"].get("description", ""),
    }
    # Published as ids only: uniqueItems then says "each question once", which it cannot say of a list
    # mixing ids and {id, text} objects (the legacy form the server still takes, said in the description).
    props["initial_questions"].update(
        uniqueItems=True,
        items={"type": "string", "enum": ids},
        description="The ids of the questions asked (GET /api/v1/onboarding/questions), each once; the "
        "required ones always. Older clients may send {id, text} objects instead of ids.",
        allOf=[{"contains": {"const": q.id}} for q in QUESTIONS if q.required],
    )
    props["initial_responses"] = {
        "type": "object",
        "description": "Answers by question id; every answered question is listed in initial_questions.",
        "properties": {q.id: _answer(q, max_free_text) for q in QUESTIONS},
        "required": [q.id for q in QUESTIONS if q.required],
        "additionalProperties": False,
        "minProperties": 1,
    }
    schema["allOf"] = [
        {
            "if": {
                "properties": {"initial_responses": {"required": [q.id]}},
                "required": ["initial_responses"],
            },
            "then": {"properties": {"initial_questions": {"contains": {"const": q.id}}}},
        }
        for q in QUESTIONS
        if not q.required
    ]


def _answer(question: Question, max_free_text: int) -> dict[str, Any]:
    """What an answer to this question may be (web/onboarding/validation.py answer_error)."""
    match question.type:
        case QuestionType.number | QuestionType.scale:
            answer: dict[str, Any] = {"type": "number" if question.type == QuestionType.number else "integer"}
            if question.min is not None and question.max is not None:
                answer.update(minimum=question.min, maximum=question.max)
        case QuestionType.single_choice:
            answer = {"type": "string", "enum": [o.value for o in question.options]}
        case QuestionType.multi_choice:
            answer = {
                "type": "array",
                "items": {"type": "string", "enum": [o.value for o in question.options]},
                "uniqueItems": True,
                "minItems": 1 if question.required else 0,
            }
        case _:
            limit = min(question.max_length or max_free_text, max_free_text)
            answer = {"type": "string", "maxLength": limit, "pattern": CLEAN_TEXT}
    if question.required:
        if answer["type"] == "string":
            answer["pattern"] = "\\S"  # a blank answer is no answer
        return answer
    return {"anyOf": [answer, {"type": "null"}]}


PROBLEM = {
    "type": "object",
    "description": "Problem details (RFC 9457) with our stable `code`, the request id and per-field errors",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "request_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}


def _problems(doc: dict[str, Any]) -> None:
    """Every error the API documents is what it sends: problem details (web/errors.py)."""
    doc["components"]["schemas"]["Problem"] = PROBLEM
    for path_item in doc["paths"].values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")) and "content" in response:
                    response["content"] = {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }


def _links(paths: dict[str, Any]) -> None:
    paths["/api/v1/profile"]["get"]["responses"]["200"]["links"] = {
        "GeneratePlan": {
            "operationId": "GeneratePlan",
            "requestBody": {"user_profile_id": "$response.body#/id"},
            "description": "Generate a plan for this profile (the rest of the body is yours)",
        }
    }
    job = "$response.body#/job/id"
    generation = {
        "GetGeneration": {"operationId": "GetGeneration", "parameters": {"job_id": job}},
        "StreamGenerationEvents": {"operationId": "StreamGenerationEvents", "parameters": {"job_id": job}},
        "CancelGeneration": {"operationId": "CancelGeneration", "parameters": {"job_id": job}},
    }
    generate = paths["/api/v1/plans/generate"]["post"]["responses"]
    generate["202"]["links"] = generation
    generate["200"]["links"] = {
        "GetPlan": {"operationId": "GetPlan", "parameters": {"plan_id": "$response.body#/plan/id"}}
    }
    own = {"job_id": "$response.body#/id"}
    paths["/api/v1/generations/{job_id}"]["get"]["responses"]["200"]["links"] = {
        "StreamGenerationEvents": {"operationId": "StreamGenerationEvents", "parameters": own},
        "CancelGeneration": {"operationId": "CancelGeneration", "parameters": own},
    }
    plan = {"plan_id": "$response.body#/id"}
    for path in ("/api/v1/plans/current", "/api/v1/plans/{plan_id}"):
        paths[path]["get"]["responses"]["200"]["links"] = {
            "ActivatePlan": {"operationId": "ActivatePlan", "parameters": plan},
            "GetPlanCalendar": {"operationId": "GetPlanCalendar", "parameters": plan},
            "GetPlanSchedule": {"operationId": "GetPlanSchedule", "parameters": plan},
            "AdjustPlan": {"operationId": "AdjustPlan", "parameters": plan},
        }
    first = {"plan_id": "$response.body#/plan_id", "week": "$response.body#/sessions/0/week"}
    paths["/api/v1/plans/{plan_id}/schedule"]["get"]["responses"]["200"]["links"] = {
        "LogSession": {
            "operationId": "LogSession",
            "parameters": {**first, "session": "$response.body#/sessions/0/session"},
        },
        "RedoWeek": {
            "operationId": "RedoWeek",
            "parameters": {"plan_id": "$response.body#/plan_id", "week": "$response.body#/current_week"},
        },
        "ListExerciseAlternatives": {
            "operationId": "ListExerciseAlternatives",
            "parameters": {**first, "session": "$response.body#/sessions/0/session", "exercise": 1},
        },
    }

"""Plan versions, the profile, the question set and the playbook over the JSON API."""

from __future__ import annotations

from tests.factories import account, generate_body, personal_info


async def _plan(client, acct, **extra):
    r = await client.post(
        "/api/v1/plans/generate",
        json=generate_body(acct.profile_id, **extra),
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert r.status_code == 200, r.text
    return r.json()["plan"]


async def test_versions_and_rollback(client):
    acct = await account(client)
    v1 = await _plan(client, acct)
    v2 = await _plan(client, acct, regenerate=True)
    assert (v1["version"], v2["version"]) == (1, 2)
    r = await client.post(f"/api/v1/plans/{v1['id']}/activate", headers=acct.headers)
    assert r.status_code == 200 and r.json()["is_active"]
    current = (await client.get("/api/v1/plans/current", headers=acct.headers)).json()
    assert current["id"] == v1["id"]
    listed = (await client.get("/api/v1/plans", headers=acct.headers)).json()
    assert {p["version"]: p["is_active"] for p in listed} == {1: True, 2: False}
    one = (await client.get(f"/api/v1/plans/{v2['id']}", headers=acct.headers)).json()
    assert one["version"] == 2 and one["is_active"] is False and one["content"]["weeks"]
    # A generate request without `regenerate` now returns the active (rolled back) version.
    again = await client.post(
        "/api/v1/plans/generate", json=generate_body(acct.profile_id), headers=acct.headers
    )
    assert again.status_code == 200 and again.json()["plan"]["id"] == v1["id"]


async def test_no_plan_yet(client):
    acct = await account(client)
    r = await client.get("/api/v1/plans/current", headers=acct.headers)
    assert r.status_code == 404 and r.json()["code"] == "plan_not_found"
    assert (await client.get("/api/v1/plans", headers=acct.headers)).json() == []


async def test_profile_get_and_put(client):
    acct = await account(client)
    r = await client.get("/api/v1/profile", headers=acct.headers)
    assert r.status_code == 200 and r.json()["id"] == acct.profile_id and r.json()["personal_info"] is None
    info = personal_info(height={"value": 66, "unit": "in"}, weight={"value": 150, "unit": "lb"})
    r = await client.put("/api/v1/profile", json={"personal_info": info}, headers=acct.headers)
    assert r.status_code == 200 and r.json()["personal_info"]["height"] == {"value": 66.0, "unit": "in"}
    bad = await client.put(
        "/api/v1/profile", json={"personal_info": {**info, "age": 200, "role": "admin"}}, headers=acct.headers
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert fields == {"age", "role"}
    kept = (await client.get("/api/v1/profile", headers=acct.headers)).json()
    assert kept["personal_info"]["age"] == info["age"]


async def test_question_set(client):
    r = await client.get("/api/v1/onboarding/questions")
    assert r.status_code == 200
    body = r.json()
    assert body["version"]
    types = {q["type"] for q in body["questions"]}
    assert types == {"number", "multi_choice", "scale", "free_text"}
    assert all({"id", "text", "type", "required", "options"} <= set(q) for q in body["questions"])


async def test_history_lists_attempts(client):
    acct = await account(client)
    await _plan(client, acct)
    history = (await client.get("/api/v1/generations", headers=acct.headers)).json()
    assert len(history) == 1 and history[0]["status"] == "succeeded" and history[0]["plan_id"]


async def test_openapi_document_names_every_operation(client):
    doc = (await client.get("/api/schema/openapi.json")).json()
    ops = {
        op["operationId"] for path in doc["paths"].values() for op in path.values() if isinstance(op, dict)
    }
    assert {
        "Register",
        "CreateToken",
        "GetProfile",
        "UpdateProfile",
        "ListOnboardingQuestions",
        "GeneratePlan",
        "GetGeneration",
        "ListGenerations",
        "CancelGeneration",
        "GetCurrentPlan",
        "ListPlans",
        "GetPlan",
        "ActivatePlan",
        "GetPlaybook",
    } <= ops


async def test_openapi_documents_request_bodies_read_by_hand(client):
    doc = (await client.get("/api/schema/openapi.json")).json()
    body = doc["paths"]["/api/v1/plans/generate"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    schema = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"user_profile_id", "personal_info", "initial_questions", "initial_responses"} <= set(
        schema["required"]
    )
    for path, method in (
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/profile", "put"),
    ):
        assert doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]


async def test_a_plan_says_why_and_draws_its_weekly_load(client):
    acct = await account(client)
    plan = await _plan(client, acct, info=personal_info(injuries=["knee"]))
    content = plan["content"]
    assert {c["code"] for c in content["constraints"]} >= {
        "days",
        "minutes",
        "equipment",
        "injury:knee",
        "running",
    }
    assert content["skeleton"]["weeks"][0]["number"] == 1
    assert [w["number"] for w in plan["weekly_load"]] == [w["number"] for w in content["weeks"]]
    r = await client.get(plan["load_chart_url"], headers=acct.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and 'role="img"' in r.text and "no-store" in r.headers["cache-control"]
    other = await account(client)
    assert (await client.get(plan["load_chart_url"], headers=other.headers)).status_code == 404
    assert (await client.get(plan["load_chart_url"])).status_code == 401

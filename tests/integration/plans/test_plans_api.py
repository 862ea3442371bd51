"""Plan versions, the profile, the question set and the playbook over the JSON API."""

from __future__ import annotations

from tests.factories import account, generate_body, made_plan, personal_info


async def test_versions_and_rollback(client):
    acct = await account(client)
    v1 = await made_plan(client, acct)
    v2 = await made_plan(client, acct, regenerate=True)
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
    await made_plan(client, acct)
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
    plan = await made_plan(client, acct, info=personal_info(injuries=["knee"]))
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


def _events(ics: str) -> list[dict[str, str]]:
    """The VEVENTs of an iCalendar text (lines unfolded), as property -> value."""
    unfolded = ics.replace("\r\n ", "")
    events, current = [], None
    for line in unfolded.split("\r\n"):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name] = value
    return events


async def test_a_plan_goes_into_a_calendar_on_the_persons_days(client):
    import datetime as dt

    from web.tables import GenerationJob

    acct = await account(client)
    plan = await made_plan(client, acct)
    r = await client.get(f"/api/v1/plans/{plan['id']}/calendar.ics", headers=acct.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert "attachment" in r.headers["content-disposition"] and "no-store" in r.headers["cache-control"]
    text = r.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))  # folded (RFC 5545 3.1)
    events = _events(text)
    sessions = [(w["number"], s) for w in plan["content"]["weeks"] for s in w["sessions"]]
    assert len(events) == len(sessions)
    job = (
        await GenerationJob.objects().where(GenerationJob.user == acct.user_id).output(load_json=True).first()
    )
    start = dt.date.fromisoformat(job.brief["start_date"])
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for event, (week, session) in zip(events, sessions, strict=True):
        day = dt.datetime.strptime(event["DTSTART;VALUE=DATE"], "%Y%m%d").date()
        assert day == start + dt.timedelta(weeks=week - 1, days=days.index(session["day"]))
        assert event["SUMMARY"].startswith(session["title"].replace(",", "\\,"))
        assert f"Week {week}" in event["DESCRIPTION"] and "\\n- " in event["DESCRIPTION"]
    assert len({e["UID"] for e in events}) == len(events)  # stable, distinct: re-importing updates
    again = await client.get(f"/api/v1/plans/{plan['id']}/calendar.ics", headers=acct.headers)
    assert [e["UID"] for e in _events(again.text)] == [e["UID"] for e in events]
    other = await account(client)
    url = f"/api/v1/plans/{plan['id']}/calendar.ics"
    assert (await client.get(url, headers=other.headers)).status_code == 404
    assert (await client.get(url)).status_code == 401


async def test_openapi_says_which_operations_need_the_bearer_token(client):
    doc = (await client.get("/api/schema/openapi.json")).json()
    scheme = doc["components"]["securitySchemes"]["BearerToken"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    ops = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items() if isinstance(op, dict)]
    open_ops = {op["operationId"] for _, _, op in ops if not op.get("security")}
    assert all(
        op["security"] == [{"BearerToken": []}] for _, _, op in ops if op["operationId"] not in open_ops
    )
    assert open_ops == {"Register", "CreateToken", "RefreshToken", "ListOnboardingQuestions", "Live", "Ready"}
    # What the document says is what the API does: every other GET answers 401 without a token.
    for path, method, op in ops:
        if method != "get" or op["operationId"] in open_ops:
            continue
        url = path.replace("{plan_id}", "00000000-0000-0000-0000-000000000000").replace(
            "{job_id}", "00000000-0000-0000-0000-000000000000"
        )
        for number in ("{week}", "{session}", "{exercise}"):
            url = url.replace(number, "1")
        r = await client.get(url)
        assert r.status_code == 401, (op["operationId"], r.status_code)

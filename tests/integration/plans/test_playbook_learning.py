"""The playbook learns from the log: notes gain helpful and harmful counts from logged sessions (a log
sent twice counts once), a note that keeps proving harmful is retired, a second run's notes merge with
the first's, a person can delete a note, and with an OpenAI key notes are matched by their embeddings."""

from __future__ import annotations

import pytest

from tests.factories import account, generate_body, made_plan, personal_info, until
from tests.integration.generation.test_failures import _llm
from web.tables import PlaybookEntry

KNEE = "Knee: no jumping"


async def _notes(client, acct) -> list[dict]:
    async def ended():
        book = (await client.get("/api/v1/playbook", headers=acct.headers)).json()
        return book if book["status"] not in ("none", "running") else None

    book = await until(ended, what="the playbook's run")
    assert book["status"] == "succeeded"
    return book["entries"]


def _note(notes: list[dict], start: str) -> dict | None:
    return next((n for n in notes if n["text"].startswith(start)), None)


async def _log(client, acct, plan, session, **body):
    url = f"/api/v1/plans/{plan['id']}/weeks/1/sessions/{session}/log"
    r = await client.put(url, json=body, headers=acct.headers)
    assert r.status_code == 200, r.text


async def test_sessions_logged_count_for_and_against_the_notes_and_a_harmful_one_is_retired(client):
    acct = await account(client)
    plan = await made_plan(client, acct, info=personal_info(injuries=["knee"]))
    notes = await _notes(client, acct)
    assert _note(notes, KNEE) == {**_note(notes, KNEE), "helpful": 0, "harmful": 0}
    await _log(client, acct, plan, 1, status="done", rpe=7)
    await _log(client, acct, plan, 1, status="done", rpe=7)  # sent twice: counted once
    notes = (await client.get("/api/v1/playbook", headers=acct.headers)).json()["entries"]
    assert (_note(notes, KNEE)["helpful"], _note(notes, KNEE)["harmful"]) == (1, 0)
    enjoys = _note(notes, "Goal: strength. Enjoys: strength")
    assert enjoys["helpful"] == 1  # a strength session done

    for session in (1, 2, 3):  # the knee hurt in every session: the limit stays (it matters)
        await _log(client, acct, plan, session, status="done", pain="knee")
    notes = (await client.get("/api/v1/playbook", headers=acct.headers)).json()["entries"]
    assert (_note(notes, KNEE)["helpful"], _note(notes, KNEE)["harmful"]) == (0, 3)
    # a plan change carries the logs into the new version: each session still counts once
    swap = f"/api/v1/plans/{plan['id']}/weeks/1/sessions/1/exercises/1"
    options = (await client.get(f"{swap}/alternatives", headers=acct.headers)).json()
    assert options
    r = await client.post(
        f"{swap}/swap",
        json={"exercise_id": options[0]["exercise_id"]},
        headers={**acct.headers, "Prefer": "wait=20"},
    )
    assert r.status_code == 200, r.text
    new = r.json()["plan"]
    # logged again on the new version (the carried copy): still the same session, counted once
    await _log(client, acct, new, 2, status="done", pain="knee")
    notes = (await client.get("/api/v1/playbook", headers=acct.headers)).json()["entries"]
    assert _note(notes, KNEE)["harmful"] == 3


async def test_a_note_that_keeps_going_against_the_person_is_retired(client):
    acct = await account(client)
    plan = await made_plan(client, acct)
    await _notes(client, acct)
    enjoys = "Goal: strength. Enjoys: strength"
    for session in (1, 2, 3):  # every strength session skipped
        await _log(client, acct, plan, session, status="skipped")
    notes = (await client.get("/api/v1/playbook", headers=acct.headers)).json()["entries"]
    assert _note(notes, enjoys) is None  # retired: no longer listed or matched
    retired = await PlaybookEntry.objects().where(PlaybookEntry.text.like(f"{enjoys}%")).first()
    assert retired.retired_at is not None and (retired.helpful, retired.harmful) == (0, 3)


async def test_a_second_runs_notes_merge_with_the_first_and_a_note_can_be_deleted(client):
    acct, other = await account(client), await account(client)
    await made_plan(client, acct)
    first = await _notes(client, acct)
    await made_plan(client, acct, regenerate=True)
    r = await client.get("/api/v1/playbook", headers=acct.headers)
    assert [n["text"] for n in r.json()["entries"]] == [n["text"] for n in first]  # no duplicates
    doomed = first[0]
    assert (
        await client.delete(f"/api/v1/playbook/entries/{doomed['id']}", headers=other.headers)
    ).status_code == 404
    assert (await client.delete("/api/v1/playbook/entries/999999", headers=acct.headers)).status_code == 404
    r = await client.delete(f"/api/v1/playbook/entries/{doomed['id']}", headers=acct.headers)
    assert r.status_code == 204
    left = (await client.get("/api/v1/playbook", headers=acct.headers)).json()["entries"]
    assert doomed["id"] not in {n["id"] for n in left} and len(left) == len(first) - 1
    await made_plan(client, acct, regenerate=True)  # the next run writes the same note: it stays deleted
    await _notes(client, acct)
    again = (await client.get("/api/v1/playbook", headers=acct.headers)).json()["entries"]
    assert doomed["text"] not in {n["text"] for n in again} and len(again) == len(first) - 1
    assert (
        await client.delete(f"/api/v1/playbook/entries/{doomed['id']}", headers=acct.headers)
    ).status_code == 404


async def test_the_page_lists_what_the_coach_learned_and_deletes_a_note(client):
    acct = await account(client)
    await made_plan(client, acct, info=personal_info(injuries=["knee"]))
    notes = await _notes(client, acct)
    cookie = f"trainplan_session={acct.token}"
    page = await client.get("/playbook", headers={"accept": "text/html", "Cookie": cookie})
    assert page.status_code == 200 and "What your coach has learned" in page.text
    assert "Knee: no jumping" in page.text and "Not tested by your log yet." in page.text
    csrf = page.cookies.get("csrftoken") or ""
    note = _note(notes, KNEE)
    r = await client.post(
        f"/playbook/entries/{note['id']}/delete",
        data={"_csrf_token": csrf},
        headers={"accept": "text/html", "Cookie": f"{cookie}; csrftoken={csrf}"},
    )
    assert r.status_code == 303 and r.headers["location"] == "/playbook?deleted=1"
    deleted = await PlaybookEntry.objects().where(PlaybookEntry.id == note["id"]).first()
    assert deleted.retired_at is not None


@pytest.mark.parametrize("embeddings_work", [True, False])
async def test_with_an_openai_key_notes_are_matched_by_their_embeddings(
    start_server, fake_openai, embeddings_work
):
    server = await start_server(
        **_llm(
            fake_openai, llm_cache_ttl_hours=0, playbook_context_matching_enabled=True, openai_max_retries=0
        )
    )
    async with server.client() as client:
        acct = await account(client)
        await made_plan(client, acct, info=personal_info(injuries=["knee"]))
        notes = await _notes(client, acct)
        stored = await PlaybookEntry.select(PlaybookEntry.embedding).output(load_json=True)
        assert stored and all(len(row["embedding"]) == 64 for row in stored)  # made with the notes
        assert fake_openai.embedding_calls[0]["input"] == [n["text"] for n in notes]
        fake_openai.reset()
        fake_openai.embeddings_down = not embeddings_work
        r = await client.post(
            "/api/v1/plans/generate",
            json=generate_body(acct.profile_id, info=personal_info(injuries=["knee"]), regenerate=True),
            headers={**acct.headers, "Prefer": "wait=20"},
        )
        assert r.status_code == 200, r.text
    queried = [c for c in fake_openai.embedding_calls if c["input"][0].startswith("goal ")]
    assert len(queried) == (1 if embeddings_work else 0)  # the brief was embedded to rank the notes
    week = next(c for c in fake_openai.calls if c["kind"] == "week")
    prompt = " ".join(m["content"] for m in week["messages"] if isinstance(m.get("content"), str))
    assert f"Earlier coaching note: {KNEE}" in prompt  # matched either way: by meaning, or by words

"""The playbook's evidence, merge and ranking rules, on their own."""

from __future__ import annotations

import datetime as dt

from tests.factories import personal_info, responses
from tests.quality.test_personas import brief_of
from web.playbook.learning import Outcome, _same, evidence, rank

T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=1)


def _o(status, pain=None, kind="strength", long=False, at=LATER):
    return Outcome(status, pain, kind, long, at)


def test_a_body_part_note_is_borne_out_by_sessions_without_pain_there():
    note = "Knee: no jumping, deep or loaded squats"
    outcomes = [_o("done"), _o("done", pain="shoulder"), _o("done", pain="knee"), _o("skipped")]
    assert evidence(note, T0, outcomes) == (2, 1)
    assert evidence(note, LATER + dt.timedelta(days=1), outcomes) == (0, 0)  # all before the note


def test_skipped_long_sessions_count_against_a_session_length_note():
    note = "Trains 3 times a week, up to 90 minutes a session."
    outcomes = [_o("skipped", long=True), _o("skipped", long=True), _o("done", long=True), _o("skipped")]
    assert evidence(note, T0, outcomes) == (1, 2)


def test_a_kind_of_training_note_counts_that_kinds_sessions():
    note = "Enjoys running; strength is a chore."
    outcomes = [_o("done", kind="run"), _o("skipped", kind="strength"), _o("done", kind="mobility")]
    assert evidence(note, T0, outcomes) == (1, 1)


def test_near_duplicates_of_one_category_merge():
    a = {"category": "schedule", "text": "Trains 3 times a week (Monday, Wednesday, Friday)."}
    b = {"category": "schedule", "text": "Trains 3 times a week: Monday, Wednesday, Friday"}
    c = {"category": "limits", "text": a["text"]}
    assert _same(a, b) and not _same(a, c)


def test_ranking_weighs_relevance_and_record_and_drops_retired_notes():
    brief = brief_of(personal_info(injuries=["knee"]), responses())
    entries = [
        {"category": "preferences", "text": "Likes strength work in the morning", "helpful": 0, "harmful": 3},
        {
            "category": "preferences",
            "text": "Strength sessions with dumbbells suit her",
            "helpful": 4,
            "harmful": 0,
        },
        {"category": "limits", "text": "Knee: no jumping", "helpful": 0, "harmful": 0, "retired_at": T0},
        {"category": "motivation", "text": "Loves the sea", "helpful": 9, "harmful": 0},
    ]
    # relevant with a good record first; relevant with a bad record left out; unrelated never
    assert rank(entries, brief) == ["Strength sessions with dumbbells suit her"]
    entries[0]["harmful"] = 1
    assert rank(entries, brief) == [
        "Strength sessions with dumbbells suit her",
        "Likes strength work in the morning",
    ]
    # by embeddings: the closer note first, whatever its words
    entries = [
        {"category": "preferences", "text": "a", "embedding": [1.0, 0.0], "helpful": 0, "harmful": 0},
        {"category": "preferences", "text": "b", "embedding": [0.0, 1.0], "helpful": 0, "harmful": 0},
    ]
    assert rank(entries, brief, query=[0.1, 0.9]) == ["b"]

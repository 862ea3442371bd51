"""All tables, in one module so that Piccolo's single app and migration history see them together.

Composite unique keys (event (job, seq), plan (profile, version), idempotency key (user, key)) are
unique indexes made by a hand-written migration: Piccolo's `Unique` constraint emits
`ALTER TABLE ... ADD CONSTRAINT`, which SQLite cannot run.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Real,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class User(Table, tablename="app_user"):
    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True, index=True)
    password_hash = Text(
        null=True, default=None
    )  # null for people who sign in through an external identity provider
    external_sub = Varchar(length=255, null=True, default=None, unique=True)  # `sub` of a JWKS-verified token
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    # Tokens carry the generation they were issued in; logging out moves it on, so every earlier token
    # (every device, every process) stops working at once.
    token_generation = Integer(default=0)


class UserProfile(Table):
    id = UUID(primary_key=True)
    user = ForeignKey(User, unique=True, on_delete=OnDelete.cascade, index=True)
    personal_info = JSON(default="{}")
    onboarding_draft = JSON(default="{}")  # the browser's unfinished onboarding, kept between visits
    # The plan version in use. A plain column, not a foreign key: Plan already points at the profile
    # and Piccolo's migrations cannot create a cycle. The save transaction keeps the two consistent.
    active_plan_id = UUID(null=True, default=None)
    # The secret in the person's calendar feed address (/calendar/<token>.ics); null: no feed.
    calendar_token = Varchar(length=64, null=True, default=None)  # unique: migration 0010
    time_zone = Varchar(length=64, null=True, default=None)  # IANA, from a generate request: "today" there
    created_at = Timestamptz()
    updated_at = Timestamptz()


class GenerationJob(Table):
    id = UUID(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    profile = ForeignKey(UserProfile, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16, default="initial")  # initial | regenerate
    priority = Integer(default=0)  # higher runs first: first plans before regenerations
    status = Varchar(length=16, default="queued", index=True)  # queued running succeeded failed cancelled
    stage = Varchar(length=40, default="queued")
    stage_text = Varchar(length=120, default="Waiting to start")
    percent = Integer(default=0)
    attempts = Integer(
        default=0
    )  # claims counted against JOB_MAX_ATTEMPTS (a shutdown hand-back refunds one)
    claims = Integer(default=0)  # the fencing token: +1 at every claim, never taken back
    event_seq = Integer(default=0)  # the number of the job's last event: the next one takes event_seq + 1
    error_code = Varchar(length=40, null=True, default=None)
    error_message = Text(null=True, default=None)
    retryable = Boolean(default=False)
    cancel_requested = Boolean(default=False)
    coach = Varchar(length=40, null=True, default=None)
    prompt_tokens = Integer(default=0)
    completion_tokens = Integer(default=0)
    request = JSON(default="{}")  # the validated, normalised request
    request_hash = Varchar(length=64)
    brief = JSON(default="{}")
    checkpoint = JSON(default="{}")  # outline and finished weeks, so a resumed job pays for nothing twice
    # Non-null while the job is queued or running: a unique index makes "one active job per profile"
    # a database decision, not a check-then-insert race.
    active_slot = Varchar(length=64, null=True, default=None, unique=True)
    lease_owner = Varchar(length=64, null=True, default=None)
    lease_expires_at = Timestamptz(null=True, default=None, index=True)
    deadline_at = Timestamptz()
    created_at = Timestamptz(index=True)
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
    request_id = Varchar(length=64, null=True, default=None)


class GenerationEvent(Table):
    id = Serial(primary_key=True)
    job = ForeignKey(GenerationJob, on_delete=OnDelete.cascade)
    seq = Integer()
    type = Varchar(length=16)  # queued stage week done failed cancelled
    data = JSON(default="{}")
    created_at = Timestamptz()


class Plan(Table):
    id = UUID(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    profile = ForeignKey(UserProfile, on_delete=OnDelete.cascade, index=True)
    job = ForeignKey(GenerationJob, null=True, default=None, on_delete=OnDelete.set_null, unique=True)
    version = Integer()
    title = Varchar(length=120)
    weeks_count = Integer()
    coach = Varchar(length=40)
    is_complete = Boolean(default=True)
    content = JSON(default="{}")
    created_at = Timestamptz()


class IdempotencyKey(Table):
    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade)
    key = Varchar(length=255)
    request_hash = Varchar(length=64)
    job = ForeignKey(GenerationJob, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)


class AnalyticsEvent(Table):
    id = Serial(primary_key=True)
    name = Varchar(length=60, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, null=True, default=None)
    job = ForeignKey(GenerationJob, on_delete=OnDelete.set_null, null=True, default=None)
    properties = JSON(default="{}")  # never personal data: codes, counts, durations
    created_at = Timestamptz()


class PlaybookRun(Table):
    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    job = ForeignKey(GenerationJob, on_delete=OnDelete.cascade, unique=True)
    status = Varchar(length=16, default="running")  # running succeeded failed timed_out
    error_code = Varchar(length=40, null=True, default=None)
    duration_seconds = Real(null=True, default=None)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class PlaybookEntry(Table):
    id = Serial(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    run = ForeignKey(PlaybookRun, on_delete=OnDelete.cascade)
    category = Varchar(length=20)
    text = Text()
    created_at = Timestamptz()
    # What happened since the note was made (web/playbook/learning.py): sessions that bore it out or
    # went against it. A note that keeps proving harmful is retired: kept, never used again.
    helpful = Integer(default=0)
    harmful = Integer(default=0)
    retired_at = Timestamptz(null=True, default=None)
    embedding = JSON(null=True, default=None)  # with an OpenAI key: the note's embedding, for matching


class CoachCache(Table):
    """LLM answers keyed by a hash of everything that shaped them, so an identical brief costs nothing twice."""

    key = Varchar(length=64, primary_key=True)
    kind = Varchar(length=16)
    value = JSON()
    created_at = Timestamptz(index=True)


class SessionLog(Table):
    """What a person did with one session of a plan: done or skipped, with how it went. One row per
    session (unique index on plan, week, session: logging again replaces it, so a retried request logs once)."""

    id = UUID(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    plan = ForeignKey(Plan, on_delete=OnDelete.cascade, index=True)
    week = Integer()
    session = Integer()  # 1-based, in the week's order
    status = Varchar(length=10)  # done | skipped
    rpe = Integer(null=True, default=None)  # effort 1-10
    minutes = Integer(null=True, default=None)
    pain = Varchar(length=20, null=True, default=None)  # the body part that hurt, if any
    note = Text(default="")
    exercises = JSON(default="[]")  # per-exercise results: load/reps or distance/time
    logged_at = Timestamptz()
    # The log this one was carried from into a changed plan version (its first), so the session counts
    # once wherever its copies are.
    origin = UUID(null=True, default=None)


class RefreshToken(Table):
    """A long-lived sign-in ("keep me signed in", the mobile app): exchanged once for a new access token
    and a new refresh token of the same family. Only a hash of the secret is kept. A token used twice
    means it was copied: its whole family is revoked. Valid only in the account's current
    `token_generation`, so logging out ends every one."""

    id = UUID(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)  # sha256 of the secret, hex
    family = UUID(index=True)  # every rotation of one sign-in
    generation = Integer(default=0)  # the account's token_generation when issued
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)  # set when exchanged: a second use is a theft
    created_at = Timestamptz()


class PushSubscription(Table):
    """A browser's Web Push subscription: where its push service takes messages, and its keys."""

    id = UUID(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    endpoint = Varchar(length=1000, unique=True)
    p256dh = Varchar(length=200)  # the browser's public key (base64url)
    auth = Varchar(length=100)  # its auth secret (base64url)
    created_at = Timestamptz()


ALL_TABLES: list[type[Table]] = [
    User,
    UserProfile,
    GenerationJob,
    GenerationEvent,
    Plan,
    IdempotencyKey,
    AnalyticsEvent,
    PlaybookRun,
    PlaybookEntry,
    CoachCache,
    SessionLog,
    RefreshToken,
    PushSubscription,
]

"""What must hold in the database whatever happened before: crashes, faults, load, attacks.

`await check_invariants()` reads every table and returns the violations (an empty list when all hold).
Call it after every fault test, once the system had the chance to settle (servers stopped or idle).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from web.generation.failures import FAILURES
from web.tables import GenerationEvent, GenerationJob, IdempotencyKey, Plan, PlaybookRun, UserProfile

TERMINAL_STATUS_EVENT = {"succeeded": "done", "failed": "failed", "cancelled": "cancelled"}
TERMINAL_EVENTS = frozenset(TERMINAL_STATUS_EVENT.values())
ACTIVE = ("queued", "running")
KNOWN_STATUSES = frozenset({*ACTIVE, *TERMINAL_STATUS_EVENT})
SAFE_MESSAGES = frozenset(f.message for f in FAILURES.values())

# How often check_invariants ran in this process (the reliability report shows which tests checked).
calls = 0


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def check_invariants(
    now: dt.datetime | None = None, *, grace_seconds: float = 10.0, playbook_timeout_seconds: float = 30.0
) -> list[str]:
    """The violated invariants, one readable line each; [] when the database is consistent.

    `grace_seconds`: how late a reaper may be to take back an expired lease or end an overdue job.
    """
    global calls
    calls += 1
    now = now or dt.datetime.now(dt.UTC)
    grace = dt.timedelta(seconds=grace_seconds)
    out: list[str] = []

    profiles = {
        p["id"]: p
        for p in await UserProfile.select(UserProfile.id, UserProfile.user, UserProfile.active_plan_id)
    }
    jobs = {
        j["id"]: j
        for j in await GenerationJob.select(
            GenerationJob.id,
            GenerationJob.user,
            GenerationJob.profile,
            GenerationJob.status,
            GenerationJob.error_code,
            GenerationJob.error_message,
            GenerationJob.retryable,
            GenerationJob.active_slot,
            GenerationJob.lease_owner,
            GenerationJob.lease_expires_at,
            GenerationJob.deadline_at,
            GenerationJob.finished_at,
        )
    }
    plans = {
        p["id"]: p
        for p in await Plan.select(Plan.id, Plan.user, Plan.profile, Plan.job, Plan.version, Plan.is_complete)
    }
    events: dict[Any, list[dict]] = defaultdict(list)
    for e in (
        await GenerationEvent.select(GenerationEvent.job, GenerationEvent.seq, GenerationEvent.type)
        .order_by(GenerationEvent.job)
        .order_by(GenerationEvent.seq)
    ):
        events[e["job"]].append(e)
    keys = await IdempotencyKey.select(IdempotencyKey.id, IdempotencyKey.key, IdempotencyKey.job)
    runs = await PlaybookRun.select(
        PlaybookRun.id, PlaybookRun.job, PlaybookRun.status, PlaybookRun.created_at
    )

    # Plans: each belongs to an existing profile and to the succeeded job that wrote it.
    plans_by_job: dict[Any, list] = defaultdict(list)
    versions: dict[tuple, int] = defaultdict(int)
    for plan in plans.values():
        name = f"plan {plan['id']}"
        profile = profiles.get(plan["profile"])
        if profile is None:
            out.append(f"{name}: its profile {plan['profile']} does not exist")
        elif profile["user"] != plan["user"]:
            out.append(f"{name}: belongs to user {plan['user']} but its profile to {profile['user']}")
        if plan["job"] is None:
            out.append(f"{name}: has no job")
            continue
        plans_by_job[plan["job"]].append(plan["id"])
        versions[(plan["profile"], plan["version"])] += 1
        job = jobs.get(plan["job"])
        if job is None:
            out.append(f"{name}: its job {plan['job']} does not exist")
        elif job["status"] != "succeeded":
            out.append(f"{name}: its job {job['id']} is {job['status']}, not succeeded")
        elif job["profile"] != plan["profile"]:
            out.append(f"{name}: its job belongs to another profile")
    for (profile_id, version), n in versions.items():
        if n > 1:
            out.append(f"profile {profile_id}: {n} plans with version {version}")

    # Profiles: the active plan exists, is complete and is this profile's.
    for profile in profiles.values():
        active = profile["active_plan_id"]
        if active is None:
            continue
        plan = plans.get(active)
        if plan is None:
            out.append(f"profile {profile['id']}: active_plan_id {active} points at no plan")
        elif plan["profile"] != profile["id"]:
            out.append(f"profile {profile['id']}: active plan {active} belongs to another profile")
        elif not plan["is_complete"]:
            out.append(f"profile {profile['id']}: active plan {active} is not complete")

    # Jobs: leases, deadlines, terminal bookkeeping, user-safe errors, events.
    active_by_profile: dict[Any, list] = defaultdict(list)
    for job in jobs.values():
        name, status = f"job {job['id']}", job["status"]
        if status not in KNOWN_STATUSES:
            out.append(f"{name}: unknown status {status!r}")
            continue
        if job["profile"] not in profiles:
            out.append(f"{name}: its profile does not exist")
        if status in ACTIVE:
            active_by_profile[job["profile"]].append(job["id"])
            if job["active_slot"] != str(job["profile"]):
                out.append(f"{name}: {status} but active_slot is {job['active_slot']!r}, not its profile")
            deadline = _aware(job["deadline_at"])
            if deadline is not None and deadline + grace < now:
                out.append(
                    f"{name}: still {status} {(now - deadline).total_seconds():.0f}s past its deadline"
                )
        if status == "running":
            lease = _aware(job["lease_expires_at"])
            if lease is None or not job["lease_owner"]:
                out.append(f"{name}: running without a lease")
            elif lease + grace < now:
                out.append(
                    f"{name}: running with a lease that expired {(now - lease).total_seconds():.0f}s ago"
                )
        if status in TERMINAL_STATUS_EVENT:
            if job["finished_at"] is None:
                out.append(f"{name}: {status} without finished_at")
            if job["active_slot"] is not None:
                out.append(f"{name}: {status} but still holds active_slot")
            if job["lease_owner"] is not None:
                out.append(f"{name}: {status} but still leased to {job['lease_owner']}")
        if status == "failed":
            failure = FAILURES.get(job["error_code"] or "")
            if failure is None:
                out.append(f"{name}: failed with an unknown error_code {job['error_code']!r}")
            elif job["error_message"] != failure.message:
                out.append(
                    f"{name}: failed with a message that is not the user-safe one for {job['error_code']}"
                )
            elif bool(job["retryable"]) != failure.retryable:
                out.append(f"{name}: retryable={job['retryable']} disagrees with {job['error_code']}")
        elif (
            job["error_message"] is not None
            and status != "cancelled"
            and job["error_message"] not in SAFE_MESSAGES
        ):
            out.append(f"{name}: {status} with an error message that is not user-safe")
        n_plans = len(plans_by_job.get(job["id"], ()))
        if status == "succeeded" and n_plans != 1:
            out.append(f"{name}: succeeded with {n_plans} plans")

        seqs = [e["seq"] for e in events.get(job["id"], ())]
        types = [e["type"] for e in events.get(job["id"], ())]
        if not seqs:
            out.append(f"{name}: has no events")
            continue
        if seqs != list(range(1, len(seqs) + 1)):
            out.append(f"{name}: event ids are not 1..{len(seqs)} without gaps: {seqs}")
        terminal = [t for t in types if t in TERMINAL_EVENTS]
        if status in TERMINAL_STATUS_EVENT:
            if len(terminal) != 1:
                out.append(f"{name}: {status} with {len(terminal)} terminal events {terminal}")
            elif types[-1] != TERMINAL_STATUS_EVENT[status]:
                out.append(f"{name}: {status} but its last event is {types[-1]!r}")
        elif terminal:
            out.append(f"{name}: {status} but has terminal events {terminal}")
    for profile_id, ids in active_by_profile.items():
        if len(ids) > 1:
            out.append(f"profile {profile_id}: {len(ids)} active jobs")

    for key in keys:
        if key["job"] not in jobs:
            out.append(f"idempotency key {key['id']}: points at missing job {key['job']}")

    # The playbook beside a job ends (succeeded, failed, timed_out) within its own timeout.
    playbook_limit = dt.timedelta(seconds=playbook_timeout_seconds) + grace
    for run in runs:
        if run["job"] not in jobs:
            out.append(f"playbook run {run['id']}: its job does not exist")
        created = _aware(run["created_at"])
        if run["status"] == "running" and created is not None and created + playbook_limit < now:
            job = jobs.get(run["job"])
            if job is None or job["status"] not in ACTIVE:
                out.append(
                    f"playbook run {run['id']}: still running {(now - created).total_seconds():.0f}s "
                    "after it started"
                )
    return out

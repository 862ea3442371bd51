"""A deterministic coach that needs no LLM: the default without an API key, and the fallback.

It writes every week from the periodisation skeleton's target for that week (web/domain/skeleton.py):
the layout of days and sessions is the plan's (layout.py), the exercises are chosen per block
(selection.py: best kit first, harder variations block by block, accessories rotated, the person's
wishes given their own work), and each session is written to the target's sets, reps, RPE,
kilometres and minutes (strength.py, runs.py, other.py). Any week can be written on its own.
"""

from __future__ import annotations

from web.coach.offline_coach.coach import OfflineCoach, build_outline, build_plan, build_week, frame
from web.coach.offline_coach.playbook import build_playbook
from web.coach.offline_coach.week import build_weeks, write_week

__all__ = [
    "OfflineCoach", "build_outline", "build_plan", "build_playbook", "build_week", "build_weeks", "frame", "write_week",
]  # fmt: skip

"""A deterministic coach that needs no LLM: the fallback, and the reference the rules are tested with.

The plan is built in three steps:

1. a *blueprint*: the training days, the split (which session on which day) and the exercises of
   every session, fitted to the person's minutes at the heaviest week of a block;
2. a *running schedule*: weekly kilometres growing at most ~8% a week, checked against the
   10% rule on the real, rounded distances;
3. the *weeks*: sets, reps and intensity by position in a 4-week block (establish, build, push,
   deload), deloads at ~60% volume every 4th week in plans of 6+ weeks.

Everything is a pure function of the brief, so the same brief always gives the same plan.
"""

from __future__ import annotations

from web.coach.offline_coach.coach import OfflineCoach
from web.coach.offline_coach.playbook import build_playbook
from web.coach.offline_coach.weeks import _weeks_for, build_outline, build_week, build_weeks

__all__ = ["OfflineCoach", "_weeks_for", "build_outline", "build_playbook", "build_week", "build_weeks"]

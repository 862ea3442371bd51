"""The offline coach behind the Coach protocol."""

from __future__ import annotations

from web.coach.base import Generated, PlaybookNotes, Usage
from web.coach.offline_coach.playbook import build_playbook
from web.coach.offline_coach.weeks import build_outline, build_week
from web.domain.brief import TrainingBrief
from web.domain.plan import PlannedWeek, PlanOutline


class OfflineCoach:
    """Deterministic plans with zero token usage; every week it writes passes the plan rules."""

    name = "offline"

    async def outline(self, brief: TrainingBrief) -> Generated[PlanOutline]:
        return Generated(build_outline(brief), Usage())

    async def week(
        self, brief: TrainingBrief, outline: PlanOutline, number: int, previous: PlannedWeek | None
    ) -> Generated[PlannedWeek]:
        return Generated(build_week(brief, number, outline), Usage())

    async def repair_week(
        self, brief: TrainingBrief, outline: PlanOutline, week: PlannedWeek, violations: list[str]
    ) -> Generated[PlannedWeek]:
        return Generated(build_week(brief, week.number, outline), Usage())

    async def playbook(self, brief: TrainingBrief) -> Generated[PlaybookNotes]:
        return Generated(build_playbook(brief), Usage())

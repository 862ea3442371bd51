"""`python -m tests.quality.report`: every persona's plan in a few lines, and what the checker found,
for a coach's read."""

from __future__ import annotations

from tests.quality.checker import check_plan_quality
from tests.quality.personas import PERSONAS
from tests.quality.test_personas import brief_of
from web.coach.offline_coach import build_plan
from web.domain.rules import total_hard_sets, weekly_running_km


def main() -> None:
    for name, info, answers in PERSONAS:
        brief = brief_of(info, answers)
        plan = build_plan(brief)
        findings = check_plan_quality(brief, plan)
        km = " ".join(f"{weekly_running_km(w):.0f}" for w in plan.weeks)
        sets = " ".join(str(total_hard_sets(w)) for w in plan.weeks)
        print(f"== {name}: {plan.title}")
        print(f"   km/week: {km}\n   hard sets/week: {sets}")
        print(f"   {plan.summary[:300]}")
        print(f"   findings: {', '.join(f.check for f in findings) or 'none'}")


if __name__ == "__main__":
    main()

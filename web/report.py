"""`python -m web.report funnel --days 7`: operator reports from the database (DATABASE_URL)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from itertools import pairwise

from web import db
from web.analytics import FunnelStep, funnel


def format_funnel(steps: list[FunnelStep], days: int) -> str:
    width = max(len(step.label) for step in steps)
    lines = [
        f"Onboarding funnel, last {days} day{'s' if days != 1 else ''} (people; % of the first step; % of the step before)",
        "",
    ]
    for step in steps:
        of_first = f"{step.of_first}%" if step.of_first is not None else "-"
        of_previous = f"{step.of_previous}%" if step.of_previous is not None else "-"
        lines.append(f"{step.label:<{width}}  {step.people:>6}  {of_first:>5}  {of_previous:>5}")
    drops = [
        (previous.people - step.people, step)
        for previous, step in pairwise(steps)
        if previous.people > step.people
    ]
    if drops:
        lost, step = max(drops, key=lambda d: d[0])
        lines += ["", f"Most people stop before: {step.label} ({lost} of them)."]
    return "\n".join(lines)


async def _funnel(days: int) -> str:
    await db.connect()
    try:
        return format_funnel(await funnel(days), days)
    finally:
        await db.disconnect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m web.report", description=__doc__)
    sub = parser.add_subparsers(dest="report", required=True)
    one = sub.add_parser("funnel", help="people at each onboarding step, and where they stop")
    one.add_argument("--days", type=int, default=7, help="the window, in days (default 7)")
    args = parser.parse_args(argv)
    if args.days < 1 or args.days > 3650:
        parser.error("--days must be between 1 and 3650")
    print(asyncio.run(_funnel(args.days)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

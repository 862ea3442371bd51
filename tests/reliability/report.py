"""The reliability report: run the attack, fault and load cases and print what held.

    python -m tests.reliability.report            # everything (make reliability)
    python -m tests.reliability.report --quick    # a subset in well under two minutes (make test)
    python -m tests.reliability.report -- -x      # anything after -- goes to pytest

It runs pytest in this process over tests/reliability, tests/security (when present) and the restart and
failure tests of tests/integration/generation, with a small plugin that records each case's outcome and
checks the database invariants (tests/reliability/invariants.py) after every case that used a database,
then prints: case | category | outcome | invariants | seconds. The exit status is non-zero if any case
failed or broke an invariant. DATABASE_URL chooses the database, as for pytest.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FULL = [
    "tests/reliability",
    "tests/security",
    "tests/integration/generation/test_restarts.py",
    "tests/integration/generation/test_failures.py",
]
# --quick: the reliability cases marked `quick`, and these whole files of the attack suite.
QUICK = ["tests/reliability", "tests/security/test_object_access.py", "tests/security/test_headers.py"]


@dataclass
class Case:
    nodeid: str
    category: str
    outcome: str = "passed"
    seconds: float = 0.0
    invariants: str = "-"
    detail: str = ""
    notes: list[str] = field(default_factory=list)


def category_of(nodeid: str) -> str:
    if nodeid.startswith("tests/security/"):
        return "attack"
    if "test_load" in nodeid:
        return "load"
    if "test_invariants" in nodeid:
        return "invariants"
    return "fault"


class ReportPlugin:
    """Records outcomes; checks the invariants after each case that had a database."""

    def __init__(self, quick: bool = False) -> None:
        self.quick = quick
        self.cases: dict[str, Case] = {}

    def pytest_collection_modifyitems(self, session, config, items) -> None:
        if self.quick:
            dropped = [
                i
                for i in items
                if i.nodeid.startswith("tests/reliability/") and not i.get_closest_marker("quick")
            ]
            items[:] = [i for i in items if i not in dropped]
            config.hook.pytest_deselected(items=dropped)
        for item in items:
            if (
                "database" in getattr(item, "fixturenames", ())
                and "_report_invariants" not in item.fixturenames
            ):
                # First, so that it is torn down last: after the test's servers and processes have stopped.
                item.fixturenames.insert(0, "_report_invariants")

    @pytest.fixture
    async def _report_invariants(self, request, database):
        yield
        from tests.reliability.invariants import check_invariants

        violations = await check_invariants()
        case = self._case(request.node.nodeid)
        if violations:
            case.invariants = "VIOLATED"
            case.detail = f"{len(violations)} invariant(s) violated, e.g. {violations[0]}"
            raise AssertionError("invariants violated after the test:\n" + "\n".join(violations))
        if case.invariants != "checked in test":
            case.invariants = "checked after"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        before = getattr(sys.modules.get("tests.reliability.invariants"), "calls", 0)
        try:
            return (yield)
        finally:
            if getattr(sys.modules.get("tests.reliability.invariants"), "calls", 0) > before:
                self._case(item.nodeid).invariants = "checked in test"

    def _case(self, nodeid: str) -> Case:
        if nodeid not in self.cases:
            self.cases[nodeid] = Case(nodeid, category_of(nodeid))
        return self.cases[nodeid]

    def pytest_runtest_logreport(self, report) -> None:
        case = self._case(report.nodeid)
        case.seconds += report.duration
        for name, value in report.user_properties:
            if name == "summary" and value not in case.notes:
                case.notes.append(str(value))
        if report.skipped and report.when in ("setup", "call"):
            case.outcome = "skipped"
            case.detail = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
        elif report.failed:
            case.outcome = "FAILED" if report.when == "call" else f"ERROR ({report.when})"
            if case.invariants != "VIOLATED" and report.longreprtext:
                case.detail = report.longreprtext.strip().splitlines()[-1][:160]


def print_table(cases: list[Case], seconds: float, out=sys.stdout) -> None:
    width = min(max((len(c.nodeid) for c in cases), default=10), 100)
    header = f"{'case':<{width}} | {'category':<10} | {'outcome':<16} | {'invariants':<15} | seconds"
    print("\n" + header, file=out)
    print("-" * len(header), file=out)
    for c in cases:
        name = c.nodeid if len(c.nodeid) <= width else "..." + c.nodeid[-(width - 3) :]
        print(
            f"{name:<{width}} | {c.category:<10} | {c.outcome:<16} | {c.invariants:<15} | {c.seconds:6.1f}",
            file=out,
        )
    print("-" * len(header), file=out)
    for category in ("attack", "fault", "load", "invariants"):
        group = [c for c in cases if c.category == category]
        if group:
            counts = {o: sum(c.outcome == o for c in group) for o in sorted({c.outcome for c in group})}
            checked = sum(c.invariants.startswith("checked") for c in group)
            print(
                f"{category:<10} {len(group):3d} cases: "
                + ", ".join(f"{n} {o}" for o, n in counts.items())
                + f"; invariants checked in {checked}",
                file=out,
            )
    for c in cases:
        for note in c.notes:
            print(note, file=out)
    bad = [c for c in cases if c.outcome not in ("passed", "skipped") or c.invariants == "VIOLATED"]
    for c in bad:
        print(f"FAILED: {c.nodeid}: {c.detail}", file=out)
    print(
        f"{len(cases)} cases in {seconds:.0f}s: {'ALL HELD' if not bad else f'{len(bad)} FAILED'}", file=out
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a subset that runs in well under two minutes")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)

    paths = [p for p in (QUICK if args.quick else FULL) if (ROOT / p).exists()]
    pytest_args = [
        "-q",
        "-p",
        "no:cacheprovider",
        "--no-header",
        "-W",
        "ignore::DeprecationWarning",
        *paths,
        *args.pytest_args,
    ]
    plugin = ReportPlugin(quick=args.quick)
    started = time.monotonic()
    os.chdir(ROOT)
    code = pytest.main(pytest_args, plugins=[plugin])
    cases = sorted(plugin.cases.values(), key=lambda c: (c.category, c.nodeid))
    print_table(cases, time.monotonic() - started)
    failed = any(c.outcome not in ("passed", "skipped") or c.invariants == "VIOLATED" for c in cases)
    if failed or not cases:
        return 1
    return 0 if code in (0, pytest.ExitCode.OK) else int(code)


if __name__ == "__main__":
    sys.exit(main())

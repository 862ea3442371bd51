"""Markers and fixtures of the reliability suite."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "quick: part of `python -m tests.reliability.report --quick`")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests make dozens of accounts at once: argon2 at its production cost would dominate their time.
    Only in-process servers are affected; password hashing itself is tested elsewhere."""
    from web.auth import services

    monkeypatch.setattr(services, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

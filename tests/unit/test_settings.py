"""Settings come from the environment; production refuses a default secret with a message that says what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from web.settings import DEV_SECRET, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_production_refuses_the_default_secret():
    with pytest.raises(ValidationError) as caught:
        Settings(app_env="production", jwt_secret=DEV_SECRET)
    assert "JWT_SECRET" in str(caught.value)


def test_production_refuses_a_short_secret():
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(app_env="production", jwt_secret="short")


def test_production_accepts_a_real_secret():
    settings = Settings(app_env="production", jwt_secret="x" * 48, cookie_secure=True)
    assert settings.app_env == "production"


def test_development_defaults_are_the_embedded_ones(monkeypatch):
    for name in ("DATABASE_URL", "OPENAI_API_KEY", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite:///var/trainplan.sqlite3"
    assert not settings.openai_api_key and settings.redis_url is None
    assert settings.playbook_context_matching_enabled is False


def test_env_vars_are_read(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("GENERATION_DEADLINE_SECONDS", "42")
    monkeypatch.setenv("PLAYBOOK_CONTEXT_MATCHING_ENABLED", "true")
    settings = Settings(_env_file=None)
    assert settings.openai_api_key and settings.generation_deadline_seconds == 42
    assert settings.playbook_context_matching_enabled is True
    assert "sk-test" not in repr(settings)


def test_the_server_will_not_start_in_production_on_the_default_secret():
    env = {**os.environ, "APP_ENV": "production", "JWT_SECRET": DEV_SECRET, "PORT": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "web"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr and "Traceback" not in result.stderr


def test_without_a_jwt_secret_a_random_one_is_made_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    first = Settings(_env_file=None, data_dir=str(tmp_path))
    second = Settings(_env_file=None, data_dir=str(tmp_path))
    assert first.jwt_secret == second.jwt_secret and len(first.jwt_secret) >= 48
    assert first.jwt_secret != DEV_SECRET
    stored = tmp_path / "jwt_secret"
    assert stored.read_text() == first.jwt_secret and (stored.stat().st_mode & 0o777) == 0o600
    other = Settings(_env_file=None, data_dir=str(tmp_path / "elsewhere"))
    assert other.jwt_secret != first.jwt_secret  # never a shared, published value


def test_production_without_a_jwt_secret_refuses_and_the_csrf_key_is_its_own(monkeypatch, tmp_path):
    monkeypatch.delenv("JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None, app_env="production", data_dir=str(tmp_path))
    settings = Settings(app_env="production", jwt_secret="x" * 48, trusted_proxies="10.0.0.1")
    assert settings.csrf_key != settings.jwt_secret and len(settings.csrf_key) == 64


def test_production_needs_secure_cookies_said_one_way_or_the_other():
    with pytest.raises(ValidationError, match=r"COOKIE_SECURE=true .* or TRUSTED_PROXIES"):
        Settings(_env_file=None, app_env="production", jwt_secret="x" * 48)

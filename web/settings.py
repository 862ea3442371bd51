"""One typed settings object, read from the environment (and .env in development)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from functools import cached_property
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"  # refused everywhere a secret is checked; never a default


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/trainplan.sqlite3"
    redis_url: str | None = None
    metrics_token: str | None = Field(
        default=None, repr=False
    )  # when set, /metrics needs it as a bearer token
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    # LLM
    openai_api_key: str | None = Field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_embedding_model: str = "text-embedding-3-small"  # playbook notes matched by meaning
    openai_timeout_seconds: float = 45.0
    openai_max_retries: int = Field(default=2, ge=0, le=5)
    openai_max_completion_tokens: int = 6000
    prompt_token_budget: int = 12_000
    llm_fallback_enabled: bool = True
    week_parallelism: int = Field(default=16, ge=1, le=52)
    llm_max_concurrency: int = Field(default=32, ge=1, le=512)
    llm_cache_ttl_hours: float = Field(default=168, ge=0)  # 0 turns the cache of LLM answers off

    # Auth
    # Unset: a random secret is made on first start and kept in DATA_DIR (0600); production requires it.
    jwt_secret: str | None = Field(default=None, repr=False)
    csrf_secret: str | None = Field(default=None, repr=False)  # unset: derived from the JWT secret
    data_dir: str = "var"
    jwt_access_ttl_seconds: int = 3600
    # Web Push (VAPID). Unset key: one is made on first start and kept in DATA_DIR.
    vapid_private_key: str | None = Field(default=None, repr=False)
    vapid_subject: str = "mailto:push@trainplan.invalid"  # a contact push services may use: set yours
    push_endpoint_hosts: str = (  # the push services we send to (a subscription elsewhere is refused)
        "fcm.googleapis.com,updates.push.services.mozilla.com,push.services.mozilla.com,"
        "web.push.apple.com,notify.windows.com"
    )
    refresh_token_ttl_days: float = Field(default=30, gt=0, le=365)  # "keep me signed in", the mobile app
    jwt_audience: str | None = None
    jwt_issuer: str | None = None
    jwt_jwks_url: str | None = None
    jwt_leeway_seconds: int = 30
    jwt_max_bytes: int = 8192
    cookie_secure: bool | None = None  # None: Secure when the request came over https

    # Generation
    generation_deadline_seconds: float = 300.0
    generation_concurrency: int = Field(default=4, ge=1, le=64)
    generation_queue_max: int = Field(default=100, ge=1)
    job_lease_seconds: float = 30.0
    job_max_attempts: int = Field(default=3, ge=1, le=10)
    run_worker: bool = True  # run the job runner inside the web process
    # On SIGTERM, how long running jobs may take to finish before they are handed back to the queue
    # (a worker; the web process's own runner gets what uvicorn's 15 s leave). Kept inside 25 s in all.
    shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=120)
    idempotency_ttl_hours: int = 24

    # Playbook
    playbook_enabled: bool = True
    playbook_timeout_seconds: float = 30.0
    playbook_context_matching_enabled: bool = False

    # Limits
    max_body_bytes: int = 64 * 1024
    max_free_text_chars: int = 1000
    rate_limit_generations_per_hour: int = 10
    rate_limit_generations_per_day: int = 30
    rate_limit_auth_per_minute: int = 10
    rate_limit_login_failures_per_account: int = 10  # in 15 minutes, from any address
    trusted_proxies: str = ""  # comma-separated addresses or networks whose X-Forwarded-For is believed
    sse_max_streams_per_user: int = 5
    sse_max_streams: int = 500
    # A keep-alive comment on every open stream: under the usual 60 s idle timeouts of proxies and load
    # balancers, and no more often than that needs, since with thousands of streams open the pings are
    # most of what an idle server does (bench/streams.py).
    sse_ping_seconds: float = 25.0
    sse_max_seconds: float = 900.0

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.jwt_secret is None and self.app_env != "production":
            self.jwt_secret = _stored_secret(Path(self.data_dir) / "jwt_secret")
        weak = self.jwt_secret in (None, DEV_SECRET) or len(self.jwt_secret or "") < 32
        if self.app_env == "production" and weak:
            raise ValueError(
                "JWT_SECRET must be set to a random value of at least 32 characters when "
                "APP_ENV=production (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        if self.app_env == "production" and self.cookie_secure is None and not self.trusted_proxies.strip():
            raise ValueError(
                "Set COOKIE_SECURE=true (the site is served over https) or TRUSTED_PROXIES (the https proxy's "
                "address, whose X-Forwarded-Proto is believed) when APP_ENV=production: session cookies "
                "must be Secure."
            )
        return self

    @property
    def csrf_key(self) -> str:
        """The CSRF cookie's own key: CSRF_SECRET, or one derived from the JWT secret (never the same)."""
        if self.csrf_secret:
            return self.csrf_secret
        return hmac.new((self.jwt_secret or "").encode(), b"trainplan-csrf", hashlib.sha256).hexdigest()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def trusted_proxy_networks(self) -> tuple:
        return tuple(
            ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",") if p.strip()
        )


def _stored_secret(path: Path) -> str:
    """The secret kept at `path`, made (random, 0600) on first start: no usable fixed secret ships."""
    try:
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= 32:
            return value
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value)
    logging.getLogger("web.settings").warning(
        "no JWT_SECRET set: made a random one and kept it in %s (set JWT_SECRET to share it between hosts)",
        path,
    )
    return value


def get_settings() -> Settings:
    return Settings()

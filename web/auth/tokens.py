"""Issue and verify JWTs, per RFC 8725: a fixed algorithm allow-list, required claims, small leeway."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import jwt

from web import clock
from web.errors import Unauthorized
from web.settings import Settings

OWN_ALGORITHM = "HS256"
EXTERNAL_ALGORITHMS = ("RS256", "ES256")
DEFAULT_ISSUER = "trainplan"
ACCESS = "access"


@dataclass(frozen=True)
class Claims:
    sub: str
    external: bool  # True when an external identity provider signed it (JWKS)
    exp: int
    generation: int = 0  # the user's token generation when issued (our own tokens)


class TokenService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True, timeout=5)
            if settings.jwt_jwks_url
            else None
        )

    @property
    def issuer(self) -> str:
        return self.settings.jwt_issuer or DEFAULT_ISSUER

    def issue_access(self, user_id: str, *, ttl: int | None = None, generation: int = 0) -> str:
        now = int(clock.timestamp())
        claims = {
            "sub": user_id,
            "iat": now,
            "nbf": now,
            "exp": now + (ttl or self.settings.jwt_access_ttl_seconds),
            "iss": self.issuer,
            "jti": uuid.uuid4().hex,
            "token_use": ACCESS,
            "gen": generation,
        }
        if self.settings.jwt_audience:
            claims["aud"] = self.settings.jwt_audience
        return jwt.encode(claims, self.settings.jwt_secret, algorithm=OWN_ALGORITHM)

    def verify(self, token: str | None) -> Claims:
        """Claims of a valid access token; Unauthorized for anything else. Never logs the token."""
        if not token:
            raise Unauthorized("Sign in: this request needs an access token (Authorization: Bearer <token>).")
        if len(token) > self.settings.jwt_max_bytes:
            raise Unauthorized("The access token is too large.")
        try:
            alg = jwt.get_unverified_header(token).get("alg")
            if alg == OWN_ALGORITHM:
                return self._verify_own(token)
            if alg in EXTERNAL_ALGORITHMS and self._jwks is not None:
                return self._verify_external(token, alg)
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Your session has expired: sign in again.") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Unauthorized() from None
        raise Unauthorized()

    def _options(self) -> dict:
        return {"require": ["exp", "iat", "sub"], "verify_aud": bool(self.settings.jwt_audience)}

    def _verify_own(self, token: str) -> Claims:
        claims = jwt.decode(
            token,
            self.settings.jwt_secret,
            algorithms=[OWN_ALGORITHM],
            audience=self.settings.jwt_audience,
            issuer=self.issuer,
            leeway=self.settings.jwt_leeway_seconds,
            options=self._options(),
        )
        if claims.get("token_use") != ACCESS:
            raise jwt.InvalidTokenError("not an access token")
        generation = claims.get("gen", 0)
        if not isinstance(generation, int) or isinstance(generation, bool):
            raise jwt.InvalidTokenError("bad token generation")
        return Claims(
            sub=str(claims["sub"]),
            external=False,
            exp=int(claims["exp"]),
            generation=generation,
        )

    def _verify_external(self, token: str, alg: str) -> Claims:
        assert self._jwks is not None
        key = self._jwks.get_signing_key_from_jwt(token).key
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=self.settings.jwt_audience,
            issuer=self.settings.jwt_issuer,
            leeway=self.settings.jwt_leeway_seconds,
            options=self._options(),
        )
        if claims.get("token_use", ACCESS) != ACCESS or claims.get("typ", "").lower() in ("refresh", "id"):
            raise jwt.InvalidTokenError("not an access token")
        return Claims(sub=str(claims["sub"]), external=True, exp=int(claims["exp"]))

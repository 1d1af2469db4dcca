"""JWT bearer tokens (HS256 or ES256) from an issuer the operator trusts.

Required claims: ``sub`` (becomes the key id for rate limiting), ``org``, ``identities``, ``roles``, ``exp``;
``aud`` must match when configured. The algorithm is fixed by configuration, never taken from the token
header (the classic ``alg: none``/key-confusion attacks).
"""

from __future__ import annotations

from dataclasses import dataclass

import jwt

from gateway.auth.principal import AuthError, Principal, validate_roles


@dataclass(frozen=True)
class JwtVerifier:
    algorithm: str  # "HS256" or "ES256"
    key: str | bytes  # HMAC secret or PEM public key
    audience: str | None = None
    issuer: str | None = None
    rate_per_second: float = 50.0
    burst: int = 100

    def __post_init__(self) -> None:
        if self.algorithm not in ("HS256", "ES256"):
            raise ValueError(f"jwt.algorithm: {self.algorithm!r} is not HS256 or ES256")

    def authenticate(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "org"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(401, f"invalid token: {exc}") from None
        identities = claims.get("identities")
        roles = claims.get("roles")
        if not isinstance(identities, list) or not identities or not all(isinstance(i, str) for i in identities):
            raise AuthError(401, "invalid token: claim 'identities' must be a non-empty list of strings")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise AuthError(401, "invalid token: claim 'roles' must be a list of strings")
        try:
            role_set = validate_roles(roles)
        except ValueError as exc:
            raise AuthError(401, f"invalid token: {exc}") from None
        return Principal(
            key_id="jwt:" + str(claims["sub"]),
            org=str(claims["org"]),
            identities=frozenset(identities),
            roles=role_set,
            rate_per_second=self.rate_per_second,
            burst=self.burst,
        )

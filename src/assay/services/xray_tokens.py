"""Xray Cloud-style bearer tokens: `POST /api/v2/authenticate` trades an API key for a signed JWT.

The client secret is an Assay API key (the client id is any name, kept in the token). The token is
an HS256 JWT signed with the server's secret; it names the API key by id, so revoking the key
ends its tokens too. Xray Cloud's tokens last a day; so do these.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import Connection, select

from assay.errors import AuthenticationError
from assay.services.api_keys import ApiKey, authenticate
from assay.store import tables

TOKEN_TTL = timedelta(hours=24)
_ISSUER = "assay"
_AUDIENCE = "xray-compatible-api"


def issue_token(connection: Connection, secret: str, client_id: str | None, client_secret: str | None) -> str:
    """A signed token for the API key `client_secret`. Raises AuthenticationError for a bad key."""
    try:
        key = authenticate(connection, client_secret)
    except AuthenticationError:
        raise AuthenticationError(
            "Authentication failed: the client_secret is not a valid Assay API key (make one with "
            "`assay apikey create`)"
        ) from None
    now = datetime.now(UTC)
    claims = {
        "iss": _ISSUER,
        "aud": _AUDIENCE,
        "sub": (client_id or "").strip() or f"apikey-{key.prefix}",
        "kid": key.id,
        "iat": now,
        "exp": now + TOKEN_TTL,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def looks_like_token(value: str) -> bool:
    """A JWT is three base64url parts; Assay API keys (`assay_<prefix>_<secret>`) have no dots."""
    return value.count(".") == 2 and not value.startswith("assay_")


def key_for_token(connection: Connection, secret: str, token: str) -> ApiKey:
    """The live API key a token was issued for. Raises AuthenticationError for a bad, expired or revoked one."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=_AUDIENCE, issuer=_ISSUER, options={"require": ["exp", "kid"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("the token has expired: authenticate again") from None
    except jwt.InvalidTokenError:
        raise AuthenticationError("the token is not valid") from None
    row = connection.execute(select(tables.api_key).where(tables.api_key.c.id == claims["kid"])).first()
    if row is None:
        raise AuthenticationError("the token's API key no longer exists")
    if row.revoked_at is not None:
        raise AuthenticationError("the token's API key was revoked")
    return ApiKey(id=row.id, prefix=row.prefix, project_id=row.project_id, last_used_at=row.last_used_at)

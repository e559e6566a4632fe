"""API keys: shown once when made, stored as a sha256 hash, scoped to one project or to all."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from assay.errors import AuthenticationError, NotFoundError
from assay.store import tables

_PREFIX = "assay_"


@dataclass(frozen=True)
class ApiKey:
    id: int
    prefix: str
    project_id: int | None  # None: every project
    last_used_at: datetime | None = None

    def needs_touch(self, now: datetime) -> bool:
        """Record use at most once a minute: a write per API call would queue behind imports on SQLite."""
        last = self.last_used_at
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return last is None or (now - last).total_seconds() > 60

    def may_reach(self, project_id: int) -> bool:
        return self.project_id is None or self.project_id == project_id


def _hash(secret: str) -> str:
    # Keys are 32 random bytes: a fast hash is enough (no dictionary to attack), and it keeps
    # every API call cheap. Passwords (the web UI) use argon2 instead.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(connection: Connection, project_id: int | None, name: str | None = None) -> tuple[ApiKey, str]:
    """Make a key; returns it and its plaintext (never stored, never shown again)."""
    prefix = secrets.token_hex(4)
    plaintext = f"{_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key_id = connection.execute(
        insert(tables.api_key)
        .values(prefix=prefix, hash=_hash(plaintext), name=name, project_id=project_id, created_at=datetime.now(UTC))
        .returning(tables.api_key.c.id)
    ).scalar_one()
    return ApiKey(id=key_id, prefix=prefix, project_id=project_id), plaintext


def authenticate(connection: Connection, plaintext: str | None) -> ApiKey:
    """The live key matching `plaintext`. Raises AuthenticationError for a missing, wrong or revoked key."""
    if not plaintext:
        raise AuthenticationError("an API key is required: send it in the x-api-key header")
    plaintext = plaintext.strip()
    parts = plaintext.split("_")
    if len(parts) < 3 or not plaintext.startswith(_PREFIX):
        raise AuthenticationError("the API key is not valid")
    row = connection.execute(select(tables.api_key).where(tables.api_key.c.prefix == parts[1])).first()
    if row is None or not hmac.compare_digest(row.hash, _hash(plaintext)):
        raise AuthenticationError("the API key is not valid")
    if row.revoked_at is not None:
        raise AuthenticationError("the API key was revoked")
    return ApiKey(id=row.id, prefix=row.prefix, project_id=row.project_id, last_used_at=row.last_used_at)


def touch(connection: Connection, key: ApiKey) -> None:
    connection.execute(
        update(tables.api_key).where(tables.api_key.c.id == key.id).values(last_used_at=datetime.now(UTC))
    )


def list_api_keys(connection: Connection) -> list[dict[str, object]]:
    rows = connection.execute(
        select(tables.api_key.c.id, tables.api_key.c.prefix, tables.api_key.c.name, tables.api_key.c.project_id,
               tables.api_key.c.created_at, tables.api_key.c.last_used_at, tables.api_key.c.revoked_at)
        .order_by(tables.api_key.c.id)
    )
    return [dict(row._mapping) for row in rows]


def revoke_api_key(connection: Connection, key_id: int) -> None:
    done = connection.execute(
        update(tables.api_key).where(tables.api_key.c.id == key_id).values(revoked_at=datetime.now(UTC))
    )
    if not done.rowcount:
        raise NotFoundError(f"no API key {key_id}")

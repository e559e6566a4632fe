"""Server-side web sessions: the cookie holds a random token, the database only its sha256.

Kept in the database (not in a signed cookie) so that any server behind a load balancer can read
them and signing out really ends a session. Each session has its own CSRF token for its forms.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select

from assay.services.users import User
from assay.store import tables

SESSION_TTL = timedelta(days=14)


@dataclass(frozen=True)
class WebSession:
    id: int
    user: User
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    # Tokens are 32 random bytes: a fast hash suffices, and a stolen table holds nothing usable.
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(connection: Connection, user: User, ttl: timedelta = SESSION_TTL) -> tuple[WebSession, str]:
    """Open a session for `user`; returns it and the token for the cookie (not stored anywhere)."""
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session_id = connection.execute(
        insert(tables.web_session).values(
            token_hash=_hash(token), user_id=user.id, csrf_token=csrf_token, created_at=now, expires_at=now + ttl
        ).returning(tables.web_session.c.id)
    ).scalar_one()
    return WebSession(id=session_id, user=user, csrf_token=csrf_token, expires_at=now + ttl), token


def find_session(connection: Connection, token: str | None) -> WebSession | None:
    """The live session behind a cookie's token; None for no token, an unknown one or an expired one."""
    if not token or len(token) > 128:
        return None
    session, user = tables.web_session, tables.user
    row = connection.execute(
        select(session.c.id, session.c.csrf_token, session.c.expires_at, user.c.id.label("user_id"),
               user.c.name, user.c.is_admin)
        .join(user, user.c.id == session.c.user_id)
        .where(session.c.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    expires_at = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires_at <= datetime.now(UTC):
        return None
    return WebSession(
        id=row.id, user=User(id=row.user_id, name=row.name, is_admin=bool(row.is_admin)),
        csrf_token=row.csrf_token, expires_at=expires_at,
    )


def end_session(connection: Connection, token: str | None) -> None:
    """Delete the session behind `token` (signing out); nothing happens for an unknown token."""
    if token:
        connection.execute(delete(tables.web_session).where(tables.web_session.c.token_hash == _hash(token)))


def purge_expired_sessions(connection: Connection) -> int:
    """Delete expired sessions; returns how many."""
    done = connection.execute(delete(tables.web_session).where(tables.web_session.c.expires_at <= datetime.now(UTC)))
    return int(done.rowcount or 0)


__all__ = ["SESSION_TTL", "WebSession", "end_session", "find_session", "purge_expired_sessions", "start_session"]

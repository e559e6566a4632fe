"""Web UI accounts: names with argon2 password hashes (never the passwords themselves)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from assay.errors import AuthenticationError, ConflictError, InvalidInputError, NotFoundError
from assay.store import tables

MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# argon2id with the library's defaults (RFC 9106's second recommended profile: 64 MiB, 3 passes).
_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password
# and the answer's timing does not tell which names exist.
@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password anyone has")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    is_admin: bool = False


def _user(row: object) -> User:
    return User(id=row.id, name=row.name, is_admin=bool(row.is_admin))  # type: ignore[attr-defined]


def create_user(connection: Connection, name: str, password: str, is_admin: bool = False) -> User:
    """Create an account. Raises InvalidInputError (bad name, short password), ConflictError (name taken)."""
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidInputError(
            f"user name {name!r} must be 1-64 characters: letters, digits, '.', '_', '@' or '-'", code="bad_user_name"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", code="password_too_short"
        )
    if connection.execute(select(tables.user.c.id).where(tables.user.c.name == name)).first():
        raise ConflictError(f"user {name} already exists")
    user_id = connection.execute(
        insert(tables.user).values(
            name=name, password_hash=_hasher.hash(password), is_admin=is_admin, created_at=datetime.now(UTC)
        ).returning(tables.user.c.id)
    ).scalar_one()
    return User(id=user_id, name=name, is_admin=is_admin)


def authenticate_user(connection: Connection, name: str, password: str) -> User:
    """The account whose name and password these are; records the sign-in (a write).

    Raises AuthenticationError with one message for a wrong name and a wrong password alike.
    """
    row = connection.execute(select(tables.user).where(tables.user.c.name == name.strip())).first()
    try:
        _hasher.verify(row.password_hash if row is not None else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None:
        raise AuthenticationError("wrong user name or password", code="bad_credentials")
    values: dict[str, object] = {"last_login_at": datetime.now(UTC)}
    if _hasher.check_needs_rehash(row.password_hash):
        # Hash parameters were raised since this password was set: upgrade it now that we know it.
        values["password_hash"] = _hasher.hash(password)
    connection.execute(update(tables.user).where(tables.user.c.id == row.id).values(**values))
    return _user(row)


def get_user(connection: Connection, user_id: int) -> User:
    """An account by id. Raises NotFoundError."""
    row = connection.execute(select(tables.user).where(tables.user.c.id == user_id)).first()
    if row is None:
        raise NotFoundError(f"no user {user_id}")
    return _user(row)


__all__ = ["MIN_PASSWORD_LENGTH", "User", "authenticate_user", "create_user", "get_user"]

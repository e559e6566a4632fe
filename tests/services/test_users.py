"""Accounts and web sessions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from assay.errors import AuthenticationError, ConflictError, InvalidInputError
from assay.services.runtime import Runtime
from assay.services.users import authenticate_user, create_user
from assay.services.web_sessions import end_session, find_session, purge_expired_sessions, start_session
from assay.store import read_transaction, tables, write_transaction


def test_create_and_authenticate(runtime: Runtime) -> None:
    with write_transaction(runtime.engine) as connection:
        made = create_user(connection, "alice", "long enough password")
        with pytest.raises(ConflictError):
            create_user(connection, "alice", "another password")
        with pytest.raises(InvalidInputError, match="at least 8"):
            create_user(connection, "bob", "short")
        with pytest.raises(InvalidInputError, match="user name"):
            create_user(connection, "no spaces allowed", "long enough password")
    with read_transaction(runtime.engine) as connection:
        stored = connection.execute(select(tables.user.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "long enough" not in stored
    with write_transaction(runtime.engine) as connection:
        user = authenticate_user(connection, " alice ", "long enough password")
        assert user == made
        for name, password in (("alice", "wrong password"), ("nobody", "long enough password")):
            with pytest.raises(AuthenticationError) as refused:
                authenticate_user(connection, name, password)
            assert refused.value.message == "wrong user name or password"  # the same for both
    with read_transaction(runtime.engine) as connection:
        assert connection.execute(select(tables.user.c.last_login_at)).scalar_one() is not None


def test_sessions(runtime: Runtime) -> None:
    with write_transaction(runtime.engine) as connection:
        user = create_user(connection, "alice", "long enough password")
        session, token = start_session(connection, user)
        old, old_token = start_session(connection, user, ttl=timedelta(seconds=1))
        connection.execute(update(tables.web_session).where(tables.web_session.c.id == old.id)
                           .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    with read_transaction(runtime.engine) as connection:
        found = find_session(connection, token)
        assert found is not None and found.user == user and found.csrf_token == session.csrf_token
        assert find_session(connection, old_token) is None  # expired
        assert find_session(connection, "made-up") is None and find_session(connection, None) is None
        assert find_session(connection, "x" * 500) is None
    with write_transaction(runtime.engine) as connection:
        assert purge_expired_sessions(connection) == 1
        end_session(connection, token)
    with read_transaction(runtime.engine) as connection:
        assert find_session(connection, token) is None

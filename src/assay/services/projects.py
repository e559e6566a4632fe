"""Projects and profiles, and the per-project counter behind keys like DEMO-123."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from assay.errors import ConflictError, InvalidInputError, NotFoundError
from assay.store import tables

DEFAULT_PROJECT_KEY = "DEMO"
_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")


def ensure_defaults(connection: Connection) -> None:
    """A fresh database holds project DEMO with profile 1 "Default", so the documents' URLs work at once."""
    if connection.execute(select(func.count()).select_from(tables.project)).scalar_one():
        return
    project_id = create_project(connection, DEFAULT_PROJECT_KEY, "Demo")["id"]
    create_profile(connection, project_id, "Default")


def create_project(connection: Connection, key: str, name: str, description: str | None = None) -> dict[str, Any]:
    """Create a project. Raises InvalidInputError for a bad key, ConflictError if it exists."""
    key = key.strip().upper()
    if not _KEY.match(key):
        raise InvalidInputError(
            f"project key {key!r} must be 1-32 characters: an upper-case letter, then letters, digits or '_'"
        )
    if connection.execute(select(tables.project.c.id).where(tables.project.c.key == key)).first():
        raise ConflictError(f"project {key} already exists")
    values = {"key": key, "name": name or key, "description": description, "created_at": datetime.now(UTC)}
    project_id = connection.execute(insert(tables.project).values(**values).returning(tables.project.c.id)).scalar_one()
    return {"id": project_id, "key_counter": 0, **values}


def list_projects(connection: Connection, project_ids: set[int] | None = None) -> list[dict[str, Any]]:
    query = select(tables.project).order_by(tables.project.c.key)
    if project_ids is not None:
        query = query.where(tables.project.c.id.in_(project_ids))
    return [dict(row._mapping) for row in connection.execute(query)]


def get_project(connection: Connection, key_or_id: str | int) -> dict[str, Any]:
    """A project by key (`DEMO`) or id. Raises NotFoundError."""
    column = tables.project.c.id if isinstance(key_or_id, int) or str(key_or_id).isdigit() else tables.project.c.key
    value = int(key_or_id) if column is tables.project.c.id else str(key_or_id).upper()
    row = connection.execute(select(tables.project).where(column == value)).first()
    if row is None:
        raise NotFoundError(f"no project {key_or_id}")
    return dict(row._mapping)


def create_profile(connection: Connection, project_id: int, name: str) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise InvalidInputError("a profile needs a name")
    exists = connection.execute(
        select(tables.profile.c.id).where(tables.profile.c.project_id == project_id, tables.profile.c.name == name)
    ).first()
    if exists:
        raise ConflictError(f"profile {name!r} already exists in this project (id {exists.id})")
    values = {"project_id": project_id, "name": name, "created_at": datetime.now(UTC)}
    profile_id = connection.execute(insert(tables.profile).values(**values).returning(tables.profile.c.id)).scalar_one()
    return {"id": profile_id, **values}


def get_profile(connection: Connection, profile_id: int) -> dict[str, Any]:
    """A profile with its project's key. Raises NotFoundError."""
    row = connection.execute(
        select(tables.profile, tables.project.c.key.label("project_key"))
        .join(tables.project, tables.project.c.id == tables.profile.c.project_id)
        .where(tables.profile.c.id == profile_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no profile {profile_id}")
    return dict(row._mapping)


def list_profiles(connection: Connection, project_id: int) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(tables.profile).where(tables.profile.c.project_id == project_id).order_by(tables.profile.c.id)
    )
    return [dict(row._mapping) for row in rows]


def issue_keys(connection: Connection, project_id: int, count: int = 1) -> list[str]:
    """Reserve `count` consecutive keys (DEMO-7, DEMO-8...) from the project's counter.

    The UPDATE takes the row's write lock, so concurrent imports never get the same number:
    PostgreSQL serializes on the row, SQLite on its write transaction.
    """
    row = connection.execute(
        update(tables.project)
        .where(tables.project.c.id == project_id)
        .values(key_counter=tables.project.c.key_counter + count)
        .returning(tables.project.c.key_counter, tables.project.c.key)
    ).one()
    last = row.key_counter
    return [f"{row.key}-{n}" for n in range(last - count + 1, last + 1)]

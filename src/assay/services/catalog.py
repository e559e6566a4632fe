"""The test catalog: Tests (`DEMO-6`), which link results of the same test across reports, and Test Plans.

Keys come from the project's one counter (services.projects.issue_keys), shared with reports, as
Jira shares one counter between issue types. A Test found by what it is rather than by key (a
JUnit test's full name, an Xray testInfo's definition) carries that identity as `history_hash`,
unique within its project, so a later import finds it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from assay.errors import ConflictError, InvalidInputError, NotFoundError
from assay.normalize import history_hash
from assay.services.projects import get_project, issue_keys
from assay.store import tables

ISSUE_KEY = re.compile(r"^([A-Z][A-Z0-9_]{0,31})-([1-9][0-9]{0,9})$")
TEST_TYPES = ("Generic", "Manual", "Cucumber")

__all__ = [
    "ISSUE_KEY",
    "TEST_TYPES",
    "TestDraft",
    "create_test",
    "create_tests",
    "find_tests",
    "get_or_create_plan",
    "identity_hash",
    "key_kind",
    "link_plan",
    "touch_tests",
    "update_test",
]


@dataclass
class TestDraft:
    """What an import says a Test is: enough to find it again or to create it."""

    __test__ = False  # a domain name, not a pytest class

    title: str
    identity: str | None = None  # e.g. "generic:com.acme.CartTest.adds"; None: only found by key
    type: str = "Generic"
    path: str | None = None
    definition: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


def identity_hash(identity: str) -> str:
    """The `history_hash` a Test found by `identity` carries (a uuid5, like results' history hashes)."""
    return history_hash(identity, None)


def normalize_type(value: str | None) -> str:
    """Xray's test types by any casing ("manual" -> "Manual"); anything else is Generic."""
    for name in TEST_TYPES:
        if value and value.strip().lower() == name.lower():
            return name
    return "Generic"


def find_tests(
    connection: Connection,
    *,
    keys: Iterable[str] = (),
    ids: Iterable[int] = (),
    project_id: int | None = None,
    hashes: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Test rows by key, by id, or by identity hash within `project_id` (any that match)."""
    found: list[dict[str, Any]] = []
    for column, values in (
        (tables.test.c.key, sorted({k.upper() for k in keys})),
        (tables.test.c.id, sorted(set(ids))),
        (tables.test.c.history_hash, sorted(set(hashes))),
    ):
        for start in range(0, len(values), 500):
            query = select(tables.test).where(column.in_(values[start : start + 500]))
            if column is tables.test.c.history_hash:
                query = query.where(tables.test.c.project_id == project_id)
            found.extend(dict(row._mapping) for row in connection.execute(query))
    return found


def create_tests(connection: Connection, project_id: int, drafts: Sequence[TestDraft]) -> list[dict[str, Any]]:
    """Create one Test per draft with new keys (one counter update for all); returns their rows in order."""
    if not drafts:
        return []
    now = datetime.now(UTC)
    keys = issue_keys(connection, project_id, len(drafts))
    rows = [
        {
            "project_id": project_id,
            "key": key,
            "history_hash": identity_hash(d.identity) if d.identity else None,
            "title": d.title[:10000] or key,
            "path": d.path,
            "type": normalize_type(d.type),
            "definition": d.definition or None,
            "labels": d.labels or None,
            "first_seen": now,
            "last_seen": now,
        }
        for key, d in zip(keys, drafts, strict=True)
    ]
    connection.execute(insert(tables.test), rows)
    by_key = {row["key"]: row for row in find_tests(connection, keys=keys)}
    return [by_key[key] for key in keys]


def create_test(
    connection: Connection,
    project_key: str,
    title: str,
    *,
    key: str | None = None,
    type: str = "Generic",
    definition: dict[str, Any] | None = None,
    labels: list[str] | None = None,
) -> dict[str, Any]:
    """Create a Test in a project, with a new key or the given one (e.g. a Test migrated from Jira).

    Raises NotFoundError for an unknown project, InvalidInputError for a malformed key or one of
    another project, ConflictError if the key is taken.
    """
    project = get_project(connection, project_key)
    draft = TestDraft(title=title, type=type, definition=definition or {}, labels=labels or [])
    if key is None:
        return create_tests(connection, project["id"], [draft])[0]
    _claim_key(connection, key, project)
    now = datetime.now(UTC)
    values = {
        "project_id": project["id"],
        "key": key,
        "title": title,
        "type": normalize_type(type),
        "definition": definition or None,
        "labels": labels or None,
        "first_seen": now,
        "last_seen": now,
    }
    connection.execute(insert(tables.test).values(**values))
    return find_tests(connection, keys=[key])[0]


def update_test(connection: Connection, test_id: int, values: dict[str, Any]) -> None:
    """Change a Test's title, type, path, definition or labels."""
    allowed = {k: v for k, v in values.items() if k in ("title", "type", "path", "definition", "labels")}
    if "type" in allowed:
        allowed["type"] = normalize_type(allowed["type"])
    if allowed:
        connection.execute(update(tables.test).where(tables.test.c.id == test_id).values(**allowed))


def touch_tests(connection: Connection, test_ids: Iterable[int], when: datetime) -> None:
    """Record that these Tests ran at `when`."""
    ids = sorted(set(test_ids))
    for start in range(0, len(ids), 500):
        connection.execute(
            update(tables.test).where(tables.test.c.id.in_(ids[start : start + 500])).values(last_seen=when)
        )


def key_kind(connection: Connection, key: str) -> str | None:
    """What holds `key`: "report" (a Test Execution), "test", "test_plan", or None."""
    for kind, table in (("report", tables.report), ("test", tables.test), ("test_plan", tables.test_plan)):
        if connection.execute(select(table.c.key).where(table.c.key == key)).first():
            return kind
    return None


def _claim_key(connection: Connection, key: str, project: dict[str, Any]) -> None:
    """Check an explicitly given key is free and move the project's counter past it."""
    match = ISSUE_KEY.match(key)
    if match is None:
        raise InvalidInputError(f"{key!r} is not an issue key like {project['key']}-12")
    if match.group(1) != project["key"]:
        raise InvalidInputError(f"the key {key} does not belong to project {project['key']}")
    if (kind := key_kind(connection, key)) is not None:
        raise ConflictError(f"the key {key} is already used by a {kind.replace('_', ' ')}")
    number = int(match.group(2))
    # Keys issued later must never collide with one taken by hand.
    connection.execute(
        update(tables.project)
        .where(tables.project.c.id == project["id"], tables.project.c.key_counter < number)
        .values(key_counter=number)
    )


_KINDS = {"report": "Test Execution", "test": "Test"}


def get_or_create_plan(connection: Connection, key: str, summary: str | None = None) -> dict[str, Any]:
    """The Test Plan `key`, created (in the project its key names) on first use.

    Raises InvalidInputError for a malformed key, a key of an unknown project, or a key that
    already names a Test Execution or a Test.
    """
    key = key.strip().upper()
    row = connection.execute(select(tables.test_plan).where(tables.test_plan.c.key == key)).first()
    if row is not None:
        return dict(row._mapping)
    match = ISSUE_KEY.match(key)
    if match is None:
        raise InvalidInputError(f"testPlanKey {key!r} is not an issue key like DEMO-100")
    try:
        project = get_project(connection, match.group(1))
    except NotFoundError:
        raise InvalidInputError(f"testPlanKey {key}: there is no project {match.group(1)}") from None
    if (kind := key_kind(connection, key)) is not None:
        raise InvalidInputError(f"testPlanKey {key} is a {_KINDS.get(kind, kind)}, not a Test Plan")
    _claim_key(connection, key, project)
    values = {"project_id": project["id"], "key": key, "summary": summary, "created_at": datetime.now(UTC)}
    inserted = connection.execute(insert(tables.test_plan).values(**values)).inserted_primary_key
    assert inserted is not None
    return {"id": inserted[0], **values}


def link_plan(connection: Connection, plan_id: int, report_id: str | None, test_ids: Iterable[int]) -> None:
    """Add a report (Test Execution) and Tests to a plan; links it already has are left alone."""
    if report_id is not None:
        table = tables.test_plan_report
        exists = connection.execute(
            select(table.c.report_id).where(table.c.test_plan_id == plan_id, table.c.report_id == report_id)
        ).first()
        if exists is None:
            connection.execute(insert(table).values(test_plan_id=plan_id, report_id=report_id))
    wanted = set(test_ids)
    if not wanted:
        return
    table = tables.test_plan_test
    have = {row.test_id for row in connection.execute(select(table.c.test_id).where(table.c.test_plan_id == plan_id))}
    missing = sorted(wanted - have)
    if missing:
        connection.execute(insert(table), [{"test_plan_id": plan_id, "test_id": t} for t in missing])

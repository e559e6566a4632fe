"""What the web pages list: projects with their profiles, a profile's reports, filters and trends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Text, cast, func, select

from assay.model import Counts
from assay.services.paging import Paged, check_page
from assay.services.projects import list_profiles, list_projects
from assay.store import tables
from assay.store.reader import as_utc, counts_of

_R = tables.report
# The columns a list of reports shows (never the properties or assets of each).
_LIST_COLUMNS = (
    _R.c.id, _R.c.key, _R.c.profile_id, _R.c.title, _R.c.date, _R.c.created_at, _R.c.origin, _R.c.build, _R.c.os,
    _R.c.platform, _R.c.tags, _R.c.duration, _R.c.started_at, _R.c.finished_at, _R.c.import_id,
    _R.c.count_total, _R.c.count_passed, _R.c.count_failed, _R.c.count_broken, _R.c.count_skipped,
    _R.c.count_unknown,
)


@dataclass(frozen=True)
class ReportRow:
    id: str
    key: str
    profile_id: int
    title: str | None
    date: datetime
    origin: str | None
    build: str | None
    os: str | None
    platform: str | None
    tags: list[str]
    counts: Counts
    duration: int | None  # milliseconds

    @classmethod
    def from_row(cls, row: Any) -> ReportRow:
        duration = row.duration
        if duration is None and row.started_at and row.finished_at:
            duration = int((as_utc(row.finished_at) - as_utc(row.started_at)).total_seconds() * 1000)  # type: ignore[operator]
        return cls(
            id=row.id, key=row.key, profile_id=row.profile_id, title=row.title, date=as_utc(row.date),  # type: ignore[arg-type]
            origin=row.origin, build=row.build, os=row.os, platform=row.platform, tags=list(row.tags or []),
            counts=counts_of(row), duration=duration,
        )


@dataclass(frozen=True)
class ProfileSummary:
    id: int
    name: str
    reports: int
    latest: ReportRow | None


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    key: str
    name: str
    description: str | None
    profiles: list[ProfileSummary] = field(default_factory=list)


def project_overview(connection: Connection) -> list[ProjectSummary]:
    """Every project with its profiles, each with its number of reports and its newest report."""
    overview = []
    for project in list_projects(connection):
        profiles = []
        for profile in list_profiles(connection, project["id"]):
            where = _R.c.profile_id == profile["id"]
            count = connection.execute(select(func.count()).select_from(_R).where(where)).scalar_one()
            latest = connection.execute(
                select(*_LIST_COLUMNS).where(where).order_by(_R.c.date.desc(), _R.c.created_at.desc()).limit(1)
            ).first()
            profiles.append(ProfileSummary(
                id=profile["id"], name=profile["name"], reports=count,
                latest=ReportRow.from_row(latest) if latest is not None else None,
            ))
        overview.append(ProjectSummary(
            id=project["id"], key=project["key"], name=project["name"], description=project["description"],
            profiles=profiles,
        ))
    return overview


@dataclass(frozen=True)
class ReportFilter:
    """Filters of a profile's report list; None means any. `date_to` is inclusive."""

    tag: str | None = None
    build: str | None = None
    os: str | None = None
    platform: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in self.__dataclass_fields__)

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        for name in ("build", "os", "platform"):
            if value := getattr(self, name):
                found.append(_R.c[name] == value)
        if self.tag:
            # Tags are a JSON list written by json.dumps; its text holds the tag exactly as json.dumps
            # spells it, quotes included, on SQLite and PostgreSQL (whose json type keeps the text).
            needle = json.dumps(self.tag).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            found.append(cast(_R.c.tags, Text).like(f"%{needle}%", escape="\\"))
        if self.date_from:
            found.append(_R.c.date >= datetime.combine(self.date_from, time.min, UTC))
        if self.date_to:
            found.append(_R.c.date < datetime.combine(self.date_to + timedelta(days=1), time.min, UTC))
        return found


def list_profile_reports(
    connection: Connection, profile_id: int, filters: ReportFilter | None = None, page: int = 1, per_page: int = 25
) -> Paged[ReportRow]:
    """A profile's reports newest first (date, then arrival), filtered, one page.

    Raises InvalidInputError for a bad page.
    """
    offset = check_page(page, per_page)
    where = [_R.c.profile_id == profile_id, *(filters or ReportFilter()).conditions()]
    total = connection.execute(select(func.count()).select_from(_R).where(*where)).scalar_one()
    rows = connection.execute(
        select(*_LIST_COLUMNS).where(*where).order_by(_R.c.date.desc(), _R.c.created_at.desc())
        .limit(per_page).offset(offset)
    ).all()
    items = [ReportRow.from_row(row) for row in rows]
    return Paged(items=items, page=page, per_page=per_page, total=total, has_next=offset + len(items) < total)


def report_trend(
    connection: Connection, profile_id: int, filters: ReportFilter | None = None, last: int = 30
) -> list[ReportRow]:
    """The profile's last `last` reports (filtered), oldest first: the points of its trend chart."""
    where = [_R.c.profile_id == profile_id, *(filters or ReportFilter()).conditions()]
    rows = connection.execute(
        select(*_LIST_COLUMNS).where(*where).order_by(_R.c.date.desc(), _R.c.created_at.desc()).limit(last)
    ).all()
    return [ReportRow.from_row(row) for row in reversed(rows)]


@dataclass(frozen=True)
class Facets:
    """The values a profile's reports use, offered as filter choices."""

    builds: list[str]
    oses: list[str]
    platforms: list[str]
    tags: list[str]


def profile_facets(connection: Connection, profile_id: int, limit: int = 200) -> Facets:
    """Distinct builds, os, platforms (up to `limit` each) and the tags of the last `limit` reports."""
    where = _R.c.profile_id == profile_id

    def distinct(column: Any) -> list[str]:
        rows = connection.execute(
            select(column).where(where, column.is_not(None)).distinct().order_by(column).limit(limit)
        )
        return [row[0] for row in rows if row[0]]

    tags: dict[str, None] = {}
    for row in connection.execute(select(_R.c.tags).where(where).order_by(_R.c.date.desc()).limit(limit)):
        for tag in row.tags or []:
            tags.setdefault(str(tag))
    return Facets(builds=distinct(_R.c.build), oses=distinct(_R.c.os), platforms=distinct(_R.c.platform),
                  tags=sorted(tags))


__all__ = [
    "Facets", "ProfileSummary", "ProjectSummary", "ReportFilter", "ReportRow", "list_profile_reports",
    "profile_facets", "project_overview", "report_trend",
]

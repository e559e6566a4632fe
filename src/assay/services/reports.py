"""Reading reports: lists, one report with its tree, exports, assets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, or_, select

from assay.errors import InvalidInputError, NotFoundError
from assay.model import Asset, Container, Report, Result
from assay.store import tables
from assay.store.reader import iter_tree, read_report

EXPORT_FORMATS = ("calliope-json", "junit")


@dataclass(frozen=True)
class Page:
    items: list[Report]
    total: int
    page: int
    per_page: int


def find_report(connection: Connection, id_or_key: str) -> Report:
    """A report by id (uuid) or key (DEMO-12). Raises NotFoundError."""
    row = connection.execute(
        select(tables.report.c.id).where(or_(tables.report.c.id == id_or_key, tables.report.c.key == id_or_key.upper()))
    ).first()
    report = read_report(connection, row.id) if row else None
    if report is None:
        raise NotFoundError(f"no report {id_or_key}")
    return report


def report_project_id(connection: Connection, report_id: str) -> int:
    row = connection.execute(select(tables.report.c.project_id).where(tables.report.c.id == report_id)).first()
    if row is None:
        raise NotFoundError(f"no report {report_id}")
    return int(row.project_id)


def list_reports(connection: Connection, profile_id: int, page: int = 1, per_page: int = 25) -> Page:
    """A profile's reports, newest first (by date, then creation)."""
    if page < 1 or not 1 <= per_page <= 500:
        raise InvalidInputError("page must be >= 1 and per_page between 1 and 500")
    where = tables.report.c.profile_id == profile_id
    total = connection.execute(select(func.count()).select_from(tables.report).where(where)).scalar_one()
    rows = connection.execute(
        select(tables.report.c.id)
        .where(where)
        .order_by(tables.report.c.date.desc(), tables.report.c.created_at.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [report for row in rows if (report := read_report(connection, row.id)) is not None]
    return Page(items=items, total=total, page=page, per_page=per_page)


def report_tree(connection: Connection, report_id: str) -> Iterator[Container | Result]:
    """The stored tree in order, containers before what they hold."""
    return iter_tree(connection, report_id)


def export_report(
    connection: Connection, report: Report, to: str, asset_url: Callable[[Asset], str] | None = None
) -> bytes:
    """The report written as `to` (calliope-json or junit). Raises InvalidInputError for another name."""
    from assay.formats.calliope_writer import write_calliope
    from assay.formats.junit_writer import write_junit

    events = report_tree(connection, report.id)
    if to in ("calliope-json", "calliope", "json"):
        return write_calliope(report, events, asset_url=asset_url)
    if to in ("junit", "junit-xml", "xml"):
        return b"".join(write_junit(report, events))
    raise InvalidInputError(f"cannot export to {to!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def get_asset(connection: Connection, asset_id: str) -> dict[str, Any]:
    """An asset row with its report's project id. Raises NotFoundError."""
    row = connection.execute(
        select(tables.asset, tables.report.c.project_id)
        .join(tables.report, tables.report.c.id == tables.asset.c.report_id)
        .where(tables.asset.c.id == asset_id)
    ).first()
    if row is None:
        raise NotFoundError(f"no asset {asset_id}")
    return dict(row._mapping)

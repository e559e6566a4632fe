"""QMetry's three-step automation import (seed 003): an upload URL, the upload, the tracking.

1. `open_upload` records the validated parameters and a single-use upload slot (only the sha256 of
   the URL's secret is stored; the slot expires) and returns the secret and the trackingId.
2. `take_upload` checks the slot, keeps the file under the data directory and records a queued job
   whose id is the trackingId; the caller enqueues it. The import runs on the job queue
   (services/qmetry_cycles.py builds it).
3. `track` reads the job (or the slot, before the upload) back in QMetry's words.

A test cycle is an Assay report, a test case a result, a step a step.
"""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from assay.errors import ConflictError, InvalidInputError, NotFoundError
from assay.model import new_id
from assay.services.api_keys import ApiKey
from assay.services.archive import is_zip
from assay.services.imports import UploadedFile
from assay.services.projects import DEFAULT_PROJECT_KEY, create_profile, get_project, list_profiles
from assay.services.qmetry_params import QMetryError, QMetryParams
from assay.services.queued_imports import keep_files, queue_import, release_files
from assay.settings import Settings
from assay.store import tables

__all__ = ["EXTENSIONS", "UploadSlot", "open_upload", "take_upload", "track"]

EXTENSIONS = (".json", ".xml", ".zip")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _project(connection: Connection, key: ApiKey, params: QMetryParams) -> dict[str, Any]:
    if key.project_id is not None:
        project = get_project(connection, key.project_id)
        if params.project_key and params.project_key.upper() != project["key"]:
            raise QMetryError(f"This API key may not import into project '{params.project_key}'.")
        return project
    try:
        return get_project(connection, params.project_key or DEFAULT_PROJECT_KEY)
    except NotFoundError:
        if params.project_key:
            raise QMetryError(f"Project '{params.project_key}' was not found.", code="project_not_found") from None
        first = connection.execute(select(tables.project.c.id).order_by(tables.project.c.id)).first()
        if first is None:
            raise QMetryError("There is no project to import into: create one (assay project create KEY).") from None
        return get_project(connection, first.id)


def _profile(connection: Connection, project: dict[str, Any], params: QMetryParams) -> dict[str, Any]:
    profiles = list_profiles(connection, project["id"])
    if params.profile_id is not None:
        found = next((p for p in profiles if p["id"] == params.profile_id), None)
        if found is None:
            raise QMetryError(f"Profile {params.profile_id} is not a profile of project {project['key']}.")
        return found
    return profiles[0] if profiles else create_profile(connection, project["id"], "Default")


def _reused_cycle(connection: Connection, project: dict[str, Any], params: QMetryParams) -> str | None:
    if not params.test_cycle_to_reuse or params.splits_cycles:
        return None  # hierarchy 2 ignores testCycleToReuse, as QMetry does
    report = tables.report
    row = connection.execute(
        select(report.c.id).where(
            report.c.key == params.test_cycle_to_reuse.upper(), report.c.project_id == project["id"]
        )
    ).first()
    if row is None:
        raise QMetryError(
            f"Test Cycle '{params.test_cycle_to_reuse}' to reuse was not found in project {project['key']}.",
            code="test_cycle_not_found",
        )
    return str(row.id)


def open_upload(connection: Connection, key: ApiKey, params: QMetryParams, ttl_seconds: int) -> tuple[str, str]:
    """Record an upload slot for `params`; returns (the URL's secret, the trackingId).

    Raises QMetryError for a project, profile or test cycle the key cannot use.
    """
    project = _project(connection, key, params)
    profile = _profile(connection, project, params)
    stored = {
        **params.as_dict(),
        "profile_id": profile["id"],
        "reuse_report_id": _reused_cycle(connection, project, params),
    }
    secret = secrets.token_urlsafe(32)
    tracking_id = new_id()
    now = datetime.now(UTC)
    connection.execute(
        tables.upload_slot.insert().values(
            token_hash=_hash(secret),
            import_id=tracking_id,
            project_id=project["id"],
            format=params.assay_format,
            params=stored,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    return secret, tracking_id


class UploadSlot:
    """An upload slot found by its URL's secret, still usable (see `find`)."""

    def __init__(self, row: Any) -> None:
        self.id: int = row.id
        self.import_id: str = row.import_id
        self.project_id: int = row.project_id
        self.params: dict[str, Any] = dict(row.params)

    @classmethod
    def find(cls, connection: Connection, secret: str) -> UploadSlot:
        """Raises NotFoundError (no such URL), ConflictError (used) or InvalidInputError upload_url_expired."""
        row = connection.execute(
            select(tables.upload_slot).where(tables.upload_slot.c.token_hash == _hash(secret))
        ).first()
        if row is None:
            raise NotFoundError(
                "This upload URL is not valid: ask for one with POST .../automation/importresult.",
                code="upload_url_unknown",
            )
        if row.used_at is not None:
            raise ConflictError(
                f"This upload URL was already used (trackingId {row.import_id}); it is single-use: "
                "ask for a new one to upload another file.",
                code="upload_url_used",
            )
        if _aware(row.expires_at) <= datetime.now(UTC):
            raise InvalidInputError(
                f"This upload URL expired at {_aware(row.expires_at):%d/%b/%Y %H:%M} UTC; ask for a new one.",
                code="upload_url_expired",
            )
        return cls(row)


def _checked_name(upload: UploadedFile, params: dict[str, Any]) -> str:
    """The upload's file name, with its extension checked against its content and the parameters."""
    with upload.path.open("rb") as handle:
        head = handle.read(512)
    zipped = is_zip(head)
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if name and extension not in EXTENSIONS:
        raise InvalidInputError(
            f"'{name}' cannot be uploaded: only .json, .xml and .zip files are supported.", code="unsupported_extension"
        )
    if not extension:  # a raw body (PUT of the file itself): its first bytes say what it is
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        extension = (
            ".zip" if zipped else ".xml" if text.startswith(b"<") else ".json" if text[:1] in (b"{", b"[") else ""
        )
        if not extension:
            raise InvalidInputError(
                "The uploaded file is neither JSON, XML nor a zip archive.", code="unsupported_extension"
            )
        name = f"{params['format']}-results{extension}"
    if extension == ".zip" and not zipped:
        raise InvalidInputError(f"'{name}' is not a zip archive.", code="not_a_zip")
    if zipped and extension != ".zip":
        raise InvalidInputError(f"'{name}' is a zip archive: name it .zip.", code="unsupported_extension")
    if params["format"] == "qaf" and not zipped:
        raise QMetryError("Zip file format is required for QAF framework.", code="zip_required")
    if params["is_zip"] and not zipped:
        raise InvalidInputError("isZip was true but the uploaded file is not a zip archive.", code="not_a_zip")
    return name


def take_upload(connection: Connection, settings: Settings, slot: UploadSlot, upload: UploadedFile) -> str:
    """Use `slot` for `upload`: keep the file and record its queued import; returns the trackingId.

    The caller commits, then enqueues. Raises InvalidInputError for a file that is not .json, .xml or
    .zip (or not what isZip/the format say), ConflictError/InvalidInputError if the slot was used or
    expired meanwhile.
    """
    name = _checked_name(upload, slot.params)
    members = _members(upload) if name.lower().endswith(".zip") else []
    now = datetime.now(UTC)
    slots = tables.upload_slot
    taken = connection.execute(
        update(slots)
        .where(slots.c.id == slot.id, slots.c.used_at.is_(None), slots.c.expires_at > now)
        .values(used_at=now)
    )
    if not taken.rowcount:  # another upload won the race, or the clock did
        raise ConflictError("This upload URL was already used; ask for a new one.", code="upload_url_used")
    upload.name = name
    files, _ = keep_files(settings, slot.import_id, [upload])
    files[0]["members"] = members
    profile = {"id": slot.params["profile_id"], "project_id": slot.project_id}
    try:
        queue_import(
            connection,
            slot.import_id,
            profile,
            api="qmetry",
            requested_format=slot.params["assay_format"],
            options={"qmetry": slot.params},
            files=files,
            message=f"{name} ({upload.size} bytes) uploaded for a {slot.params['format']} import",
        )
    except BaseException:  # this transaction claimed the slot: the folder is this attempt's alone
        release_files(settings, slot.import_id)
        raise
    return slot.import_id


def _members(upload: UploadedFile) -> list[str]:
    try:
        with zipfile.ZipFile(upload.path) as archive:
            return [info.filename for info in archive.infolist() if not info.is_dir()][:1000]
    except zipfile.BadZipFile:
        return []


# -- step 3 ---------------------------------------------------------------------------------------

_IMPORT_STATUS = {"queued": "INPROCESS", "running": "INPROCESS", "success": "SUCCESS", "failed": "FAILED"}


def _qmetry_time(moment: datetime | None) -> str | None:
    return f"{_aware(moment):%Y-%m-%dT%H:%M:%S}.000+0000" if moment else None


def track(connection: Connection, key: ApiKey, tracking_id: str) -> dict[str, Any]:
    """The import `tracking_id` as QMetry's track answer (cycles without their `url`: the API adds it).

    Raises NotFoundError (code tracking_id_unknown) for an id the key cannot see.
    """
    missing = NotFoundError(
        f"No import details found for given tracking id '{tracking_id}'", code="tracking_id_unknown"
    )
    job = connection.execute(select(tables.import_job).where(tables.import_job.c.id == tracking_id)).first()
    slot = connection.execute(select(tables.upload_slot).where(tables.upload_slot.c.import_id == tracking_id)).first()
    owner = job.project_id if job is not None else slot.project_id if slot is not None else None
    if owner is None or not key.may_reach(owner) or (job is not None and job.api != "qmetry"):
        raise missing
    if job is None:
        return _waiting(slot)
    params = job.options.get("qmetry", {})
    upload = (job.files or [{}])[0]
    answer: dict[str, Any] = {
        "format": params.get("format", "").upper(),
        "fileName": upload.get("name"),
        "processStatus": job.stage,
        "importStatus": _IMPORT_STATUS.get(job.status, "INPROCESS"),
        "startTime": _qmetry_time(job.started_at or job.created_at),
        "endTime": _qmetry_time(job.finished_at) if job.status in ("success", "failed") else None,
        "fileSize": upload.get("size"),
        "trackingId": tracking_id,
        "files": [{"fileName": member} for member in upload.get("members", [])],
        "extraAttributes": {
            "attachFile": params.get("attach_file", False),
            "automationHierarchy": params.get("automation_hierarchy", 1),
        },
        "testCycles": _cycles(connection, job),
    }
    if job.status == "success":
        total = sum(c["testCasesImported"] for c in answer["testCycles"])
        answer["detailedMessage"] = (
            f"File is imported successfully: {total} test case(s) in "
            + ", ".join(c["key"] for c in answer["testCycles"])
            + "."
        )
    elif job.status == "failed":
        answer["detailedMessage"] = (job.error or {}).get("message", "The import failed.")
        answer["error"] = {"code": job.error_code, **(job.error or {})}
    else:
        answer["detailedMessage"] = "Import is in process." if job.status == "running" else "Waiting for a worker."
    first = answer["testCycles"][0] if answer["testCycles"] else None
    if first is not None:
        answer["summary"] = {
            "testCycle": first["summary"],
            "testCycleIssueKey": first["key"],
            "testCycleSummary": first["summary"],
            "testCasesCreated": first["testCasesImported"],
        }
    return answer


def _waiting(slot: Any) -> dict[str, Any]:
    """Tracked before any upload: waiting for the file, or failed once the URL expired unused."""
    expired = _aware(slot.expires_at) <= datetime.now(UTC)
    return {
        "format": slot.params.get("format", "").upper(),
        "fileName": None,
        "processStatus": "FAILED" if expired else "VALIDATION",
        "importStatus": "FAILED" if expired else "INPROCESS",
        "startTime": _qmetry_time(slot.created_at),
        "endTime": None,
        "fileSize": None,
        "trackingId": slot.import_id,
        "files": [],
        "testCycles": [],
        "detailedMessage": "The upload URL expired before a file was uploaded."
        if expired
        else f"Waiting for the result file at the upload URL (it expires {_aware(slot.expires_at):%d/%b/%Y %H:%M} UTC)",
    }


def _cycles(connection: Connection, job: Any) -> list[dict[str, Any]]:
    """The cycles (reports) the import created, or the one it added to."""
    report = tables.report
    columns = (report.c.id, report.c.key, report.c.title, report.c.import_id, report.c.properties, report.c.count_total)
    created = connection.execute(select(*columns).where(report.c.import_id == job.id).order_by(report.c.key)).all()
    reused: list[Any] = []
    if job.report_id and all(row.id != job.report_id for row in created):
        reused = list(connection.execute(select(*columns).where(report.c.id == job.report_id)).all())
    cycles = []
    for row, was_reused in [*((r, False) for r in created), *((r, True) for r in reused)]:
        imports = (row.properties or {}).get("qmetry", {}).get("imports", [])
        added = next((i.get("count_total", 0) for i in imports if i.get("trackingId") == job.id), row.count_total)
        cycles.append(
            {
                "id": row.id,
                "key": row.key,
                "summary": row.title,
                "created": not was_reused,
                "reused": was_reused,
                "testCasesImported": added,
            }
        )
    return cycles

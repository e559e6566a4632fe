"""Imports that run on the job queue: the raw upload is kept, the job row says queued, a worker imports.

`queue_import` keeps an upload's files under the data directory (`uploads/jobs/<import_id>/`) and
records the job (`status="queued"`, `stage="VALIDATION"`, `options["queued"]`); the caller commits,
then enqueues the id. `run_queued_import` is what a worker calls with that id: it rebuilds the
request from the row and the kept files and runs `run_import(..., import_id=...)`, which may run
more than once for one job and still writes its report(s) once. The kept files go when the job
ends, successful or not.

Stages are QMetry's names: VALIDATION (waiting), PARSING, CREATING_ASSETS, SUCCESS, FAILED.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from assay.errors import AssayError, InvalidInputError
from assay.model import new_id
from assay.services.import_options import ImportOptions, parse_date
from assay.services.imports import ImportRequest, UploadedFile, get_import_job, run_import
from assay.services.projects import get_profile
from assay.services.qmetry_cycles import qmetry_request
from assay.services.runtime import Runtime
from assay.settings import Settings
from assay.store import read_transaction, tables, write_transaction

__all__ = [
    "MAX_ATTEMPTS",
    "abandon",
    "job_dir",
    "keep_files",
    "options_from_dict",
    "queue_import",
    "queue_request",
    "release_files",
    "requeue",
    "run_queued_import",
    "unfinished_jobs",
]

# A job is started at most this many times (retries after errors and resumes after a dead worker).
MAX_ATTEMPTS = 3
STARTED = "import started by the job queue"  # the log line run_import writes at every start


def job_dir(settings: Settings, import_id: str) -> Path:
    return settings.upload_dir / "jobs" / import_id


def keep_files(
    settings: Settings, import_id: str, files: list[UploadedFile], attachments: list[UploadedFile] | None = None
) -> tuple[list[dict[str, Any]], list[UploadedFile]]:
    """Move uploaded files into the job's folder; returns their descriptions for the job row and the moved files."""
    folder = job_dir(settings, import_id)
    described: list[dict[str, Any]] = []
    moved: list[UploadedFile] = []
    for role, group in (("file", files), ("attachment", attachments or [])):
        for index, upload in enumerate(group):
            stored = f"{role}-{index:04d}"
            target = folder / stored
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(upload.path), target)
            kept = UploadedFile(name=upload.name, path=target, size=upload.size, content_type=upload.content_type)
            described.append(
                {"name": upload.name, "size": upload.size, "sha256": kept.sha256(), "role": role, "stored": stored}
            )
            moved.append(kept)
    return described, moved


def release_files(settings: Settings, import_id: str) -> None:
    """The job ended: its raw upload is no longer needed."""
    shutil.rmtree(job_dir(settings, import_id), ignore_errors=True)


def queue_import(
    connection: Connection,
    import_id: str,
    profile: dict[str, Any],
    *,
    api: str,
    requested_format: str | None,
    options: dict[str, Any],
    files: list[dict[str, Any]],
    message: str,
) -> None:
    """Record a queued job for files already kept (see keep_files); the caller commits, then enqueues."""
    now = datetime.now(UTC)
    log = [{"time": now.isoformat(), "level": "info", "message": message}]
    connection.execute(
        insert(tables.import_job).values(
            id=import_id,
            project_id=profile["project_id"],
            profile_id=profile["id"],
            api=api,
            requested_format=requested_format,
            options={**options, "queued": True},
            files=files,
            status="queued",
            stage="VALIDATION",
            log=log,
            created_at=now,
        )
    )


def options_from_dict(data: dict[str, Any]) -> ImportOptions:
    """ImportOptions back from what ImportOptions.as_dict() (and the job row) holds."""
    known = {
        "os",
        "platform",
        "build",
        "date",
        "smart",
        "merge_containers",
        "ignore_empty_report",
        "process_async",
        "tags",
        "unknown",
        "queued",
        "qmetry",
    }
    return ImportOptions(
        os=data.get("os"),
        platform=data.get("platform"),
        build=data.get("build"),
        date=parse_date(data["date"]) if data.get("date") else None,
        smart=bool(data.get("smart", True)),
        merge_containers=bool(data.get("merge_containers")),
        ignore_empty_report=bool(data.get("ignore_empty_report")),
        process_async=bool(data.get("process_async")),
        tags=list(data.get("tags") or []),
        format_options={k: v for k, v in data.items() if k not in known and isinstance(v, str)},
        unknown=dict(data.get("unknown") or {}),
    )


def _kept(settings: Settings, job: dict[str, Any], role: str) -> list[UploadedFile]:
    folder = job_dir(settings, job["id"])
    kept = []
    for entry in job["files"] or []:
        if entry.get("role", "file") != role:
            continue
        path = folder / entry["stored"]
        if not path.is_file():
            raise InvalidInputError(
                f"the upload of import {job['id']} is gone from {folder} (is the data directory shared with the "
                "workers?)",
                code="upload_missing",
            )
        kept.append(UploadedFile(name=entry.get("name"), path=path, size=path.stat().st_size))
    return kept


def _request(runtime: Runtime, job: dict[str, Any]) -> ImportRequest:
    files = _kept(runtime.settings, job, "file")
    if job["api"] == "qmetry":
        return qmetry_request(job, files)
    return ImportRequest(
        profile_id=job["profile_id"],
        files=files,
        format=job["requested_format"],
        options=options_from_dict(job["options"]),
        attachments=_kept(runtime.settings, job, "attachment"),
        api=job["api"],
    )


def run_queued_import(runtime: Runtime, import_id: str) -> str:
    """Run (or finish, or find done) the queued job `import_id`; returns its status then.

    A job that ended (success, or a failure recorded on it) loses its kept upload. Raises what an
    unexpected error raises (the job row says failed with internal_error; the files stay for a retry).
    """
    with read_transaction(runtime.engine) as connection:
        job = get_import_job(connection, import_id)
    if job["status"] in ("success", "failed"):  # done by an earlier run (or a duplicate message)
        release_files(runtime.settings, import_id)
        return str(job["status"])
    try:
        request = _request(runtime, job)
    except AssayError as error:
        abandon(runtime, import_id, error)
        return "failed"
    outcome = run_import(runtime, request, import_id=import_id)
    release_files(runtime.settings, import_id)
    return "success" if outcome.ok else "failed"


def unfinished_jobs(connection: Connection) -> list[dict[str, Any]]:
    """Queued jobs not ended, each with how often it was started: what a restarted worker looks at."""
    job = tables.import_job
    rows = connection.execute(
        select(job.c.id, job.c.status, job.c.options, job.c.log).where(job.c.status.in_(("queued", "running")))
    )
    return [
        {
            "id": row.id,
            "status": row.status,
            "attempts": sum(1 for line in row.log or [] if line.get("message") == STARTED),
        }
        for row in rows
        if (row.options or {}).get("queued")
    ]


def _update(runtime: Runtime, import_id: str, values: dict[str, Any], message: str, level: str) -> None:
    job = tables.import_job
    with write_transaction(runtime.engine) as connection:
        row = connection.execute(select(job.c.log).where(job.c.id == import_id)).first()
        if row is None:
            return
        log = [*(row.log or []), {"time": datetime.now(UTC).isoformat(), "level": level, "message": message}]
        connection.execute(
            update(job).where(job.c.id == import_id, job.c.status != "success").values(log=log, **values)
        )


def requeue(runtime: Runtime, import_id: str, reason: str) -> None:
    """Put a job back in the queue's hands (a retry after an error, a resume after a dead worker)."""
    _update(runtime, import_id, {"status": "queued", "stage": "VALIDATION", "finished_at": None}, reason, "warning")


def abandon(runtime: Runtime, import_id: str, error: AssayError) -> None:
    """Give a job up for good, with a stable error code; its kept upload goes."""
    _update(
        runtime,
        import_id,
        {
            "status": "failed",
            "stage": "FAILED",
            "error_code": error.code,
            "error": error.as_dict(),
            "finished_at": datetime.now(UTC),
        },
        f"import failed: {error.message}",
        "error",
    )
    release_files(runtime.settings, import_id)


def queue_request(runtime: Runtime, request: ImportRequest) -> str:
    """Keep `request`'s files and record it as a queued job; returns the import id (the caller enqueues it).

    Raises NotFoundError when the profile does not exist.
    """
    with read_transaction(runtime.engine) as connection:
        profile = get_profile(connection, request.profile_id)
    import_id = new_id()
    files, _ = keep_files(runtime.settings, import_id, request.files, request.attachments)
    try:
        with write_transaction(runtime.engine) as connection:
            queue_import(
                connection,
                import_id,
                profile,
                api=request.api,
                requested_format=request.format,
                options={**request.options.as_dict(), "unknown": request.options.unknown},
                files=files,
                message=f"received {len(request.files)} file(s), {sum(f['size'] for f in files)} bytes, via the "
                f"{request.api} API; queued",
            )
    except BaseException:
        release_files(runtime.settings, import_id)
        raise
    return import_id

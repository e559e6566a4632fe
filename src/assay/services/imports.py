"""Import files into a profile: detect -> parse -> normalize -> store, as one ImportJob.

`run_import` is the one place that owns an import's transactions, for every entry point (the
compatible APIs, the CLI, background jobs): the job row is written first and kept whatever happens;
the report is written in a single transaction of its own, so it appears whole or not at all.
"""

from __future__ import annotations

import hashlib
import itertools
import posixpath
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol, cast

from sqlalchemy import Connection, insert, select, update

from assay.errors import AssayError, DetectionError, InvalidInputError, NotFoundError, ParseError
from assay.formats import HEAD_SIZE, Format, detect, get_format
from assay.model import Asset, Event
from assay.normalize import NormalizeOptions, normalize
from assay.services.api_keys import ApiKey
from assay.services.archive import is_zip, unpack
from assay.services.import_options import ImportOptions
from assay.services.projects import get_profile, issue_keys
from assay.services.runtime import Runtime
from assay.store import read_transaction, tables, write_transaction
from assay.store.writer import ReportWriter, finish_report


@dataclass
class UploadedFile:
    """A file of an upload, already on disk (uploads are spooled to files, never held in memory)."""

    name: str | None
    path: Path
    size: int
    content_type: str | None = None

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        return digest.hexdigest()


@dataclass
class ImportRequest:
    profile_id: int
    files: list[UploadedFile]
    format: str | None = None  # None: detect each file
    options: ImportOptions = field(default_factory=ImportOptions)
    attachments: list[UploadedFile] = field(default_factory=list)
    api: str = "calliope"
    # Told how many bytes of the files were read so far (the CLI's progress bar).
    progress: Callable[[int], None] | None = None
    # Reshapes the parsed events before normalize (QMetry's automationHierarchy); None keeps them.
    restructure: Callable[[Iterator[Event]], Iterator[Event]] | None = None
    # Writes the events as something else than one new report (QMetry: a cycle per suite, results
    # added to a reused cycle); None: one new report whose id is the import's.
    layout: ReportLayout | None = None


@dataclass
class LayoutTarget:
    """What a ReportLayout writes for: the import, its profile, and the files the upload carried."""

    import_id: str
    profile: dict[str, Any]
    origin: str
    resolve_attachment: Callable[[str], Path | None]
    unused_attachments: Callable[[], list[str]]  # uploaded attachments no result named (so far)
    log: Callable[..., None]


class ReportLayout(Protocol):
    def write(
        self, connection: Connection, runtime: Runtime, target: LayoutTarget, events: Iterator[Event]
    ) -> dict[str, Any]:
        """Write normalized `events`; returns the (first) report's id, key, origin and counts."""
        ...


@dataclass
class ImportOutcome:
    import_id: str
    ok: bool
    report: dict[str, Any] | None = None
    error: AssayError | None = None


class _Log:
    def __init__(self) -> None:
        self.lines: list[dict[str, str]] = []

    def __call__(self, message: str, level: str = "info") -> None:
        self.lines.append({"time": datetime.now(UTC).isoformat(), "level": level, "message": message})


def run_import(
    runtime: Runtime, request: ImportRequest, api_key: ApiKey | None = None, import_id: str | None = None
) -> ImportOutcome:
    """Import `request`; returns the outcome (never raises AssayError for bad input: it is recorded).

    With `import_id`, runs the import of that existing job (queued: services/queued_imports.py)
    instead of recording a new one. Such a job may run more than once (a retry, a worker killed
    mid-import): its report(s) and its success commit in one transaction, and a job found done is
    not imported again, so it never yields two reports.

    Raises NotFoundError before anything is recorded when the profile does not exist or `api_key`
    may not reach it (or when there is no job `import_id`).
    """
    with read_transaction(runtime.engine) as connection:
        profile = get_profile(connection, request.profile_id)
    if api_key is not None and not api_key.may_reach(profile["project_id"]):
        raise NotFoundError(f"no profile {request.profile_id}")
    log = _Log()
    queued = import_id is not None
    if import_id is None:
        import_id = _start_job(runtime, request, profile, log)
    elif not _resume_job(runtime, import_id, log):
        return _done_outcome(runtime, import_id)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="assay-import-") as workdir,
            write_transaction(runtime.engine) as connection,
        ):
            if queued and not _claim_job(connection, import_id):
                raise _AlreadyDone
            report = _import(connection, runtime, request, profile, import_id, log, Path(workdir))
            if queued:  # in the report's own transaction: a re-run finds the job done, never half done
                log(f"report {report['key']} written: {report['count_total']} results")
                detected = report.pop("detected_format")
                _finish_job(runtime, import_id, log, report_id=report["id"], detected_format=detected,
                            stage="SUCCESS", connection=connection)
    except _AlreadyDone:
        return _done_outcome(runtime, import_id)
    except AssayError as error:
        log(f"import failed: {error.message}", "error")
        _finish_job(runtime, import_id, log, error=error, stage="FAILED" if queued else None)
        return ImportOutcome(import_id=import_id, ok=False, error=error)
    except Exception as error:
        failure = AssayError(f"internal error while importing: {type(error).__name__}", code="internal_error")
        log(f"import failed: {type(error).__name__}: {error}", "error")
        _finish_job(runtime, import_id, log, error=failure, stage="FAILED" if queued else None)
        raise
    if not queued:
        log(f"report {report['key']} written: {report['count_total']} results")
        _finish_job(runtime, import_id, log, report_id=report["id"], detected_format=report.pop("detected_format"))
    return ImportOutcome(import_id=import_id, ok=True, report=report)


class _AlreadyDone(Exception):
    """Another run of a queued job committed its report first."""


def _resume_job(runtime: Runtime, import_id: str, log: _Log) -> bool:
    """Mark a queued job running, its log going on from where it was; False when it is already done."""
    job = tables.import_job
    with write_transaction(runtime.engine) as connection:
        row = connection.execute(select(job.c.status, job.c.log).where(job.c.id == import_id)).first()
        if row is None:
            raise NotFoundError(f"no import {import_id}")
        log.lines = list(row.log or [])
        log("import started by the job queue")
        # `status <> success` is re-checked under the row lock: a concurrent run may have just finished.
        done = connection.execute(
            update(job)
            .where(job.c.id == import_id, job.c.status != "success")
            .values(status="running", stage="PARSING", started_at=datetime.now(UTC), log=log.lines)
        )
    return bool(done.rowcount)


def _claim_job(connection: Connection, import_id: str) -> bool:
    """Lock a queued job's row for the report transaction (PostgreSQL: a second run waits here)."""
    job = tables.import_job
    claimed = connection.execute(
        update(job).where(job.c.id == import_id, job.c.status != "success").values(stage="CREATING_ASSETS")
    )
    return bool(claimed.rowcount)


def _done_outcome(runtime: Runtime, import_id: str) -> ImportOutcome:
    """The outcome of a queued job that an earlier run finished."""
    report = tables.report
    with read_transaction(runtime.engine) as connection:
        job = get_import_job(connection, import_id)
        row = connection.execute(
            select(report.c.id, report.c.key, report.c.origin, *(c for c in report.c if c.name.startswith("count_")))
            .where(report.c.id == job["report_id"])
        ).first()
    return ImportOutcome(import_id=import_id, ok=True, report=dict(row._mapping) if row else None)


def _start_job(runtime: Runtime, request: ImportRequest, profile: dict[str, Any], log: _Log) -> str:
    from assay.model import new_id

    import_id = new_id()
    files = [{"name": f.name, "size": f.size, "sha256": f.sha256()} for f in request.files]
    log(f"received {len(request.files)} file(s), {sum(f.size for f in request.files)} bytes, via the {request.api} API")
    if request.options.unknown:
        log(f"unknown options kept, not used: {request.options.unknown}", "warning")
    with write_transaction(runtime.engine) as connection:
        connection.execute(
            insert(tables.import_job).values(
                id=import_id,
                project_id=profile["project_id"],
                profile_id=profile["id"],
                api=request.api,
                requested_format=request.format,
                options={**request.options.as_dict(), "unknown": request.options.unknown},
                files=files,
                status="running",
                stage="parse",
                log=log.lines,
                created_at=datetime.now(UTC),
                started_at=datetime.now(UTC),
            )
        )
    return import_id


def _finish_job(
    runtime: Runtime,
    import_id: str,
    log: _Log,
    *,
    report_id: str | None = None,
    error: AssayError | None = None,
    detected_format: str | None = None,
    stage: str | None = None,
    connection: Connection | None = None,
) -> None:
    values: dict[str, Any] = {
        "log": log.lines,
        "finished_at": datetime.now(UTC),
        "report_id": report_id,
        "detected_format": detected_format,
    }
    if error is None:
        values.update(status="success", stage=stage or "done")
    else:
        values.update(status="failed", error_code=error.code, error=error.as_dict())
        if stage is not None:
            values["stage"] = stage
    # A job never goes back from success (a late duplicate run of a queued job must not undo it).
    job = tables.import_job
    statement = update(job).where(job.c.id == import_id, job.c.status != "success").values(**values)
    if connection is not None:
        connection.execute(statement)
        return
    with write_transaction(runtime.engine) as own:
        own.execute(statement)


@dataclass
class _Plan:
    """What an upload turned out to hold: result files with their formats, and attachments."""

    inputs: list[tuple[UploadedFile, Format]] = field(default_factory=list)
    attachments: list[UploadedFile] = field(default_factory=list)
    # Every file unpacked from a zip, by its path in the archive (parsers may read a file's siblings).
    members: dict[str, Path] = field(default_factory=dict)

    def open_related(self, upload: UploadedFile) -> Callable[[str], bytes | None]:
        """Reads a file next to `upload` in its archive (QAF results name their per-method files)."""
        folder = posixpath.dirname(upload.name or "")

        def read(relative: str) -> bytes | None:
            path = self.members.get(posixpath.normpath(posixpath.join(folder, relative)))
            return path.read_bytes() if path is not None else None

        return read


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_SIZE)


def _plan(request: ImportRequest, workdir: Path, log: _Log) -> _Plan:
    """Choose a format for every result file, unpacking zips; files no format claims in a zip are attachments."""
    if not request.files:
        raise InvalidInputError(
            "no result file in the request: send the file as the body or as file[] parts", code="no_file"
        )
    named = get_format(request.format) if request.format else None
    plan = _Plan(attachments=list(request.attachments))
    for index, upload in enumerate(request.files):
        head = _head(upload.path)
        if not head.strip():
            raise ParseError("the file is empty", code="empty_file", file=upload.name)
        if not is_zip(head):
            fmt = named or detect(head, upload.name)
            log(f"{upload.name or 'body'}: {'format' if named else 'detected format'} {fmt.name}")
            plan.inputs.append((upload, fmt))
            continue
        label = upload.name or "the zip upload"
        entries = unpack(upload.path, workdir / f"zip-{index}", label)
        found = 0
        for entry in entries:
            plan.members[entry.name] = entry.path
            entry_head = _head(entry.path)
            member = UploadedFile(name=entry.name, path=entry.path, size=entry.path.stat().st_size)
            member_format = _entry_format(named, entry_head, entry.name) if entry_head.strip() else None
            if member_format is None:
                plan.attachments.append(member)
                continue
            found += 1
            log(f"{label}: {entry.name}: format {member_format.name}")
            plan.inputs.append((member, member_format))
        if not found:
            raise InvalidInputError(
                f"{label} holds no result file that a known format recognises",
                code="no_result_in_zip",
                file=upload.name,
            )
    return plan


def _entry_format(named: Format | None, head: bytes, name: str) -> Format | None:
    """A zip member's format: the named one if it claims the member, else detection; None: an attachment."""
    if named is not None and named.sniff(head) > 0:
        return named
    try:
        return detect(head, name)
    except DetectionError as error:
        if error.code == "ambiguous_format":
            raise
        return None


class _CountingReader:
    """A binary file that reports how much has been read from it."""

    def __init__(self, handle: IO[bytes], report: Callable[[int], None]) -> None:
        self._handle = handle
        self._report = report

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._report(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _guarded(events: Iterator[Event], fmt: Format, upload: UploadedFile) -> Iterator[Event]:
    """Parser events, with any stray exception turned into a ParseError naming the file."""
    try:
        yield from events
    except ParseError as error:
        if upload.name and "file" not in error.details:
            error.details["file"] = upload.name
            error.message = f"{upload.name}: {error.message}"
            error.args = (error.message,)
        raise
    except AssayError:
        raise
    except Exception as error:  # a parser bug on odd input must still be a clear 4xx
        raise ParseError(
            f"the file could not be read as {fmt.title}: {type(error).__name__}: {error}",
            code="unreadable_file",
            file=upload.name,
        ) from error


def _import(
    connection: Connection,
    runtime: Runtime,
    request: ImportRequest,
    profile: dict[str, Any],
    import_id: str,
    log: _Log,
    workdir: Path,
) -> dict[str, Any]:
    plan = _plan(request, workdir, log)
    options = request.options
    now = datetime.now(UTC)
    report_id = import_id  # one import, one report: sharing the id makes them easy to find from each other
    if request.layout is None:
        (key,) = issue_keys(connection, profile["project_id"])
        connection.execute(
            insert(tables.report).values(
                id=report_id,
                key=key,
                project_id=profile["project_id"],
                profile_id=profile["id"],
                import_id=import_id,
                import_status=0,
                date=options.date or now,
                origin=plan.inputs[0][1].origin,
                build=options.build,
                os=options.os,
                platform=options.platform,
                tags=options.tags,
                properties={},
                created_at=now,
                updated_at=now,
            )
        )
    attachments = {Path(a.name or a.path.name).name: a for a in plan.attachments}
    used: set[str] = set()

    def resolve(path: str) -> Path | None:
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        found = attachments.get(name)
        if found is not None:
            used.add(name)
            return found.path
        return None

    with ExitStack() as stack:
        streams: list[Iterator[Event]] = []
        for upload, fmt in plan.inputs:
            handle: IO[bytes] = stack.enter_context(upload.path.open("rb"))
            if request.progress is not None:
                handle = cast(IO[bytes], _CountingReader(handle, request.progress))
            parse_options = {
                **options.format_options, "filename": upload.name, "open_related": plan.open_related(upload)
            }
            streams.append(_guarded(fmt.parse(handle, parse_options), fmt, upload))
        parsed: Iterator[Event] = itertools.chain.from_iterable(streams)
        if request.restructure is not None:
            parsed = request.restructure(parsed)
        # Formats that write one file per test (Allure, QAF) need the suites they share merged.
        merge = options.merge_containers or any(fmt.extra.get("merge_containers") for _, fmt in plan.inputs)
        events = normalize(parsed, NormalizeOptions(smart=options.smart, merge_containers=merge))
        if request.layout is not None:
            target = LayoutTarget(import_id, profile, plan.inputs[0][1].origin, resolve,
                                  lambda: [name for name in attachments if name not in used], log)
            laid_out = request.layout.write(connection, runtime, target, events)
            return {**laid_out, "detected_format": ",".join(dict.fromkeys(f.name for _, f in plan.inputs))}
        writer = ReportWriter(connection, runtime.blobs, report_id, resolve_attachment=resolve)
        written = writer.write(events)
    leftovers = [Asset(name=name, path=name) for name in attachments if name not in used]
    if leftovers:
        writer.add_report_assets(leftovers)  # attachments no result named belong to the report
    if written.counts.total == 0 and not options.ignore_empty_report:
        raise InvalidInputError(
            "the file holds no tests; pass ignore_empty_report=true to import an empty report anyway",
            code="empty_report",
        )
    for path in written.unresolved_attachments:
        log(f"attachment {path} is named by a result but was not uploaded", "warning")
    meta = written.meta
    origin = meta.properties.pop("origin", None) or plan.inputs[0][1].origin
    finish_report(
        connection,
        written,
        {
            "origin": origin,
            "date": options.date or meta.date or now,
            "title": meta.title or (request.files[0].name if len(request.files) == 1 else None),
            "description": meta.description,
            "started_at": meta.started_at,
            "finished_at": meta.finished_at,
            "duration": meta.duration,
            "properties": meta.properties,
            "build": options.build or meta.build,
            "os": options.os or meta.os,
            "platform": options.platform or meta.platform,
            "tags": options.tags + [t for t in meta.tags if t not in options.tags],
        },
    )
    detected = ",".join(dict.fromkeys(fmt.name for _, fmt in plan.inputs))
    return {"id": report_id, "key": key, "origin": origin, "detected_format": detected, **written.counts.as_dict()}


def get_import_job(connection: Connection, import_id: str) -> dict[str, Any]:
    """An import job row. Raises NotFoundError."""
    row = connection.execute(select(tables.import_job).where(tables.import_job.c.id == import_id)).first()
    if row is None:
        raise NotFoundError(f"no import {import_id}")
    return dict(row._mapping)


def record_failed_import(runtime: Runtime, request: ImportRequest, error: AssayError) -> str:
    """Keep an import that failed before it could start (e.g. an upload over the limit); returns its id."""
    with read_transaction(runtime.engine) as connection:
        profile = get_profile(connection, request.profile_id)
    log = _Log()
    import_id = _start_job(runtime, request, profile, log)
    log(f"import failed: {error.message}", "error")
    _finish_job(runtime, import_id, log, error=error)
    return import_id

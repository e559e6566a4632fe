"""The upload page: files (or a zip) dropped in the browser go through the same import service as the API.

Options become the same name -> values mapping the API reads from a query string (parse_options),
and the files become an ImportRequest for run_import: one code path, one kind of ImportJob, the same
log when it fails. The "API upload" tab shows the curl command for this profile with the real URL.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assay.errors import AssayError, InvalidInputError, PayloadTooLargeError
from assay.formats import all_formats
from assay.services.import_options import parse_options
from assay.services.imports import ImportRequest, UploadedFile, get_import_job, record_failed_import, run_import
from assay.services.projects import get_profile
from assay.store import read_transaction
from assay.web.deps import Db, RuntimeDep, Viewer, Writer, verify_csrf
from assay.web.render import render
from assay.web.routing import WebRoute

router = APIRouter(route_class=WebRoute, include_in_schema=False)
MAX_FILES = 200


def base_url(request: Request, configured: str) -> str:
    """The server's public URL: ASSAY_BASE_URL, or the one this request came to."""
    return configured.rstrip("/") or str(request.base_url).rstrip("/")


def curl_command(endpoint: str, formatter: str = "") -> str:
    """The import call as the Calliope documents write it (seed 001), for this profile's endpoint."""
    url = f"{endpoint}/{formatter}" if formatter else endpoint
    lines = [
        "curl -X POST",
        '-H "x-api-key:<API_KEY>"',
        '-F "file[]=@path/to/testresult"',
        '-F "tag[]=os:<YOUR_OS>"',
        '-F "tag[]=platform:<YOUR_PLATFORM>"',
        '-F "tag[]=build:<YOUR_BUILD>"',
        f'"{url}"',
    ]
    return " \\\n     ".join(lines)


def _page(request: Request, profile: dict, viewer: Viewer, configured_url: str, status_code: int = 200,
          **context: object) -> Response:
    endpoint = f"{base_url(request, configured_url)}/api/v2/profile/{profile['id']}/report/import"
    return render(request, "upload.html", {
        "profile": profile, "formats": all_formats(), "endpoint": endpoint, "curl": curl_command(endpoint),
        "form": {}, "error": None, "job": None, **context,
    }, status_code=status_code)


@router.get("/profiles/{profile_id}/upload")
def upload_page(request: Request, runtime: RuntimeDep, db: Db, viewer: Writer, profile_id: int) -> Response:
    return _page(request, get_profile(db, profile_id), viewer, runtime.settings.base_url)


@router.post("/profiles/{profile_id}/upload")
async def upload(request: Request, runtime: RuntimeDep, viewer: Writer, profile_id: int) -> Response:
    with read_transaction(runtime.engine) as connection:
        profile = get_profile(connection, profile_id)
    settings = runtime.settings
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise InvalidInputError("the upload must state its length (Content-Length)", code="length_required")
    if int(declared) > settings.max_upload_bytes:
        raise PayloadTooLargeError(f"the upload is larger than the limit of {settings.max_upload_bytes // 2**20} MB")
    async with request.form(max_files=MAX_FILES, max_fields=50) as form:
        verify_csrf(viewer, form)
        fields = {name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form}
        formatter = (fields.get("formatter") or [""])[-1].strip()
        raw: dict[str, list[str]] = {
            name: fields[name] for name in ("os", "platform", "build", "smart", "merge_containers") if name in fields
        }
        raw["tag[]"] = [t for value in fields.get("tags", []) for t in re.split(r"[,\n]", value) if t.strip()]
        workdir = Path(tempfile.mkdtemp(prefix="web-upload-", dir=_spool(settings.upload_dir)))
        try:
            uploads = [await _spool_file(item, workdir, index) for index, item in enumerate(form.getlist("file"))
                       if isinstance(item, UploadFile) and item.filename]
            import_request = ImportRequest(profile_id=profile_id, files=uploads, format=formatter or None, api="web")
            limit = settings.max_upload_bytes if formatter else settings.max_detect_upload_bytes
            try:
                if sum(u.size for u in uploads) > limit:
                    raise PayloadTooLargeError(f"the files are larger than the limit of {limit // 2**20} MB for "
                                               "auto-detection; pick a formatter (limit "
                                               f"{settings.max_upload_bytes // 2**20} MB)")
                import_request.options = parse_options(raw)
            except AssayError as error:
                job_id = await run_in_threadpool(record_failed_import, runtime, import_request, error)
                return await _failed(request, runtime, profile, viewer, job_id, error.message, fields)
            outcome = await run_in_threadpool(run_import, runtime, import_request)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if outcome.ok and outcome.report:
        return RedirectResponse(f"/reports/{outcome.report['id']}?uploaded=1", status_code=303)
    message = outcome.error.message if outcome.error else "the import failed"
    return await _failed(request, runtime, profile, viewer, outcome.import_id, message, fields)


async def _failed(request: Request, runtime: RuntimeDep, profile: dict, viewer: Viewer, job_id: str, message: str,
                  fields: dict[str, list[str]]) -> Response:
    with read_transaction(runtime.engine) as connection:
        job = get_import_job(connection, job_id)
    form = {name: values[-1] for name, values in fields.items() if values and name != "csrf_token"}
    return _page(request, profile, viewer, runtime.settings.base_url, 400, error=message, job=job, form=form)


def _spool(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def _spool_file(item: UploadFile, workdir: Path, index: int) -> UploadedFile:
    # The browser's file name is only a label: the file on disk gets a name of ours.
    target = workdir / f"{index:04d}"
    size = 0
    with target.open("wb") as out:
        while chunk := await item.read(1024 * 1024):
            size += len(chunk)
            out.write(chunk)
    name = Path((item.filename or "").replace("\\", "/")).name or None
    return UploadedFile(name=name, path=target, size=size, content_type=item.content_type)

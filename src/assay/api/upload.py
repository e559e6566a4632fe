"""Read an upload body, whatever shape a client sends it in, into files on disk and option fields.

Clients in the wild disagree with their own headers: curl's `-F` with `-H "Content-Type:
application/x-www-form-urlencoded"` sends a multipart body under a form header; CI scripts send
`multipart/form-data` with no boundary; `curl -d @file` sends raw XML as "urlencoded". So the body
is spooled to disk (stopping at the size limit), then its first bytes decide what it is:

- a multipart body (first line `--boundary`, a Content-Disposition header after it): parts named
  file/file[]/result/results are result files, attachment[] parts are attachments, others options;
- a form body (`name=value&...`): `file[]` fields hold URL-encoded file text;
- anything else: the body is the one result file.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import python_multipart
from starlette.requests import Request

from assay.errors import InvalidInputError, PayloadTooLargeError
from assay.services.imports import UploadedFile

RESULT_PARTS = frozenset({"file", "file[]", "files", "files[]", "result", "results", "result[]", "results[]"})
ATTACHMENT_PARTS = frozenset({"attachment", "attachment[]", "attachments", "attachments[]"})
# Option parts are small; anything bigger is not an option value.
_MAX_FIELD = 1024 * 1024
_BOUNDARY_LINE = re.compile(rb"^--([!-~]{1,200}?)[ \t]*\r?\n")
_FORM_START = re.compile(rb"^[A-Za-z_][\w.\-]*(?:\[\]|%5B%5D)?=", re.IGNORECASE)
_URLENCODED_FILE = re.compile(rb"^\s*(%3C|%7B|%5B|%EF%BB%BF)", re.IGNORECASE)


@dataclass
class Upload:
    files: list[UploadedFile] = field(default_factory=list)
    attachments: list[UploadedFile] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    directory: Path | None = None

    def cleanup(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


async def read_upload(request: Request, limit: int, spool_dir: Path | None = None) -> Upload:
    """Spool the body (refusing past `limit` bytes) and split it into files and fields.

    Raises PayloadTooLargeError at the limit (nothing past it is read) and InvalidInputError for a
    malformed multipart body. The caller must call `cleanup()` on the result.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(_too_large(limit), limit=limit)
    if spool_dir is not None:
        spool_dir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="upload-", dir=spool_dir))
    upload = Upload(directory=directory)
    try:
        body = directory / "body"
        size = 0
        with body.open("wb") as handle:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLargeError(_too_large(limit), limit=limit)
                handle.write(chunk)
        _split(upload, body, size, request.headers.get("content-type", ""), _filename_hint(request))
    except BaseException:
        upload.cleanup()
        raise
    return upload


def _too_large(limit: int) -> str:
    return f"the upload is larger than the limit of {limit // (1024 * 1024)} MB for this endpoint"


def _filename_hint(request: Request) -> str | None:
    disposition = request.headers.get("content-disposition", "")
    match = re.search(r'filename="?([^";]+)"?', disposition)
    return match.group(1) if match else request.query_params.get("filename")


def _split(upload: Upload, body: Path, size: int, content_type: str, filename: str | None) -> None:
    with body.open("rb") as handle:
        head = handle.read(4096)
    boundary = _multipart_boundary(head, content_type)
    if boundary is not None:
        _read_multipart(upload, body, boundary)
    elif _FORM_START.match(head) and "form-urlencoded" in content_type.lower():
        _read_form(upload, body)
    elif size:
        upload.files.append(_as_file(upload, body, filename, content_type or None))


def _multipart_boundary(head: bytes, content_type: str) -> bytes | None:
    """The boundary the body really uses, or None if the body is not multipart."""
    match = _BOUNDARY_LINE.match(head)
    if match is None or b"content-disposition" not in head[:4096].lower():
        return None
    return match.group(1)


def _as_file(upload: Upload, path: Path, name: str | None, content_type: str | None) -> UploadedFile:
    _urldecode_in_place(path)
    return UploadedFile(name=name, path=path, size=path.stat().st_size, content_type=content_type)


def _urldecode_in_place(path: Path) -> None:
    """A file sent URL-encoded (Calliope's "urlencoded raw file") is decoded back to its text."""
    with path.open("rb") as handle:
        head = handle.read(64)
    if not _URLENCODED_FILE.match(head):
        return
    data = path.read_bytes()
    path.write_bytes(urllib.parse.unquote_to_bytes(data.replace(b"+", b" ")))


def _read_form(upload: Upload, body: Path) -> None:
    text = body.read_bytes()
    for index, (raw_name, raw_value) in enumerate(_parse_qsl_bytes(text)):
        name = raw_name.decode("utf-8", "replace")
        if name in RESULT_PARTS or name in ATTACHMENT_PARTS:
            path = upload.directory / f"form-{index}"  # type: ignore[operator]
            path.write_bytes(raw_value)
            target = upload.files if name in RESULT_PARTS else upload.attachments
            target.append(UploadedFile(name=None, path=path, size=len(raw_value)))
        else:
            upload.fields.setdefault(name, []).append(raw_value.decode("utf-8", "replace"))


def _parse_qsl_bytes(data: bytes) -> list[tuple[bytes, bytes]]:
    pairs = []
    for chunk in data.split(b"&"):
        if not chunk:
            continue
        name, _, value = chunk.partition(b"=")
        pairs.append(
            (
                urllib.parse.unquote_to_bytes(name.replace(b"+", b" ")),
                urllib.parse.unquote_to_bytes(value.replace(b"+", b" ")),
            )
        )
    return pairs


class _PartCollector:
    """python-multipart callbacks writing each part to its own file."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.index = 0
        self.headers: dict[str, str] = {}
        self.header_field = b""
        self.header_value = b""
        self.handle: IO[bytes] | None = None
        self.path: Path | None = None
        self.parts: list[tuple[dict[str, str], Path, int]] = []
        self.size = 0

    def on_part_begin(self) -> None:
        self.headers = {}
        self.size = 0

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header_field.decode("latin-1").strip().lower()] = self.header_value.decode(
            "utf-8", "replace"
        ).strip()
        self.header_field = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        self.index += 1
        self.path = self.upload.directory / f"part-{self.index}"  # type: ignore[operator]
        self.handle = self.path.open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        assert self.handle is not None
        self.handle.write(data[start:end])

    def on_part_end(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
            assert self.path is not None
            self.parts.append((self.headers, self.path, self.size))


def _disposition(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in re.finditer(r'(\w+\*?)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))', value):
        key = match.group(1).lower()
        params[key] = match.group(2) if match.group(2) is not None else match.group(3).strip()
    if "filename*" in params and "''" in params["filename*"]:
        params["filename"] = urllib.parse.unquote(params["filename*"].split("''", 1)[1])
    return params


def _read_multipart(upload: Upload, body: Path, boundary: bytes) -> None:
    collector = _PartCollector(upload)
    callbacks = {
        name: getattr(collector, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = python_multipart.MultipartParser(boundary, callbacks, max_header_count=32)  # type: ignore[arg-type]
    try:
        with body.open("rb") as handle:
            for chunk in iter(lambda: handle.read(256 * 1024), b""):
                parser.write(chunk)
        parser.finalize()
    except python_multipart.exceptions.MultipartParseError as error:
        raise InvalidInputError(f"the multipart body is malformed: {error}", code="bad_multipart") from None
    finally:
        if collector.handle is not None:
            collector.handle.close()
    for headers, path, size in collector.parts:
        params = _disposition(headers.get("content-disposition", ""))
        name = params.get("name", "")
        filename = params.get("filename")
        content_type = headers.get("content-type")
        if name in RESULT_PARTS or (not name and filename):
            upload.files.append(_as_file(upload, path, filename, content_type))
        elif name in ATTACHMENT_PARTS:
            upload.attachments.append(UploadedFile(name=filename, path=path, size=size, content_type=content_type))
        elif size <= _MAX_FIELD:
            # Options may come as parts with a filename too (some CI scripts send every field with -F @).
            upload.fields.setdefault(name, []).append(path.read_bytes().decode("utf-8", "replace").strip())
        else:
            upload.fields.setdefault(name, []).append(f"<{size} bytes not read>")

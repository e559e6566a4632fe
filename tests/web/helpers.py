"""Small JUnit files written by the tests, and imports through the real API."""

from __future__ import annotations

from html import escape
from pathlib import Path

from assay.services.runtime import Runtime
from tests.api.conftest import Server

_BODIES = {
    "passed": "",
    "failed": ('<failure message="expected 2 but was 3" type="java.lang.AssertionError">'
               "java.lang.AssertionError: expected 2 but was 3\n\tat com.acme.Cart.add(Cart.java:12)\n"
               "\tat com.acme.CartTest.{name}(CartTest.java:40)</failure>"),
    "broken": ('<error message="connection refused" type="java.net.ConnectException">'
               "java.net.ConnectException: connection refused\n\tat com.acme.Db.open(Db.java:7)</error>"),
    "skipped": "<skipped/>",
}


def junit(cases: dict[str, str | tuple[str, float]], classname: str = "com.acme.CartTest") -> bytes:
    """A Surefire-style file: one testcase per name, with the given status (and duration in seconds)."""
    rows = []
    for name, spec in cases.items():
        status, seconds = spec if isinstance(spec, tuple) else (spec, 0.01)
        body = _BODIES[status].replace("{name}", escape(name))
        rows.append(f'<testcase classname="{classname}" name="{escape(name)}" time="{seconds}">{body}</testcase>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="{classname}" tests="{len(cases)}">'
            + "".join(rows) + "</testsuite>").encode()


def import_file(server: Server, content: bytes, profile_id: int = 1, **params: str) -> dict:
    """Import through the Calliope-compatible API; returns the report it made."""
    with server.client() as client:
        response = client.post(f"/api/v2/profile/{profile_id}/report/import/junit", content=content,
                               params=params, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200, response.text
    return response.json()["report"]


def png(width: int = 48, height: int = 24, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A real PNG image of one colour (a screenshot stand-in a browser can decode)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def import_cases(runtime: Runtime, workdir: Path, cases: dict[str, str | tuple[str, float]],
                 profile_id: int = 1, **options: str) -> dict:
    """Import a JUnit file made of `cases` through run_import (no HTTP); returns the report."""
    from assay.services.import_options import parse_options
    from assay.services.imports import ImportRequest, UploadedFile, run_import

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"TEST-{len(list(workdir.iterdir()))}.xml"
    path.write_bytes(junit(cases))
    request = ImportRequest(profile_id=profile_id, files=[UploadedFile(name=path.name, path=path,
                                                                       size=path.stat().st_size)],
                            format="junit", api="cli", options=parse_options({k: [v] for k, v in options.items()}))
    outcome = run_import(runtime, request)
    assert outcome.ok and outcome.report, outcome.error
    return outcome.report

"""Templates and the filters they share: statuses with icon and word, durations, dates, sizes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import HTMLResponse

from assay import __version__
from assay.model import Status

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

# Display order: what needs attention first.
STATUS_ORDER = (Status.FAILED, Status.BROKEN, Status.PASSED, Status.SKIPPED, Status.UNKNOWN)
# Every status has a symbol and a word: colour is never the only signal.
ICONS = {Status.FAILED: "✗", Status.BROKEN: "⚠", Status.PASSED: "✓", Status.SKIPPED: "↷", Status.UNKNOWN: "?"}
COLOURS = {Status.FAILED: "#c62828", Status.BROKEN: "#b45309", Status.PASSED: "#2e7d32", Status.SKIPPED: "#6b7280",
           Status.UNKNOWN: "#7c3aed"}


def duration(ms: int | float | None) -> str:
    """1234 -> "1.23 s"; 95000 -> "1 min 35 s"."""
    if ms is None:
        return ""
    ms = float(ms)
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def when(value: datetime | None, with_seconds: bool = False) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC" if with_seconds else "%Y-%m-%d %H:%M UTC")


def filesize(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


def as_status(value: Status | int | None) -> Status | None:
    return None if value is None else Status(value)


def json_data(value: Any) -> Markup:
    """JSON for a <script type="application/json"> block (read by assay.js; never executed)."""
    text = orjson.dumps(value, default=str).decode()
    # "</" cannot end the block early; "<!--" cannot open a comment.
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


templates.env.filters.update(duration=duration, when=when, filesize=filesize, as_status=as_status, json_data=json_data)
templates.env.globals.update(STATUS_ORDER=STATUS_ORDER, ICONS=ICONS, COLOURS=COLOURS, Status=Status,
                             VERSION=__version__)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page, with who is signed in (set by the auth dependencies) available as `viewer`."""
    full = {"viewer": getattr(request.state, "viewer", None), **(context or {})}
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)

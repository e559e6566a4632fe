"""Reading one TAP test point line, and what its YAML diagnostics say about the failure.

`split_point("1 - desc # SKIP why")` takes the text after `ok`/`not ok`; `apply_diagnostic` fills
a Result's failure fields from a diagnostics block (message, type, at, stack, duration_ms, or
vitest's `error: {name, message}`).
"""

from __future__ import annotations

import re
from typing import Any

from assay.model import Result, Status

_NUMBER = re.compile(r"^(\d+)\b\s*")
DIRECTIVE = re.compile(r"^(SKIP\S*|TODO)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_TIME = re.compile(r"\btime=\s*([\d.]+)\s*(ms|s)?\b")


def split_point(rest: str) -> tuple[int | None, str, str | None, str | None, int | None]:
    """`1 - desc # SKIP why` -> (1, "desc", "skip", "why", None); node-tap's `# time=3ms` -> duration."""
    number: int | None = None
    match = _NUMBER.match(rest)
    if match:
        number = int(match.group(1))
        rest = rest[match.end():]
    if rest.startswith("-"):
        rest = rest[1:].lstrip()
    description, directive, reason, duration = rest, None, None, None
    for position in _hashes(rest):
        tail = rest[position + 1:].strip()
        found = DIRECTIVE.match(tail)
        if found:
            description = rest[:position]
            directive = "skip" if found.group(1).lower().startswith("skip") else "todo"
            reason = _time_free(found.group(2)).strip() or None
            duration = _duration(tail)
            break
        if _TIME.search(tail):
            description, duration = rest[:position], _duration(tail)
            break
    description = description.strip().replace("\\#", "#").replace("\\\\", "\\")
    return number, description, directive, reason, duration


def _hashes(text: str) -> list[int]:
    """Positions of the `#` characters that are not escaped as `\\#`."""
    return [i for i, char in enumerate(text) if char == "#" and (i == 0 or text[i - 1] != "\\")]


def _duration(text: str) -> int | None:
    match = _TIME.search(text)
    if match is None:
        return None
    value = float(match.group(1)) if match.group(1).count(".") <= 1 else None
    if value is None:
        return None
    return round(value * 1000) if match.group(2) == "s" else round(value)


def _time_free(text: str) -> str:
    return _TIME.sub("", text)


def ms(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return round(value)


def apply_diagnostic(result: Result, diagnostic: dict[str, Any]) -> None:
    """YAML diagnostics: message, severity, at, stack -> failure fields; the whole block -> json_data."""
    result.json_data["diagnostic"] = diagnostic
    # vitest nests the error: `error: {name: AssertionError, message: ...}`
    error = diagnostic.get("error") if isinstance(diagnostic.get("error"), dict) else {}
    message = diagnostic.get("message") or error.get("message")
    stack = diagnostic.get("stack") or error.get("stack")
    at = diagnostic.get("at")
    failing = result.status in (Status.FAILED, Status.BROKEN)
    if failing and isinstance(message, str) and message.strip():
        result.exception_description = message.strip()
    elif failing:
        result.exception_description = _comparison(diagnostic)
    kind = diagnostic.get("type") or diagnostic.get("name") or error.get("name")
    if failing and isinstance(kind, str) and kind.strip():
        result.exception_name = kind.strip()
    trace = [stack.rstrip("\n")] if isinstance(stack, str) and stack.strip() else []
    location = _location(at)
    if failing and location:
        trace.insert(0, f"at: {location}")
    if failing and trace:
        result.exception_backtrace = "\n".join(trace)
    if result.duration is None:
        result.duration = ms(diagnostic.get("duration_ms"))
    severity = diagnostic.get("severity")
    if isinstance(severity, str) and severity.strip():
        result.properties["severity"] = severity.strip()


def _comparison(diagnostic: dict[str, Any]) -> str | None:
    """tape's expected/actual, node-tap's wanted/found, Test2's got/expect as a short message."""
    for wanted, found in (("expected", "actual"), ("wanted", "found"), ("expect", "got")):
        if wanted in diagnostic or found in diagnostic:
            return f"{wanted}: {diagnostic.get(wanted)!r}\n{found}: {diagnostic.get(found)!r}"
    return None


def _location(at: Any) -> str | None:
    if isinstance(at, str):
        return at.strip() or None
    if not isinstance(at, dict):
        return None
    file = at.get("file") or at.get("fileName") or at.get("filename")
    line = at.get("line") or at.get("lineNumber")
    if not file:
        return None
    return f"{file}:{line}" if line is not None else str(file)

"""Reading JSON result files: load with a precise error, and typed field readers with JSON paths.

Shared by the JSON formats of test runners (Xray, CTRF, Jest, Mocha, Playwright, pytest-json-report).
Structural mistakes (an object where an array belongs) raise ParseError naming the JSON path
(`tests[3].steps[0]`); loose scalars are coerced or dropped, as runners write them loosely
(a duration of "12", a title of 42, a null message).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from assay.errors import ParseError

__all__ = [
    "b64decode",
    "basename",
    "describe_error",
    "epoch_ms",
    "error_name",
    "expect_object",
    "fail",
    "first_line",
    "iso_date",
    "join",
    "json_head",
    "load",
    "milliseconds",
    "obj_list",
    "opt_list",
    "opt_object",
    "seconds_ms",
    "show",
    "strip_ansi",
    "text",
]


def load(raw: bytes, what: str) -> Any:
    """The parsed document; ParseError for an empty file or invalid JSON (with line and column)."""
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if not raw.strip():
        raise ParseError(f"empty file: a {what} document was expected", code="empty_file")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ParseError(
            f"not valid JSON ({what} expected): {error.msg}", line=error.lineno, column=error.colno
        ) from None


def json_head(head: bytes) -> bytes | None:
    """The head without BOM and leading whitespace when it starts a JSON object; else None."""
    text_ = head.removeprefix(codecs.BOM_UTF8).lstrip()
    return text_ if text_.startswith(b"{") else None


# -- paths and messages --------------------------------------------------------------------------

def join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def show(value: Any) -> str:
    """A short rendering of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:40] + "…")
    return repr(value)


def fail(where: str, expected: str, value: Any, **details: Any) -> ParseError:
    return ParseError(f"{where or 'the document'}: expected {expected}, got {show(value)}", path=where, **details)


# -- structure -----------------------------------------------------------------------------------

def expect_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(where, "an object", value)
    return value


def opt_object(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    return expect_object(value, join(where, key))


def opt_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(join(where, key), "an array", value)
    return value


def obj_list(obj: dict[str, Any], key: str, where: str) -> list[tuple[dict[str, Any], str]]:
    """`obj[key]` as (object, path) pairs; every item must be an object."""
    path = join(where, key)
    return [(expect_object(item, join(path, i)), join(path, i)) for i, item in enumerate(opt_list(obj, key, where))]


# -- scalars -------------------------------------------------------------------------------------

def text(value: Any, where: str, sep: str = "\n") -> str | None:
    """A string field: numbers and booleans become text, an array of strings is joined, null is None.

    An object (or an array holding one) is a shape error.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return sep.join(str(item) for item in value)
    raise fail(where, "a string", value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def milliseconds(value: Any) -> int | None:
    """A duration already in milliseconds; garbage or negative numbers are None."""
    number = _number(value)
    return None if number is None else round(number)


def seconds_ms(value: Any) -> int | None:
    """A duration in seconds, as milliseconds; garbage or negative numbers are None."""
    number = _number(value)
    return None if number is None else round(number * 1000)


def epoch_ms(value: Any) -> datetime | None:
    """A Unix time in milliseconds (JavaScript's Date.now()) as an aware datetime; garbage is None."""
    number = _number(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def iso_date(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (`Z`, `+01:00` or `+0100`); none of a zone means UTC; garbage is None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def b64decode(value: Any, where: str) -> bytes:
    """Base64 text (line breaks allowed) as bytes; ParseError naming `where` otherwise."""
    if not isinstance(value, str):
        raise fail(where, "base64 text", value)
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ParseError(f"{where}: not valid base64", path=where) from None


# -- text helpers --------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# `TypeError: x is not a function`, `AssertionError [ERR_ASSERTION]: ...`, `Error: expect(...)`
_ERROR_NAME = re.compile(r"^\s*((?:[A-Za-z_$][\w$.]*)?(?:Error|Exception|Failure))\b(?:\s*\[[^\]]*\])?:")


def strip_ansi(value: str | None) -> str | None:
    """`value` without terminal colour codes (Jest and Playwright colour their messages)."""
    return _ANSI.sub("", value) if value else value


def first_line(value: str | None) -> str | None:
    """The first non-blank line of `value`, stripped."""
    for line in (value or "").splitlines():
        if line.strip():
            return line.strip()
    return None


def error_name(*texts: str | None) -> str | None:
    """The exception type a JavaScript/Python message or stack starts with (`TypeError`), if any."""
    for value in texts:
        line = first_line(value)
        if line and (match := _ERROR_NAME.match(line)):
            return match.group(1)
    return None


def describe_error(message: str | None, stack: str | None = None) -> tuple[str | None, str | None]:
    """(exception name, description) of a runner's error: `"TypeError: x is undefined"` gives
    ("TypeError", "x is undefined"); the description is the message (else the stack's first line)."""
    name = error_name(message, stack)
    description = message.strip() if message and message.strip() else first_line(stack)
    if description and name and description.startswith(f"{name}: "):
        description = description[len(name) + 2:].lstrip() or description
    return name, description


def basename(path: str) -> str:
    """The last component of a path or URL (either slash), or the path itself."""
    base = path.split("?", 1)[0].replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base or path

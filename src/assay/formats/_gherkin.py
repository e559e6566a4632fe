"""Shared by the Cucumber JSON and Behave JSON readers: checked JSON access, tags, error text,
attachments, and a scenario's status from its steps and hooks.

Every reader takes a JSON path (`[0].elements[2].steps[1]`) and raises ParseError naming it when
a value has the wrong type, so no KeyError/TypeError escapes a parser.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import math
import mimetypes
import re
import textwrap
from collections.abc import Iterable
from typing import Any

import orjson

from assay.errors import ParseError
from assay.model import Asset, Status, Step, worst

MAX_ERROR_CHARS = 20_000
# Python's own table only, not the machine's /etc/mime.types: names must not depend on the host.
_MIME_TYPES = mimetypes.MimeTypes()


# -- JSON and shapes ------------------------------------------------------------------------------


def load_json(raw: bytes, title: str) -> Any:
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if not raw.strip():
        raise ParseError(f"the file is empty: {title} was expected", code="empty_file")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ParseError(f"not valid JSON: {error.msg}", line=error.lineno, column=error.colno) from None


def join(where: str, key: str | int) -> str:
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"


def show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return repr(value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "…")


def fail(where: str, expected: str, value: Any) -> ParseError:
    return ParseError(f"{where}: expected {expected}, got {show(value)}", path=where)


def expect_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise fail(where, "an object", value)
    return value


def opt_object(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = obj.get(key)
    return {} if value is None else expect_object(value, join(where, key))


def opt_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise fail(join(where, key), "an array", value)
    return value


def objects(obj: dict[str, Any], key: str, where: str) -> list[tuple[dict[str, Any], str]]:
    """Each item of the array `key` checked to be an object, with its path."""
    path = join(where, key)
    items = opt_list(obj, key, where)
    return [(expect_object(item, join(path, i)), join(path, i)) for i, item in enumerate(items)]


def opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise fail(join(where, key), "a string", value)


def opt_name(obj: dict[str, Any], key: str, where: str) -> str | None:
    """A name or id: a number is taken as text (behave2cucumber writes numeric ids)."""
    value = obj.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return opt_str(obj, key, where)


def opt_text(obj: dict[str, Any], key: str, where: str) -> str | None:
    """A string, or a list of lines (behave writes descriptions and error messages as lists)."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    raise fail(join(where, key), "a string or an array of strings", value)


def description(obj: dict[str, Any], where: str) -> str | None:
    text = opt_text(obj, "description", where)
    if not text:
        return None
    return textwrap.dedent(text).strip() or None


def number(value: Any) -> float | None:
    """A non-negative finite number (a numeric string too); anything else -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


# A year in milliseconds, times a thousand: anything longer is garbage, not a duration.
_MAX_MS = 365 * 24 * 3600 * 1000 * 1000


def milliseconds(amount: float | None, per_ms: float) -> int | None:
    """`amount` (in a unit `per_ms` of which make a millisecond) as whole milliseconds; absurd -> None."""
    if amount is None:
        return None
    value = amount / per_ms
    return round(value) if math.isfinite(value) and value < _MAX_MS else None


def tags(obj: dict[str, Any], where: str) -> list[str]:
    """Tag names without their '@': Cucumber writes `{"name": "@smoke", "line": 3}`, behave `"smoke"`."""
    found: list[str] = []
    path = join(where, "tags")
    for index, item in enumerate(opt_list(obj, "tags", where)):
        if isinstance(item, dict):
            name = opt_name(item, "name", join(path, index))
        elif isinstance(item, str):
            name = item
        else:
            raise fail(join(path, index), "a tag name or object", item)
        name = (name or "").strip().removeprefix("@")
        if name and name not in found:
            found.append(name)
    return found


# -- statuses --------------------------------------------------------------------------------------

# A hook's status only counts when it is a failure: a skipped hook of a passing scenario (a
# conditional hook that did not apply) must not make the scenario skipped.
_HOOK_COUNTS = frozenset({Status.FAILED, Status.BROKEN, Status.UNKNOWN})


def scenario_status(steps: Iterable[Step], hooks: Iterable[Step] = ()) -> Status:
    """The worst of the steps' statuses and of failed hooks; PASSED for a scenario without steps."""
    statuses = [step.status for step in steps]
    statuses += [hook.status for hook in hooks if hook.status in _HOOK_COUNTS]
    found = worst(statuses)  # Status.FAILED is 0: falsy, so no `or` here
    return Status.PASSED if found is None else found


def first_error(steps: Iterable[Step], status: Status) -> str | None:
    """The error of the first step with the scenario's status, else of the first failing step."""
    candidates = [step for step in steps if step.error]
    for step in candidates:
        if step.status is status:
            return step.error
    return next((step.error for step in candidates if step.status is not Status.PASSED), None)


# -- error text ------------------------------------------------------------------------------------

# Java: `java.lang.AssertionError: expected...`; JS/TS: `Error: whoops`, `AssertionError [ERR_ASSERTION]: x`
_QUALIFIED = re.compile(r"^((?:[a-z_][\w$]*\.)+[A-Z][\w$]*)(?::\s*(.*))?$")
_NAMED = re.compile(r"^((?:[A-Z][\w$]*)?(?:Error|Exception|Failure|Failed))(?: \[\w+\])?(?::\s*(.*))?$")
# Ruby: `expected 50, got 49 (RSpec::Expectations::ExpectationNotMetError)`
_RUBY = re.compile(r"^(.*?)\s*\(((?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception|Failure|Failed))\)\s*$")
# Python: the exception line after `Traceback (most recent call last):`
_PYTHON = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
# behave formats a failed assert as `Assertion Failed: <message>`
_BEHAVE_ASSERT = "Assertion Failed:"


def split_error(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(exception name, description, backtrace) from an error message; the backtrace is the whole text."""
    if not text or not text.strip():
        return None, None, None
    text = text.strip("\n")
    backtrace = text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0].strip()
    if first.startswith("Traceback (most recent call last)"):
        name, message = _python_exception(lines)
        return name, message, backtrace
    if first.startswith(_BEHAVE_ASSERT):
        return "AssertionError", first[len(_BEHAVE_ASSERT) :].strip() or None, backtrace
    for pattern in (_QUALIFIED, _NAMED):
        if match := pattern.match(first):
            return match.group(1), (match.group(2) or "").strip() or None, backtrace
    for line in lines[:20]:
        if len(line) < 2000 and (match := _RUBY.match(line.strip())):
            message = first if line.strip() != first else match.group(1)
            return match.group(2), message or None, backtrace
    return None, first, backtrace


def _python_exception(lines: list[str]) -> tuple[str | None, str | None]:
    start = max(i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)"))
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if line[:1].isspace():
            continue  # a frame: `  File "x.py", line 3, in f` and its source line
        match = _PYTHON.match(line.strip())
        if match:
            rest = [match.group(2) or "", *lines[index + 1 :]]
            return match.group(1), "\n".join(rest).strip() or None
        return None, line.strip()
    return None, lines[-1].strip()


# -- attachments -----------------------------------------------------------------------------------


def attachment_bytes(data: str, mime_type: str | None, encoding: str | None = None) -> bytes:
    """Base64 data decoded; text that is not base64 (cucumber-js 1.x wrote text attachments raw) as is."""
    if (encoding or "").upper() == "IDENTITY":
        return data.encode("utf-8")
    compact = re.sub(r"\s+", "", data)
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return data.encode("utf-8")
    if (mime_type or "").startswith("text/"):
        if re.search(r"[ \t]", data.strip()):
            return data.encode("utf-8")  # text with inner spaces was never base64 (line breaks may be)
        try:
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            return data.encode("utf-8")
    return decoded


def asset_name(name: str | None, mime_type: str | None, number: int) -> str:
    if name and name.strip():
        return name.strip()
    base = (mime_type or "").split(";")[0].strip().lower()
    extension = _MIME_TYPES.guess_extension(base) if base else None
    if extension is None:
        extension = ".txt" if base.startswith("text/") or base.endswith("+plain") else ".bin"
    return f"attachment-{number}{extension}"


def embeddings(obj: dict[str, Any], where: str, counter: list[int]) -> list[Asset]:
    """`embeddings` (Ruby/JVM/JS/behave) and `attachments` of a step or hook, decoded.

    Shapes: `{"mime_type": "image/png", "data": base64, "name"?}` (Ruby, JVM, cucumber-rs, behave)
    and cucumber-js 7+'s `{"data": base64, "media": {"type": "image/png"}}`.
    """
    assets: list[Asset] = []
    for key in ("embeddings", "attachments"):
        for item, path in objects(obj, key, where):
            media = opt_object(item, "media", path)
            mime = opt_str(item, "mime_type", path) or opt_str(media, "type", join(path, "media"))
            data = opt_str(item, "data", path)
            if data is None:
                data = opt_str(item, "body", path) or ""
            counter[0] += 1
            given = opt_str(item, "name", path) or opt_str(item, "fileName", path)
            name = asset_name(given, mime, counter[0])
            data_bytes = attachment_bytes(data, mime, opt_str(item, "contentEncoding", path))
            assets.append(Asset(name=name, data=data_bytes, mime_type=mime or None))
    return assets


def strings(obj: dict[str, Any], key: str, where: str) -> list[str]:
    """An array of text lines (Cucumber's step `output`); non-text items are written as text."""
    items = opt_list(obj, key, where)
    return [item if isinstance(item, str) else orjson.dumps(item).decode() for item in items]

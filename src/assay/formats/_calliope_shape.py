"""Shape checks for Calliope JSON: typed field readers that raise ParseError with a JSON path.

Every reader takes the object, the key and the object's path (`containers[2].results[0]`) and
returns a checked Python value, so a wrong type anywhere in a file becomes a ParseError naming
where it is, never a KeyError or TypeError.
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime
from typing import Any

import orjson

from assay.errors import ParseError
from assay.formats._json_input import expect_object, fail, join, opt_list, show
from assay.formats._json_input import opt_object as opt_object
from assay.model import Asset, Result, Status, Step

# Containers and steps (an Assay extension) nest; real trees stay far shallower than these
# limits, which keep an imported tree writable again (orjson writes at most 254 levels).
MAX_CONTAINER_DEPTH = 64
MAX_STEP_DEPTH = 50


def opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise fail(join(where, key), "a string", value)


def req_str(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise fail(join(where, key), "a string", value)
    return value


def opt_int(obj: dict[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise fail(join(where, key), "an integer", value)


def duration(obj: dict[str, Any], key: str, where: str) -> int | None:
    """Calliope's `duration` (a bigint) as milliseconds; a float is rounded, "12" is read as 12."""
    value = obj.get(key)
    if value is None:
        return None
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise fail(join(where, key), "a duration in milliseconds", value)
    return round(number)


def status(value: Any, where: str, title: str | None = None) -> Status:
    """0..4 as Calliope numbers them, or a status name in any case ("failed", "PASSED")."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 4:
        return Status(value)
    if isinstance(value, str):
        text = value.strip()
        if text in ("0", "1", "2", "3", "4"):
            return Status(int(text))
        try:
            return Status.from_label(text)
        except ValueError:
            pass
    suffix = f" (result {title!r})" if title is not None else ""
    message = f"{where}: expected 0..4 or a status name, got {show(value)}{suffix}"
    raise ParseError(message, path=where, result=title)


def date(obj: dict[str, Any], key: str, where: str) -> datetime | None:
    """An ISO 8601 timestamp; one without a zone is UTC (Calliope stores UTC)."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise fail(join(where, key), "an ISO 8601 date", value)


def str_list(obj: dict[str, Any], key: str, where: str) -> list[str]:
    items = opt_list(obj, key, where)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise fail(join(join(where, key), index), "a string", item)
    return list(items)


# -- assets -------------------------------------------------------------------------------------

def assets(obj: dict[str, Any], where: str) -> list[Asset]:
    items = opt_list(obj, "assets", where)
    return [asset(item, join(join(where, "assets"), i)) for i, item in enumerate(items)]


def asset(value: Any, where: str) -> Asset:
    """{id, location, tag, name, created_at, updated_at, url, type} (+ Assay's base64 `data`)."""
    obj = expect_object(value, where)
    location = opt_str(obj, "location", where)
    url = opt_str(obj, "url", where)
    raw = opt_str(obj, "data", where)
    data = None
    if raw is not None:
        try:
            # Line-wrapped base64 (as some producers embed it) is still base64.
            data = base64.b64decode("".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ParseError(f"{join(where, 'data')}: not valid base64", path=join(where, "data")) from None
    path = location or url
    name = opt_str(obj, "name", where) or _basename(path) or "attachment"
    mime_type, tag = opt_str(obj, "type", where), opt_str(obj, "tag", where)
    return Asset(name=name, data=data, path=path, mime_type=mime_type, tag=tag)


def _basename(path: str | None) -> str | None:
    if not path:
        return None
    base = path.split("?", 1)[0].split("#", 1)[0].replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base or None


# -- steps (an Assay extension) -----------------------------------------------------------------

def steps(obj: dict[str, Any], where: str, depth: int = 0) -> list[Step]:
    items = opt_list(obj, "steps", where)
    if items and depth >= MAX_STEP_DEPTH:
        raise ParseError(f"{join(where, 'steps')}: steps nested deeper than {MAX_STEP_DEPTH} levels")
    return [step(item, join(join(where, "steps"), i), depth + 1) for i, item in enumerate(items)]


def step(value: Any, where: str, depth: int) -> Step:
    obj = expect_object(value, where)
    title = req_str(obj, "title", where)
    found = Step(
        title=title,
        keyword=opt_str(obj, "keyword", where),
        duration=duration(obj, "duration", where),
        error=opt_str(obj, "error", where),
        data=_step_data(obj.get("data")),
        steps=steps(obj, where, depth),
        assets=assets(obj, where),
    )
    if obj.get("status") is not None:
        found.status = status(obj["status"], join(where, "status"))
    return found


def _step_data(value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    return {"value": value}  # a table or a doc string kept whole


# -- json_data ----------------------------------------------------------------------------------

# What Result.extras() writes, and the JSON type each must have to be applied back.
_EXTRA_TYPES: dict[str, tuple[type, str]] = {
    "classname": (str, "a string"),
    "properties": (dict, "an object"),
    "tags": (list, "an array"),
    "stdout": (str, "a string"),
    "stderr": (str, "a string"),
    "flaky": (bool, "true or false"),
    "attempts": (list, "an array"),
    "test_key": (str, "a string"),
}


def apply_json_data(result: Result, value: Any, where: str) -> None:
    """Calliope's `json_data` blob: an object (or a JSON-object string) carries Assay's result extras.

    Any other string is kept as `{"value": s}`.
    """
    if value is None or value == "":
        return
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None
        if not isinstance(parsed, dict):
            result.json_data = {"value": value}
            return
        value = parsed
    if not isinstance(value, dict):
        raise fail(where, "a JSON string or an object", value)
    for key, (kind, expected) in _EXTRA_TYPES.items():
        item = value.get(key)
        if item is not None and not isinstance(item, kind):
            raise fail(join(where, key), expected, item)
    for index, tag in enumerate(value.get("tags") or []):
        if not isinstance(tag, str):
            raise fail(join(join(where, "tags"), index), "a string", tag)
    for index, attempt in enumerate(value.get("attempts") or []):
        expect_object(attempt, join(join(where, "attempts"), index))
    # A null extra means "not set": leave the Result's default rather than store None in a list field.
    result.apply_extras({k: v for k, v in value.items() if not (k in _EXTRA_TYPES and v is None)})

"""Reading JSON result files safely: loading with a positioned ParseError, typed field readers.

Used by the Allure, QAF and SpecFlow readers. Every reader takes the object, the key and the
object's JSON path (`steps[2].statusDetails`), so a wrong type anywhere in a file becomes a
ParseError naming where it is, never a KeyError or TypeError. Numbers are forgiving (a garbage
duration is None); structure is not (an array where an object belongs is an error).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from assay.formats._json_input import expect_object, fail, join, load, obj_list, opt_list, opt_object, show

__all__ = ["expect_object", "fail", "join", "load", "objects", "opt_list", "opt_object", "opt_str", "show"]

# Nesting deeper than this (steps in steps...) is refused rather than recursed into.
MAX_DEPTH = 50


# The generic, path-aware readers are shared by every JSON format.
objects = obj_list


def opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    """A string field; numbers and booleans are turned into text, objects and arrays refused."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise fail(join(where, key), "a string", value)


def text(obj: dict[str, Any], key: str, where: str) -> str | None:
    """A string field stripped of surrounding whitespace; empty -> None."""
    value = opt_str(obj, key, where)
    value = value.strip() if value else None
    return value or None


def number(value: Any) -> float | None:
    """A finite number from a JSON number or numeric string; anything else -> None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def millis(value: Any) -> int | None:
    """A non-negative count of milliseconds; garbage or negative -> None."""
    found = number(value)
    return round(found) if found is not None and found >= 0 else None


def span(start: Any, stop: Any) -> int | None:
    """`stop - start` of two epoch-millisecond stamps; None when either is missing or stop < start."""
    begin, end = number(start), number(stop)
    if begin is None or end is None or end < begin:
        return None
    return round(end - begin)


def epoch_ms(value: Any) -> datetime | None:
    """An epoch-milliseconds stamp as an aware datetime; zero, garbage or out of range -> None."""
    found = number(value)
    if not found or found <= 0:
        return None
    try:
        return datetime.fromtimestamp(found / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")

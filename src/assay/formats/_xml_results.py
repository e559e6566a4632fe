"""Small helpers shared by the TestNG, xUnit.net and NUnit readers.

Sniffing the root element of a document head, cleaning element text, reading numbers and dates
the way these producers write them, and releasing lxml elements once they are read. Nothing
here returns an lxml object.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lxml import etree

from assay.formats._xml import local

_BOM = b"\xef\xbb\xbf"
# What may precede the root element: whitespace, XML declaration, processing instructions,
# comments (secureCodeBox puts an SPDX comment even before the declaration) and a DOCTYPE.
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)", re.S | re.I)
_ROOT = re.compile(rb"\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)")


def root_element(head: bytes) -> tuple[str, bytes] | None:
    """The root element's local name and the raw text of its start tag's attributes, from a head.

    Works on a head cut anywhere after the start tag's name; None when no element starts there.
    """
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # .NET tools sometimes write UTF-16 (with a BOM)
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    position = 0
    while (prolog := _PROLOG.match(head, position)) is not None:
        position = prolog.end()
    match = _ROOT.match(head, position)
    if match is None:
        return None
    return match.group(1).decode("ascii"), match.group(2)


def clean_text(text: str | None) -> str | None:
    """Element text as a reader wants it: CRLF -> LF, common indentation and blank edges removed.

    Producers pretty-print messages and stack traces inside indented elements (xUnit.net 1.x,
    TestNG's CDATA between newlines). None when nothing but whitespace is left.
    """
    if not text:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # textwrap.dedent, in one pass and without regexes (a hot spot on stack traces): blank lines
    # emptied, the indentation common to the others cut
    margin: str | None = None
    for index, line in enumerate(lines):
        rest = line.lstrip(" \t")
        if not rest:
            lines[index] = ""
        elif len(rest) != len(line):
            indent = line[: len(line) - len(rest)]
            if margin is None or margin.startswith(indent):
                margin = indent
            elif not indent.startswith(margin):
                margin = margin[: next(i for i, (a, b) in enumerate(zip(margin, indent, strict=False)) if a != b)]
        else:
            margin = ""
    if margin:
        cut = len(margin)
        lines = [line[cut:] for line in lines]
    return "\n".join(lines).strip() or None


def element_text(element: etree._Element) -> str | None:
    """All text inside `element` (CDATA and child elements included), cleaned; None when empty."""
    return clean_text("".join(element.itertext()))


# Local names by tag, so that a tag's namespace is stripped once (bounded, in case of odd files).
_LOCAL_NAMES: dict[object, str] = {}


def quick_text(element: etree._Element) -> str | None:
    """`element_text`, without its dedent when a lone text has no indented line to dedent."""
    text = element.text
    if len(element) or not text or "\r" in text or text[:1] in " \t" or "\n " in text or "\n\t" in text:
        return element_text(element)
    return text.strip() or None


def children_by_name(
    element: etree._Element, aliases: dict[str, str] | None = None
) -> dict[str, list[etree._Element]]:
    """The direct children of `element` by local name (or its alias), in document order, in one pass."""
    parts: dict[str, list[etree._Element]] = {}
    names = _LOCAL_NAMES
    for part in element:
        tag = part.tag
        name = names.get(tag)
        if name is None:
            name = local(tag)
            if len(names) < 1024:
                names[tag] = name
        if not name:
            continue
        if aliases is not None:
            name = aliases.get(name, name)
        found = parts.get(name)
        if found is None:
            parts[name] = [part]
        else:
            found.append(part)
    return parts


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """The direct children of `element` whose local name is `name`."""
    for child in element:
        if isinstance(child.tag, str) and local(child.tag) == name:
            yield child


def child(element: etree._Element, name: str) -> etree._Element | None:
    """The first direct child of `element` whose local name is `name`."""
    return next(children(element, name), None)


def child_text(element: etree._Element, name: str) -> str | None:
    found = child(element, name)
    return element_text(found) if found is not None else None


def release(element: etree._Element) -> None:
    """Free an element that has been read, and the siblings read before it (flat memory)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def seconds_to_ms(value: str | None) -> int | None:
    """`"1.5"` seconds -> 1500 ms; missing, negative or garbage -> None. Tolerates a decimal comma."""
    if not value:
        return None
    try:
        seconds = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return round(seconds * 1000)


def int_ms(value: str | None) -> int | None:
    """An integer count of milliseconds (TestNG's `duration-ms`); garbage or negative -> None."""
    if not value:
        return None
    try:
        milliseconds = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(milliseconds) or milliseconds < 0:
        return None
    return round(milliseconds)


# Zone abbreviations Java's SimpleDateFormat "z" writes that have one meaning; others are ignored
# (the time is then read as UTC, like any time without a zone).
_ZONES = {
    "Z": 0,
    "UTC": 0,
    "GMT": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "CET": 60,
    "CEST": 120,
    "MET": 60,
    "MEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
    "JST": 540,
    "KST": 540,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
}
_ZONE_NAME = re.compile(r"^[A-Za-z]{2,5}$")
_OFFSET = re.compile(r"^(?:GMT|UTC)([+-])(\d{1,2}):?(\d{2})?$")
_DATE_FORMATS = (
    "%m/%d/%Y %I:%M %p",  # IEUnit: date='6/12/2007' time='2:46 PM'
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
)


def parse_datetime(value: str | None) -> datetime | None:
    """A timestamp as these producers write it, timezone-aware (UTC when none is given).

    ISO 8601 (`2021-06-28T20:23:41.4594179Z`, `2021-06-28 20:23:41Z`), TestNG's
    `2021-03-01T10:00:00 CET` / `... GMT+05:30`, and a few US-style forms; garbage -> None.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    moment = _iso(text) or _strptime(text)
    if moment is None:
        moment = _with_zone_suffix(text)
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _with_zone_suffix(text: str) -> datetime | None:
    """TestNG's `yyyy-MM-dd'T'HH:mm:ss z`: a zone name or GMT offset after a space."""
    stamp, _, suffix = text.rpartition(" ")
    if not stamp:
        return None
    zone = _zone(suffix)
    if zone is None and not _ZONE_NAME.match(suffix):
        return None
    # An ambiguous abbreviation (IST, CST) is dropped: the time is then read as UTC.
    moment = _iso(stamp) or _strptime(stamp)
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone or UTC)


def combine_date_time(date: str | None, time: str | None) -> datetime | None:
    """NUnit 2's `date` + `time`, xUnit.net's `run-date` + `run-time`; an invalid date -> None."""
    if not date:
        return None
    if not time:
        return parse_datetime(date)
    date, time = date.strip(), time.strip()
    return parse_datetime(f"{date}T{time}") or parse_datetime(f"{date} {time}")


def _zone(name: str) -> timezone | None:
    minutes = _ZONES.get(name.upper())
    if minutes is not None:
        return timezone(timedelta(minutes=minutes))
    match = _OFFSET.match(name.upper())
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    hours, mins = int(match.group(2)), int(match.group(3) or 0)
    if hours > 18 or mins > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=mins))


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _strptime(text: str) -> datetime | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def add_property(properties: dict[str, Any], name: str, value: Any) -> None:
    """Set `name`; a repeated name turns its value into a list, in document order."""
    if name not in properties:
        properties[name] = value
    elif isinstance(properties[name], list):
        properties[name].append(value)
    else:
        properties[name] = [properties[name], value]


def add_tag(tags: list[str], tag: str) -> None:
    tag = tag.strip()
    if tag and tag not in tags:
        tags.append(tag)


def basename(path: str) -> str:
    """The last part of a Windows or POSIX path: `C:\\out\\shot.png` -> `shot.png`."""
    trimmed = path.rstrip("/\\")
    return re.split(r"[/\\]", trimmed)[-1] or path


def is_true(value: str | None) -> bool:
    """`True`, `true`, `1` (NUnit 2 writes True, IEUnit true)."""
    return (value or "").strip().lower() in ("true", "1", "yes")

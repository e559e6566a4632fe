"""Small helpers shared by the XML readers (TestNG, xUnit.net, NUnit, TRX, Catch2...).

Sniffing the root element of a document head, reading the root element before the document,
cleaning element text, reading numbers and dates the way these producers write them, and
releasing lxml elements once they are read. Nothing here returns an lxml object.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any, cast

from lxml import etree

from assay.errors import ParseError
from assay.formats._xml import iterparse, local

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


@dataclass(frozen=True)
class Root:
    """A document's root element: its local name, line and attributes."""

    name: str
    line: int | None
    attributes: dict[str, str]


def read_root(stream: IO[bytes]) -> tuple[Root, IO[bytes]]:
    """The document's root element, and a stream that reads the whole document again.

    A reader that is told only of the end of some elements learns the root last. This reads just
    as far as the root's start tag (through `_xml.iterparse`, guards included) so that a wrong root
    is refused at once, before anything else, as a reader told of every start would. What was read
    is kept and read again by the returned stream: the prolog and a chunk or so.
    Raises what `iterparse` raises for a document that breaks off or goes wrong before its root.
    """
    rewound = _Rewound(stream)
    for _, element in iterparse(cast(IO[bytes], rewound), events=("start",)):
        root = Root(local(element.tag), element.sourceline, dict(element.attrib))
        break  # the parser is dropped (and closed) here: the rest is read again, from the start
    else:  # pragma: no cover - lxml raises for a document without an element
        raise ParseError("the file is empty or holds no XML element", code="empty_file")
    rewound.rewind()
    return root, cast(IO[bytes], rewound)


class _Rewound:
    """A binary stream whose chunks read so far are read again, in the same sizes, after `rewind()`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._kept: list[bytes] = []
        self._recording = True

    def read(self, size: int = -1) -> bytes:
        if self._recording:
            chunk = self._stream.read(size)
            self._kept.append(chunk)
            return chunk
        if self._kept:
            return self._kept.pop(0)
        return self._stream.read(size)

    def rewind(self) -> None:
        self._recording = False


def clean_text(text: str | None) -> str | None:
    """Element text as a reader wants it: CRLF -> LF, common indentation and blank edges removed.

    Producers pretty-print messages and stack traces inside indented elements (xUnit.net 1.x,
    TestNG's CDATA between newlines). None when nothing but whitespace is left.
    """
    if not text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Blank lines at the edges go (the result is stripped): from the first line with text to the last.
    end = text.rstrip(" \t\n")
    body = end.lstrip(" \t\n")
    if not body:
        return None
    text = end[end.rfind("\n", 0, len(end) - len(body)) + 1 :]
    margin = text[: len(text) - len(body)]  # the first line's indentation
    # The usual stack trace: every line starts with the first line's indentation and none is blank
    # (no line ends in a space or tab): cut it with string methods instead of line by line.
    if " \n" not in text and "\t\n" not in text and text.count("\n") == text.count("\n" + margin):
        return (body.replace("\n" + margin, "\n") if margin else body).strip() or None
    return _dedent(text.split("\n"))


def _dedent(lines: list[str]) -> str | None:
    """textwrap.dedent, in one pass and without regexes: blank lines emptied, the indentation
    common to the others cut; then joined and stripped."""
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
    # itertext() costs more than the text it finds: a childless element's text is all of it
    return clean_text(element.text if not len(element) else "".join(element.itertext()))


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
    for part in element:
        name = local(part.tag)
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


def first_children(element: etree._Element) -> dict[str, etree._Element]:
    """The first direct child of `element` of each local name, in one pass."""
    found: dict[str, etree._Element] = {}
    for part in element:
        name = local(part.tag)
        if name and name not in found:
            found[name] = part
    return found


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
        # float() ignores the same surrounding whitespace as strip(): only a comma needs more
        seconds = float(value)
    except ValueError:
        try:
            seconds = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if not 0 <= seconds < math.inf:  # negative, infinite or NaN
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


def taken(parent: etree._Element, upto: etree._Element | None) -> Iterator[etree._Element]:
    """The children of `parent` before `upto` (all of them with None), each freed once used."""
    # `parent[0]` until it fails, not `len(parent)`: lxml counts children one by one, and the
    # parser is a chunk ahead of the events (the next tests are in the tree already)
    while True:
        try:
            child = parent[0]
        except IndexError:
            return
        if child is upto:
            return
        yield child
        del parent[0]

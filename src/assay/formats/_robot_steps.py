"""Robot Framework output.xml: statuses, times, messages and the keyword tree of one test.

Shared by `robot.py`'s two passes. Works on lxml elements that the caller owns and clears;
nothing returned here holds on to one.

Element shapes handled, by Robot Framework version:
- RF 2.6-3.x: `<kw name="BuiltIn.Log" type="setup|teardown|for|foritem">` with `<arguments><arg>`,
  `<assign><var>`, `<status status starttime="20111031 13:06:46.971" endtime>`, `<msg timestamp>`.
- RF 4-6 (schema 2-4): `<kw name library type="SETUP">`, bare `<arg>`/`<var>`, control structures
  `<for flavor><var><value><iter>`, `<if><branch type condition>`, `<try><branch type="EXCEPT">
  <pattern>`, `<while condition>`, `<return>`, `<break>`, `<continue>`.
- RF 7 (schema 5): `<status start="2011-10-24T13:41:20.886000" elapsed="0.002000">`, `<msg time>`,
  `owner=` instead of `library=`, `<variable>` (VAR), `<group>`, `<error>`, `<setup>`/`<teardown>`.
"""

from __future__ import annotations

import base64
import binascii
import html
import math
import posixpath
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from assay.model import Asset, Status, Step

# Deeper keyword nesting than this is cut (the exported JSON must stay writable).
MAX_STEP_DEPTH = 50
MAX_MESSAGE_CHARS = 4000
MAX_MESSAGES_PER_STEP = 100
MAX_TITLE_CHARS = 1000
# Levels whose text is kept on a step; DEBUG and TRACE are noise (a DEBUG traceback becomes the
# result's backtrace instead).
KEPT_LEVELS = frozenset({"FAIL", "ERROR", "WARN", "INFO", "SKIP"})

_STATUSES = {
    "PASS": Status.PASSED,
    "FAIL": Status.FAILED,
    "SKIP": Status.SKIPPED,
    "NOT RUN": Status.SKIPPED,
    "NOT_RUN": Status.SKIPPED,  # RF 3 dry-run
}
# Children of a keyword that describe it rather than being steps of their own.
_DATA_TAGS = frozenset({
    "doc", "arguments", "arg", "assign", "var", "value", "tags", "tag", "timeout", "msg", "status", "pattern",
})
# Elements that are steps even without a `<status>` (a truncated or hand-written file).
_STEP_TAGS = frozenset({
    "kw", "for", "iter", "if", "branch", "try", "while", "return", "break", "continue", "setup", "teardown",
    "group", "variable", "error",
})
# Control structures whose title is their keyword (and condition / values).
_CONTROL_TITLES = {
    "if": "IF", "try": "TRY", "return": "RETURN", "break": "BREAK", "continue": "CONTINUE", "error": "ERROR",
}
_IMG = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*([\"'])(.*?)\1", re.IGNORECASE | re.DOTALL)
_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)?(?:;[\w-]+=[^;,]*)*;base64,(.*)", re.DOTALL | re.IGNORECASE)
_EXCEPTION = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Failure|Exit|Interrupt)): ")


@dataclass
class Outcome:
    """What a `<status>` element says."""

    status: Status
    message: str | None = None
    duration: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    raw: str = ""


def robot_status(value: str | None) -> Status:
    return _STATUSES.get((value or "").strip().upper(), Status.UNKNOWN)


def parse_time(value: str | None) -> datetime | None:
    """`20111031 13:06:46.971` (RF < 7) or ISO 8601 (RF 7); "N/A" or garbage -> None. UTC if no zone."""
    if not value or value == "N/A":
        return None
    text = value.strip()
    try:
        if len(text) >= 17 and text[8] == " ":
            # by hand: strptime would cost seconds on a file with a million keywords
            fraction = text[18:24] if len(text) > 18 else ""
            return datetime(
                int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[12:14]),
                int(text[15:17]), int(fraction.ljust(6, "0")) if fraction else 0, tzinfo=UTC,
            )
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _seconds_ms(value: str | None) -> int | None:
    try:
        seconds = float(value) if value else math.nan
    except ValueError:
        return None
    # beyond a thousand years it is garbage (and `round` of an overflowing product would raise)
    return round(seconds * 1000) if 0 <= seconds < 3e10 else None


def _ms_of_day(text: str) -> int:
    """`20111031 13:06:46.971` -> milliseconds since midnight."""
    milliseconds = int(text[9:11]) * 3_600_000 + int(text[12:14]) * 60_000 + int(text[15:17]) * 1000
    return milliseconds + (int(text[18:21].ljust(3, "0")) if len(text) > 18 else 0)


# Keywords of one test share a handful of (start, end) pairs: their durations are remembered
_DURATIONS: dict[tuple[str | None, str | None, str | None], int | None] = {}
_MAX_DURATIONS = 4096


def _duration(start: str | None, end: str | None, elapsed: str | None) -> int | None:
    key = (start, end, elapsed)
    try:
        return _DURATIONS[key]
    except KeyError:
        pass
    if len(_DURATIONS) >= _MAX_DURATIONS:
        _DURATIONS.clear()
    duration = _DURATIONS[key] = _compute_duration(start, end, elapsed)
    return duration


def _compute_duration(start: str | None, end: str | None, elapsed: str | None) -> int | None:
    if elapsed is not None:  # RF 7
        return _seconds_ms(elapsed)
    if not start or not end:
        return None
    if start == end and len(start) >= 17:
        return 0  # most keywords: Robot's clock has millisecond resolution
    if len(start) >= 17 and start[8] == " " and start[:8] == end[:8]:
        # the common case, without building datetimes: same day, RF < 7 layout
        try:
            milliseconds = _ms_of_day(end) - _ms_of_day(start)
        except ValueError:
            return None
        return milliseconds if milliseconds >= 0 else None
    started, finished = parse_time(start), parse_time(end)
    if started is None or finished is None or finished < started:
        return None
    return round((finished - started).total_seconds() * 1000)


def outcome_of(element: etree._Element, times: bool = False) -> Outcome:
    """The element's own `<status>` child (not a nested keyword's); UNKNOWN when it has none."""
    status = element.find("status")
    return Outcome(Status.UNKNOWN) if status is None else read_status(status, times)


def read_status(status: etree._Element, times: bool = True) -> Outcome:
    """The status, message and duration; with `times`, the start and end moments too."""
    raw = status.get("status") or ""
    start = status.get("start") or status.get("starttime")
    duration = _duration(start, status.get("endtime"), status.get("elapsed"))
    outcome = Outcome(robot_status(raw), _text(status), duration, raw=raw.strip().upper())
    if times:
        outcome.started_at = parse_time(start)
        outcome.finished_at = parse_time(status.get("endtime"))
        if outcome.finished_at is None and outcome.started_at is not None and duration is not None:
            try:
                outcome.finished_at = outcome.started_at + timedelta(milliseconds=duration)
            except OverflowError:  # a start near year 9999
                outcome.finished_at = None
    return outcome


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()) if len(element) else element.text
    if not text or text.isspace():
        return None
    return text.strip()


def cap(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def exception_name(message: str | None) -> str | None:
    """Robot prefixes non-generic exceptions with their name: `ZeroDivisionError: division by zero`."""
    if not message:
        return None
    match = _EXCEPTION.match(message)
    return match.group(1) if match else None


def tags_of(element: etree._Element) -> list[str]:
    """A test's tags: `<tag>` children (RF 4+) or `<tags><tag>` (RF < 4)."""
    found = [child.text or "" for child in element.iterchildren("tag")]
    for wrapper in element.iterchildren("tags"):
        found.extend(tag.text or "" for tag in wrapper.iterchildren("tag"))
    return [tag.strip() for tag in found if tag.strip()]


def fail_message(element: etree._Element) -> str | None:
    """A failed keyword's message: its status text (RF 4+), else its first FAIL-level `<msg>` (RF < 4)."""
    message = _text(element.find("status"))
    if message:
        return message
    for msg in element.iter("msg"):
        if (msg.get("level") or "").upper() == "FAIL":
            return _text(msg)
    return None


# -- the keyword tree ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Parts:
    """What a keyword element holds, collected in one pass over its children."""

    status: etree._Element | None = None
    arguments: list[str] = field(default_factory=list)
    variables: list[etree._Element] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    messages: list[etree._Element] = field(default_factory=list)
    timeout: str | None = None
    children: list[etree._Element] = field(default_factory=list)


def _parts(element: etree._Element) -> _Parts:
    parts = _Parts()
    for child in element:
        tag = child.tag
        if tag == "status":
            parts.status = child
        elif tag == "kw" or (tag not in _DATA_TAGS and isinstance(tag, str)):
            parts.children.append(child)
        elif tag == "arg":
            parts.arguments.append(child.text or "")
        elif tag == "msg":
            parts.messages.append(child)
        elif tag == "var":
            parts.variables.append(child)
        elif tag == "value":
            parts.values.append(child.text or "")
        elif tag == "tag":
            parts.tags.append(child.text or "")
        elif tag == "arguments":  # RF < 4
            parts.arguments.extend(arg.text or "" for arg in child)
        elif tag == "assign":  # RF < 4
            parts.variables.extend(child)
        elif tag == "tags":  # RF < 4
            parts.tags.extend(item.text or "" for item in child)
        elif tag == "pattern":
            parts.patterns.append(child.text or "")
        elif tag == "timeout":
            parts.timeout = child.get("value")
    return parts


@dataclass
class TreeReader:
    """Builds Step trees; remembers the first Python traceback logged by a failed keyword."""

    traceback: str | None = None
    screenshots: int = 0
    _seen: set[str] = field(default_factory=set)

    def steps(self, element: etree._Element, depth: int = 0) -> list[Step]:
        """The steps among `element`'s children (any element with a `<status>` is one)."""
        found = [self.step(child, depth) for child in element if child.tag not in _DATA_TAGS]
        return [step for step in found if step is not None]

    def step(self, element: etree._Element, depth: int) -> Step | None:
        tag = element.tag
        if not isinstance(tag, str):
            return None
        parts = _parts(element)
        if parts.status is None and tag not in _STEP_TAGS:
            return None  # something newer Robot versions write that is not a keyword
        outcome = Outcome(Status.UNKNOWN) if parts.status is None else read_status(parts.status, times=False)
        step = Step(
            title=cap(_title(element, parts), MAX_TITLE_CHARS),
            status=outcome.status,
            keyword=keyword_of(element),
            duration=outcome.duration,
        )
        if outcome.status is Status.FAILED:
            step.error = outcome.message or fail_message(element)
        data: dict[str, Any] = {}
        self._messages(parts.messages, step, data)
        if parts.timeout:
            data["timeout"] = parts.timeout
        if kw_tags := [tag.strip() for tag in parts.tags if tag.strip()]:
            data["tags"] = kw_tags
        if depth + 1 < MAX_STEP_DEPTH:
            children = (self.step(child, depth + 1) for child in parts.children)
            step.steps = [child for child in children if child is not None]
        elif parts.children:
            data["truncated"] = f"keywords nested deeper than {MAX_STEP_DEPTH} levels are not shown"
        step.data = data or None
        return step

    def _messages(self, messages: list[etree._Element], step: Step, data: dict[str, Any]) -> None:
        kept: list[dict[str, Any]] = []
        for msg in messages:
            level = (msg.get("level") or "INFO").upper()
            text = msg.text or ""
            is_html = (msg.get("html") or "").lower() in ("true", "yes")
            if is_html:
                step.assets.extend(self._screenshots(text))
            if level not in KEPT_LEVELS:
                if self.traceback is None and step.status is Status.FAILED and text.startswith("Traceback"):
                    self.traceback = text
                continue
            if len(kept) >= MAX_MESSAGES_PER_STEP:
                data["messages_dropped"] = data.get("messages_dropped", 0) + 1
                continue
            entry: dict[str, Any] = {"level": level, "text": cap(text)}
            if moment := (msg.get("time") or msg.get("timestamp")):
                entry["time"] = moment
            if is_html:
                entry["html"] = True
            kept.append(entry)
        if kept:
            data["messages"] = kept

    def screenshots_in(self, element: etree._Element) -> list[Asset]:
        """Every screenshot logged anywhere inside `element` (a suite setup or teardown)."""
        return [
            asset
            for msg in element.iter("msg")
            if (msg.get("html") or "").lower() in ("true", "yes")
            for asset in self._screenshots(msg.text or "")
        ]

    def _screenshots(self, markup: str) -> list[Asset]:
        """Selenium/Browser library screenshots: `<img src="shot.png">`, possibly inside `<a href>`."""
        assets = []
        for match in _IMG.finditer(markup):
            source = html.unescape(match.group(2)).strip()
            if not source or source in self._seen:
                continue
            self._seen.add(source)
            embedded = _DATA_URI.match(source)
            if embedded:
                # SeleniumLibrary `Capture Page Screenshot  EMBED` inlines the PNG as a data: URI
                try:
                    data = base64.b64decode(re.sub(r"\s+", "", embedded.group(2)))
                except (binascii.Error, ValueError):
                    continue
                mime = (embedded.group(1) or "image/png").lower()
                self.screenshots += 1
                extension = mime.rsplit("/", 1)[-1].split("+")[0]
                name = f"screenshot-{self.screenshots}.{extension}"
                assets.append(Asset(name=name, data=data, mime_type=mime))
            elif "://" not in source:
                # a file next to output.xml: resolved against the upload's attachments later
                name = posixpath.basename(source.replace("\\", "/")) or source
                assets.append(Asset(name=name, path=source))
        return assets


def keyword_of(element: etree._Element) -> str | None:
    """`SETUP`/`TEARDOWN`/`FOR`... for fixtures and control structures, else the keyword's library."""
    tag = element.tag
    if tag == "kw":
        kind = (element.get("type") or "").strip().upper()
        if kind and kind not in ("KW", "KEYWORD"):
            return kind
        return element.get("library") or element.get("owner") or None
    if tag == "branch":
        return (element.get("type") or "BRANCH").upper()
    if tag == "iter":
        return "ITERATION"
    if tag == "variable":
        return "VAR"
    return str(tag).upper()


def _title(element: etree._Element, parts: _Parts) -> str:
    tag = element.tag
    if tag in ("kw", "setup", "teardown"):
        return _keyword_title(element, parts)
    if tag == "for":
        variables = [var.text or "" for var in parts.variables]
        return "    ".join(["FOR", *variables, element.get("flavor") or "IN", *parts.values])
    if tag == "iter":
        pairs = [f"{var.get('name')} = {var.text or ''}" for var in parts.variables if var.get("name")]
        return ", ".join(pairs) or "ITERATION"
    if tag == "branch":
        head = (element.get("type") or "BRANCH").upper()
        condition = element.get("condition")
        words = [head, condition] if condition else [head, *parts.patterns]
        # EXCEPT ... AS ${error}: RF 5-6 write `variable=`, RF 7 `assign=`
        if assign := element.get("assign") or element.get("variable"):
            words += ["AS", assign]
        return "    ".join(words)
    if tag == "while":
        return "    ".join(word for word in ("WHILE", element.get("condition") or "") if word)
    if tag == "variable":
        return "    ".join(["VAR", element.get("name") or "", *(var.text or "" for var in parts.variables)])
    if tag == "group":
        return "    ".join(word for word in ("GROUP", element.get("name") or "") if word)
    head = _CONTROL_TITLES.get(str(tag), str(tag).upper())
    return "    ".join([head, *parts.values])


def _keyword_title(element: etree._Element, parts: _Parts) -> str:
    name = element.get("name") or element.get("kwname") or ""
    title = "    ".join([name, *parts.arguments]) if parts.arguments else name
    if parts.variables:
        title = f"{', '.join(var.text or '' for var in parts.variables)} = {title}"
    return title or "(unnamed keyword)"

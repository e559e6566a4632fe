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
from collections.abc import Sequence
from dataclasses import dataclass
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
    outcome = Outcome(robot_status(raw), stripped_text(status), duration, raw=raw.strip().upper())
    if times:
        outcome.started_at = parse_time(start)
        outcome.finished_at = parse_time(status.get("endtime"))
        if outcome.finished_at is None and outcome.started_at is not None and duration is not None:
            try:
                outcome.finished_at = outcome.started_at + timedelta(milliseconds=duration)
            except OverflowError:  # a start near year 9999
                outcome.finished_at = None
    return outcome


def stripped_text(element: etree._Element | None) -> str | None:
    """The element's text (nested markup's included), stripped; None when blank."""
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


def fail_message(element: etree._Element, status: etree._Element | None = None) -> str | None:
    """A failed keyword's message: its status text (RF 4+), else its first FAIL-level `<msg>` (RF < 4).

    `status` is the element's first `<status>` child, when the caller knows it already.
    """
    message = stripped_text(status if status is not None else element.find("status"))
    if message:
        return message
    for msg in element.iter("msg"):
        if (msg.get("level") or "").upper() == "FAIL":
            return stripped_text(msg)
    return None


# -- the keyword tree ---------------------------------------------------------------------------


class _Parts:
    """What a keyword element holds, collected in one pass over its children."""

    # A plain class: built once per keyword, a dataclass's generated __init__ costs twice as much.
    # The lists most keywords never need start as an empty tuple, made lists by `more` on first use.
    __slots__ = (
        "status", "first_status", "arguments", "variables", "values", "patterns", "tags", "messages", "timeout",
        "children",
    )

    def __init__(self) -> None:
        self.status: etree._Element | None = None  # the last one
        self.first_status: etree._Element | None = None
        self.arguments: list[str] = []
        self.messages: list[etree._Element] = []
        self.children: list[etree._Element] = []
        self.variables: Sequence[etree._Element] = ()
        self.values: Sequence[str] = ()
        self.patterns: Sequence[str] = ()
        self.tags: Sequence[str] = ()
        self.timeout: str | None = None

    def more(self, name: str) -> list[Any]:
        """One of the seldom-needed lists, made on first use."""
        found = getattr(self, name)
        if not isinstance(found, list):
            found = []
            setattr(self, name, found)
        return found


def _parts(element: etree._Element) -> _Parts:
    parts = _Parts()
    # `element[:]` builds the child list in C: iterating the element itself costs twice as much.
    # The commonest tags are tested first; any tag not in _DATA_TAGS is a (possible) step.
    for child in element[:]:
        tag = child.tag
        if tag == "arg":
            parts.arguments.append(child.text or "")
        elif tag == "doc":
            continue
        elif tag == "msg":
            parts.messages.append(child)
        elif tag == "status":
            if parts.status is None:
                parts.first_status = child
            parts.status = child
        elif tag not in _DATA_TAGS:
            if isinstance(tag, str):
                parts.children.append(child)
        elif tag == "var":
            parts.more("variables").append(child)
        elif tag == "value":
            parts.more("values").append(child.text or "")
        elif tag == "tag":
            parts.more("tags").append(child.text or "")
        elif tag == "arguments":  # RF < 4
            parts.arguments.extend(arg.text or "" for arg in child)
        elif tag == "assign":  # RF < 4
            parts.more("variables").extend(child)
        elif tag == "tags":  # RF < 4
            parts.more("tags").extend(item.text or "" for item in child)
        elif tag == "pattern":
            parts.more("patterns").append(child.text or "")
        elif tag == "timeout":
            parts.timeout = child.get("value")
    return parts


def status_and_duration(status: etree._Element) -> tuple[Status, int | None]:
    """What read_status says, without the message and moments (a keyword never needs the moments)."""
    # one items() call reads all of the attributes: cheaper than the five get() calls it takes
    raw = start = starttime = end = elapsed = None
    for name, value in status.items():
        if name == "status":
            raw = value
        elif name == "starttime":  # RF < 7
            starttime = value
        elif name == "endtime":
            end = value
        elif name == "start":  # RF 7
            start = value
        elif name == "elapsed":
            elapsed = value
    state = _STATUSES.get(raw) or robot_status(raw)  # type: ignore[arg-type]
    if elapsed is not None:  # RF 7: the start does not matter
        return state, _duration(None, None, elapsed)
    return state, _duration(start or starttime, end, None)


class TestParts:
    """What a `<test>` holds, collected in one pass over its children (a `find` per part would walk
    them again each time): its first `<status>`, `<doc>` and `<timeout>`, its tags and its steps."""

    __slots__ = ("status", "doc", "timeout", "tags", "candidates")

    def __init__(self, test: etree._Element) -> None:
        self.status: etree._Element | None = None
        self.doc: etree._Element | None = None
        self.timeout: etree._Element | None = None
        self.candidates: list[etree._Element] = []  # children that may be steps, for TreeReader.steps_of
        tags: list[str] = []
        wrappers: list[etree._Element] = []
        for child in test[:]:
            tag = child.tag
            if tag == "kw" or tag not in _DATA_TAGS:
                self.candidates.append(child)
            elif tag == "status":
                if self.status is None:
                    self.status = child
            elif tag == "tag":
                tags.append(child.text or "")
            elif tag == "doc":
                if self.doc is None:
                    self.doc = child
            elif tag == "tags":  # RF < 4
                wrappers.append(child)
            elif tag == "timeout" and self.timeout is None:
                self.timeout = child
        if wrappers:  # `<tag>` children (RF 4+) first, then those of `<tags>` (RF < 4)
            tags.extend(item.text or "" for wrapper in wrappers for item in wrapper.iterchildren("tag"))
        self.tags = [tag.strip() for tag in tags if tag.strip()]


class TreeReader:
    """Builds Step trees; remembers the first Python traceback logged by a failed keyword."""

    __slots__ = ("traceback", "screenshots", "_seen")  # one per test: a plain class is cheaper

    def __init__(self) -> None:
        self.traceback: str | None = None
        self.screenshots = 0
        self._seen: set[str] = set()

    def steps_of(self, elements: list[etree._Element], depth: int = 0) -> list[Step]:
        """The steps among `elements`, children of one element with its data tags left out (any
        element with a `<status>` is one)."""
        found = [self.step(element, depth) for element in elements]
        return [step for step in found if step is not None]

    def step(self, element: etree._Element, depth: int) -> Step | None:
        tag = element.tag
        if not isinstance(tag, str):
            return None
        parts = _parts(element)
        status = parts.status
        if status is not None:
            state, duration = status_and_duration(status)
        elif tag in _STEP_TAGS:
            state, duration = Status.UNKNOWN, None
        else:
            return None  # something newer Robot versions write that is not a keyword
        error = None
        if state is Status.FAILED:
            error = stripped_text(status) or fail_message(element, parts.first_status)
        title = _title(element, parts)
        step = Step(
            title=title if len(title) <= MAX_TITLE_CHARS else cap(title, MAX_TITLE_CHARS),
            status=state,
            keyword=keyword_of(element),
            duration=duration,
            error=error,
        )
        data: dict[str, Any] = {}
        if parts.messages:
            self._messages(parts.messages, step, data)
        if parts.timeout:
            data["timeout"] = parts.timeout
        if parts.tags and (kw_tags := [tag.strip() for tag in parts.tags if tag.strip()]):
            data["tags"] = kw_tags
        if parts.children:
            if depth + 1 < MAX_STEP_DEPTH:
                step.steps = self.steps_of(parts.children, depth + 1)
            else:
                data["truncated"] = f"keywords nested deeper than {MAX_STEP_DEPTH} levels are not shown"
        if data:
            step.data = data
        return step

    def _messages(self, messages: list[etree._Element], step: Step, data: dict[str, Any]) -> None:
        kept: list[dict[str, Any]] = []
        for msg in messages:
            # one items() call reads all of a message's attributes: cheaper than four get() calls
            level = flag = time = timestamp = None
            for name, value in msg.items():
                if name == "level":
                    level = value
                elif name == "timestamp":  # RF < 7
                    timestamp = value
                elif name == "time":  # RF 7
                    time = value
                elif name == "html":
                    flag = value
            level = level.upper() if level else "INFO"
            text = msg.text or ""
            is_html = flag is not None and flag.lower() in ("true", "yes")
            if is_html:
                step.assets.extend(self._screenshots(text))
            if level not in KEPT_LEVELS:
                if self.traceback is None and step.status is Status.FAILED and text.startswith("Traceback"):
                    self.traceback = text
                continue
            if len(kept) >= MAX_MESSAGES_PER_STEP:
                data["messages_dropped"] = data.get("messages_dropped", 0) + 1
                continue
            entry: dict[str, Any] = {"level": level, "text": text if len(text) <= MAX_MESSAGE_CHARS else cap(text)}
            if moment := (time or timestamp):
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
        if kind := element.get("type"):
            kind = kind.strip().upper()
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

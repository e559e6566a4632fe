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
_DATA_TAGS = frozenset(
    {"doc", "arguments", "arg", "assign", "var", "value", "tags", "tag", "timeout", "msg", "status", "pattern"}
)
# Control structures whose title is their keyword (and condition / values).
_CONTROL_TITLES = {"if": "IF", "try": "TRY", "return": "RETURN", "break": "BREAK", "continue": "CONTINUE",
                   "error": "ERROR"}
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
    moment: datetime | None = None
    for layout in ("%Y%m%d %H:%M:%S.%f", "%Y%m%d %H:%M:%S"):
        try:
            moment = datetime.strptime(text, layout)
            break
        except ValueError:
            continue
    if moment is None:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _seconds_ms(value: str | None) -> int | None:
    try:
        seconds = float(value) if value else math.nan
    except ValueError:
        return None
    return round(seconds * 1000) if 0 <= seconds < math.inf else None


def outcome_of(element: etree._Element) -> Outcome:
    """The element's own `<status>` child (not a nested keyword's); UNKNOWN when it has none."""
    status = element.find("status")
    if status is None:
        return Outcome(Status.UNKNOWN)
    raw = status.get("status") or ""
    started = parse_time(status.get("start") or status.get("starttime"))
    finished = parse_time(status.get("endtime"))
    duration = _seconds_ms(status.get("elapsed"))  # RF 7
    if duration is None and started is not None and finished is not None and finished >= started:
        duration = round((finished - started).total_seconds() * 1000)
    if finished is None and started is not None and duration is not None:
        finished = started + timedelta(milliseconds=duration)
    return Outcome(robot_status(raw), _text(status), duration, started, finished, raw.strip().upper())


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


def texts(element: etree._Element, tag: str) -> list[str]:
    """Text of each direct child `<tag>` (and, for RF < 4, of `<tags>/<tag>`, `<arguments>/<arg>`...)."""
    return [child.text or "" for child in element.iterchildren(tag)]


def tags_of(element: etree._Element) -> list[str]:
    found = texts(element, "tag")  # RF 4+
    for wrapper in element.iterchildren("tags"):  # RF < 4
        found.extend(texts(wrapper, "tag"))
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


@dataclass
class TreeReader:
    """Builds Step trees; remembers the first Python traceback logged by a failed keyword."""

    traceback: str | None = None
    screenshots: int = 0
    _seen: set[str] = field(default_factory=set)

    def steps(self, element: etree._Element, depth: int = 0) -> list[Step]:
        return [self.step(child, depth) for child in element.iterchildren() if is_step(child)]

    def step(self, element: etree._Element, depth: int) -> Step:
        outcome = outcome_of(element)
        step = Step(
            title=cap(title_of(element), MAX_TITLE_CHARS),
            status=outcome.status,
            keyword=keyword_of(element),
            duration=outcome.duration,
        )
        if outcome.status in (Status.FAILED, Status.BROKEN):
            step.error = fail_message(element)
        data: dict[str, Any] = {}
        self._messages(element, step, data)
        if (timeout := element.find("timeout")) is not None and timeout.get("value"):
            data["timeout"] = timeout.get("value")
        if kw_tags := tags_of(element):
            data["tags"] = kw_tags
        if depth + 1 < MAX_STEP_DEPTH:
            step.steps = self.steps(element, depth + 1)
        elif any(is_step(child) for child in element.iterchildren()):
            data["truncated"] = f"keywords nested deeper than {MAX_STEP_DEPTH} levels are not shown"
        step.data = data or None
        return step

    def _messages(self, element: etree._Element, step: Step, data: dict[str, Any]) -> None:
        kept: list[dict[str, Any]] = []
        for msg in element.iterchildren("msg"):
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
                assets.append(Asset(name=f"screenshot-{self.screenshots}.{extension}", data=data, mime_type=mime))
            elif "://" not in source:
                # a file next to output.xml: resolved against the upload's attachments later
                assets.append(Asset(name=posixpath.basename(source.replace("\\", "/")) or source, path=source))
        return assets


def is_step(element: etree._Element) -> bool:
    tag = element.tag
    if not isinstance(tag, str) or tag in _DATA_TAGS:
        return False
    return element.find("status") is not None


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


def title_of(element: etree._Element) -> str:
    tag = element.tag
    if tag in ("kw", "setup", "teardown"):
        return _keyword_title(element)
    if tag == "for":
        variables = texts(element, "var")
        values = texts(element, "value")
        flavor = element.get("flavor") or "IN"
        return "    ".join(["FOR", *variables, flavor, *values])
    if tag == "iter":
        pairs = [f"{var.get('name')} = {var.text or ''}" for var in element.iterchildren("var") if var.get("name")]
        return ", ".join(pairs) or "ITERATION"
    if tag == "branch":
        head = (element.get("type") or "BRANCH").upper()
        condition = element.get("condition")
        parts = [head, condition] if condition else [head, *texts(element, "pattern")]
        # EXCEPT ... AS ${error}: RF 5-6 write `variable=`, RF 7 `assign=`
        if assign := element.get("assign") or element.get("variable"):
            parts += ["AS", assign]
        return "    ".join(parts)
    if tag == "while":
        return "    ".join(part for part in ("WHILE", element.get("condition") or "") if part)
    if tag == "variable":
        return "    ".join(["VAR", element.get("name") or "", *texts(element, "var")])
    if tag == "group":
        return "    ".join(part for part in ("GROUP", element.get("name") or "") if part)
    head = _CONTROL_TITLES.get(str(tag), str(tag).upper())
    return "    ".join([head, *texts(element, "value")])


def _keyword_title(element: etree._Element) -> str:
    name = element.get("name") or element.get("kwname") or ""
    arguments = texts(element, "arg")
    for wrapper in element.iterchildren("arguments"):  # RF < 4
        arguments.extend(texts(wrapper, "arg"))
    assigned = texts(element, "var")
    for wrapper in element.iterchildren("assign"):  # RF < 4
        assigned.extend(texts(wrapper, "var"))
    title = "    ".join([name, *arguments]) if arguments else name
    if assigned:
        title = f"{', '.join(assigned)} = {title}"
    return title or "(unnamed keyword)"

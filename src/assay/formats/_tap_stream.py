"""The TAP reader's state: one `_Level` per nesting depth (the stream, then each open subtest).

`TapReader.feed(line)` takes one decoded line and returns the events it completes; `finish()`
closes the stream. A test point stays pending until the next TAP line at its level, since its
YAML diagnostics and comments follow it. A subtest is a Container; when no `# Subtest: name`
comment announced it, its name is only known from the test point that closes it, so its events
are held (in `_Level.buffer`) until then.

TAP 14's buffered subtests (`not ok 1 - name {` ... `}`, as vitest writes them) put the test point
first: `feed` turns them into the unbuffered shape (a `# Subtest: name` comment, the indented
stream, then the held test point when the `}` closes it), so one set of rules reads both.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from assay.formats import _tap_yaml
from assay.formats._tap_points import DIRECTIVE, apply_diagnostic, ms, split_point
from assay.model import Container, Event, ReportMeta, Result, Status

VERSION = re.compile(r"^TAP version (\d+)\s*$", re.IGNORECASE)
PLAN = re.compile(r"^(\d+)\.\.(\d+)\s*(?:#\s*(.*))?$")
POINT = re.compile(r"^(not ok|ok)\b\s*(.*)$")
BAIL = re.compile(r"^Bail out!\s*(.*)$", re.IGNORECASE)
SUBTEST = re.compile(r"^#\s*Subtest:?\s*(.*)$")
PRAGMA = re.compile(r"^pragma [+-][\w-]+\s*$")
BRACE_OPEN = re.compile(r"^( *)((?:not ok|ok)\b.*?)\s*\{\s*$")
BRACE_CLOSE = re.compile(r"^( *)\}\s*$")
_MAX_DEPTH = 64


@dataclass
class _Point:
    """A test point waiting for its YAML block and comments."""

    ok: bool
    number: int | None
    description: str
    directive: str | None  # "skip" / "todo"
    reason: str | None
    duration: int | None
    comments: list[str] = field(default_factory=list)
    diagnostic: Any = None
    result: Result | None = None  # None: the point closed a subtest and is not a test of its own
    closes: _Level | None = None


@dataclass
class _Level:
    depth: int
    container: Container | None
    parent: _Level | None
    buffer: list[Event] | None = None  # events held while the subtest's name is unknown
    plan: int | None = None
    skip_reason: str | None = None
    count: int = 0
    max_id: int = 0
    pending: _Point | None = None
    next_name: str | None = None  # from "# Subtest: name", for the child about to open
    preamble: list[str] = field(default_factory=list)  # comments since the last test point
    closed_child: _Level | None = None
    results: int = 0  # results yielded inside (nested subtests included)
    bad: bool = False  # a failed or broken result inside
    started: bool = False  # a TAP line (plan, point, child) was seen at this level


class TapReader:
    def __init__(self) -> None:
        self.root = _Level(depth=0, container=None, parent=None)
        self.levels = [self.root]
        self.out: list[Event] = []
        self.yaml: list[str] | None = None
        self.yaml_indent = 0
        self.yaml_level: _Level | None = None
        self.bailed = False
        self.seen_tap = False
        self.braces: list[tuple[str, str]] = []  # (indent, test point) of each open buffered subtest

    # -- lines --------------------------------------------------------------------------------------

    def feed(self, line: str) -> list[Event]:
        if self.yaml is None and not self.bailed:
            if opened := BRACE_OPEN.match(line):
                indent, point = opened.groups()
                self.braces.append((indent, point))
                description = split_point(POINT.sub(r"\2", point))[1]
                return self._feed(f"{indent}# Subtest: {description}")
            if self.braces and (closed := BRACE_CLOSE.match(line)) and closed.group(1) == self.braces[-1][0]:
                indent, point = self.braces.pop()
                return self._feed(indent + point)
        return self._feed(line)

    def _feed(self, line: str) -> list[Event]:
        self.out = []
        if self.bailed:
            return self.out
        if self.yaml is not None and self._yaml_line(line):
            return self.out
        stripped = line.lstrip(" ")
        if not stripped.strip():
            return self.out
        indent = len(line) - len(stripped)
        text = stripped.rstrip()
        if text.startswith("---") and self._start_yaml(indent):
            return self.out
        level = indent // 4
        if indent % 4 == 0 and level <= len(self.levels) and level < _MAX_DEPTH and self._is_tap(text):
            if level == len(self.levels) and not self._open(text):
                self._output(line)
                return self.out
            self._close_to(level)
            self._tap_line(self.levels[level], text)
        else:
            self._output(line)
        return self.out

    def finish(self) -> list[Event]:
        self.out = []
        if self.yaml is not None:
            self._end_yaml()
        if not self.bailed:
            self._close_to(0)
            self._complete(self.root)
            self._abandon(self.root)
            self._finalize(self.root)
        return self.out

    def _is_tap(self, text: str) -> bool:
        return bool(
            POINT.match(text) or PLAN.match(text) or BAIL.match(text) or VERSION.match(text)
            or text.startswith("#") or PRAGMA.match(text)
        )

    def _tap_line(self, level: _Level, text: str) -> None:
        subtest = SUBTEST.match(text)
        if not text.startswith("#") or subtest:
            # anything but a plain comment ends the wait for a closed subtest's test point
            if not POINT.match(text):
                self._abandon(level)
        if subtest:
            self._complete(level)
            if level.container is not None and not level.started and level.buffer is not None:
                self._name(level, subtest.group(1).strip())  # Test::More: the comment inside the child
            else:
                level.next_name = subtest.group(1).strip() or None
        elif text.startswith("#"):
            body = text[1:]
            if level.pending is not None and body.startswith(("  ", "\t")):
                # Test::More's diag(): "#   Failed test 'x'" / "#          got: '1'" after the test
                level.pending.comments.append(body.rstrip())
            elif body.strip():
                # tape's and Catch2's test names come as "# name" before their test points
                level.preamble.append(body.strip())
        elif version := VERSION.match(text):
            self.seen_tap = True
            if level is self.root:
                self._emit(level, ReportMeta(properties={"tap.version": version.group(1)}))
        elif plan := PLAN.match(text):
            self._plan(level, plan)
        elif point := POINT.match(text):
            self._point(level, point)
        elif bail := BAIL.match(text):
            self._bail(level, bail.group(1).strip())

    def _output(self, line: str) -> None:
        """A non-TAP line (program output, a stack trace): kept with the pending test point."""
        level: _Level | None = self.levels[-1]
        while level is not None and level.pending is None:
            level = level.parent
        if level is not None and level.pending is not None:
            level.pending.comments.append(line.rstrip())

    # -- structure ----------------------------------------------------------------------------------

    def _open(self, text: str) -> bool:
        """Open a subtest one level deeper, if `text` starts one (a point, a plan, its Subtest comment)."""
        if not (POINT.match(text) or PLAN.match(text) or SUBTEST.match(text) or BAIL.match(text)):
            return False
        parent = self.levels[-1]
        self._complete(parent)
        parent.started = True
        name, parent.next_name = parent.next_name, None
        container = Container(title=name or "", classification="Subtest", parent=parent.container)
        child = _Level(depth=parent.depth + 1, container=container, parent=parent)
        self.levels.append(child)
        if name:
            self._emit(parent, container)
        else:
            child.buffer = [container]
        return True

    def _close_to(self, depth: int) -> None:
        while len(self.levels) > depth + 1:
            child = self.levels.pop()
            self._complete(child)
            self._abandon(child)
            self._finalize(child)
            parent = self.levels[-1]
            self._abandon(parent)
            parent.closed_child = child

    def _abandon(self, level: _Level) -> None:
        """A closed subtest whose closing test point never came: let its events out as they are."""
        child, level.closed_child = level.closed_child, None
        if child is not None and child.buffer is not None:
            self._name(child, "")

    def _name(self, level: _Level, title: str) -> None:
        """Name a held subtest and let its events out."""
        if level.container is None or level.buffer is None:
            return
        level.container.title = title or "(unnamed subtest)"
        held, level.buffer = level.buffer, None
        for event in held:
            self._emit(level.parent or self.root, event)

    def _finalize(self, level: _Level) -> None:
        """The end of a stream or subtest: a skipped-all plan, a plan mismatch, an unnamed subtest."""
        if level.plan == 0 and level.count == 0:
            self._result(level, Result(
                title="all tests skipped", status=Status.SKIPPED, container=level.container,
                description=level.skip_reason, json_data={"plan": "1..0"},
            ))
        elif (level.plan is None and level.count) or (
            level.plan is not None and (level.count != level.plan or level.max_id > level.plan)
        ):
            planned = f"planned {level.plan} tests (1..{level.plan})" if level.plan is not None else "no plan"
            beyond = level.plan is not None and level.max_id > level.plan
            self._result(level, Result(
                title="plan mismatch", status=Status.BROKEN, container=level.container,
                exception_description=f"{planned}, {level.count} ran"
                + (f", highest test number {level.max_id}" if beyond else ""),
                json_data={"plan": level.plan, "tests": level.count},
            ))

    # -- TAP lines ----------------------------------------------------------------------------------

    def _plan(self, level: _Level, match: re.Match[str]) -> None:
        self.seen_tap = True
        self._complete(level)
        level.preamble = []
        level.started = True
        first, last = int(match.group(1)), int(match.group(2))
        level.plan = max(last - first + 1, 0) if first <= last else 0
        reason = (match.group(3) or "").strip()
        directive = DIRECTIVE.match(reason)
        level.skip_reason = (directive.group(2).strip() if directive else reason) or None

    def _point(self, level: _Level, match: re.Match[str]) -> None:
        self.seen_tap = True
        self._complete(level)
        level.started = True
        level.count += 1
        number, description, directive, reason, duration = split_point(match.group(2))
        if number is not None:
            level.max_id = max(level.max_id, number)
        point = _Point(
            ok=match.group(1) == "ok", number=number if number is not None else level.count,
            description=description, directive=directive, reason=reason, duration=duration,
        )
        preamble, level.preamble = level.preamble, []
        level.next_name = None  # a "# Subtest: name" followed by no indented stream names nothing
        child, level.closed_child = level.closed_child, None
        if child is not None:
            point.closes = child
            if child.results == 0:
                # an empty subtest: its test point is the test; a held, empty Container is dropped
                child.buffer = None
                point.result = self._test(point, level.container)
            else:
                if child.buffer is not None:
                    self._name(child, description or f"subtest {point.number}")
                if not point.ok and directive is None and not child.bad:
                    # the subtest failed without a failing test: an error outside its tests
                    point.result = self._test(point, child.container)
                    point.result.status = Status.BROKEN
        else:
            point.result = self._test(point, level.container)
        if point.result is not None and preamble and point.result.description is None:
            point.result.description = "\n".join(preamble)
        level.pending = point

    def _bail(self, level: _Level, reason: str) -> None:
        self.seen_tap = True
        self._complete(level)
        self._result(level, Result(
            title="Bail out!", status=Status.BROKEN, container=level.container,
            exception_description=f"bail out: {reason}" if reason else "bail out",
        ))
        # everything after a bail out is ignored; held subtests are let out as they are
        for open_level in reversed(self.levels):
            self._complete(open_level)
            self._abandon(open_level)
            if open_level.buffer is not None:
                self._name(open_level, "")
        self.bailed = True

    def _test(self, point: _Point, container: Container | None) -> Result:
        status = Status.PASSED if point.ok else Status.FAILED
        if point.directive == "skip":
            status = Status.SKIPPED
        elif point.directive == "todo" and not point.ok:
            status = Status.SKIPPED  # an expected failure
        result = Result(
            title=point.description or f"test {point.number}", status=status, container=container,
            duration=point.duration,
        )
        result.json_data["number"] = point.number
        if point.directive:
            result.json_data[point.directive] = point.reason or True
            if point.directive == "todo" and not point.ok:
                result.description = f"expected failure (TODO{': ' + point.reason if point.reason else ''})"
            elif point.reason:
                result.description = point.reason
        return result

    def _complete(self, level: _Level) -> None:
        """The pending point has all its YAML and comments: emit its Result, if it is a test."""
        point, level.pending = level.pending, None
        if point is None:
            return
        result = point.result
        diagnostic = point.diagnostic if isinstance(point.diagnostic, dict) else None
        if point.closes is not None and point.closes.container is not None:
            duration = point.duration
            if duration is None and diagnostic is not None:
                duration = ms(diagnostic.get("duration_ms"))
            point.closes.container.duration = duration
        if result is None:
            return
        if diagnostic is not None:
            apply_diagnostic(result, diagnostic)
        elif point.diagnostic is not None:
            result.json_data["diagnostic"] = point.diagnostic
        text = textwrap.dedent("\n".join(point.comments)).strip("\n")
        if text:
            result.stdout = text
            if result.status in (Status.FAILED, Status.BROKEN) and result.exception_description is None:
                result.exception_description = text  # Test::More's diag() follows the failing test
        inside = point.closes is not None and result.container is point.closes.container
        self._result(point.closes if inside and point.closes else level, result)

    def _result(self, level: _Level, result: Result) -> None:
        node: _Level | None = level
        while node is not None:
            node.results += 1
            node.bad |= result.status in (Status.FAILED, Status.BROKEN)
            node = node.parent
        self._emit(level, result)

    def _emit(self, level: _Level, event: Event) -> None:
        node: _Level | None = level
        while node is not None:
            if node.buffer is not None:
                node.buffer.append(event)
                return
            node = node.parent
        self.out.append(event)

    # -- YAML blocks --------------------------------------------------------------------------------

    def _start_yaml(self, indent: int) -> bool:
        """A `---` opens the diagnostics of the pending test point above it: indented 2 more than
        the point (the TAP 13/14 rule) or, as vitest writes it, 4 more while no subtest is open."""
        if indent % 4 == 2:
            depth = (indent - 2) // 4
        elif indent >= 4 and indent % 4 == 0 and indent // 4 == len(self.levels):
            depth = indent // 4 - 1
        else:
            return False
        if depth >= len(self.levels) or self.levels[depth].pending is None:
            return False
        self.yaml, self.yaml_indent, self.yaml_level = [], indent, self.levels[depth]
        return True

    def _yaml_line(self, line: str) -> bool:
        """Take a line into the open YAML block; False when the block ended without its `...`."""
        indent = len(line) - len(line.lstrip(" "))
        if line.strip() == "..." and indent == self.yaml_indent:
            self._end_yaml()
            return True
        if line.strip() and indent < self.yaml_indent:
            self._end_yaml()
            return False
        assert self.yaml is not None
        self.yaml.append(line[self.yaml_indent:] if indent >= self.yaml_indent else "")
        return True

    def _end_yaml(self) -> None:
        lines, level = self.yaml or [], self.yaml_level
        self.yaml, self.yaml_level = None, None
        if level is not None and level.pending is not None:
            level.pending.diagnostic = _tap_yaml.load(lines)

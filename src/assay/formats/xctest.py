"""XCTest console logs: `xcodebuild test`, `swift test` (macOS and Linux), with Swift Testing's lines.

Covered producers (each has a corpus file): Xcode 5 OCUnit/Kiwi logs (build output first, suites
"finished at", `.octest` bundles), `swift test` 5.x on macOS (`-[Module.Class test]`, skips,
"Restarting after unexpected exit, crash, or test timeout" lines), Xcode parallel testing
(`Test case '...' passed on 'Clone 1 of iPhone ...' (0.002 seconds)`), and Swift 6 on macOS and
Linux (`Test Case 'Class.test' passed (0.001 seconds)`) followed by Swift Testing's `◇/✔/✘/➜`
lines (SF Symbols glyphs on macOS).

Tree: every `Test Suite '...' started` is a "Suite" container nested in the suite that was open
('All tests' > 'Foo.xctest' > 'FooTests'). The innermost suite XCTest opens for a test class is
that class: tests of class `FooTests` go straight into a suite titled `FooTests`, which becomes a
"Class" container. Tests whose class has no suite of its own (parallel logs, crashed tests) get a
"Class" container under the innermost non-class suite. Swift Testing's tests go into one "Suite"
container, "Swift Testing" (its console lines do not say which suite a test belongs to).

Statuses: passed/failed/skipped as printed; a test named by a crash-restart line, or one that
started and never ended, is BROKEN. Failure lines (`file:line: error: <test> : message`) attach to
the test they name: the first message is the description, all of them the backtrace. Unrecognised
lines printed while one XCTest case runs are its stdout.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from assay.errors import ParseError
from assay.formats import _xctest_lines as lines
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result, Status

__all__ = ["FORMAT", "parse", "sniff"]

_STDOUT_LIMIT = 1024 * 1024  # characters of output kept per test
_STATUSES = {"passed": Status.PASSED, "failed": Status.FAILED, "skipped": Status.SKIPPED}

_SNIFF_STRONG = re.compile(r"^Test Suite '.*' started", re.M)
_SNIFF_CASE = re.compile(r"^Test [Cc]ase '", re.M)
_SNIFF_SWIFT_TESTING = re.compile(r"^[^\x00-\x7f]{1,2} +(?:Test run started|Test .+ started\.)", re.M)
# xcodebuild's own build output, which comes before the tests (and can fill the whole head)
_SNIFF_XCODEBUILD = re.compile(
    r"^(?:=== BUILD (?:AGGREGATE )?TARGET .+ OF PROJECT |\*\* (?:BUILD|TEST) (?:SUCCEEDED|FAILED) \*\*|"
    r"Build settings from command line:)",
    re.M,
)


def sniff(head: bytes) -> float:
    """0.9 for XCTest suite lines, 0.85 for test case lines, 0.8 for Swift Testing's, 0.5 for
    xcodebuild build output (its tests may start past the head); 0 for XML/JSON and anything else."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text or text[0] in "<{[":
        return 0.0
    if _SNIFF_STRONG.search(text):
        return 0.9
    if _SNIFF_CASE.search(text):
        return 0.85
    if _SNIFF_SWIFT_TESTING.search(text):
        return 0.8
    if _SNIFF_XCODEBUILD.search(text):
        return 0.5
    return 0.0


@dataclass(eq=False)
class _Suite:
    title: str
    parent: _Suite | None
    container: Container | None = None  # once yielded
    is_class: bool = False


@dataclass
class _Running:
    """A test between its 'started' line and its outcome."""

    identifier: str
    output: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class _Issue:
    where: str | None
    message: str

    def line(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class _Log:
    def __init__(self) -> None:
        self.out: list[Event] = []
        self.stack: list[_Suite] = []
        self.suites: dict[tuple[int, str], _Suite] = {}  # (id of parent, title): reused after a restart
        self.classes: dict[tuple[int, str], Container] = {}
        self.running: dict[str, _Running] = {}
        self.issues: dict[str, list[_Issue]] = {}
        self.last_ended: _Suite | None = None
        self.swift: Container | None = None
        self.swift_running: dict[str, list[_Issue]] = {}
        self.last_swift_issue: str | None = None
        self.recognised = False
        self.meta = ReportMeta()

    # -- lines ------------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        if text.startswith("Test "):
            if self._xctest(text):
                self.recognised = True
                return
        elif (issue := lines.ISSUE.match(text)) is not None:
            self._issue(issue)
            return
        elif (restart := lines.RESTART.match(text)) is not None:
            self.recognised = True
            self._crash(restart.group("id"), "unexpected exit, crash, or test timeout", text)
            return
        elif (executed := lines.EXECUTED.match(text)) is not None:
            if self.last_ended is not None and self.last_ended.container is not None:
                self.last_ended.container.duration = lines.seconds_ms(executed.group("wall"))
                self.last_ended.container.properties["summary"] = text.strip()
            return
        elif text[:1] > "\x7f" and self._swift_testing(text):
            self.recognised = True
            return
        if len(self.running) == 1:
            self._output(next(iter(self.running.values())), text)

    def _xctest(self, text: str) -> bool:
        if (match := lines.CASE_ENDED.match(text)) is not None:
            self._case_ended(match)
        elif (match := lines.CASE_STARTED.match(text)) is not None:
            self.running[match.group("id")] = _Running(match.group("id"))
        elif (match := lines.SUITE_STARTED.match(text)) is not None:
            self._suite_started(match.group("name"))
            if self.meta.started_at is None:
                self.meta.started_at = lines.timestamp(match.group("at"))
        elif (match := lines.SUITE_ENDED.match(text)) is not None:
            self._suite_ended(match.group("name"))
            self.meta.finished_at = lines.timestamp(match.group("at")) or self.meta.finished_at
        elif lines.SUITE_STARTED_ON.match(text) is not None:
            pass  # parallel testing: a class suite on a simulator clone; its tests name their class
        else:
            return False
        return True

    # -- suites -----------------------------------------------------------------------------------
    def _suite_started(self, name: str) -> None:
        # OCUnit names the bundle by its full path: the file name is what stays the same across machines
        title = name.rstrip("/").rsplit("/", 1)[-1] or name
        for depth, open_suite in enumerate(self.stack):
            if open_suite.title == title:
                # the test process was restarted after a crash: the suites it had open never ended
                del self.stack[depth:]
                break
        parent = self.stack[-1] if self.stack else None
        key = (id(parent), title)
        suite = self.suites.get(key)
        if suite is None:
            suite = self.suites[key] = _Suite(title, parent)
        self.stack.append(suite)

    def _suite_ended(self, name: str) -> None:
        title = name.rstrip("/").rsplit("/", 1)[-1] or name
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].title == title:
                ended = self.stack[depth]
                del self.stack[depth:]
                self._open(ended)  # an empty suite still belongs to the tree
                self.last_ended = ended
                return

    def _open(self, suite: _Suite | None) -> Container | None:
        """The suite's container, yielded (with its parents) the first time it is needed."""
        if suite is None:
            return None
        if suite.container is None:
            parent = self._open(suite.parent)
            suite.container = Container(
                title=suite.title, classification="Class" if suite.is_class else "Suite", parent=parent
            )
            self.out.append(suite.container)
        return suite.container

    def _class_container(self, cls: str | None) -> Container | None:
        top = self.stack[-1] if self.stack else None
        if cls is None:
            return self._open(top)
        if top is not None and top.title == cls and (top.is_class or top.container is None):
            top.is_class = True
            return self._open(top)
        holder = next((suite for suite in reversed(self.stack) if not suite.is_class), None)
        key = (id(holder), cls)
        container = self.classes.get(key)
        if container is None:
            container = Container(title=cls, classification="Class", parent=self._open(holder))
            self.classes[key] = container
            self.out.append(container)
        return container

    # -- test cases -------------------------------------------------------------------------------
    def _case_ended(self, match: re.Match[str]) -> None:
        identifier = match.group("id")
        running = self.running.pop(identifier, None)
        result = self._result(identifier, _STATUSES[match.group("verb")])
        result.duration = lines.seconds_ms(match.group("seconds"))
        if device := match.group("device"):
            result.properties["device"] = device
        if running is not None and running.output:
            result.stdout = "\n".join(running.output)
        self.out.append(result)

    def _crash(self, identifier: str, reason: str, line: str | None = None) -> None:
        running = self.running.pop(identifier, None)
        result = self._result(identifier, Status.BROKEN)
        result.exception_description = result.exception_description or reason
        if line:
            result.exception_backtrace = "\n".join(filter(None, (result.exception_backtrace, line.strip())))
        if running is not None and running.output:
            result.stdout = "\n".join(running.output)
        self.out.append(result)

    def _result(self, identifier: str, status: Status) -> Result:
        module, cls, name = lines.split_id(identifier)
        result = Result(title=name, status=status, classname=cls, container=self._class_container(cls))
        if module:
            result.properties["module"] = module
        issues = self.issues.pop(identifier, [])
        if status is Status.SKIPPED:
            reasons = [skip.group("reason") for issue in issues
                       if (skip := lines.SKIP_MESSAGE.match(issue.message)) and skip.group("reason")]
            result.exception_description = reasons[0] if reasons else None
        elif issues:
            result.exception_description = issues[0].message
            result.exception_backtrace = "\n".join(issue.line() for issue in issues)
        return result

    def _issue(self, match: re.Match[str]) -> None:
        identifier = match.group("id")
        if identifier not in self.running and len(self.running) == 1:
            identifier = next(iter(self.running))  # a test that names itself differently
        self.issues.setdefault(identifier, []).append(_Issue(match.group("where"), match.group("message")))

    def _output(self, running: _Running, text: str) -> None:
        if running.size < _STDOUT_LIMIT:
            running.output.append(text)
            running.size += len(text) + 1

    # -- Swift Testing ----------------------------------------------------------------------------
    def _swift_testing(self, text: str) -> bool:
        match = lines.SWIFT_TESTING.match(text)
        if match is None:
            detail = lines.SWIFT_DETAIL.match(text)
            if detail is not None and self.last_swift_issue in self.swift_running:
                # "↳ comment" and argument details under an issue
                self.swift_running[self.last_swift_issue].append(_Issue(None, detail.group("detail")))
                return True
            return False
        rest = match.group("rest")
        if match.group("kind") == "Suite":
            self._swift_suite(rest)
        elif rest.startswith(("run ", "run.")):
            pass  # "Test run started." / "Test run with 2 tests failed after ..."
        elif (ended := lines.ST_ENDED.match(rest)) is not None:
            self._swift_result(ended.group("name"), _STATUSES[ended.group("verb")], ended.group("seconds"))
        elif (issue := lines.ST_ISSUE.match(rest)) is not None:
            self._swift_issue(issue)
        elif (skipped := lines.ST_SKIPPED.match(rest)) is not None:
            reason = skipped.group("reason")
            reason = lines.display_name(reason or "") or None
            self._swift_result(skipped.group("name"), Status.SKIPPED, None, reason)
        elif (started := lines.ST_STARTED.match(rest)) is not None:
            self.swift_running.setdefault(started.group("name"), [])
        else:
            return False
        return True

    def _swift_container(self) -> Container:
        if self.swift is None:
            self.swift = Container(title="Swift Testing", classification="Suite")
            self.out.append(self.swift)
        return self.swift

    def _swift_suite(self, rest: str) -> None:
        ended = lines.ST_ENDED.match(rest)
        if ended is not None:
            suites = self._swift_container().properties.setdefault("suites", {})
            suites[lines.display_name(ended.group("name"))] = ended.group("verb")

    def _swift_issue(self, match: re.Match[str]) -> None:
        if match.group("known"):
            return  # withKnownIssue: expected, does not fail the test
        name = match.group("name")
        where = lines.ST_ISSUE_AT.match(match.group("rest"))
        issue = (_Issue(where.group("where"), where.group("message")) if where is not None
                 else _Issue(None, match.group("rest").lstrip(" :")))
        self.swift_running.setdefault(name, []).append(issue)
        self.last_swift_issue = name

    def _swift_result(
        self, name: str, status: Status, seconds: str | None, reason: str | None = None
    ) -> None:
        issues = self.swift_running.pop(name, [])
        result = Result(title=lines.display_name(name), status=status, container=self._swift_container(),
                        duration=lines.seconds_ms(seconds) if seconds else None)
        if issues:
            result.exception_description = issues[0].message
            result.exception_backtrace = "\n".join(issue.line() for issue in issues)
        if reason:
            result.exception_description = reason
        self.out.append(result)

    # -- end of the log ---------------------------------------------------------------------------
    def finish(self) -> None:
        for identifier in list(self.running):
            self._crash(identifier, "the log ends before this test finished")
        for name in list(self.swift_running):
            self._swift_result(name, Status.BROKEN, None, "the log ends before this test finished")
        for suite in self.stack:
            self._open(suite)
        if self.meta.started_at is not None:
            self.out.append(self.meta)


_EOL = re.compile(r"\r\n|\r|\n")


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """The stream's lines, decoded as UTF-8 (bad bytes replaced), without end-of-line characters."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    first = True
    while True:
        chunk = stream.read(64 * 1024)
        text = decoder.decode(chunk, final=not chunk)
        if first and text:
            text = text.lstrip("\ufeff")
            first = False
        pending += text
        # a CRLF cut between two reads must not count as two line ends
        held = "\r" if chunk and pending.endswith("\r") else ""
        if held:
            pending = pending[:-1]
        *complete, pending = _EOL.split(pending)
        pending += held
        yield from complete
        if not chunk:
            break
    if pending:
        yield pending


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream an XCTest/Swift Testing console log as Suite/Class Containers, Results and a ReportMeta.

    Raises ParseError for an empty file or one with no XCTest or Swift Testing line at all.
    """
    log = _Log()
    seen_text = False
    for text in _lines(stream):
        seen_text = seen_text or bool(text.strip())
        log.line(text)
        if log.out:
            yield from log.out
            log.out = []
    if not seen_text:
        raise ParseError("the file is empty", code="empty_file")
    if not log.recognised:
        raise ParseError(
            "not an XCTest log: no 'Test Suite', 'Test Case' or Swift Testing line was found"
        )
    log.finish()
    yield from log.out


FORMAT = Format(
    name="xctest",
    origin="xctest_log",
    title="XCTest console log",
    sniff_fn=sniff,
    parse=parse,
    aliases=("xcodebuild", "swift-test", "swift_testing", "xctest_log"),
    filenames=("*.log", "*.txt"),
    mimetypes=("text/plain",),
    priority=0.4,
)

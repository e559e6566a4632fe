"""MSTest TRX: Visual Studio's test results, `vstest.console /logger:trx`, `dotnet test --logger trx`.

Covered producers (each has a corpus file): Visual Studio 2015 MSTest (assembly-qualified class
names, Aborted/NotRunnable/NotExecuted outcomes, definitions before results), MSTest v2
data-driven tests (`<InnerResults>`), and `dotnet test` with the xUnit.net v2/v3 and NUnit 3
adapters (definitions after results, full names as test names, class cleanup failures).

Shape: root `<TestRun xmlns=".../TeamTest/2010">`. Each top-level `<UnitTestResult>` of
`<Results>` is one Result; its `<InnerResults>` (data rows, ordered tests) become its Steps, each
with its own status. `<TestDefinitions><UnitTest id><TestMethod className>` give each test its
class: results are grouped in one "Class" container per class name (a result whose definition has
no class, like xUnit.net v3's "[Test Class Cleanup Failure (...)]", stays at the top). `<Times>`,
the run's name and `<ResultSummary>` become the ReportMeta.

Streaming: dotnet writes `<TestDefinitions>` after `<Results>`, so a result's class is not known
when the result is read. When the stream is seekable, a first pass reads only the definitions
(stopping at `</TestDefinitions>`) and the second pass streams results with flat memory. When it
is not, finished Results (never XML elements) are held until `</TestDefinitions>` and then
emitted; files that define tests first (VS 2010-2015) stream straight through either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from lxml import etree

from assay.errors import ParseError
from assay.formats._trx_result import Definition, read_definition, read_result, result_files
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import Root, parse_datetime, read_root, release, root_element, taken
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta, Result

__all__ = ["FORMAT", "parse", "sniff"]

_NAMESPACE = b"microsoft.com/schemas/VisualStudio/TeamTest/2010"
_HEAD = 64 * 1024
# Sections with one entry per test: their entries are read and released one by one. The others
# (Times, TestSettings, ResultSummary) are small and read whole when they end.
_LONG_SECTIONS = frozenset({"Results", "TestDefinitions", "TestEntries", "TestLists"})
# The only elements that cross into Python (in any namespace; the others are read from the tree
# under them): the sections the reader uses or frees, and the entries of the long sections by the
# names TRX gives them. An entry named otherwise is read all the same, in its place in the
# document, when the next named entry or its section ends.
_SECTIONS = ("Results", "TestDefinitions", "TestEntries", "TestLists", "Times", "ResultSummary")
_ENTRIES = (
    "UnitTestResult", "TestResultAggregation", "GenericTestResult", "WebTestResult", "ManualTestResult",
    "UnitTest", "OrderedTest", "GenericTest", "WebTest", "ManualTest", "TestEntry", "TestList",
)
_NAMED = tuple(f"{{*}}{name}" for name in (*_SECTIONS, *_ENTRIES))


def sniff(head: bytes) -> float:
    """0.95 for a `<TestRun>` root in the TeamTest namespace; 0.6 for a bare `<TestRun>`; else 0."""
    root = root_element(head)
    if root is None or root[0] != "TestRun":
        return 0.0
    return 0.95 if _NAMESPACE in root[1] else 0.6


# -- the document walk ----------------------------------------------------------------------------


def _walk(stream: IO[bytes]) -> Iterator[tuple[int, str, etree._Element]]:
    """(depth, section, element) in document order: the end of each section the reader needs at
    depth 2 (`<Results>`, `<TestDefinitions>`, `<Times>`...), and of every element at depth 3 in a
    long section (an entry). The root is read before (`read_root`).

    Entries and sections are released once the caller has read them: memory stays flat.
    """
    done: etree._Element | None = None  # the last entry handed out: cleared, but still in the tree
    for _event, element in iterparse(stream, events=("end",), tag=_NAMED):
        parent = element.getparent()
        above = parent.getparent() if parent is not None else None
        if parent is not None and above is None:  # a section
            section = local(element.tag)
            if section in _LONG_SECTIONS:
                yield from ((3, section, entry) for entry in taken(element, None) if entry is not done)
            yield 2, section, element
            release(element)  # and whatever came before it at depth 2
        elif above is not None and above.getparent() is None:  # an entry, if its section is long
            section = local(parent.tag)
            if section in _LONG_SECTIONS:
                if (previous := element.getprevious()) is not None:
                    if previous.getprevious() is None and previous is done:
                        del parent[0]  # the usual case: only the last entry, read already, is left
                    else:
                        yield from ((3, section, entry) for entry in taken(parent, element) if entry is not done)
                yield 3, section, element
                element.clear(keep_tail=False)
                done = element


def _read_definitions(stream: IO[bytes], *, drain: bool = False) -> dict[str, Definition]:
    """The first pass: every test definition, read up to `</TestDefinitions>` (to the end when
    `drain`, so that the whole stream is known to parse)."""
    definitions: dict[str, Definition] = {}
    walk = _walk(stream)
    for depth, section, element in walk:
        if section != "TestDefinitions":
            continue
        if depth == 3:
            if (entry := read_definition(element)) is not None:
                definitions[entry[0]] = entry[1]
        elif depth == 2:
            break
    if drain:
        for _ in walk:
            pass
    return definitions


class _Reader:
    def __init__(self, definitions: dict[str, Definition] | None) -> None:
        # None: definitions still to come, so results wait for them
        self.definitions = definitions if definitions is not None else {}
        self.ready = definitions is not None
        self.waiting: list[Result] = []
        self.classes: dict[str, Container] = {}

    def read(self, stream: IO[bytes], root: Root) -> Iterator[Event]:
        yield _run_meta(root.attributes)
        for depth, section, element in _walk(stream):
            if depth == 3:
                yield from self._entry(section, element)
            elif section == "TestDefinitions":
                self.ready = True
                yield from self._flush()
            elif section == "Times":
                yield _times_meta(element)
            elif section == "ResultSummary":
                yield _summary_meta(element)
        self.ready = True
        yield from self._flush()

    def _entry(self, section: str, element: etree._Element) -> Iterator[Event]:
        if section == "Results":
            if element.get("testName") is None and element.get("outcome") is None:
                return  # not a result element
            result = read_result(element)
            if self.ready:
                yield from self._emit(result)
            else:
                self.waiting.append(result)
        elif section == "TestDefinitions" and not self.ready:
            if (entry := read_definition(element)) is not None:
                self.definitions[entry[0]] = entry[1]

    def _flush(self) -> Iterator[Event]:
        waiting, self.waiting = self.waiting, []
        for result in waiting:
            yield from self._emit(result)

    def _emit(self, result: Result) -> Iterator[Event]:
        definition = self.definitions.get(result.json_data.get("test_id") or "")
        if definition is not None:
            _apply(definition, result)
            if definition.class_name:
                container = self.classes.get(definition.class_name)
                if container is None:
                    container = Container(title=definition.class_name, classification="Class")
                    if definition.storage:
                        container.properties["storage"] = definition.storage
                    self.classes[definition.class_name] = container
                    yield container
                result.container = container
        yield result


def _apply(definition: Definition, result: Result) -> None:
    """Give a result what its test's definition says: class, description, categories, properties."""
    class_name = definition.class_name
    if class_name:
        result.classname = class_name
        # xUnit.net and NUnit adapters name tests by their full name: the class is the container
        if result.title.startswith(class_name + ".") and len(result.title) > len(class_name) + 1:
            result.title = result.title[len(class_name) + 1:]
    result.description = definition.description
    if definition.tags:
        result.tags.extend(tag for tag in definition.tags if tag not in result.tags)
    for key, value in definition.properties:
        if key in result.properties:
            previous = result.properties[key]
            result.properties[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result.properties[key] = value
    if definition.storage:
        result.json_data["storage"] = definition.storage


# -- report-level data ------------------------------------------------------------------------------


def _run_meta(attributes: Mapping[str, str]) -> ReportMeta:
    meta = ReportMeta(title=attributes.get("name") or None)
    for name, key in (("runUser", "run_user"), ("id", "run_id")):
        if value := attributes.get(name):
            meta.properties[key] = value
    return meta


def _times_meta(element: etree._Element) -> ReportMeta:
    # vstest's `creation` may come after `start`: the run starts when its tests start
    started = parse_datetime(element.get("start")) or parse_datetime(element.get("creation"))
    meta = ReportMeta(started_at=started, finished_at=parse_datetime(element.get("finish")))
    for name in ("creation", "queuing"):
        if value := element.get(name):
            meta.properties[name] = value
    if meta.started_at and meta.finished_at and meta.finished_at >= meta.started_at:
        meta.duration = round((meta.finished_at - meta.started_at).total_seconds() * 1000)
    return meta


def _summary_meta(element: etree._Element) -> ReportMeta:
    meta = ReportMeta()
    if outcome := element.get("outcome"):
        meta.properties["outcome"] = outcome
    for child in element:
        tag = local(child.tag)
        if tag == "RunInfos":
            # e.g. "The test host process crashed", "No test is available in ..."
            infos = [_run_info(info) for info in child if isinstance(info.tag, str)]
            if infos:
                meta.properties["run_infos"] = infos
        elif tag == "Output":
            for part in child:
                if local(part.tag) == "StdOut" and part.text and part.text.strip():
                    meta.properties["stdout"] = part.text.strip()
        elif tag == "ResultFiles":
            meta.assets.extend(result_files(child))
    return meta


def _run_info(element: etree._Element) -> dict[str, str]:
    info = {key: value for key in ("computerName", "outcome", "timestamp") if (value := element.get(key))}
    text = next((part.text for part in element if local(part.tag) == "Text" and part.text), None)
    if text:
        info["text"] = text.strip()
    return info


# -- entry point ------------------------------------------------------------------------------------


class _Prefixed:
    """A stream whose first bytes were already read (to tell an empty file from malformed XML)."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._stream.read(size)


def _start_of(stream: IO[bytes]) -> int | None:
    """The stream's position when it can go back there, else None."""
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


# dotnet writes `</Results>` then `<TestDefinitions>`: a byte scan finds both sections, so the
# definitions pass can skip the results and the results pass can skip the definitions.
_RESULTS_START = re.compile(rb"<Results[\s>]")
_DEFINITIONS_START = re.compile(rb"</Results>\s*(<TestDefinitions[\s>])")
_DEFINITIONS_END = b"</TestDefinitions>"
# a DOCTYPE or entity declaration (even inside text) is left to the guarded reader of a full read
_DECLARATION = re.compile(rb"<!(?!\[CDATA\[|--)")
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 64 * 1024
# the results pass reads the definitions as blank lines: the line and column of an XML error after
# them stay those of the file, and the blank text stays far below libxml2's text node limit
_LINE_CONTENT = re.compile(rb"[^\r\n]+")
_MAX_BLANK = 1024 * 1024


def _definitions_span(stream: IO[bytes], start: int) -> tuple[int, int, int] | None:
    """(offset of `<Results`, of `<TestDefinitions`, after `</TestDefinitions>`) when the file
    has dotnet's order, else None."""
    stream.seek(start)
    results_at: int | None = None
    definitions_at: int | None = None
    window, window_at = b"", start
    while chunk := stream.read(_SCAN_CHUNK):
        window += chunk
        # `in` and `find` are fast C searches: the regexes only run where they may match (and
        # "!" is rare in TRX, "<" everywhere: looking for "!" alone is the fast one)
        if b"!" in window and b"<!" in window and _DECLARATION.search(window) is not None:
            return None
        if results_at is None and (found := _RESULTS_START.search(window)) is not None:
            results_at = window_at + found.start()
        if results_at is not None and definitions_at is None:
            found = _definitions_start(window, max(results_at - window_at, 0))
            if found is not None:
                definitions_at = window_at + found.start(1)
        if definitions_at is not None:
            end = window.find(_DEFINITIONS_END, max(definitions_at - window_at, 0))
            if end >= 0:
                assert results_at is not None
                return results_at, definitions_at, window_at + end + len(_DEFINITIONS_END)
        keep = window[-_SCAN_OVERLAP:]
        window_at += len(window) - len(keep)
        window = keep
    return None


def _definitions_start(window: bytes, position: int) -> re.Match[bytes] | None:
    """`_DEFINITIONS_START.search(window, position)`."""
    while (at := window.find(b"</Results>", position)) >= 0:
        if (found := _DEFINITIONS_START.match(window, at)) is not None:
            return found
        position = at + 1
    return None


def _blanked(chunk: bytes) -> bytes:
    """Each line's content one space (`_LINE_CONTENT.sub(b" ", chunk)`)."""
    if b"\r" in chunk:
        return _LINE_CONTENT.sub(b" ", chunk)
    # split and join are C loops, much cheaper than the regex engine's test of every byte
    return b"\n".join([b" " if line else b"" for line in chunk.split(b"\n")])


def _blank_lines(stream: IO[bytes], begin: int, end: int) -> bytes | None:
    """The bytes from `begin` to `end` as blank lines: each line's content one space, the last
    line as many spaces as it has characters. None when that would be long or uncertain."""
    stream.seek(begin)
    blank: list[bytes] = []
    size = 0
    last_line = b""
    left = end - begin
    while left > 0 and (chunk := stream.read(min(_SCAN_CHUNK, left))):
        left -= len(chunk)
        blank.append(_blanked(chunk))
        size += len(blank[-1])
        cut = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        last_line = chunk[cut + 1:] if cut >= 0 else last_line + chunk
        if size > _MAX_BLANK or len(last_line) > _MAX_BLANK:
            return None
    if left or max(last_line, default=0) >= 0x80:
        return None  # a character of several bytes: its column count depends on the encoding
    return b"".join(blank).rstrip(b" ") + b" " * len(last_line)


class _Spliced:
    """A stream of parts of a file: byte ranges (end None: to the end of the file) and literal bytes."""

    def __init__(self, stream: IO[bytes], parts: list[tuple[int, int | None] | bytes]) -> None:
        self._stream = stream
        self._parts = parts
        self._left: int | None = 0  # bytes left in the current range (None: up to the end)

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else 64 * 1024
        while True:
            if self._left is None or self._left > 0:
                chunk = self._stream.read(size if self._left is None else min(size, self._left))
                if chunk:
                    if self._left is not None:
                        self._left -= len(chunk)
                    return chunk
                if self._left is None:
                    return b""
            if not self._parts:
                return b""
            part = self._parts.pop(0)
            if isinstance(part, bytes):
                self._left = 0
                return part
            begin, end = part
            self._stream.seek(begin)
            self._left = None if end is None else end - begin


def _first_pass(
    stream: IO[bytes], start: int
) -> tuple[dict[str, Definition], list[tuple[int, int | None] | bytes] | None]:
    """The definitions, and the parts of the file the results pass reads (None: all of it).

    When a byte scan finds dotnet's order, the definitions are read from the file without its
    `<Results>`, and that cut file must parse whole; any doubt reads the whole file instead.
    """
    span = _definitions_span(stream, start)
    if span is not None:
        results_at, definitions_at, definitions_end = span
        cut = _Spliced(stream, [(start, results_at), (definitions_at, definitions_end), b"</TestRun>"])
        try:
            definitions = _read_definitions(cut, drain=True)  # type: ignore[arg-type]
        except ParseError:
            pass
        else:
            blank = _blank_lines(stream, definitions_at, definitions_end)
            if blank is None:
                return definitions, None
            return definitions, [(start, definitions_at), blank, (definitions_end, None)]
    stream.seek(start)
    return _read_definitions(stream), None


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream a TRX file as events: "Class" Containers, Results (inner results as Steps), ReportMeta.

    Raises ParseError for an empty file, malformed XML (with line and column) or a root element
    that is not `<TestRun>`; UnsafeInputError for DTD entity tricks.
    """
    start = _start_of(stream)
    head = stream.read(_HEAD)
    if not head.lstrip(b"\xef\xbb\xbf").strip():
        more = stream.read(1)
        if not more:
            raise ParseError("the file is empty or holds no XML element", code="empty_file")
        head += more
    # the root is read first: a wrong one is refused before any pass (the passes are told only
    # of sections and entries)
    root, again = read_root(_Prefixed(head, stream))  # type: ignore[arg-type]
    if root.name != "TestRun":
        raise ParseError(f"not a TRX file: root element is <{root.name}>, expected <TestRun>")
    if start is None:
        yield from _Reader(None).read(again, root)
        return
    definitions, parts = _first_pass(stream, start)
    stream.seek(start)
    if parts is not None:
        # the definitions are read already: the results pass reads them as blank lines
        stream = _Spliced(stream, parts)  # type: ignore[assignment]
    yield from _Reader(definitions).read(stream, root)


FORMAT = Format(
    name="trx",
    origin="trx_xml",
    title="MSTest TRX",
    sniff_fn=sniff,
    parse=parse,
    aliases=("mstest", "vstest", "trx_xml", "visualstudio"),
    filenames=("*.trx",),
    mimetypes=("application/xml", "text/xml"),
    priority=0.5,
)

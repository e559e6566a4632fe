"""TAP, the Test Anything Protocol: versions 12, 13 and 14, read line by line as a stream.

Producers: Perl's Test::More / Test2, node-tap, tape, Catch2's `-r tap`, pytest-tap, bats, libtap,
tap4j... Each test point (`ok 3 - desc`, `not ok 4 - desc`) is a Result: `ok` passed, `not ok`
failed; a `# SKIP` directive (any case) skipped; `not ok ... # TODO` is an expected failure,
counted as skipped; `ok ... # TODO` passed (the TODO reason is kept). The YAML diagnostics block
after a test point (`  ---` ... `  ...`) gives the failure message, `at` location and `stack`,
and is kept whole in json_data["diagnostic"]. Comment and other lines after a test point are its
output (Test::More's diag() text is the failure message when there is no YAML).

TAP 14 subtests (a 4-space indented stream, announced by `# Subtest: name`, closed by a test
point in the parent) become nested "Subtest" Containers; the closing test point is not a test of
its own, unless the subtest ran none, or failed without a failing test (then it is a broken
result in the subtest, e.g. an exception thrown between tests).

`Bail out! reason` ends the stream: one broken result "Bail out!" ("bail out: reason") stands for
the tests that did not run. A stream (or subtest) whose test count differs from its plan, or that
has tests but no plan, gets one broken result "plan mismatch" saying what was planned and what
ran; `1..0 # SKIP reason` with no tests is one skipped result "all tests skipped". node-tap's
`# time=12ms` on a test point is its duration. Text is UTF-8, undecodable bytes are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from assay.errors import ParseError
from assay.formats._tap_stream import PLAN, POINT, VERSION, TapReader
from assay.formats.registry import Format
from assay.model import Event

_CHUNK = 64 * 1024
_FIRST_LINE = re.compile(
    r"^(?:TAP version \d+|\d+\.\.\d+|(?:not )?ok\b|#|Bail out!|pragma [+-])", re.IGNORECASE
)


def sniff(head: bytes) -> float:
    """0.95 for a `TAP version N` first line; 0.8 for a plan and test points; else 0."""
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    lines = [line.strip() for line in text.splitlines()[:2000] if line.strip()]
    if not lines:
        return 0.0
    if VERSION.match(lines[0]):
        return 0.95
    if not _FIRST_LINE.match(lines[0]):
        return 0.0
    has_plan = any(PLAN.match(line) for line in lines)
    has_point = any(POINT.match(line) for line in lines)
    return 0.8 if has_plan and has_point else 0.0


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream the Results (and subtest Containers) of a TAP document as its lines arrive.

    Raises ParseError for an empty file or a document with no TAP in it (no version line, plan,
    test point or bail out).
    """
    reader = TapReader()
    seen_bytes = False
    for line in _lines(stream):
        seen_bytes = seen_bytes or bool(line.strip())
        yield from reader.feed(line)
    yield from reader.finish()
    if not seen_bytes:
        raise ParseError("the file is empty: no TAP in it", code="empty_file")
    if not reader.seen_tap:
        raise ParseError("not a TAP stream: no version line, plan, test point or bail out found")


FORMAT = Format(
    name="tap",
    origin="tap",
    title="TAP (Test Anything Protocol)",
    sniff_fn=sniff,
    parse=parse,
    aliases=("test-anything-protocol", "tap13", "tap14"),
    filenames=("*.tap", "*.t.out", "*.txt"),
    mimetypes=("text/x-tap", "text/plain"),
    priority=0.4,
)


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """Decoded lines (UTF-8, errors replaced; CRLF and lone CR ended), read in chunks."""
    pending = b""
    first = True
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        if first:
            chunk = chunk.removeprefix(b"\xef\xbb\xbf")
            first = False
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for raw in complete:
            yield from _decode(raw)
    if pending:
        yield from _decode(pending)


def _decode(raw: bytes) -> Iterator[str]:
    raw = raw.removesuffix(b"\r")
    for part in raw.split(b"\r"):
        yield part.decode("utf-8", errors="replace")

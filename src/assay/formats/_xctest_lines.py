"""The lines of an XCTest / Swift Testing console log that mean something, as compiled patterns.

Each pattern is anchored and matched against one line without its end-of-line characters.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

# -- XCTest (xcodebuild, swift test on macOS and Linux, OCUnit/Kiwi of the Xcode 5 era) -------------

# "Test Suite 'All tests' started at 2025-08-10 01:38:55.195" (OCUnit: "... +0000")
SUITE_STARTED = re.compile(r"^Test Suite '(?P<name>.*)' started at (?P<at>.*?)\.?$")
# Xcode 10+ parallel testing: "Test suite 'X' started on 'Clone 1 of iPhone 13 mini - xctest (32505)'"
SUITE_STARTED_ON = re.compile(r"^Test [Ss]uite '(?P<name>.*)' started on '(?P<device>.*)'\s*$")
# OCUnit says "finished", XCTest "passed"/"failed"
SUITE_ENDED = re.compile(r"^Test Suite '(?P<name>.*)' (?P<verb>passed|failed|finished) at (?P<at>.*?)\.?$")
# "     Executed 4 tests, with 1 failure (0 unexpected) in 0.002 (0.002) seconds"
EXECUTED = re.compile(
    r"^\s*Executed (?P<count>\d+) tests?, with (?P<what>.*?) in [\d.]+ \((?P<wall>[\d.]+)\) seconds"
)
# "Test Case '-[Module.Class testName]' started." / Linux "Test Case 'Class.testName' started at ..."
CASE_STARTED = re.compile(r"^Test [Cc]ase '(?P<id>.+?)' started(?: on '(?P<device>.*?)')?(?:\.| at .*)?\s*$")
# "... passed (0.002 seconds)." / Linux without the final dot /
# parallel testing: "passed on 'Clone 1 of ...' (0.002 seconds)"
CASE_ENDED = re.compile(
    r"^Test [Cc]ase '(?P<id>.+?)' (?P<verb>passed|failed|skipped)(?: on '(?P<device>.*?)')?"
    r" \((?P<seconds>[\d.]+) seconds\)\.?\s*$"
)
# "/path/File.swift:12: error: -[Module.Class test] : XCTAssertEqual failed: ..." (and Linux's
# "File.swift:34: error: Class.test : message"); a skip reason comes as
# "/path:12: -[Module.Class test] : Test skipped - why"
ISSUE = re.compile(
    r"^(?P<where>.*?:\d+): (?:(?P<kind>error|warning|fatal error): )?"
    r"(?P<id>-\[\S+ [^\]]+\]|[\w.]+(?:\([^)]*\))?) : (?P<message>.*)$"
)
SKIP_MESSAGE = re.compile(r"^Test skipped(?:\s*-\s*(?P<reason>.*))?$")
# A test process that died: xcodebuild names the test it was running, then starts a new process.
RESTART = re.compile(
    r"^Restarting after unexpected exit,? crash, or test timeout in (?P<id>.+?);"
    r" summary will include totals from previous launches\.?\s*$"
)
_OBJC_ID = re.compile(r"^-\[(?P<cls>\S+) (?P<method>[^\]]+)\]$")

# -- Swift Testing (swift test / xcodebuild, Swift 6+) -----------------------------------------------

# Every Swift Testing line starts with a symbol: ◇ ✔ ✘ ➜ ↳ ⚠ on Linux and in most terminals, an
# SF Symbols private-use glyph (􀟈, 􁁛, 􀢄, 􀙟) on macOS. Never ASCII, which keeps plain logs out.
SWIFT_TESTING = re.compile(r"^[^\x00-\x7f]{1,2} +(?P<kind>Test|Suite) (?P<rest>.*?)\s*$")
SWIFT_DETAIL = re.compile(r"^[^\x00-\x7f]{1,2} +(?P<detail>\S.*?)\s*$")
ST_STARTED = re.compile(r"^(?P<name>.+) started\.$")
ST_ENDED = re.compile(
    r"^(?P<name>.+?) (?P<verb>passed|failed) after (?P<seconds>[\d.]+) seconds?(?P<tail>.*?)\.?$"
)
ST_SKIPPED = re.compile(r"^(?P<name>.+?) skipped(?:\s*:\s*(?P<reason>.*?))?\.?$")
ST_ISSUE = re.compile(r"^(?P<name>.+?) recorded an? (?P<known>known )?issue(?P<rest>.*)$")
ST_ISSUE_AT = re.compile(r"^(?: with .*?)? at (?P<where>\S+?:\d+(?::\d+)?): (?P<message>.*)$")

# "2025-08-10 01:38:55.195", "2013-12-10 23:12:08 +0000"
_STAMP = re.compile(
    r"^(?P<date>\d{4}-\d\d-\d\d)[ T](?P<time>\d\d:\d\d:\d\d(?:\.\d+)?)\s*(?P<zone>Z|[+-]\d\d:?\d\d)?$"
)


def split_id(identifier: str) -> tuple[str | None, str | None, str]:
    """A test's (module, class, name) from `-[Module.Class test]`, `Class.test` or `Module.Class.test()`."""
    identifier = identifier.strip()
    objc = _OBJC_ID.match(identifier)
    if objc is not None:
        qualified, name = objc.group("cls"), objc.group("method")
    else:
        base, paren, arguments = identifier.partition("(")
        qualified, dot, name = base.rpartition(".")
        if not dot or not name:
            return None, None, identifier
        name += paren + arguments
    module, _, cls = qualified.rpartition(".")
    return module or None, cls or None, name


def display_name(name: str) -> str:
    """Swift Testing quotes display names: `"Adds numbers"` -> `Adds numbers`."""
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1]
    return name


def timestamp(text: str | None) -> datetime | None:
    """XCTest's suite times; without a zone (XCTest prints local time) they are read as UTC."""
    match = _STAMP.match((text or "").strip())
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(f"{match.group('date')}T{match.group('time')}")
    except ValueError:
        return None
    zone = match.group("zone")
    if not zone or zone == "Z":
        return moment.replace(tzinfo=UTC)
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=timezone(-offset if zone[0] == "-" else offset))


def seconds_ms(text: str | None) -> int | None:
    try:
        return round(float(text or "") * 1000)
    except ValueError:
        return None

"""Helpers for format tests: find corpus files, parse them, count what came out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from assay.formats import get_format
from assay.model import Container, Counts, Event, Result

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = (REPO_ROOT.parent / "shared" / "corpus").resolve()


@cache
def expected_counts() -> dict[str, Any]:
    """../shared/corpus/expected.json: hand-read counts per corpus file."""
    return json.loads((CORPUS / "expected.json").read_text())


# Corpus files whose counts we deliberately read differently from expected.json, and why. Each
# entry replaces the named numbers of expected.json's entry; tests/formats/test_golden.py checks
# that every override still disagrees with expected.json, so fixing expected.json retires it.
EXPECTED_OVERRIDES: dict[str, dict[str, Any]] = {
    "junit/googletest-xml.xml": {
        "counts": {"passed": 17, "skipped": 3},
        "reason": (
            'googletest writes result="skipped" for a test that called GTEST_SKIP() (gtest.cc: '
            '`should_run() ? (Skipped() ? "skipped" : "completed") : "suppressed"`), so '
            "SkippedTest.Skipped is skipped: 17 passed / 4 failed / 3 skipped, where expected.json "
            "reads 18 / 4 / 2"
        ),
    },
}


def expected_for(relative: str) -> dict[str, Any]:
    """expected.json's entry for corpus file `relative`, with our documented override applied."""
    want = dict(expected_counts()[relative])
    override = EXPECTED_OVERRIDES.get(relative)
    if override is not None:
        want.update(override["counts"])
    return want


def corpus_files(folder: str) -> list[Path]:
    return sorted(p for p in (CORPUS / folder).iterdir() if p.is_file())


def parse_events(format_name: str, data: bytes | Path, **options: Any) -> list[Event]:
    """Parse bytes (or a file) with the named format; all events, in order."""
    if isinstance(data, Path):
        data = data.read_bytes()
    fmt = get_format(format_name)
    return list(fmt.parse(io.BytesIO(data), options))


def results_of(events: Iterable[Event]) -> list[Result]:
    return [e for e in events if isinstance(e, Result)]


def containers_of(events: Iterable[Event]) -> list[Container]:
    return [e for e in events if isinstance(e, Container)]


def count(events: Iterable[Event]) -> Counts:
    counts = Counts()
    for result in results_of(events):
        counts.add(result.status)
    return counts


def assert_matches_expected(relative: str, events: list[Event], *, overrides: bool = True) -> None:
    """Compare the statuses parsed from corpus file `relative` with expected.json's hand counts
    (as amended by EXPECTED_OVERRIDES, unless `overrides` is false)."""
    want = expected_for(relative) if overrides else expected_counts()[relative]
    got = count(events)
    assert got.total == want["tests"], (relative, got)
    either = want.get("either", {})
    covered = {name for key in either for name in key.split("+")}
    pairs = {"passed": got.passed, "failed": got.failed, "errors_or_broken": got.broken,
             "skipped": got.skipped, "unknown": got.unknown}
    alias = {"broken": "errors_or_broken"}
    for key, total in either.items():
        names = [alias.get(n, n) for n in key.split("+")]
        assert sum(pairs[n] for n in names) == total, (relative, key, got)
    for name, value in pairs.items():
        if name in covered or (name == "errors_or_broken" and "broken" in covered):
            continue
        assert value == want.get(name, 0), (relative, name, got)

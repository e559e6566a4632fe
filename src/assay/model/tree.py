"""The report tree: Container, Result, Step, Asset, and the events a parser yields.

A parser yields a stream of events in document order:

- a `Container` when it opens one (its `parent` already set; it may still be filled in later,
  e.g. a JUnit suite's system-out comes after its testcases),
- a `Result` once it is complete (its `container` set, or None for a result at the top),
- a `ReportMeta` with what the file says about the whole report (at any point, any number of times).

Results are never held in memory as a whole: the store writes them in batches as they stream past.
Containers are few and stay in memory until the report is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assay.model.status import SEVERITY_ORDER, Status


def new_id() -> str:
    """A random (version 4) UUID as text, from os.urandom like uuid.uuid4().

    Every Result, Step, Container and Asset gets one, so this is a hot spot on 100k-result files:
    ids are made 4,096 at a time from one os.urandom read (one system call instead of one per id).
    """
    try:
        return _ID_POOL.pop()
    except IndexError:
        raw = os.urandom(16 * _ID_BATCH).hex()
        _ID_POOL.extend(
            f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"
            for h in (raw[i : i + 32] for i in range(0, len(raw), 32))
        )
        return _ID_POOL.pop()


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
_ID_BATCH = 4096
_ID_POOL: list[str] = []  # list.pop() is atomic: threads never get the same id
# A forked child must not hand out the ids its parent still holds.
os.register_at_fork(after_in_child=_ID_POOL.clear)


class LazyId:
    """The `id` field of Asset, Step, Container and Result: a new_id() made the first time it is read.

    A parser makes 100k Results (and their Steps) whose ids are only read when the store writes
    them: making each id up front was a third of the cost of a Result. A dataclass field whose
    default is a descriptor is set through it in __init__ (`Result(..., id="x")` still works) and
    read through it everywhere else, so a caller never sees the difference.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> str | None:
        if obj is None:
            return None  # the field's default: no id yet
        value: str | None = obj.__dict__[self.slot]
        if value is None:
            value = obj.__dict__[self.slot] = new_id()
        return value

    def __set__(self, obj: object, value: str | None) -> None:
        obj.__dict__[self.slot] = value


@dataclass(eq=False)
class Asset:
    """A file attached to a report, container, result or step.

    A parser gives either `data` (the bytes, e.g. a base64 embedding it decoded) or `path`
    (a file the result names, e.g. JUnit's `[[ATTACHMENT|/tmp/shot.png]]`, resolved against
    uploaded attachments later). The store fills `sha256`, `size` and `location`.
    """

    name: str
    data: bytes | None = None
    path: str | None = None
    mime_type: str | None = None
    tag: str | None = None
    id: str = LazyId()  # type: ignore[assignment]
    sha256: str | None = None
    size: int | None = None
    location: str | None = None


@dataclass(eq=False)
class Step:
    """A Cucumber/Behave step, a Robot keyword, an Xray step. Steps may nest (Robot keywords)."""

    title: str
    status: Status = Status.PASSED
    keyword: str | None = None
    duration: int | None = None  # milliseconds
    error: str | None = None
    data: dict[str, Any] | None = None
    steps: list[Step] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    id: str = LazyId()  # type: ignore[assignment]


@dataclass
class Counts:
    total: int = 0
    passed: int = 0
    failed: int = 0
    broken: int = 0
    skipped: int = 0
    unknown: int = 0

    def add(self, status: Status, n: int = 1) -> None:
        self.total += n
        if status is Status.PASSED:
            self.passed += n
        elif status is Status.FAILED:
            self.failed += n
        elif status is Status.SKIPPED:
            self.skipped += n
        elif status is Status.BROKEN:
            self.broken += n
        else:
            self.unknown += n

    def merge(self, other: Counts) -> None:
        for name in ("total", "passed", "failed", "broken", "skipped", "unknown"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def status(self) -> Status | None:
        """The worst status present, by failed > broken > unknown > skipped > passed."""
        for status in SEVERITY_ORDER:
            if getattr(self, status.label):
                return status
        return None

    def as_dict(self, prefix: str = "count_") -> dict[str, int]:
        return {
            f"{prefix}{name}": getattr(self, name)
            for name in ("total", "passed", "failed", "broken", "skipped", "unknown")
        }


@dataclass(eq=False)
class Container:
    """A node of the tree: a suite, a package, a class, a feature. `parent` None means top level."""

    title: str
    classification: str | None = None
    parent: Container | None = None
    description: str | None = None
    duration: int | None = None  # milliseconds, as the file states it
    properties: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    position: int | None = None
    id: str = LazyId()  # type: ignore[assignment]
    # Filled by normalize:
    history_hash: str | None = None
    counts: Counts = field(default_factory=Counts)

    @property
    def status(self) -> Status | None:
        return self.counts.status()


@dataclass(eq=False)
class Result:
    """One test: a JUnit testcase, a Cucumber scenario, a Robot test, an Xray test run."""

    title: str
    status: Status
    container: Container | None = None
    duration: int | None = None  # milliseconds
    description: str | None = None
    exception_name: str | None = None
    exception_description: str | None = None
    exception_backtrace: str | None = None
    classname: str | None = None  # the producer's class/path of the test, used by smart restructuring
    properties: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    stdout: str | None = None
    stderr: str | None = None
    flaky: bool = False
    # Earlier attempts of a rerun test (Surefire flakyFailure/rerunFailure...): [{"status", "message", ...}]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    json_data: dict[str, Any] = field(default_factory=dict)  # anything else worth keeping
    test_key: str | None = None  # an explicit test identity (Xray testKey, JUnit property test_key)
    test_id: int | None = None  # the Test (table `test`) this result is a run of, when one is linked
    position: int | None = None
    id: str = LazyId()  # type: ignore[assignment]
    history_hash: str | None = None  # filled by normalize

    def extras(self) -> dict[str, Any]:
        """The fields Calliope's result has no column for, as one JSON object (its `json_data`).

        Empty values are left out. `apply_extras` reads the same object back.
        """
        data: dict[str, Any] = dict(self.json_data)
        for name in _EXTRA_FIELDS:
            value = getattr(self, name)
            if value:
                data[name] = value
        return data

    def apply_extras(self, data: dict[str, Any]) -> None:
        """Fill this result from a `json_data` object written by `extras` (unknown keys stay in json_data)."""
        rest = dict(data)
        for name in _EXTRA_FIELDS:
            if name in rest:
                setattr(self, name, rest.pop(name))
        self.json_data = rest


# Result fields kept inside json_data when stored or exported as Calliope JSON.
_EXTRA_FIELDS = ("classname", "properties", "tags", "stdout", "stderr", "flaky", "attempts", "test_key")


@dataclass(eq=False)
class ReportMeta:
    """What a file says about the report as a whole. Later values fill fields still empty."""

    title: str | None = None
    description: str | None = None
    date: datetime | None = None  # the report's own date, where the file states one (Calliope JSON)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: int | None = None  # milliseconds
    properties: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    assets: list[Asset] = field(default_factory=list)
    build: str | None = None
    os: str | None = None
    platform: str | None = None


Event = Container | Result | ReportMeta


@dataclass(eq=False)
class Report:
    """A stored report's header, as exports and reads see it (its tree streams separately)."""

    id: str
    origin: str | None = None
    key: str | None = None
    profile_id: int | None = None
    import_id: str | None = None
    import_status: int = 0
    date: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    title: str | None = None
    description: str | None = None
    build: str | None = None
    os: str | None = None
    platform: str | None = None
    tags: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: Counts = field(default_factory=Counts)
    assets: list[Asset] = field(default_factory=list)

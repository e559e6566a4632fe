"""The format registry, in the style of pygments' lexers.

Each format module defines `FORMAT = Format(...)`: its name, aliases, filename globs, media types,
priority, a `sniff(head) -> 0.0..1.0` that never raises, and a streaming `parse`. Detection reads
only the head of a file and picks the single best score; a tie between formats is an error that
names them.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from assay.errors import DetectionError, UnknownFormatError
from assay.model import Event

# The head of a file that detection reads.
HEAD_SIZE = 64 * 1024

ParseFn = Callable[[IO[bytes], Mapping[str, Any]], Iterator[Event]]
SniffFn = Callable[[bytes], float]



@dataclass(frozen=True)
class Format:
    name: str  # `assay formats` name and the API's {formatter}: "junit"
    origin: str  # the report's origin: "junit_xml"
    title: str  # human name: "JUnit XML"
    sniff_fn: SniffFn
    parse: ParseFn
    aliases: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    mimetypes: tuple[str, ...] = ()
    priority: float = 0.5
    extra: dict[str, Any] = field(default_factory=dict)

    def sniff(self, head: bytes) -> float:
        """The format's confidence in `head`, clamped to 0..1; an exception scores 0."""
        try:
            score = float(self.sniff_fn(head))
        except Exception:  # a sniffer must never break detection
            return 0.0
        return min(max(score, 0.0), 1.0)

    def matches_filename(self, filename: str | None) -> bool:
        if not filename:
            return False
        base = filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return any(fnmatch.fnmatch(base, pattern) for pattern in self.filenames)


_formats: dict[str, Format] | None = None


def all_formats() -> list[Format]:
    """Every registered format, sorted by name."""
    global _formats
    if _formats is None:
        loaded: dict[str, Format] = {}
        # Every public module of assay.formats that defines FORMAT is a format; order does not
        # matter, since ties break by score, filename match, priority, then name.
        package = importlib.import_module("assay.formats")
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_") or info.name == "registry":
                continue
            module = importlib.import_module(f"assay.formats.{info.name}")
            fmt: Format | None = getattr(module, "FORMAT", None)
            if fmt is not None:
                loaded[fmt.name] = fmt
        _formats = dict(sorted(loaded.items()))
    return list(_formats.values())


def get_format(name: str) -> Format:
    """The format called `name` (or one of its aliases, case-insensitive).

    Raises UnknownFormatError listing the known names.
    """
    wanted = name.strip().lower()
    for fmt in all_formats():
        if wanted == fmt.name or wanted in fmt.aliases or wanted == fmt.origin:
            return fmt
    known = ", ".join(f.name for f in all_formats())
    raise UnknownFormatError(
        f"unknown format {name!r}; known formats: {known}", format=name, known=[f.name for f in all_formats()]
    )


@dataclass(frozen=True)
class Candidate:
    format: Format
    score: float
    filename_match: bool


def rank(head: bytes, filename: str | None = None) -> list[Candidate]:
    """All formats scoring above zero on `head`, best first (score, filename match, priority, name)."""
    candidates = [
        Candidate(fmt, score, fmt.matches_filename(filename))
        for fmt in all_formats()
        if (score := fmt.sniff(head)) > 0.0
    ]
    candidates.sort(key=lambda c: (-c.score, not c.filename_match, -c.format.priority, c.format.name))
    return candidates


def detect(head: bytes, filename: str | None = None) -> Format:
    """The single format that best recognises `head`.

    Raises DetectionError when none does, or when two or more claim it with equal confidence
    (the error names them in `candidates`).
    """
    candidates = rank(head, filename)
    label = f"{filename!r}" if filename else "the file"
    if not candidates:
        known = ", ".join(f.name for f in all_formats())
        raise DetectionError(
            f"no known format recognises {label}; name the format explicitly (known formats: {known})",
            file=filename,
        )
    best = candidates[0]
    tied = [c for c in candidates if c.score == best.score]
    if len(tied) > 1:
        names = [c.format.name for c in tied]
        raise DetectionError(
            f"{label} is recognised by several formats ({', '.join(names)}) with equal confidence; "
            "name the format explicitly",
            code="ambiguous_format",
            file=filename,
            candidates=names,
        )
    return best.format

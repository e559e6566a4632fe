"""Convert a result file to Calliope JSON or JUnit XML without storing anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from assay.errors import InvalidInputError
from assay.formats import HEAD_SIZE, detect, get_format
from assay.model import Report, new_id
from assay.normalize import NormalizeOptions, normalize


def convert_file(path: Path, to: str, format_name: str | None = None, smart: bool = True) -> Iterator[bytes]:
    """The file's results written as `to` ("calliope-json" or "junit"), in chunks.

    Raises UnknownFormatError, DetectionError, ParseError, or InvalidInputError for a bad `to`.
    """
    from assay.formats.calliope_writer import write_calliope
    from assay.formats.junit_writer import write_junit

    if to not in ("calliope-json", "junit"):
        raise InvalidInputError(f"cannot convert to {to!r}; choose calliope-json or junit")
    with path.open("rb") as handle:
        fmt = get_format(format_name) if format_name else detect(handle.read(HEAD_SIZE), path.name)
        handle.seek(0)
        now = datetime.now(UTC)
        report = Report(id=new_id(), origin=fmt.origin, created_at=now, updated_at=now, title=path.name)
        events = normalize(fmt.parse(handle, {}), NormalizeOptions(smart=smart))
        if to == "junit":
            yield from write_junit(report, events)
        else:
            yield write_calliope(report, events, indent=True)

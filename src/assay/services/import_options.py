"""The options an import takes, from query parameters or form fields, validated once for every API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from assay.errors import InvalidInputError

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}

# Options a format's parser reads itself (passed through untouched).
FORMAT_OPTIONS = frozenset({"zap_min_risk", "cucumber_duration_unit"})
# Names that carry files or auth, not options.
_NOT_OPTIONS = frozenset({"file", "file[]", "attachment", "attachment[]", "api_key", "x-api-key"})


@dataclass
class ImportOptions:
    os: str | None = None
    platform: str | None = None
    build: str | None = None
    date: datetime | None = None
    smart: bool = True
    merge_containers: bool = False
    ignore_empty_report: bool = False
    process_async: bool = False
    tags: list[str] = field(default_factory=list)
    format_options: dict[str, str] = field(default_factory=dict)
    # Options Assay does not know: kept on the import's log, never fatal.
    unknown: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "os": self.os, "platform": self.platform, "build": self.build,
            "date": self.date.isoformat() if self.date else None, "smart": self.smart,
            "merge_containers": self.merge_containers, "ignore_empty_report": self.ignore_empty_report,
            "process_async": self.process_async,
            "tags": self.tags, **self.format_options,
        }


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidInputError(f"option {name}={value!r} must be true or false", option=name)


def parse_date(value: str) -> datetime:
    """ISO 8601 (a trailing Z allowed); a date without a zone is UTC."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"option date={value!r} is not an ISO 8601 date, e.g. 2026-11-23T10:15:00Z", option="date"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_options(raw: Mapping[str, Sequence[str]]) -> ImportOptions:
    """Build ImportOptions from name -> values (query string and form fields merged).

    `tag[]` repeats; `os:`, `platform:` and `build:` tags also fill those fields. Raises
    InvalidInputError naming the option for a bad boolean or date.
    """
    options = ImportOptions()
    for raw_name, values in raw.items():
        name = raw_name.strip()
        if name in _NOT_OPTIONS or not values:
            continue
        last = values[-1]
        base = name[:-2] if name.endswith("[]") else name
        if base in ("tag", "tags"):
            for value in values:
                for tag in (t.strip() for t in value.split(",")) if base == "tags" else (value.strip(),):
                    if tag and tag not in options.tags:
                        options.tags.append(tag)
        elif base in ("os", "platform", "build"):
            setattr(options, base, last.strip() or None)
        elif base == "date":
            options.date = parse_date(last) if last.strip() else None
        elif base in ("smart", "merge_containers", "ignore_empty_report", "process_async"):
            setattr(options, base, parse_bool(base, last))
        elif base in FORMAT_OPTIONS:
            options.format_options[base] = last
        else:
            options.unknown[name] = list(values)
    for tag in options.tags:
        key, sep, value = tag.partition(":")
        if sep and key in ("os", "platform", "build") and value and getattr(options, key) is None:
            setattr(options, key, value)
    return options

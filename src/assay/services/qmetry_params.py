"""The parameters of QMetry's "get upload file URL" request (seed 003), validated as QMetry does.

`parse_params(body)` returns QMetryParams or raises QMetryError carrying QMetry's errorMessage and,
for `fields`, every problem found (`errors`). Clients send booleans as JSON booleans or as the
strings "true"/"false" (QMetry's Jenkins plugin), ids as numbers or numeric strings, and empty
strings and lists for what they leave unset (`"labels": [""]`): all of that is accepted.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from assay.errors import InvalidInputError, UnknownFormatError
from assay.formats import get_format

__all__ = ["FIELD_GROUPS", "QMetryError", "QMetryParams", "parse_params"]

# QMetry's framework names -> Assay's format names (any other Assay format is accepted by its own name).
FRAMEWORKS = {
    "cucumber": "cucumber",
    "testng": "testng",
    "junit": "junit",
    "qaf": "qaf",
    "hpuft": "uft",
    "specflow": "specflow",
}

_TEXT = (
    "priority",
    "status",
    "folderPath",
    "summary",
    "description",
    "precondition",
    "assignee",
    "reporter",
    "comment",
)
_LISTS = ("labels", "components")
_IDS = ("fixVersionId", "sprintId")
_TIMES = ("estimatedTime", "actualTime")  # HH:mm
_DATETIMES = ("plannedStartDate", "plannedEndDate")  # dd/MMM/yyyy HH:mm
_DATES = ("executionPlannedDate",)  # dd/MMM/yyyy
_COMMON = (*_TEXT[:-1], *_LISTS, *_IDS, "estimatedTime", *_DATETIMES, "customFields")
# The fields each group takes (the list for all three; a test case execution also has its own).
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "testCycle": _COMMON,
    "testCase": _COMMON,
    "testCaseExecution": (*_COMMON, "comment", "actualTime", "executionPlannedDate"),
}
_HHMM = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
_BOOLEANS = {
    "isZip": "is_zip",
    "attachFile": "attach_file",
    "matchTestSteps": "match_test_steps",
    "appendTestName": "append_test_name",
    "useFeatureName": "use_feature_name",
    "useFeatureDescription": "use_feature_description",
}
# Assay's own additions: which project and profile the cycles go to (default: the key's project, its first profile).
_ASSAY = ("projectKey", "profileId")


class QMetryError(InvalidInputError):
    """A refused request in QMetry's words: `message` is its errorMessage, `errors` the list under it."""

    code = "qmetry_invalid_request"

    def __init__(self, message: str, errors: list[str] | None = None, *, code: str | None = None) -> None:
        super().__init__(message, code=code, errors=errors or None)
        self.errors = errors or []


@dataclass(frozen=True)
class QMetryParams:
    format: str  # QMetry's name, lower case: junit, hpuft...
    assay_format: str
    test_cycle_to_reuse: str | None = None
    environment: str | None = None
    build: str | None = None
    is_zip: bool = False
    attach_file: bool = False
    match_test_steps: bool = True
    append_test_name: bool = False
    automation_hierarchy: int = 1
    use_feature_name: bool = False
    use_feature_description: bool = False
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    project_key: str | None = None
    profile_id: int | None = None
    ignored: list[str] = field(default_factory=list)  # names Assay did not use

    @property
    def splits_cycles(self) -> bool:
        """Hierarchy 2 of JUnit/TestNG: a cycle per suite or <test>, and testCycleToReuse ignored."""
        return self.automation_hierarchy == 2 and self.assay_format in ("junit", "testng")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QMetryParams:
        return cls(**data)


def parse_params(body: Any) -> QMetryParams:
    """The request's parameters, validated. Raises QMetryError (400) naming what is wrong."""
    if not isinstance(body, dict):
        raise QMetryError("Request must contain a JSON raw body payload (a JSON object); form-data is not supported.")
    framework = _text(body.get("format"))
    if framework is None:
        raise QMetryError("Parameter 'format' is required.", code="format_missing")
    short = framework.strip().lower().split("/", 1)[0]  # QTM4J 3.x clients send "junit/xml"
    try:
        assay_format = get_format(FRAMEWORKS.get(short, short)).name
    except UnknownFormatError:
        raise QMetryError(f"Framework '{framework}' is not supported.", code="unsupported_framework") from None
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name, attribute in _BOOLEANS.items():
        if body.get(name) is not None:
            parsed = _boolean(body[name])
            if parsed is None:
                problems.append(f"{name} must be true or false, not {body[name]!r}")
            else:
                values[attribute] = parsed
    hierarchy = body.get("automationHierarchy")
    if hierarchy not in (None, ""):
        if str(hierarchy).strip() not in ("1", "2", "3"):
            problems.append(f"automationHierarchy must be 1, 2 or 3, not {hierarchy!r}")
        else:
            values["automation_hierarchy"] = int(str(hierarchy).strip())
    for name, attribute in (
        ("testCycleToReuse", "test_cycle_to_reuse"),
        ("environment", "environment"),
        ("build", "build"),
        ("projectKey", "project_key"),
    ):
        raw = body.get(name)
        if raw is not None and not isinstance(raw, str | int):
            problems.append(f"{name} must be a string")
        elif (text := _text(raw)) is not None:
            values[attribute] = text[:255]
    if body.get("profileId") not in (None, ""):
        profile_id = _integer(body["profileId"])
        if profile_id is None:
            problems.append(f"profileId must be a number, not {body['profileId']!r}")
        values["profile_id"] = profile_id
    if problems:
        raise QMetryError(problems[0] if len(problems) == 1 else "The supplied parameters are invalid", problems)
    if short == "qaf" and not values.get("is_zip"):
        raise QMetryError("Zip file format is required for QAF framework.", code="zip_required")
    fields, field_problems = _fields(body.get("fields"))
    if field_problems:
        raise QMetryError("The supplied fields are invalid", field_problems, code="invalid_fields")
    known = {"format", "automationHierarchy", "testCycleToReuse", "environment", "build", "fields", *_BOOLEANS, *_ASSAY}
    return QMetryParams(
        format=short,
        assay_format=assay_format,
        fields=fields,
        ignored=sorted(k for k in body if k not in known),
        **values,
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _fields(raw: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """`fields`, every group checked; returns (what was set, the problems)."""
    if raw in (None, "", {}):
        return {}, []
    if not isinstance(raw, dict):
        return {}, ["fields must be a JSON object with testCycle, testCase and testCaseExecution"]
    fields: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for group, values in raw.items():
        allowed = FIELD_GROUPS.get(group)
        if allowed is None:
            problems.append(f"Unknown fields group '{group}': use testCycle, testCase or testCaseExecution")
            continue
        if values in (None, ""):
            continue
        if not isinstance(values, dict):
            problems.append(f"fields.{group} must be a JSON object")
            continue
        checked = {}
        for name, value in values.items():
            where = f"{group}.{name}"
            if name not in allowed:
                problems.append(f"Unknown field '{where}'")
                continue
            ok, clean = _field(name, value, where, problems)
            if ok and clean not in (None, "", []):
                checked[name] = clean
        start, end = checked.get("plannedStartDate"), checked.get("plannedEndDate")
        if start and end and _datetime(end) < _datetime(start):  # type: ignore[operator]
            problems.append(f"{group}.plannedEndDate '{end}' is before plannedStartDate '{start}'")
        if checked:
            fields[group] = checked
    return fields, problems


def _field(name: str, value: Any, where: str, problems: list[str]) -> tuple[bool, Any]:
    if value is None:
        return True, None
    if name in _LISTS:
        items = value if isinstance(value, list) else None
        if items is None or not all(isinstance(item, str) for item in items):
            problems.append(f'{where} must be a list of names, e.g. ["regression"]')
            return False, None
        return True, [item.strip() for item in items if item.strip()]
    if name in _IDS:
        if value == "":
            return True, None
        number = _integer(value)
        if number is None:
            problems.append(f"{where} must be a number, not {value!r}")
        return number is not None, number
    if name == "customFields":
        return _custom_fields(value, where, problems)
    if not isinstance(value, str):
        problems.append(f"{where} must be a string")
        return False, None
    text = value.strip()
    if not text:
        return True, None
    if name in _TIMES and not _HHMM.match(text):
        problems.append(f"{where} '{text}' is not a time in HH:mm format, e.g. 10:30")
        return False, None
    if name in _DATETIMES and _datetime(text) is None:
        problems.append(f"{where} '{text}' is not a date in dd/MMM/yyyy HH:mm format, e.g. 20/May/2021 00:00")
        return False, None
    if name in _DATES and _date(text) is None:
        problems.append(f"{where} '{text}' is not a date in dd/MMM/yyyy format, e.g. 16/Feb/2024")
        return False, None
    return True, text


def _custom_fields(value: Any, where: str, problems: list[str]) -> tuple[bool, Any]:
    if value in ("", []):
        return True, None
    if not isinstance(value, list):
        problems.append(f'{where} must be a list of {{"name", "value"}} objects')
        return False, None
    kept = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            problems.append(f"{where}[{index}] must be an object with a name and a value")
            continue
        if not item["name"].strip() and item.get("value") in (None, ""):
            continue  # an empty row, as form-built clients send
        if not item["name"].strip():
            problems.append(f"{where}[{index}] has a value but no name")
            continue
        if not isinstance(item.get("value"), str | int | float | bool) or isinstance(item.get("value"), bool):
            problems.append(f"{where}[{index}] ({item['name']}) needs a value: a string or a number")
            continue
        kept.append({k: v for k, v in item.items() if k in ("name", "value", "cascadeValue")})
    return True, kept


def _datetime(text: str) -> datetime | None:
    return _strptime(text, "%d/%b/%Y %H:%M")


def _date(text: str) -> datetime | None:
    return _strptime(text, "%d/%b/%Y")


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _strptime(text: str, pattern: str) -> datetime | None:
    # %b follows the locale; QMetry's month names are English whatever the server's locale is.
    match = re.match(r"^(\d{1,2})/([A-Za-z]{3})/(\d{4})(.*)$", text.strip())
    if match is None or match.group(2).lower() not in _MONTHS:
        return None
    month = _MONTHS.index(match.group(2).lower()) + 1
    normal = f"{match.group(1)}/{month:02d}/{match.group(3)}{match.group(4)}"
    try:
        return datetime.strptime(normal, pattern.replace("%b", "%m"))
    except ValueError:
        return None

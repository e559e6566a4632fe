"""What an Xray import request says about its Test Execution and the Tests it creates.

Three sources, later ones winning: the query parameters of the format endpoints (`projectKey`,
`testExecKey`, `testPlanKey`, `testEnvironments` separated by `;`, `revision`, `fixVersion`),
the Xray JSON `info` object (read by the xray format into a ReportMeta), and the multipart `info`
part: Jira issue fields for a new Test Execution (`fields.project.key` or `.id`, `summary`,
`description`, `labels`, `fixVersions`, `customfield_*`...), plus Xray Cloud's `xrayFields`
(`testPlanKey`, `environments`). The multipart `testInfo` part holds Jira fields for the Tests
the import creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from assay.errors import InvalidInputError
from assay.model import ReportMeta

# Xray JSON `info` keys the xray format keeps in ReportMeta.properties.
_META_KEYS = ("project", "version", "revision", "user", "testPlanKey", "testEnvironments")


@dataclass
class ExecutionInfo:
    """The Test Execution's fields an import request gives; None or empty: not given."""

    project: str | None = None  # a project key, or a numeric project id
    execution_key: str | None = None
    summary: str | None = None
    description: str | None = None
    version: str | None = None
    revision: str | None = None
    user: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    test_plan_key: str | None = None
    test_environments: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)  # other Jira fields (customfield_*...), kept

    def merge(self, other: ExecutionInfo) -> None:
        """Take `other`'s given values over these."""
        for name in (
            "project",
            "execution_key",
            "summary",
            "description",
            "version",
            "revision",
            "user",
            "started_at",
            "finished_at",
            "test_plan_key",
        ):
            value = getattr(other, name)
            if value not in (None, ""):
                setattr(self, name, value)
        self.test_environments += [e for e in other.test_environments if e not in self.test_environments]
        self.labels += [label for label in other.labels if label not in self.labels]
        self.fields.update(other.fields)

    def properties(self) -> dict[str, Any]:
        """The report properties these fields are kept as (the names of Xray JSON's `info`)."""
        values = {
            "project": self.project,
            "version": self.version,
            "revision": self.revision,
            "user": self.user,
            "testPlanKey": self.test_plan_key,
            "testEnvironments": self.test_environments or None,
            "fields": self.fields or None,
        }
        return {k: v for k, v in values.items() if v not in (None, "", [])}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def from_params(params: dict[str, str]) -> ExecutionInfo:
    """The format endpoints' query parameters."""
    return ExecutionInfo(
        project=_text(params.get("projectKey")),
        execution_key=_text(params.get("testExecKey")),
        test_plan_key=_text(params.get("testPlanKey")),
        test_environments=_split(params.get("testEnvironments")),
        revision=_text(params.get("revision")),
        version=_text(params.get("fixVersion")),
    )


def from_meta(meta: ReportMeta) -> ExecutionInfo:
    """An Xray JSON document's `info` (and testExecutionKey), as the xray format read them."""
    props = meta.properties
    environments = props.get("testEnvironments")
    if isinstance(environments, str):
        environments = _split(environments)
    return ExecutionInfo(
        project=_text(props.get("project")),
        execution_key=_text(props.get("testExecutionKey")),
        summary=meta.title,
        description=meta.description,
        version=_text(props.get("version")),
        revision=_text(props.get("revision")),
        user=_text(props.get("user")),
        started_at=meta.started_at,
        finished_at=meta.finished_at,
        test_plan_key=_text(props.get("testPlanKey")),
        test_environments=[str(e) for e in environments or [] if str(e).strip()],
    )


def _load_part(text: str | None, name: str) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        data = orjson.loads(text.strip().removeprefix("\ufeff"))
    except orjson.JSONDecodeError as error:
        raise InvalidInputError(f"the {name} part is not valid JSON: {error}", code="bad_info") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f'the {name} part must be a JSON object with "fields"', code="bad_info")
    return data


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def from_info_part(text: str | None) -> ExecutionInfo:
    """The multipart `info` part. Raises InvalidInputError when it is not a JSON object."""
    data = _load_part(text, "info")
    fields = _object(data, "fields")
    xray_fields = _object(data, "xrayFields")
    info = ExecutionInfo()
    project = fields.get("project")
    if isinstance(project, dict):
        info.project = _text(project.get("key")) or _text(project.get("id"))
    else:
        info.project = _text(project)
    info.summary = _text(fields.get("summary"))
    info.description = _text(fields.get("description"))
    labels = fields.get("labels")
    info.labels = [str(label).strip() for label in labels if str(label).strip()] if isinstance(labels, list) else []
    versions = fields.get("fixVersions")
    if isinstance(versions, list) and versions:
        first = versions[0]
        info.version = _text(first.get("name") if isinstance(first, dict) else first)
    info.test_plan_key = _text(xray_fields.get("testPlanKey"))
    environments = xray_fields.get("environments")
    if isinstance(environments, list):
        info.test_environments = [str(e).strip() for e in environments if str(e).strip()]
    # Everything else is kept as given (custom fields hold test plans and environments on Server,
    # under ids only the client's Jira knows).
    known = {"project", "summary", "description", "labels", "fixVersions", "issuetype"}
    info.fields = {k: v for k, v in fields.items() if k not in known and v not in (None, "", [], {})}
    return info


def fields_for_tests(text: str | None) -> dict[str, Any]:
    """The multipart `testInfo` part: Jira fields for the Tests an import creates (labels are used,
    the rest kept on the Test). Raises InvalidInputError when it is not a JSON object."""
    data = _load_part(text, "testInfo")
    fields = _object(data, "fields") if "fields" in data else data
    return {k: v for k, v in fields.items() if k not in ("project", "issuetype") and v not in (None, "", [], {})}


__all__ = ["ExecutionInfo", "from_info_part", "from_meta", "fields_for_tests", "from_params"]

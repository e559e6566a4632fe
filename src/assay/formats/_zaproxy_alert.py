"""One OWASP ZAP alert as a Result, whichever report (JSON or XML) it came from, and the risk threshold.

Both readers reduce an alert to the same plain shape first: a dict of its text fields (`alert`,
`riskcode`, `desc`...), a list of instance dicts and a list of `{"tag", "link"}` dicts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from assay.errors import InvalidInputError
from assay.model import Container, Result, Status

OPTION = "zap_min_risk"
DEFAULT_THRESHOLD = 1  # Low: informational alerts pass, anything riskier fails

RISKS = {0: "Informational", 1: "Low", 2: "Medium", 3: "High"}
CONFIDENCES = {0: "False Positive", 1: "Low", 2: "Medium", 3: "High", 4: "Confirmed"}
_THRESHOLD_WORDS = {"informational": 0, "info": 0, "low": 1, "medium": 2, "high": 3}
_ALLOWED = "informational, info, low, medium, high, or 0 to 3"

# Identifiers and short facts: result properties. Long texts: json_data.
_PROPERTY_FIELDS = ("pluginid", "alertRef", "riskcode", "riskdesc", "confidence", "cweid", "wascid",
                    "sourceid", "count", "systemic")
_TEXT_FIELDS = ("solution", "otherinfo", "reference")
# What an instance keeps. ZAP 2.16 also writes the raw request and response (headers and bodies):
# they can be large and carry cookies and bearer tokens, so they are left out.
INSTANCE_FIELDS = ("uri", "nodeName", "method", "param", "attack", "evidence", "otherinfo")

_PARAGRAPH = re.compile(r"</p>\s*<p>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]+>")


def threshold(options: Mapping[str, Any]) -> int:
    """The lowest riskcode that fails, from option `zap_min_risk` (Low when absent).

    Raises InvalidInputError naming the allowed values.
    """
    value = options.get(OPTION)
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_THRESHOLD
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int) and 0 <= value <= 3:
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _THRESHOLD_WORDS:
            return _THRESHOLD_WORDS[word]
        if word in ("0", "1", "2", "3"):
            return int(word)
    raise InvalidInputError(
        f"option {OPTION}={value!r} is not a ZAP risk level; use one of {_ALLOWED}",
        option=OPTION,
        allowed=["informational", "info", "low", "medium", "high", "0", "1", "2", "3"],
    )


def html_text(value: Any) -> str | None:
    """ZAP's HTML snippets (`<p>...</p><p>...</p>`) as plain text: one paragraph per line."""
    if not isinstance(value, str):
        return None if value is None else str(value)
    text = _TAG.sub("", _PARAGRAPH.sub("\n", value))
    lines = [line.strip() for line in html.unescape(text).replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line) or None


def _code(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _risk_code(fields: Mapping[str, Any]) -> int | None:
    code = _code(fields.get("riskcode"))
    if code in RISKS:
        return code
    # no usable riskcode: riskdesc says "Medium (High)"
    word = str(fields.get("riskdesc") or "").split("(", 1)[0].strip().lower()
    return _THRESHOLD_WORDS.get(word)


def _confidence(fields: Mapping[str, Any]) -> str | None:
    if desc := fields.get("confidencedesc"):
        return str(desc).strip() or None
    code = _code(fields.get("confidence"))
    if code in CONFIDENCES:
        return CONFIDENCES[code]
    match = re.search(r"\((.+)\)", str(fields.get("riskdesc") or ""))
    return match.group(1).strip() if match else None


def alert_result(
    fields: Mapping[str, Any],
    instances: list[dict[str, str]],
    tags: list[dict[str, str]],
    site: Container | None,
    min_risk: int,
) -> Result:
    """An alert as a Result: FAILED when its risk is at least `min_risk`, else PASSED.

    An alert with no readable risk is UNKNOWN.
    """
    risk = _risk_code(fields)
    if risk is None:
        status = Status.UNKNOWN
    else:
        status = Status.FAILED if risk >= min_risk else Status.PASSED
    pluginid = str(fields.get("pluginid") or "").strip()
    title = str(fields.get("alert") or fields.get("name") or "").strip() or f"ZAP alert {pluginid or '?'}"
    result = Result(title=title, status=status, container=site, description=html_text(fields.get("desc")))
    for name in _PROPERTY_FIELDS:
        value = fields.get(name)
        if value is not None and str(value).strip():
            result.properties[name] = str(value).strip()
    if status is Status.FAILED and risk is not None:
        result.exception_description = str(fields.get("riskdesc") or "").strip() or RISKS[risk]
    data: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        if text := html_text(fields.get(name)):
            data[name] = text
    if instances:
        data["instances"] = instances
    if tags:
        data["zap_tags"] = tags
    result.json_data = data
    result.tags = _tags(fields, risk, tags)
    return result


def _tags(fields: Mapping[str, Any], risk: int | None, zap_tags: list[dict[str, str]]) -> list[str]:
    tags = []
    if risk is not None:
        tags.append(f"risk:{RISKS[risk]}")
    if confidence := _confidence(fields):
        tags.append(f"confidence:{confidence}")
    # ZAP writes -1 (or 0) when no CWE/WASC applies
    for name, key in (("cweid", "cwe"), ("wascid", "wasc")):
        code = _code(fields.get(name))
        if code is not None and code > 0:
            tags.append(f"{key}:{code}")
    for tag in zap_tags:
        # ZAP 2.12+ alert tags: "OWASP_2021_A05", "CWE-693", "WSTG-v42-CONF-12"
        if (name := tag.get("tag")) and name not in tags:
            tags.append(name)
    return tags

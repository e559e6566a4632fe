"""OWASP ZAP's traditional reports: JSON (`-J report.json`) and XML (`-x report.xml`).

Covered producers (each has a corpus file): ZAP 2.9 to 2.16 and weekly builds, as written by
zap-baseline.py, the ZAP GitHub actions, DefectDojo's fixtures and secureCodeBox (which puts an
SPDX comment before the XML declaration: not well-formed, accepted here by moving the
declaration to the front). XML reports of ZAP 2.16 add per-alert tags and statistics.

Shape: each site (`site[]` / `<site name>`) is a "Site" Container; each alert of a site is one
Result (instances of an alert are not separate tests: they are kept in `json_data["instances"]`).
An alert fails when its riskcode reaches the threshold, option `zap_min_risk`
(informational|info|low|medium|high or 0..3, default low), and passes otherwise. Tags:
`risk:High`, `confidence:Medium`, `cwe:79`, `wasc:8` and ZAP's own alert tags.

The JSON report's origin is `zaproxy_json`; an XML report says `zaproxy_xml` through
ReportMeta.properties["origin"].
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any

import orjson
from lxml import etree

from assay.errors import ParseError
from assay.formats._xml import iterparse, local
from assay.formats._xml_results import clean_text, read_root, release, root_element
from assay.formats._zaproxy_alert import INSTANCE_FIELDS, alert_result, threshold
from assay.formats.registry import Format
from assay.model import Container, Event, ReportMeta

__all__ = ["FORMAT", "parse", "sniff"]

_ROOT = "OWASPZAPReport"
_SITE_ATTRIBUTES = ("host", "port", "ssl")

# -- sniff ----------------------------------------------------------------------------------------

_JSON_GENERATED = re.compile(rb'^\s*\{.*?"@(?:generated|version)"\s*:', re.S)
_JSON_SITE = re.compile(rb'"site"\s*:\s*[\[{]')
_JSON_ZAP = re.compile(rb'"@programName"\s*:\s*"ZAP"')


def sniff(head: bytes) -> float:
    """0.95 for an `<OWASPZAPReport>` root or a JSON report naming ZAP; 0.9 for a JSON report with
    ZAP's `@version`/`@generated` and `site` keys; else 0."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"{":
        if _JSON_ZAP.search(text):
            return 0.95
        if _JSON_GENERATED.match(text) and _JSON_SITE.search(text):
            return 0.9
        return 0.0
    root = root_element(head)
    return 0.95 if root is not None and root[0] == _ROOT else 0.0


# -- shared ---------------------------------------------------------------------------------------


def _report_meta(version: Any, generated: Any, program: Any, origin: str) -> ReportMeta:
    meta = ReportMeta(properties={"origin": origin})
    for key, value in (("zap_version", version), ("generated", generated), ("program", program)):
        if isinstance(value, (str, int, float)) and str(value).strip():
            meta.properties[key] = str(value).strip()
    meta.finished_at = _generated_at(generated)
    return meta


def _generated_at(value: Any) -> datetime | None:
    """ZAP's `generated`, "Wed, 1 Dec 2021 09:24:50" (local time, no zone); localized ones -> None."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%a, %d %b %Y %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None  # ZAP localizes it ("Fr., 30 Sep. 2022 08:40:35")


def _site(name: Any, host: Any, attributes: Mapping[str, Any]) -> Container:
    title = str(name or host or "").strip() or "(unnamed site)"
    site = Container(title=title, classification="Site")
    for key in _SITE_ATTRIBUTES:
        value = attributes.get(key)
        if isinstance(value, (str, int, float, bool)) and str(value).strip():
            site.properties[key] = str(value).strip()
    return site


# -- JSON -----------------------------------------------------------------------------------------


def _as_list(value: Any, what: str) -> list[Any]:
    # ZAP 2.7's JSON (converted from its XML) writes a lone site or alert as an object
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise ParseError(f"not a ZAP JSON report: {what} is a {type(value).__name__}, expected a list")


def _json_text(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) else None


def _json_instance(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {key: str(value[key]) for key in INSTANCE_FIELDS if _json_text(value.get(key)) is not None}


def _json_tags(value: Any) -> list[dict[str, str]]:
    if isinstance(value, dict):  # {"OWASP_2021_A05": "https://..."}
        return [{"tag": str(key), "link": str(link or "")} for key, link in value.items()]
    if isinstance(value, list):
        return [{"tag": str(item.get("tag")), "link": str(item.get("link") or "")}
                for item in value if isinstance(item, dict) and item.get("tag")]
    return []


def _parse_json(data: bytes, min_risk: int) -> Iterator[Event]:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise ParseError(f"malformed JSON: {error}") from None
    if not isinstance(document, dict) or "site" not in document:
        raise ParseError('not a ZAP JSON report: expected an object with a "site" list')
    yield _report_meta(document.get("@version"), document.get("@generated"), document.get("@programName"),
                       "zaproxy_json")
    for number, site_data in enumerate(_as_list(document["site"], '"site"'), 1):
        if not isinstance(site_data, dict):
            raise ParseError(f"not a ZAP JSON report: site {number} is not an object")
        attributes = {key: site_data.get(f"@{key}") for key in _SITE_ATTRIBUTES}
        site = _site(site_data.get("@name"), site_data.get("@host"), attributes)
        yield site
        for alert in _as_list(site_data.get("alerts"), f'the "alerts" of site {number}'):
            if not isinstance(alert, dict):
                raise ParseError(f"not a ZAP JSON report: an alert of site {number} is not an object")
            fields = {key: text for key, value in alert.items() if (text := _json_text(value)) is not None}
            instances = [found for item in _as_list(alert.get("instances"), "an alert's instances")
                         if (found := _json_instance(item))]
            yield alert_result(fields, instances, _json_tags(alert.get("tags")), site, min_risk)


# -- XML ------------------------------------------------------------------------------------------


def _element_text(element: etree._Element) -> str:
    text = element.text
    if not text:
        return ""
    # most values are one line: clean_text() would come to the same strip()
    if "\n" not in text and "\r" not in text:
        return text.strip()
    return clean_text(text) or ""


def _xml_alert(element: etree._Element) -> tuple[dict[str, str], list[dict[str, str]], list[dict[str, str]]]:
    fields: dict[str, str] = {}
    instances: list[dict[str, str]] = []
    tags: list[dict[str, str]] = []
    for child in element:
        tag = local(child.tag)
        if tag == "instances":
            for instance in child:
                values = {local(part.tag): _element_text(part) for part in instance}
                instances.append({key: values[key] for key in INSTANCE_FIELDS if key in values})
        elif tag == "tags":
            for item in child:
                values = {local(part.tag): _element_text(part) for part in item}
                if values.get("tag"):
                    tags.append({"tag": values["tag"], "link": values.get("link", "")})
        elif len(child) == 0:
            fields[tag] = _element_text(child)
    return fields, instances, tags


def _statistics(element: etree._Element) -> dict[str, str]:
    stats = {}
    for item in element:
        values = {local(part.tag): _element_text(part) for part in item}
        if values.get("key"):
            stats[values["key"]] = values.get("value", "")
    return stats


# The only elements the XML parse is told of (see `_xml.iterparse`): an alert is read from the tree
# at its end, instances and all.
_EVENT_TAGS = ("{*}site", "{*}alertitem", "{*}statistics")


def _parse_xml(stream: IO[bytes], min_risk: int) -> Iterator[Event]:
    root, stream = read_root(stream)
    if root.name != _ROOT:
        raise ParseError(f"not a ZAP XML report: root element is <{root.name}>, expected <{_ROOT}>")
    get = root.attributes.get
    yield _report_meta(get("version"), get("generated"), get("programName"), "zaproxy_xml")
    site: Container | None = None
    site_element: etree._Element | None = None  # the <site> being read (a child of the root)
    for event, element in iterparse(stream, tag=_EVENT_TAGS):
        parent = element.getparent()  # never None: the root is an <OWASPZAPReport>
        tag = local(element.tag)
        top = parent.getparent() is None  # a child of the root
        if event == "start":
            if top and tag == "site":
                site_element, site = element, _site(element.get("name"), element.get("host"), element.attrib)
                yield site
            continue
        if tag == "alertitem" and _depth(element) == 4:  # <OWASPZAPReport><site><alerts><alertitem>
            fields, instances, tags = _xml_alert(element)
            in_site = site if parent.getparent() is site_element else None
            yield alert_result(fields, instances, tags, in_site, min_risk)
            release(element)
        elif tag == "statistics" and top:  # ZAP 2.16: scan-wide and per-site request statistics
            yield ReportMeta(properties={"statistics": _statistics(element)})
            release(element)
        elif tag == "statistics" and site is not None and parent is site_element:
            site.properties["statistics"] = _statistics(element)
            release(element)
        elif top and tag == "site":
            release(element)
            site_element = site = None


def _depth(element: etree._Element) -> int:
    """1 for the root, 2 for its children..."""
    depth = 1
    while (element := element.getparent()) is not None:
        depth += 1
    return depth


_LEADING = re.compile(rb"(?:\s+|<!--.*?-->)*", re.S)
_DECLARATION = re.compile(rb"<\?xml[^>]*\?>")


class _DeclarationFirst:
    """Reads `stream` with the XML declaration moved before any comment that precedes it.

    secureCodeBox's ZAP reports start with an SPDX comment, then `<?xml ...?>`, which XML forbids.
    The comment is dropped and replaced by as many newlines (after the declaration), so the line
    numbers of later errors still match the file.
    """

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._stream = stream
        bom = b"\xef\xbb\xbf" if head.startswith(b"\xef\xbb\xbf") else b""
        leading = _LEADING.match(head, len(bom))
        declaration = _DECLARATION.match(head, leading.end()) if leading else None
        if leading is not None and declaration is not None and b"<!--" in leading.group(0):
            newlines = b"\n" * leading.group(0).count(b"\n")
            head = bom + declaration.group(0) + newlines + head[declaration.end():]
        self._head = head

    def read(self, size: int = -1) -> bytes:
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._stream.read(size)


# -- entry point ----------------------------------------------------------------------------------


def parse(stream: IO[bytes], options: Mapping[str, Any]) -> Iterator[Event]:
    """Stream a ZAP JSON or XML report as Site Containers and one Result per alert.

    Raises InvalidInputError for a bad `zap_min_risk` option, ParseError for an empty file,
    malformed JSON/XML (XML with line and column) or a document that is not a ZAP report.
    """
    min_risk = threshold(options)
    head = stream.read(64 * 1024)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start:
        more = stream.read(1)
        if not more:
            raise ParseError("the file is empty", code="empty_file")
        head += more
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] in (b"{", b"["):
        yield from _parse_json(head + stream.read(), min_risk)
    else:
        yield from _parse_xml(_DeclarationFirst(head, stream), min_risk)  # type: ignore[arg-type]


FORMAT = Format(
    name="zaproxy",
    origin="zaproxy_json",
    title="OWASP ZAP report",
    sniff_fn=sniff,
    parse=parse,
    aliases=("zap", "owasp-zap", "zaproxy_json", "zaproxy_xml"),
    filenames=("*zap*.json", "*zap*.xml", "report_json.json", "report_xml.xml"),
    mimetypes=("application/json", "application/xml", "text/xml"),
    priority=0.5,
)

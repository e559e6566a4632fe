"""OWASP ZAP reports: every corpus file (JSON and XML) against its hand counts, the risk threshold
option, tags, instances, the comment-before-declaration file, bad input and sniffing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assay.errors import InvalidInputError, ParseError
from assay.formats import get_format
from assay.model import Event, ReportMeta, Result, Status

from .helpers import (
    CORPUS,
    assert_matches_expected,
    containers_of,
    corpus_files,
    count,
    parse_events,
    results_of,
)

ZAP = get_format("zaproxy")
JSON_211 = CORPUS / "zaproxy" / "zap-2.11.0-baseline-action.json"
SPDX = CORPUS / "zaproxy" / "zap-weekly-2020-juice-shop-spdx-comment-before-xml-decl.xml"


def corpus(name: str, **options: Any) -> list[Event]:
    return parse_events("zaproxy", CORPUS / "zaproxy" / name, **options)


def by_title(events: list[Event]) -> dict[str, Result]:
    return {result.title: result for result in results_of(events)}


def origin_of(events: list[Event]) -> str:
    metas = [e for e in events if isinstance(e, ReportMeta) and "origin" in e.properties]
    return str(metas[0].properties["origin"])


@pytest.mark.parametrize("path", corpus_files("zaproxy"), ids=lambda p: p.name)
def test_corpus_file_matches_expected_counts(path: Path) -> None:
    events = parse_events("zaproxy", path)
    assert_matches_expected(f"zaproxy/{path.name}", events)
    sites = containers_of(events)
    assert sites and all(site.classification == "Site" and site.parent is None for site in sites)
    assert all(r.container in sites for r in results_of(events))
    assert origin_of(events) == ("zaproxy_json" if path.suffix == ".json" else "zaproxy_xml")


def test_json_alert_fields_tags_and_instances() -> None:
    events = parse_events("zaproxy", JSON_211)
    (site,) = containers_of(events)
    assert site.title == "http://www.itsecgames.com"
    assert site.properties == {"host": "www.itsecgames.com", "port": "80", "ssl": "false"}
    csp = by_title(events)["Content Security Policy (CSP) Header Not Set"]
    assert csp.status is Status.FAILED
    assert csp.exception_description == "Medium (High)"
    assert csp.tags == ["risk:Medium", "confidence:High", "cwe:693", "wasc:15"]
    assert csp.properties["pluginid"] == "10038" and csp.properties["count"] == "7"
    assert csp.description is not None
    assert csp.description.startswith("Content Security Policy (CSP) is an added layer of security")
    assert "<p>" not in csp.description
    raw = json.loads(JSON_211.read_bytes())["site"][0]["alerts"][0]
    assert csp.json_data["instances"] == [
        {key: instance[key] for key in ("uri", "method", "param", "attack", "evidence")}
        for instance in raw["instances"]
    ]
    assert len(csp.json_data["instances"]) == 7
    assert csp.json_data["reference"].split("\n")[0] == (
        "https://developer.mozilla.org/en-US/docs/Web/Security/CSP/Introducing_Content_Security_Policy"
    )
    informational = [r for r in results_of(events) if "risk:Informational" in r.tags]
    assert len(informational) == 3
    assert all(r.status is Status.PASSED and r.exception_description is None for r in informational)
    meta = next(e for e in events if isinstance(e, ReportMeta))
    assert meta.properties["zap_version"] == "2.11.0"
    assert meta.finished_at is not None and meta.finished_at.isoformat() == "2021-12-01T09:24:50+00:00"


@pytest.mark.parametrize(
    ("value", "failed", "passed"),
    [
        (None, 7, 3), ("low", 7, 3), ("1", 7, 3), (1, 7, 3), (" Low ", 7, 3),
        ("informational", 10, 0), ("info", 10, 0), ("0", 10, 0), (0, 10, 0),
        ("medium", 4, 6), ("2", 4, 6),
        ("high", 0, 10), ("3", 0, 10), (3, 0, 10), ("HIGH", 0, 10),
    ],
)
def test_zap_min_risk_sets_the_threshold(value: Any, failed: int, passed: int) -> None:
    options = {} if value is None else {"zap_min_risk": value}
    counts = count(parse_events("zaproxy", JSON_211, **options))
    assert (counts.total, counts.failed, counts.passed) == (10, failed, passed)


@pytest.mark.parametrize("value", ["critical", "4", "-1", 7, "", "1.5", True])
def test_a_bad_threshold_names_the_allowed_values(value: Any) -> None:
    if value == "":
        assert count(parse_events("zaproxy", JSON_211, zap_min_risk=value)).failed == 7  # empty: the default
        return
    with pytest.raises(InvalidInputError) as caught:
        parse_events("zaproxy", JSON_211, zap_min_risk=value)
    assert not isinstance(caught.value, ParseError)
    assert "informational, info, low, medium, high, or 0 to 3" in str(caught.value)
    assert caught.value.details["option"] == "zap_min_risk"


def test_xml_alert_with_request_and_response_keeps_instances_without_the_http_exchange() -> None:
    events = corpus("zap-2.16.1-informational-req-resp.xml")
    (site,) = containers_of(events)
    assert site.properties["statistics"]["stats.code.403"] == "1260"
    results = by_title(events)
    auth = results["Authentication Request Identified"]
    (instance,) = auth.json_data["instances"]
    assert instance == {
        "uri": "https://example-domain.com/cpapi/api/account/verifypasswordless", "method": "POST",
        "param": "user_identifier", "attack": "", "evidence": "passwordless_code",
        "otherinfo": "userParam=user_identifier\nuserValue=string\npasswordParam=passwordless_code",
    }
    cookie = results["Cookie Poisoning"]
    assert cookie.tags[:4] == ["risk:Informational", "confidence:Low", "cwe:565", "wasc:20"]
    assert "OWASP_2021_A03" in cookie.tags
    cwe = {"tag": "CWE-565", "link": "https://cwe.mitre.org/data/definitions/565.html"}
    assert cwe in cookie.json_data["zap_tags"]
    assert all(r.status is Status.PASSED for r in results.values())
    assert count(corpus("zap-2.16.1-informational-req-resp.xml", zap_min_risk="info")).failed == 4


def test_comment_before_the_xml_declaration_is_accepted() -> None:
    events = parse_events("zaproxy", SPDX)
    counts = count(events)
    assert (counts.total, counts.failed, counts.passed) == (12, 7, 5)
    cors = by_title(events)["Cross-Domain Misconfiguration"]
    assert cors.description == (
        "Web browser data loading may be possible, due to a Cross Origin Resource Sharing (CORS) "
        "misconfiguration on the web server"
    )
    first_uri = cors.json_data["instances"][0]["uri"]
    assert first_uri.startswith("http://juice-shop:3000/socket.io/?EIO=3&transport=")


def test_errors_after_a_moved_declaration_keep_their_line_numbers() -> None:
    data = (b"<!--\nSPDX-License-Identifier: Apache-2.0\n-->\n\n"
            b"<?xml version=\"1.0\"?><OWASPZAPReport>\n<site>\n<oops>\n</site>")
    with pytest.raises(ParseError) as caught:
        parse_events("zaproxy", data)
    assert caught.value.details["line"] == 8


def test_a_report_without_alerts_is_empty_not_an_error() -> None:
    events = corpus("zap-2.9.0-empty.xml")
    assert results_of(events) == []
    assert [c.title for c in containers_of(events)] == ["https://isaac.nl"]


def test_localized_generated_date_is_kept_as_text_only() -> None:
    meta = next(e for e in corpus("zap-2.11.1-xml-plus-german-date.xml") if isinstance(e, ReportMeta))
    assert meta.properties["generated"] == "Fr., 30 Sep. 2022 08:40:35" and meta.finished_at is None


# -- inline documents --------------------------------------------------------------------------------


def test_legacy_json_with_lone_objects_tags_and_unreadable_risk() -> None:
    document = {
        "@version": "2.7.0", "@generated": "Mon, 1 Jan 2018 10:00:00",
        "site": {"@name": "https://ünï.example", "alerts": {
            "pluginid": "40012", "alert": "Cross Site Scripting (Reflected)", "riskcode": "3",
            "confidence": "4", "cweid": "79", "wascid": "8", "desc": "<p>a &amp; b</p><p>c</p>",
            "instances": {"uri": "https://ünï.example/?q=<script>", "method": "GET", "attack": "<script>"},
            "tags": {"OWASP_2021_A03": "https://owasp.org/Top10/A03_2021-Injection/"},
        }},
    }
    events = parse_events("zaproxy", json.dumps(document).encode())
    (xss,) = results_of(events)
    assert xss.status is Status.FAILED
    assert xss.container is not None and xss.container.title == "https://ünï.example"
    assert xss.tags == ["risk:High", "confidence:Confirmed", "cwe:79", "wasc:8", "OWASP_2021_A03"]
    assert xss.description == "a & b\nc"
    assert xss.exception_description == "High"
    assert xss.json_data["instances"] == [
        {"uri": "https://ünï.example/?q=<script>", "method": "GET", "attack": "<script>"},
    ]

    alerts = [{"alert": "No risk code"}, {"name": "Worded", "riskdesc": "Low (Medium)"}]
    document["site"] = [{"@name": "x", "alerts": alerts}]
    results = by_title(parse_events("zaproxy", json.dumps(document).encode()))
    assert results["No risk code"].status is Status.UNKNOWN
    assert results["Worded"].status is Status.FAILED and "confidence:Medium" in results["Worded"].tags


def test_xml_with_cdata_and_missing_fields() -> None:
    data = (b'<?xml version="1.0" encoding="UTF-8"?><OWASPZAPReport version="2.10.0" generated="x">'
            b'<site name="http://a"><alerts><alertitem><pluginid>1</pluginid><riskcode>1</riskcode>'
            b"<desc><![CDATA[<p>Caf\xc3\xa9 <b>bold</b></p>]]></desc></alertitem></alerts></site>"
            b'<site host="b.example"><alerts/></site></OWASPZAPReport>')
    events = parse_events("zaproxy", data)
    (alert,) = results_of(events)
    assert alert.title == "ZAP alert 1" and alert.description == "Café bold"
    assert alert.status is Status.FAILED and alert.tags == ["risk:Low"]
    assert [c.title for c in containers_of(events)] == ["http://a", "b.example"]


def test_xml_alerts_count_only_where_zap_writes_them() -> None:
    # <OWASPZAPReport><site><alerts><alertitem>: an alert elsewhere is not one, a site's statistics
    # are its own, the report's statistics are the report's
    alert = b"<alertitem><pluginid>%d</pluginid><alert>A%d</alert><riskcode>2</riskcode></alertitem>"
    stats = b"<statistics><statistic><key>k</key><value>%d</value></statistic></statistics>"
    data = (b"<OWASPZAPReport version='2.16.0'><site name='s'><alerts>" + alert % (1, 1)
            + b"<group>" + alert % (2, 2) + b"</group></alerts>" + alert % (3, 3) + stats % 1 + b"</site>"
            + b"<other><alerts>" + alert % (4, 4) + b"</alerts>" + stats % 2 + b"</other>"
            + stats % 3 + b"</OWASPZAPReport>")
    events = parse_events("zaproxy", data)
    (site,) = containers_of(events)
    first, other = results_of(events)
    assert (first.title, first.container, other.title, other.container) == ("A1", site, "A4", None)
    assert site.properties["statistics"] == {"k": "1"}
    assert [e.properties["statistics"] for e in events if isinstance(e, ReportMeta) and "statistics" in e.properties] \
        == [{"k": "3"}]


def test_root_is_checked_before_anything_is_read_however_long_the_prolog() -> None:
    comment = b"<!-- " + b"x" * 200_000 + b" -->\n"
    with pytest.raises(ParseError, match=r"root element is <site>, expected <OWASPZAPReport>"):
        parse_events("zaproxy", comment + b"<site name='x'><alerts><alertitem/></alerts></site>")
    with pytest.raises(ParseError, match=r"root element is <report>"):
        parse_events("zaproxy", b"<report>\n<site></oops>")  # refused as ZAP reads the root, not as malformed
    (alert,) = results_of(parse_events("zaproxy", comment + b"<OWASPZAPReport><site name='s'><alerts>"
                                       b"<alertitem><alert>late</alert></alertitem></alerts></site></OWASPZAPReport>"))
    assert alert.title == "late"


@pytest.mark.parametrize("data", [b"", b" \n\t", b"\xef\xbb\xbf\n"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_events("zaproxy", data)
    assert caught.value.code == "empty_file"


@pytest.mark.parametrize(("data", "message"), [
    (b'<?xml version="1.0"?><testsuites/>', r"not a ZAP XML report: root element is <testsuites>"),
    (b'{"name": "cucumber"}', r'not a ZAP JSON report: expected an object with a "site" list'),
    (b'[{"elements": []}]', r"not a ZAP JSON report"),
    (b'{"@version": "2.11.0", "site": 5}', r'"site" is a int, expected a list'),
    (b'{"site": [{"@name": "a", "alerts": ["oops"]}]}', r"an alert of site 1 is not an object"),
    (b'{"site": ["oops"]}', r"site 1 is not an object"),
    (b'{"site": [{"@name": "a", "alerts": [{"instances": 3}]}]}', r"instances is a int"),
    (b'{"site": [', r"malformed JSON"),
])
def test_wrong_or_malformed_documents(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_events("zaproxy", data)


def test_truncated_xml_reports_the_line() -> None:
    data = (CORPUS / "zaproxy" / "zap-weekly-2021-dvwa-baseline.xml").read_bytes()
    with pytest.raises(ParseError) as caught:
        parse_events("zaproxy", data[: len(data) // 2])
    assert isinstance(caught.value.details.get("line"), int) and "line " in str(caught.value)


# -- sniffing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_files("zaproxy"), ids=lambda p: p.name)
def test_sniff_claims_zap_reports(path: Path) -> None:
    assert ZAP.sniff(path.read_bytes()[: 64 * 1024]) >= 0.9


OTHER_FILES = [p for folder in sorted(CORPUS.iterdir()) if folder.is_dir() and folder.name != "zaproxy"
               for p in corpus_files(folder.name)]


@pytest.mark.parametrize("path", OTHER_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sniff_leaves_other_formats_alone(path: Path) -> None:
    assert ZAP.sniff(path.read_bytes()[: 64 * 1024]) == 0.0


@pytest.mark.parametrize(("head", "score"), [
    (b'{"@programName": "ZAP", "@version": "2.14.0"', 0.95),
    (b'{\n\t"@version": "2.11.0",\n\t"@generated": "Wed",\n\t"site":[ {', 0.9),
    (b'{"@version": "1.0", "results": []}', 0.0),
    (b"<!-- SPDX -->\n<?xml version='1.0'?><OWASPZAPReport version='x'>", 0.95),
    (b"<OWASPZAPRep", 0.0),
    (b"", 0.0),
])
def test_sniff_scores(head: bytes, score: float) -> None:
    assert ZAP.sniff(head) == score

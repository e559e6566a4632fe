"""The report page, a result's page with its history, the comparison, and pages by key, in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from assay.services.catalog import create_test
from assay.services.users import User
from assay.store import read_transaction, tables, write_transaction
from tests.api.conftest import Server
from tests.formats.helpers import CORPUS
from tests.web.conftest import sign_in
from tests.web.helpers import import_file, junit, png

SUREFIRE = CORPUS / "junit" / "surefire-junit4-failures-skipped.xml"
Shot = Callable[[Page, str], Path]


def _result_id(server: Server, report_id: str, title: str) -> str:
    with read_transaction(server.runtime.engine) as connection:
        return connection.execute(
            select(tables.result.c.id).where(tables.result.c.report_id == report_id, tables.result.c.title == title)
        ).scalar_one()


def test_report_page_with_a_failure_and_its_backtrace(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    report = import_file(server, SUREFIRE.read_bytes(), build="42", os="linux", platform="jvm")
    sign_in(page, start=f"/login?next=/reports/{report['id']}")
    expect(page.get_by_role("heading", name=report["key"])).to_be_visible()
    summary = page.locator("dl.counts")
    expect(summary.locator(".c-failed dd")).to_have_text("2")
    expect(summary.locator(".c-passed dd")).to_have_text("2")
    expect(summary.locator(".c-skipped dd")).to_have_text("1")
    expect(page.locator(".meta")).to_contain_text("42")
    # A chain of single containers (the package, its one class) opens by itself...
    toggle = page.get_by_role("button", name="Show what StringUtilsTest holds")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # ...and closes and opens again from the keyboard.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    failing = page.locator("li.node.result").filter(has=page.get_by_role("link", name="require_fail", exact=True))
    expect(failing.locator(".status")).to_contain_text("failed")  # the word, not only a colour
    failing.locator("details.failure summary").click()
    backtrace = failing.locator("pre.backtrace")
    expect(backtrace).to_be_visible()
    expect(backtrace).to_contain_text("at action.surefire.report.calc.StringUtils.requireNotBlank")
    screenshot(page, "report")
    # Collapse and expand again (already loaded: no second fetch needed).
    page.get_by_role("button", name="Collapse all").click()
    expect(failing).to_be_hidden()
    # Server-side status filter: only failed results (and the containers holding them) are listed.
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    rows = page.locator("li.node.result")  # the filtered chain opened by itself again
    expect(rows).to_have_count(2)
    for text in rows.locator(".status").all_inner_texts():
        assert "failed" in text
    # Search by title, server side.
    page.get_by_label("Search titles").fill("withnull")
    page.get_by_label("Status").select_option("")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"q=withnull"))
    expect(page.get_by_role("heading", name="Results matching “withnull”")).to_be_visible()
    expect(page.locator("li.node.result")).to_have_count(1)
    expect(page.locator("li.node.result .where")).to_contain_text("StringUtilsTest")
    # The result's own page: the exception in full, monospace, collapsible.
    page.get_by_label("Search titles").fill("require_fail")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"q=require_fail"))
    page.get_by_role("link", name="require_fail", exact=True).first.click()
    expect(page.get_by_role("heading", name="require_fail", exact=True)).to_be_visible()
    expect(page.locator(".big-status")).to_contain_text("failed")
    expect(page.get_by_role("heading", name=re.compile("java.lang.AssertionError"))).to_be_visible()
    details = page.locator("details.backtrace")
    expect(details.locator("pre")).to_contain_text("StringUtilsTest.require_fail(StringUtilsTest.java:27)")
    font = details.locator("pre").evaluate("el => getComputedStyle(el).fontFamily")
    assert "mono" in font.lower()
    details.locator("summary").click()
    expect(details.locator("pre")).to_be_hidden()
    details.locator("summary").click()
    screenshot(page, "result")


def _three_imports(server: Server) -> list[dict]:
    first = import_file(server, junit({"a": "passed", "b": "failed", "c": "passed", "d": "passed", "f": "passed"}),
                        build="1")
    second = import_file(server, junit({"a": "failed", "b": "failed", "c": "passed", "d": "skipped", "e": "passed",
                                        "f": "passed"}), build="2")
    third = import_file(server, junit({"a": "passed", "b": "passed", "c": ("failed", 2.5), "d": "passed",
                                       "e": "passed", "g": "broken"}), build="3")
    return [first, second, third]


def test_history_labels_across_three_imports(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    first, second, third = _three_imports(server)
    sign_in(page, start=f"/login?next=/results/{_result_id(server, third['id'], 'a')}")
    strip = page.locator("ol.history-strip > li")
    expect(strip).to_have_count(3)
    expected = [(first, "passed", "New result"), (second, "failed", "New failure"), (third, "passed", "Fixed")]
    for cell, (report, status, label) in zip(strip.all(), expected, strict=True):
        expect(cell).to_contain_text(report["key"])
        expect(cell.locator(".status")).to_contain_text(status)
        expect(cell.locator(".hlabel")).to_have_text(label)
    expect(strip.last).to_contain_text("Current")
    # passed -> failed -> passed: flaky.
    expect(page.locator(".badges .flaky")).to_contain_text("Flaky")
    expect(page.locator(".badges .hlabel")).to_have_text("Fixed")
    screenshot(page, "result-history")
    # Each cell links to that report's result of the same test.
    strip.nth(1).locator("a", has_text="failed").click()
    expect(page).to_have_url(f"{server.url}/results/{_result_id(server, second['id'], 'a')}")
    expect(page.locator(".badges .hlabel")).to_have_text("New failure")

    page.goto(f"/reports/{third['id']}")
    rows = page.locator("li.node.result")
    expect(rows).to_have_count(6)  # the package and its one class open by themselves
    labels = {row.locator("a.title").inner_text(): row.locator(".hlabel").all_inner_texts() for row in rows.all()}
    assert labels == {"a": ["Fixed"], "b": ["Fixed"], "c": ["New failure"], "d": ["Was skipped"], "e": [],
                      "g": ["New result"]}
    expect(rows.filter(has_text="Fixed").first.locator(".flaky")).to_be_visible()
    screenshot(page, "report-history-labels")
    page.goto(f"/results/{_result_id(server, second['id'], 'b')}")
    expect(page.locator(".badges .hlabel")).to_have_text("Still failing")


def test_compare_with_previous(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    first, second, third = _three_imports(server)
    sign_in(page, start=f"/login?next=/reports/{third['id']}")
    page.get_by_role("link", name=f"Compare with previous ({second['key']})").click()
    expect(page.get_by_role("heading", name=f"Compare {third['key']} with {second['key']}")).to_be_visible()

    def section(name: str) -> list[str]:
        found = page.locator("section.compare-section", has=page.get_by_role("heading", name=re.compile(f"^{name}")))
        if not found.count():
            return []
        return [t.splitlines()[0] for t in found.locator("tbody th").all_inner_texts()]

    assert section("New failures") == ["c"]  # g is new and broken: listed with the new tests
    assert section("Fixed") == ["a", "b"]
    assert section("Still failing") == []
    assert section("Other status changes") == ["d"]
    assert section("New tests") == ["g"]
    assert section("Removed tests") == ["f"]
    assert section("Slower") == ["c"]
    expect(page.locator(".compare-empty")).to_contain_text("still failing")
    screenshot(page, "compare")
    page.get_by_label("Compare with").select_option(value=first["id"])
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name=f"Compare {third['key']} with {first['key']}")).to_be_visible()
    assert section("Fixed") == ["b"]
    assert section("New tests") == ["e", "g"]


def test_first_report_has_nothing_to_compare(server: Server, user: User, page: Page) -> None:
    report = import_file(server, junit({"a": "passed"}))
    sign_in(page, start=f"/login?next=/reports/{report['id']}/compare")
    expect(page.locator("p.empty")).to_contain_text("nothing before it")
    page.goto(f"/reports/{report['id']}")
    expect(page.get_by_role("link", name=re.compile("Compare with previous"))).to_have_count(0)


def test_result_attachments(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    content = junit({"checkout": "failed"}).replace(
        b"</testcase>",
        b"<system-out>[[ATTACHMENT|screen.png]] [[ATTACHMENT|run.log]] [[ATTACHMENT|dump.bin]]</system-out></testcase>")
    files = [("file[]", ("TEST-cart.xml", content, "text/xml")),
             ("attachment[]", ("screen.png", png(), "image/png")),
             ("attachment[]", ("run.log", b"12:00:01 INFO starting checkout\n12:00:02 ERROR card declined\n",
                               "text/plain")),
             ("attachment[]", ("dump.bin", bytes(range(256)) * 4, "application/octet-stream"))]
    with server.client() as client:
        response = client.post("/api/v2/profile/1/report/import/junit", files=files)
    assert response.status_code == 200, response.text
    report = response.json()["report"]
    sign_in(page, start=f"/login?next=/results/{_result_id(server, report['id'], 'checkout')}")
    image = page.get_by_role("img", name="Attachment screen.png")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 48  # served and decoded
    log_view = page.locator("li.attachment details", has_text="run.log")
    log_view.locator("summary").click()
    expect(log_view.locator("pre")).to_contain_text("ERROR card declined")
    download = page.get_by_role("link", name="dump.bin")
    expect(download).to_have_attribute("href", re.compile(r"^/assets/.+\?download=1$"))
    screenshot(page, "result-attachments")
    href = download.get_attribute("href")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=server.url, cookies=cookies) as client:
        served = client.get(href)  # type: ignore[arg-type]
        log = client.get(page.get_by_role("link", name="Open as text").get_attribute("href"))  # type: ignore[arg-type]
    assert served.status_code == 200 and served.content == bytes(range(256)) * 4
    assert served.headers["content-disposition"].startswith("attachment")
    assert log.headers["content-type"].startswith("text/plain") and "sandbox" in log.headers["content-security-policy"]
    with httpx.Client(base_url=server.url) as anonymous:
        refused = anonymous.get(href)  # type: ignore[arg-type]
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_tests_and_executions_by_key(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    first = import_file(server, junit({"adds": "passed"}))
    second = import_file(server, junit({"adds": "failed"}))
    with write_transaction(server.runtime.engine) as connection:
        test = create_test(connection, "DEMO", "Cart adds an item", labels=["cart"])
        # What the Xray import does for a result that names its Test.
        connection.execute(update(tables.result).where(tables.result.c.title == "adds").values(test_id=test["id"]))
    sign_in(page, start=f"/login?next=/tests/{test['key']}")
    expect(page.get_by_role("heading", name=f"{test['key']} Cart adds an item")).to_be_visible()
    runs = page.locator("table.grid tbody tr")
    expect(runs).to_have_count(2)
    expect(runs.first).to_contain_text(second["key"])  # newest first
    expect(runs.first.locator(".status")).to_contain_text("failed")
    screenshot(page, "test-by-key")
    page.goto(f"/executions/{first['key']}")
    expect(page).to_have_url(f"{server.url}/reports/{first['id']}")
    page.goto(f"/reports/{second['key'].lower()}")
    expect(page.get_by_role("heading", name=second["key"])).to_be_visible()
    page.get_by_label("Go to a key").fill(test["key"])
    page.get_by_label("Go to a key").press("Enter")
    expect(page).to_have_url(f"{server.url}/tests/{test['key']}")
    page.goto("/go?key=DEMO-999")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    response = page.goto("/tests/DEMO-999")
    assert response is not None and response.status == 404

"""API keys made and revoked in the browser; the projects page and a profile's filters and trend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from assay.services.users import User
from tests.api.conftest import Server
from tests.web.conftest import sign_in
from tests.web.helpers import import_file, junit

Shot = Callable[[Page, str], Path]


def test_api_key_creation_and_revocation(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    sign_in(page, start="/login?next=/keys")
    page.get_by_label("What it is for").fill("Jenkins nightly")
    page.get_by_label("May reach").select_option("DEMO")
    page.get_by_role("button", name="Create key").click()
    created = page.locator("section.new-key")
    expect(created).to_contain_text("created for project DEMO")
    plaintext = page.locator("#new-key-value").inner_text().strip()
    assert plaintext.startswith("assay_")
    row = page.locator("table.keys tbody tr").filter(has_text="Jenkins nightly")
    expect(row).to_contain_text("project DEMO")
    expect(row).to_contain_text("never")  # not used yet
    expect(row.locator(".job-status")).to_contain_text("active")
    screenshot(page, "keys-created")
    with httpx.Client(base_url=server.url, headers={"x-api-key": plaintext}) as client:
        imported = client.post("/api/v2/profile/1/report/import/junit", content=junit({"works": "passed"}))
    assert imported.status_code == 200, imported.text
    # Shown once: the list never shows it again, only its prefix.
    page.goto("/keys")
    assert plaintext not in page.content()
    expect(row).not_to_contain_text("never")  # its use was recorded
    expect(row.locator("code")).to_contain_text(plaintext.split("_")[1])
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("p.notice")).to_contain_text("was revoked")
    revoked = page.locator("table.keys tbody tr").filter(has_text="Jenkins nightly")
    expect(revoked.locator(".job-status")).to_contain_text("revoked")
    expect(revoked.get_by_role("button", name="Revoke")).to_have_count(0)
    screenshot(page, "keys")
    with httpx.Client(base_url=server.url, headers={"x-api-key": plaintext}) as client:
        refused = client.post("/api/v2/profile/1/report/import/junit", content=junit({"works": "passed"}))
    assert refused.status_code == 401 and "revoked" in refused.text


def test_projects_and_profile_page(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    reports = [
        import_file(server, junit({"a": "passed", "b": "failed"}), build="1.0", os="linux", platform="chrome",
                    **{"tag[]": "nightly"}, date="2026-01-10T08:00:00Z"),
        import_file(server, junit({"a": "passed", "b": "passed", "c": ("skipped", 0.2)}), build="1.1", os="macos",
                    platform="safari", date="2026-02-10T08:00:00Z"),
        import_file(server, junit({"a": ("failed", 3.0), "b": "passed", "c": "passed"}), build="1.2", os="linux",
                    platform="chrome", **{"tag[]": "nightly"}, date="2026-03-10T08:00:00Z"),
    ]
    sign_in(page)
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    profile_row = page.locator("table.grid tbody tr").filter(has_text="Default")
    expect(profile_row).to_contain_text(reports[2]["key"])  # the newest report
    expect(profile_row.locator(".counts-text")).to_contain_text("1 failed")
    screenshot(page, "projects")
    profile_row.get_by_role("link", name="Default").click()
    rows = page.locator("table.reports tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(reports[2]["key"])  # newest first
    expect(rows.first).to_contain_text("1.2")
    expect(rows.first).to_contain_text("linux / chrome")
    expect(rows.first.locator(".tag")).to_have_text("nightly")
    expect(rows.first.locator(".counts-text")).to_contain_text("3 tests")
    # The trend charts are drawn (by the Chart.js this server serves), with a table beside them.
    assert page.evaluate("() => Boolean(Chart.getChart('trend-status') && Chart.getChart('trend-duration'))")
    assert page.evaluate("() => Chart.getChart('trend-status').data.labels") == [r["key"] for r in reports]
    page.get_by_text("Trend as a table").click()
    expect(page.locator("details.data-table tbody tr")).to_have_count(3)
    screenshot(page, "profile")
    page.get_by_label("Tag").fill("nightly")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    page.get_by_label("OS").select_option("linux")
    page.get_by_label("Build").select_option("1.0")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reports[0]["key"])
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("From date").fill("2026-02-01")
    page.get_by_label("To date").fill("2026-02-28")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(reports[1]["key"])
    page.get_by_label("From date").fill("2027-01-01")
    page.get_by_label("To date").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("p.empty")).to_contain_text("No report matches")

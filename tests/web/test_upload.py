"""Uploading through the page (drop, pick, zip), a failed upload's log, the imports pages, the API tab's curl."""

from __future__ import annotations

import io
import re
import shlex
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from assay.services.users import User
from assay.store import read_transaction, tables
from assay.web.upload import curl_command
from tests.api.conftest import Server
from tests.formats.helpers import CORPUS, expected_counts
from tests.web.conftest import sign_in

SUREFIRE = CORPUS / "junit" / "surefire-junit4-failures-skipped.xml"
PYTEST = CORPUS / "junit" / "pytest-xfail-properties.xml"
Shot = Callable[[Page, str], Path]

_DROP = """([name, text]) => {
  const data = new DataTransfer();
  data.items.add(new File([text], name, {type: "text/xml"}));
  const zone = document.querySelector("[data-dropzone]");
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: data, bubbles: true, cancelable: true}));
  }
}"""


def _total(*files: Path) -> int:
    return sum(expected_counts()[f"junit/{f.name}"]["tests"] for f in files)


def test_upload_by_drag_and_drop_creates_a_report(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    sign_in(page, start="/login?next=/profiles/1")
    page.get_by_role("link", name="Upload results").click()
    expect(page.get_by_role("heading", name="Upload results to Default")).to_be_visible()
    page.evaluate(_DROP, [SUREFIRE.name, SUREFIRE.read_text()])
    expect(page.locator(".picked")).to_contain_text(SUREFIRE.name)
    page.get_by_label("Format").select_option("junit")
    page.get_by_label("OS").fill("debian")
    page.get_by_label("Platform").fill("jvm")
    page.get_by_label("Build").fill("77")
    page.get_by_label("Tags").fill("nightly, team:core")
    screenshot(page, "upload")
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/reports/[0-9a-f-]{36}\?uploaded=1$"))
    expect(page.locator("p.notice")).to_contain_text("Imported as DEMO-1")
    expect(page.locator("dl.counts .total dd")).to_have_text(str(_total(SUREFIRE)))
    report_id = page.url.split("/reports/")[1].split("?")[0]
    with read_transaction(server.runtime.engine) as connection:
        report = connection.execute(select(tables.report).where(tables.report.c.id == report_id)).one()
        job = connection.execute(select(tables.import_job).where(tables.import_job.c.id == report.import_id)).one()
    assert (report.build, report.os, report.platform) == ("77", "debian", "jvm")
    assert report.tags == ["nightly", "team:core"]
    assert (job.api, job.status, job.requested_format) == ("web", "success", "junit")
    assert job.files[0]["name"] == SUREFIRE.name


def test_upload_a_zip_with_autodetection(page: Page, server: Server, user: User) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(SUREFIRE, f"reports/{SUREFIRE.name}")
        zipped.write(PYTEST, f"reports/{PYTEST.name}")
    sign_in(page, start="/login?next=/profiles/1/upload")
    page.set_input_files("#file", files=[{"name": "results.zip", "mimeType": "application/zip",
                                          "buffer": archive.getvalue()}])
    page.get_by_label("Smart: restructure the tree").uncheck()
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"\?uploaded=1$"))
    expect(page.locator("dl.counts .total dd")).to_have_text(str(_total(SUREFIRE, PYTEST)))
    with read_transaction(server.runtime.engine) as connection:
        job = connection.execute(select(tables.import_job)).one()
    assert job.options["smart"] is False and job.detected_format == "junit"


def test_failed_upload_shows_the_log(page: Page, server: Server, user: User, screenshot: Shot) -> None:
    sign_in(page, start="/login?next=/profiles/1/upload")
    page.set_input_files("#file", files=[{"name": "notes.txt", "mimeType": "text/plain",
                                          "buffer": b"these are not test results\n"}])
    page.get_by_label("Build").fill("5")
    page.get_by_role("button", name="Import").click()
    alert = page.locator(".error-card")
    expect(alert.get_by_role("heading", name="The import failed")).to_be_visible()
    expect(alert.locator("ol.log")).to_contain_text("import failed")
    expect(page.get_by_label("Build")).to_have_value("5")  # the form keeps what was typed
    screenshot(page, "upload-failed")
    with read_transaction(server.runtime.engine) as connection:
        job = connection.execute(select(tables.import_job)).one()
        reports = connection.execute(select(tables.report)).all()
    assert job.status == "failed" and job.api == "web" and job.error_code
    assert reports == []  # never a half-written report
    page.get_by_role("link", name="Imports", exact=True).click()
    row = page.locator("table.imports tbody tr").first
    expect(row.locator(".job-status")).to_contain_text("failed")
    expect(row).to_contain_text(job.error["message"][:40])
    screenshot(page, "imports")
    row.get_by_role("link", name="log").click()
    expect(page.get_by_role("heading", name="Why it failed")).to_be_visible()
    expect(page.locator("code", has_text=job.error_code).first).to_be_visible()
    expect(page.locator("ol.log")).to_contain_text("received 1 file(s)")
    screenshot(page, "import-failed")
    page.goto("/imports?status=success")
    expect(page.locator("p.empty")).to_contain_text("No imports with status success")


def test_api_upload_tab_shows_a_curl_command_that_works(page: Page, server: Server, user: User,
                                                        screenshot: Shot, tmp_path: Path) -> None:
    sign_in(page, start="/login?next=/profiles/1/upload")
    page.get_by_label("Build").fill("99")
    page.get_by_role("tab", name="API upload").click()
    command = page.locator("#curl-command")
    expect(command).to_be_visible()
    expect(page.get_by_label("Build")).to_be_hidden()  # the other tab's panel
    text = command.inner_text()
    assert f"{server.url}/api/v2/profile/1/report/import" in text and "tag[]=build:99" in text
    screenshot(page, "upload-api")
    page.get_by_role("tab", name="API upload").press("ArrowLeft")  # tabs follow the arrow keys
    expect(page.get_by_role("tab", name="Upload files")).to_be_focused()
    expect(page.get_by_label("Build")).to_be_visible()
    # The command as shown, with the user's key, file and values filled in, run with real curl.
    assert shutil.which("curl"), "curl must be installed (.ci/run installs it)"
    result = tmp_path / "TEST-results.xml"
    result.write_bytes(SUREFIRE.read_bytes())
    filled = (text.replace("<API_KEY>", server.key).replace("path/to/testresult", str(result))
              .replace("<YOUR_OS>", "debian").replace("<YOUR_PLATFORM>", "jvm"))
    args = shlex.split(filled.replace("\\\n", " "))
    assert args[0] == "curl"
    done = subprocess.run([*args, "-sS", "-o", str(tmp_path / "out.json"), "-w", "%{http_code}"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == "200", (done.stderr, (tmp_path / "out.json").read_text())
    with read_transaction(server.runtime.engine) as connection:
        report = connection.execute(select(tables.report)).one()
    assert (report.profile_id, report.os, report.platform, report.build) == (1, "debian", "jvm", "99")
    assert report.count_total == _total(SUREFIRE)


def test_docs_show_the_command_the_page_shows() -> None:
    """docs/web.md's curl command is the page's (which the test above runs with real curl)."""
    docs = (Path(__file__).parents[2] / "docs" / "web.md").read_text()
    assert curl_command("http://127.0.0.1:8000/api/v2/profile/1/report/import") in docs

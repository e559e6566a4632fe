"""Browser tests: Playwright driving Debian's Chromium against a real server over a real database.

Playwright's own browser download does not work here (and is never needed): the tests launch
/usr/bin/chromium, which `.ci/run` installs when it is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from assay.services.runtime import Runtime
from assay.services.users import User, create_user
from assay.settings import Settings
from assay.store import write_transaction
from tests.api.conftest import Server, server  # noqa: F401  (the fixture, shared)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "correct horse battery"
# Where the lead looks at the screenshots; the tests also keep theirs under pytest's tmp dir.
SHOT_DIR = Path(os.environ.get("ASSAY_SCREENSHOT_DIR", "/work/screenshots"))


@pytest.fixture
def public_read() -> bool:
    """Override with @pytest.mark.parametrize("public_read", [True]) for ASSAY_PUBLIC_READ=true."""
    return False


@pytest.fixture
def settings(tmp_path: Path, database_url: str, public_read: bool) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, public_read=public_read)


@pytest.fixture
def user(runtime: Runtime) -> User:
    with write_transaction(runtime.engine) as connection:
        return create_user(connection, "alice", PASSWORD)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    script_errors: list[str] = []
    opened.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert not script_errors, f"JavaScript errors: {script_errors}"


def sign_in(page: Page, name: str = "alice", password: str = PASSWORD, start: str = "/login") -> None:
    """Sign in through the form, as a person would."""
    page.goto(start)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


@pytest.fixture
def screenshot(tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot under the test's tmp dir, and a copy for people to look at."""

    def take(page: Page, name: str) -> Path:
        page.wait_for_load_state("networkidle")
        target = tmp_path / "screenshots" / f"{name}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 5_000, "an empty screenshot"
        # One set is enough: the SQLite run of each test provides it.
        if "sqlite" in request.node.name and SHOT_DIR.parent.is_dir():
            SHOT_DIR.mkdir(exist_ok=True)
            shutil.copyfile(target, SHOT_DIR / target.name)
        return target

    return take

"""Signing in and out, refusal without a session, public-read mode, CSRF refusal, cookie flags."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from assay.services.users import User
from assay.store import read_transaction, tables
from tests.api.conftest import Server
from tests.web.conftest import PASSWORD, sign_in
from tests.web.helpers import import_file, junit


def _keys(server: Server) -> int:
    with read_transaction(server.runtime.engine) as connection:
        return connection.execute(select(func.count()).select_from(tables.api_key)).scalar_one()


@contextmanager
def signed_in_client(server: Server) -> Iterator[httpx.Client]:
    """An HTTP client holding alice's session cookie, signed in through the form."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        done = client.post("/login", data={"name": "alice", "password": PASSWORD, "next": "/keys",
                                           "csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == "/keys"
        yield client


def test_sign_in_and_out(page: Page, server: Server, user: User, screenshot: Callable[[Page, str], Path]) -> None:
    report = import_file(server, junit({"adds": "failed", "removes": "passed"}))
    page.goto(f"/reports/{report['id']}")
    # Not signed in: the sign-in page, which will come back here.
    expect(page).to_have_url(re.compile(r"/login\?next=/reports/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/reports/{report['id']}")
    expect(page.get_by_text("Signed in as")).to_contain_text("alice")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login\?signed_out=1"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out")
    # The old session is gone on the server, not only in this browser.
    with read_transaction(server.runtime.engine) as connection:
        assert connection.execute(select(func.count()).select_from(tables.web_session)).scalar_one() == 0
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_everything_asks_for_sign_in(server: Server, user: User) -> None:
    report = import_file(server, junit({"adds": "failed"}))
    with read_transaction(server.runtime.engine) as connection:
        result_id = connection.execute(select(tables.result.c.id)).scalar_one()
    paths = ["/", "/profiles/1", f"/reports/{report['id']}", f"/reports/{report['key']}",
             f"/reports/{report['id']}/nodes", f"/results/{result_id}", "/assets/anything", "/imports",
             "/keys", "/profiles/1/upload", f"/reports/{report['id']}/compare", f"/tests/{report['key']}",
             f"/executions/{report['key']}", "/go?key=DEMO-1"]
    with httpx.Client(base_url=server.url) as anonymous:
        for path in paths:
            response = anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next="), path
        # Writes are refused too, before their forms are even read.
        assert anonymous.post("/keys", data={"name": "x"}).status_code == 303
        assert anonymous.post("/profiles/1/upload", files={"file": ("a.xml", b"<x/>")}).status_code == 303
        # A made-up session cookie is no session.
        anonymous.cookies.set("assay_session", "forged")
        assert anonymous.get("/").status_code == 303
    assert _keys(server) == 1  # only the fixture's


def test_session_cookie_flags(server: Server, user: User) -> None:
    with httpx.Client(base_url=server.url) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        done = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    cookie = next(v for v in done.headers.get_list("set-cookie") if v.startswith("assay_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    value = cookie.split(";")[0].split("=", 1)[1]
    with read_transaction(server.runtime.engine) as connection:
        stored = connection.execute(select(tables.web_session.c.token_hash)).scalar_one()
    assert value not in stored and len(stored) == 64  # only its sha256 is kept
    # Behind a TLS-terminating proxy on this host (uvicorn trusts 127.0.0.1's X-Forwarded-Proto).
    https = {"x-forwarded-proto": "https"}
    with httpx.Client(base_url=server.url, headers=https) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        client.cookies.set("assay_login_csrf", token)  # a Secure cookie is not sent back over http
        done = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token})
    assert done.status_code == 303, done.text
    cookie = next(v for v in done.headers.get_list("set-cookie") if v.startswith("assay_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_sign_in_form_needs_its_token(server: Server, user: User) -> None:
    with httpx.Client(base_url=server.url) as client:
        refused = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": "guess"})
    assert refused.status_code == 403 and "expired" in refused.text
    assert "assay_session=" not in refused.headers.get("set-cookie", "")


def test_csrf_refusal(page: Page, server: Server, user: User, screenshot: Callable[[Page, str], Path]) -> None:
    sign_in(page)
    page.goto("/keys")
    # A form whose token was tampered with (what a forged cross-site form would send) is refused.
    page.eval_on_selector_all("input[name=csrf_token]", "els => els.forEach(e => e.value = 'forged')")
    page.get_by_label("What it is for").fill("forged")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("heading", name="Refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("security token")
    screenshot(page, "csrf-refused")
    assert _keys(server) == 1
    with signed_in_client(server) as client:
        for data in ({"name": "no token"}, {"name": "wrong", "csrf_token": "x" * 43}):
            response = client.post("/keys", data=data)
            assert response.status_code == 403, response.text
        assert client.post("/keys/1/revoke", data={}).status_code == 403
        assert client.post("/logout", data={}).status_code == 403
        assert client.get("/keys").status_code == 200  # still signed in: the refused logout did nothing
    assert _keys(server) == 1
    with read_transaction(server.runtime.engine) as connection:
        assert connection.execute(select(tables.api_key.c.revoked_at)).scalar_one() is None


def test_unsafe_next_is_ignored(server: Server, user: User) -> None:
    with httpx.Client(base_url=server.url) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        done = client.post("/login", data={"name": "alice", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/"})
    assert done.status_code == 303 and done.headers["location"] == "/"


@pytest.mark.parametrize("public_read", [True])
def test_public_read(page: Page, server: Server, user: User, screenshot: Callable[[Page, str], Path]) -> None:
    report = import_file(server, junit({"adds": "failed", "removes": "passed"}))
    page.goto(f"/reports/{report['id']}")
    expect(page.get_by_role("heading", name=report["key"])).to_be_visible()
    expect(page.get_by_text("Public read-only view")).to_be_visible()
    screenshot(page, "public-read-report")
    page.goto("/profiles/1")
    expect(page.get_by_role("link", name=report["key"])).to_be_visible()
    # Reading is open; writing is not: the upload page and the keys page want a user.
    for path in ("/profiles/1/upload", "/keys"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get("/imports").status_code == 200
        assert anonymous.post("/keys", data={"name": "x", "csrf_token": ""}).status_code == 303
        upload = anonymous.post("/profiles/1/upload", files={"file": ("a.xml", junit({"x": "passed"}))},
                                data={"csrf_token": ""})
        assert upload.status_code == 303 and upload.headers["location"].startswith("/login")
    assert _keys(server) == 1
    with read_transaction(server.runtime.engine) as connection:
        assert connection.execute(select(func.count()).select_from(tables.report)).scalar_one() == 1
    # A signed-in user can still write.
    sign_in(page, start="/login?next=/keys")
    expect(page.get_by_role("heading", name="API keys")).to_be_visible()

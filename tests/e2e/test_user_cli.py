"""`assay user create` against a real `assay serve`: the account it makes can sign in to the web UI."""

from __future__ import annotations

import re
import subprocess

import httpx
from typer.testing import CliRunner

from assay.cli import app
from assay.settings import get_settings
from tests.e2e.conftest import ASSAY, LiveServer


def _sign_in(url: str, name: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=url) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def test_user_create_with_password_on_stdin(live_server: LiveServer) -> None:
    made = subprocess.run([*ASSAY, "user", "create", "bob", "--password-stdin"], input="s3cret-enough\n",
                          env=live_server.env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert "user bob created" in made.stdout
    assert _sign_in(live_server.url, "bob", "s3cret-enough").status_code == 303
    assert _sign_in(live_server.url, "bob", "wrong-password").status_code == 401
    again = subprocess.run([*ASSAY, "user", "create", "bob", "--password-stdin"], input="another-one\n",
                           env=live_server.env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already exists" in again.stderr
    short = subprocess.run([*ASSAY, "user", "create", "carol", "--password-stdin"], input="short\n",
                           env=live_server.env, capture_output=True, text=True, timeout=120)
    assert short.returncode == 1 and "at least 8 characters" in short.stderr


def test_user_create_asks_twice(live_server: LiveServer) -> None:
    runner = CliRunner()
    env = {k: v for k, v in live_server.env.items() if k.startswith("ASSAY_")}
    env.setdefault("ASSAY_DATABASE_URL", "")
    get_settings.cache_clear()  # in-process: read this server's ASSAY_* variables, not a cached set
    try:
        mismatch = runner.invoke(app, ["user", "create", "dave"], input="first-password\nsecond-password\n"
                                 "first-password\nfirst-password\n", env=env)
    finally:
        get_settings.cache_clear()
    # A mismatch asks again (click's confirmation prompt); the second pair matches.
    assert mismatch.exit_code == 0, mismatch.output
    assert "do not match" in mismatch.output.lower()
    assert "first-password" not in mismatch.output  # hidden input is not echoed
    assert _sign_in(live_server.url, "dave", "first-password").status_code == 303

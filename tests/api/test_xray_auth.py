"""Xray credentials over real HTTP: Server's Basic / Bearer / x-api-key, Cloud's authenticate and its tokens."""

from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime, timedelta

import httpx
import jwt

from assay.services.api_keys import create_api_key, revoke_api_key
from assay.services.secret_key import FILENAME, secret_key
from assay.settings import Settings
from assay.store import tables, write_transaction
from tests.api.conftest import Server
from tests.api.xray_support import CLOUD_2, SERVER_1, SERVER_2, add_tests, count_rows
from tests.formats.helpers import CORPUS

XRAY = {"tests": [{"testKey": "DEMO-6", "status": "PASS"}]}
JUNIT = (CORPUS / "junit/surefire-junit4-failures-skipped.xml").read_bytes()


def _b64url(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_server_credentials(server: Server) -> None:
    add_tests(server, "DEMO-6")
    for how, headers in (
        ("basic", {"Authorization": "Basic " + base64.b64encode(f"jenkins:{server.key}".encode()).decode()}),
        ("bearer", {"Authorization": f"Bearer {server.key}"}),
        ("x-api-key", {"x-api-key": server.key}),
    ):
        response = httpx.post(f"{server.url}{SERVER_1}", json=XRAY, headers=headers)
        assert response.status_code == 200, (how, response.text)
        assert response.json()["testExecIssue"]["key"].startswith("DEMO-")


BAD_CREDENTIALS = [
    {},
    {"Authorization": "Basic " + base64.b64encode(b"admin:admin").decode()},
    {"Authorization": "Bearer not-a-key"},
    {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJraWQiOjF9.c2lnbmF0dXJl"},
    {"x-api-key": "assay_00000000_nope"},
]


def test_bad_credentials_are_401_in_xray_shape(server: Server) -> None:
    before = count_rows(server, tables.import_job)
    for headers in BAD_CREDENTIALS:
        for path in (SERVER_1, SERVER_2 + "/junit", CLOUD_2, "/rest/raven/1.0/api/xraylicense"):
            if "license" in path:
                response = httpx.get(f"{server.url}{path}", headers=headers)
            else:
                response = httpx.post(f"{server.url}{path}", content=JUNIT, headers=headers)
            assert response.status_code == 401, (headers, path, response.text)
            body = response.json()
            assert list(body) == ["error"] and isinstance(body["error"], str) and body["error"]
    assert count_rows(server, tables.import_job) == before


def test_cloud_authenticate_gives_a_jwt_that_imports(server: Server) -> None:
    add_tests(server, "DEMO-6")
    credentials = {"client_id": "github-actions", "client_secret": server.key}
    for version in ("v1", "v2"):
        url = f"{server.url}/api/{version}/authenticate"
        for response in (
            httpx.post(url, json=credentials, headers={"Accept": "text/plain"}),
            httpx.post(url, data=credentials),
        ):
            assert response.status_code == 200, response.text
            assert response.headers["content-type"].startswith("application/json")
            assert response.text.startswith('"') and response.text.endswith('"')  # a JSON string, as Xray Cloud's
            token = response.json()
            parts = token.split(".")
            assert len(parts) == 3 and all(p and set(p) <= set(_BASE64URL) for p in parts)
            assert _b64url(parts[0])["alg"] == "HS256"
            claims = _b64url(parts[1])
            assert claims["sub"] == "github-actions" and claims["exp"] - claims["iat"] == 24 * 3600
            # clients strip the quotes themselves (pytest-jira-xray: response.text.replace('"', ''))
            bare = response.text.replace('"', "")
            for path in (f"/api/{version}/import/execution", SERVER_1):
                imported = httpx.post(f"{server.url}{path}", json=XRAY, headers={"Authorization": f"Bearer {bare}"})
                assert imported.status_code == 200, imported.text


_BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_cloud_authenticate_refusals(server: Server) -> None:
    url = f"{server.url}/api/v2/authenticate"
    wrong = httpx.post(url, json={"client_id": "x", "client_secret": "assay_00000000_wrong"})
    assert wrong.status_code == 401 and "client_secret" in wrong.json()["error"]
    missing = httpx.post(url, json={"client_id": "x"})
    assert missing.status_code == 400 and "client_secret is required" in missing.json()["error"]
    broken = httpx.post(url, content=b'{"client_id": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]


def test_tokens_expire_and_die_with_their_key(server: Server) -> None:
    with write_transaction(server.runtime.engine) as connection:
        key, plaintext = create_api_key(connection, None, "short-lived")
    token = httpx.post(f"{server.url}/api/v2/authenticate", json={"client_id": "c", "client_secret": plaintext}).json()
    ok = httpx.get(f"{server.url}/rest/raven/1.0/api/xraylicense", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["active"] is True
    secret = secret_key(server.runtime.settings)
    now = datetime.now(UTC)
    expired = jwt.encode(
        {
            "iss": "assay",
            "aud": "xray-compatible-api",
            "sub": "c",
            "kid": key.id,
            "iat": now - timedelta(days=2),
            "exp": now - timedelta(days=1),
        },
        secret,
        algorithm="HS256",
    )
    late = httpx.post(f"{server.url}{CLOUD_2}", json=XRAY, headers={"Authorization": f"Bearer {expired}"})
    assert late.status_code == 401 and "expired" in late.json()["error"]
    forged = jwt.encode(
        {"iss": "assay", "aud": "xray-compatible-api", "sub": "c", "kid": key.id, "exp": now + timedelta(hours=1)},
        "another secret, long enough for HS256 keys",
        algorithm="HS256",
    )
    assert (
        httpx.post(f"{server.url}{CLOUD_2}", json=XRAY, headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    with write_transaction(server.runtime.engine) as connection:
        revoke_api_key(connection, key.id)
    revoked = httpx.post(f"{server.url}{CLOUD_2}", json=XRAY, headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and "revoked" in revoked.json()["error"]


def test_secret_is_made_once_and_kept_in_the_data_dir(settings: Settings) -> None:
    first = secret_key(settings)
    path = settings.data_dir / FILENAME
    assert path.read_text().strip() == first and len(first) >= 48
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret_key(settings) == first  # kept, not remade
    configured = Settings(data_dir=settings.data_dir, secret_key="shared-by-all-servers")
    assert secret_key(configured) == "shared-by-all-servers"

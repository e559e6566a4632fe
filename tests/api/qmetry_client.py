"""A small QMetry automation client for the tests: the three steps over real HTTP, as CI scripts do them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import Server

START = "/rest/qtm4j/automation/latest/importresult"
TRACK = "/rest/qmetry/automation/latest/importresult/track"
CLOUD_START = "/rest/api/automation/importresult"
CLOUD_TRACK = "/rest/api/automation/importresult/track"


def start(server: Server, body: Any, path: str = START, headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        return client.post(
            path,
            content=json.dumps(body),
            headers={"Content-Type": "application/json", "apiKey": server.key, **(headers or {})},
        )


def url_for(server: Server, body: Any, path: str = START) -> dict[str, Any]:
    response = start(server, body, path)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["url"].startswith(server.url) and answer["trackingId"]
    return answer


def upload(url: str, file: Path | bytes, name: str | None = None, method: str = "POST") -> httpx.Response:
    data = file.read_bytes() if isinstance(file, Path) else file
    filename = name or (file.name if isinstance(file, Path) else "results.xml")
    return httpx.request(method, url, files={"file": (filename, data)}, timeout=120)


def track(server: Server, tracking_id: str, path: str = TRACK) -> httpx.Response:
    return httpx.get(
        f"{server.url}{path}", params={"trackingId": tracking_id}, headers={"apiKey": server.key}, timeout=60
    )


def wait(server: Server, tracking_id: str, path: str = TRACK, timeout: float = 90) -> dict[str, Any]:
    """Poll step 3 until the import is no longer INPROCESS; returns the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        response = track(server, tracking_id, path)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        if answer["importStatus"] != "INPROCESS":
            return answer
        assert time.monotonic() < deadline, f"import still in process: {answer}"
        time.sleep(0.1)


def imported(server: Server, body: dict[str, Any], file: Path | bytes, name: str | None = None) -> dict[str, Any]:
    """All three steps; asserts the import succeeded and returns the track answer."""
    answer = url_for(server, body)
    sent = upload(answer["url"], file, name)
    assert sent.status_code == 204, sent.text
    done = wait(server, answer["trackingId"])
    assert done["importStatus"] == "SUCCESS", done
    return done


def report(server: Server, report_id: str) -> dict[str, Any]:
    with server.client() as client:
        response = client.get(f"/api/v2/report/{report_id}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def results(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every result of a Calliope JSON report, in tree order, each with `path` (its containers' titles)."""
    found: list[dict[str, Any]] = []

    def walk(container: dict[str, Any], path: list[str]) -> None:
        here = [*path, container["title"]]
        for result in container.get("results", []):
            found.append({**result, "path": here, "extra": json.loads(result["json_data"] or "{}")})
        for child in container.get("containers", []):
            walk(child, here)

    for top in document["containers"]:
        walk(top, [])
    return found

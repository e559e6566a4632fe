"""The job queue on the real Redis at 127.0.0.1:6379 (its own queue name per test, cleaned up), consumed by
a real `assay worker` process, behind a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from assay.settings import Settings
from tests.api.conftest import Server
from tests.api.qmetry_client import report, track, upload, url_for, wait
from tests.formats.helpers import CORPUS

REDIS_URL = os.environ.get("ASSAY_TEST_REDIS", "redis://127.0.0.1:6379/0")
ANT = CORPUS / "junit" / "ant-junitreport-testsuites.xml"


@pytest.fixture
def queue_name() -> Iterator[str]:
    name = f"assaytest{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"huey.*{name}*"))
        if keys:
            client.delete(*keys)
        assert not list(client.scan_iter(match=f"huey.*{name}*"))
    finally:
        client.close()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, queue_name: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url, redis_url=REDIS_URL, queue_name=queue_name)


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ASSAY_DATA_DIR": str(settings.data_dir),
        "ASSAY_DATABASE_URL": settings.database_url,
        "ASSAY_REDIS_URL": settings.redis_url,
        "ASSAY_QUEUE_NAME": settings.queue_name,
        "ASSAY_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assay", "worker", "--threads", "2"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while b"consuming queue" not in log.read_bytes():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    return process


def stop_worker(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def test_jobs_wait_on_redis_until_a_worker_takes_them(server: Server, settings: Settings, tmp_path: Path) -> None:
    answer = url_for(server, {"format": "junit", "automationHierarchy": 3})
    assert upload(answer["url"], ANT).status_code == 204
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert client.llen(f"huey.redis.{settings.queue_name}") == 1  # the server does not consume: Redis does
    finally:
        client.close()
    time.sleep(0.5)
    waiting = track(server, answer["trackingId"]).json()
    assert (waiting["processStatus"], waiting["importStatus"]) == ("VALIDATION", "INPROCESS")
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        done = wait(server, answer["trackingId"])
    finally:
        assert stop_worker(worker) == 0  # SIGTERM: a graceful stop
    assert done["importStatus"] == "SUCCESS" and done["testCycles"][0]["testCasesImported"] == 3


def test_calliope_process_async_uses_the_same_queue(server: Server, settings: Settings, tmp_path: Path) -> None:
    with server.client() as client:
        response = client.post(
            "/api/v2/profile/1/report/import/junit?process_async=true&build=7", content=ANT.read_bytes()
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["import_status"] == "pending" and body["report"] is None
    assert body["status_url"] == f"{server.url}/api/v2/import/{body['import_id']}"
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 60
        while (job := httpx.get(body["status_url"], headers={"x-api-key": server.key}).json())["status"] != "success":
            assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
            time.sleep(0.1)
    finally:
        stop_worker(worker)
    assert job["import_status"] == 0 and job["report_id"] == body["import_id"]
    stored = report(server, job["report_id"])
    assert stored["count_total"] == 3 and stored["build"] == "7"

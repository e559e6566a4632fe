"""The embedded job queue (SqliteHuey in the data directory, consumer threads) over SQLite and PostgreSQL:
lost messages, dead workers, bounded attempts and retries, and one report per job however often it runs."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from assay.jobs import RETRY_DELAY, JobQueue
from assay.services.imports import ImportRequest, UploadedFile, get_import_job, run_import
from assay.services.queued_imports import MAX_ATTEMPTS, STARTED, job_dir, queue_request, run_queued_import
from assay.services.runtime import Runtime
from assay.settings import Settings
from assay.store import read_transaction, tables, write_transaction
from tests.formats.helpers import CORPUS

ANT = CORPUS / "junit" / "ant-junitreport-testsuites.xml"  # 3 testcases


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # short leases, so a lapsed one is seen within seconds
    return Settings(data_dir=tmp_path / "data", database_url=database_url, job_lease_seconds=2)


def queued(runtime: Runtime, tmp_path: Path, source: Path = ANT) -> str:
    copy = tmp_path / f"upload-{time.monotonic_ns()}.xml"
    shutil.copy(source, copy)
    request = ImportRequest(
        profile_id=1, files=[UploadedFile(name=source.name, path=copy, size=copy.stat().st_size)], format="junit"
    )
    return queue_request(runtime, request)


def job(runtime: Runtime, import_id: str) -> dict[str, Any]:
    with read_transaction(runtime.engine) as connection:
        return get_import_job(connection, import_id)


def wait_for(runtime: Runtime, import_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (row := job(runtime, import_id))["status"] not in ("success", "failed"):
        assert time.monotonic() < deadline, row
        time.sleep(0.05)
    return row


def reports_of(runtime: Runtime, import_id: str) -> int:
    with read_transaction(runtime.engine) as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(tables.report).where(tables.report.c.import_id == import_id)
            ).scalar_one()
        )


def mark_running(runtime: Runtime, import_id: str, starts: int) -> None:
    """As a worker leaves a job it was killed in: running, its log saying how often it was started."""
    row = job(runtime, import_id)
    log = [*row["log"], *({"time": "", "level": "info", "message": STARTED} for _ in range(starts))]
    with write_transaction(runtime.engine) as connection:
        connection.execute(
            tables.import_job.update()
            .where(tables.import_job.c.id == import_id)
            .values(status="running", stage="PARSING", log=log)
        )


def lease(queue: JobQueue, import_id: str, holder: str, seconds: float) -> None:
    queue.huey.storage.put_data(
        f"assay.lease.{import_id}", json.dumps({"holder": holder, "expires": time.time() + seconds}).encode()
    )


def test_a_lost_message_is_recovered(runtime: Runtime, tmp_path: Path) -> None:
    import_id = queued(runtime, tmp_path)  # recorded, but never enqueued (the server died in between)
    assert job(runtime, import_id)["stage"] == "VALIDATION"
    queue = JobQueue(runtime)
    queue.start(1)
    try:
        done = wait_for(runtime, import_id)
    finally:
        queue.close()
    assert (done["status"], done["stage"]) == ("success", "SUCCESS") and done["report_id"] == import_id
    assert reports_of(runtime, import_id) == 1 and not job_dir(runtime.settings, import_id).exists()


def test_a_dead_workers_job_resumes_at_once_a_live_ones_waits_for_its_lease(runtime: Runtime, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid of this host that no longer runs: a worker killed with kill -9
    orphan, held = queued(runtime, tmp_path), queued(runtime, tmp_path)
    queue = JobQueue(runtime)
    for import_id, holder, seconds in (
        (orphan, f"{socket.gethostname()}:{dead.pid}:dead", 3600),
        (held, "elsewhere:4242:live", 3),
    ):
        mark_running(runtime, import_id, starts=1)
        lease(queue, import_id, holder, seconds)
    assert queue.recover() == [orphan]
    queue.start(1)
    try:
        assert wait_for(runtime, orphan, timeout=30)["status"] == "success"
        assert job(runtime, held)["status"] == "running"  # its worker may be alive: not taken over yet
        done = wait_for(runtime, held, timeout=30)  # ... until its lease lapses
    finally:
        queue.close()
    assert done["status"] == "success"
    for import_id in (orphan, held):
        messages = [line["message"] for line in job(runtime, import_id)["log"]]
        assert messages.count(STARTED) == 2 and any("stopped mid-import" in m for m in messages)
        assert reports_of(runtime, import_id) == 1


def test_attempts_are_bounded(runtime: Runtime, tmp_path: Path) -> None:
    import_id = queued(runtime, tmp_path)
    mark_running(runtime, import_id, starts=MAX_ATTEMPTS)
    queue = JobQueue(runtime)
    try:
        assert queue.recover() == []
    finally:
        queue.close()
    row = job(runtime, import_id)
    assert (row["status"], row["stage"], row["error_code"]) == ("failed", "FAILED", "job_abandoned")
    assert "never finished" in row["error"]["message"] and not job_dir(runtime.settings, import_id).exists()


def test_an_internal_error_is_retried(runtime: Runtime, tmp_path: Path) -> None:
    import_id = queued(runtime, tmp_path)
    kept = job_dir(runtime.settings, import_id) / "file-0000"
    saved = kept.read_bytes()
    kept.unlink()
    kept.symlink_to("/proc/self/mem")  # reading it fails with EIO: not the file's fault, so worth a retry
    queue = JobQueue(runtime)
    queue.start(1)
    try:
        deadline = time.monotonic() + 30
        while not any("retrying" in line["message"] for line in job(runtime, import_id)["log"]):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        failed_once = job(runtime, import_id)
        kept.unlink()
        kept.write_bytes(saved)
        done = wait_for(runtime, import_id, timeout=RETRY_DELAY + 30)
    finally:
        queue.close()
    assert failed_once["status"] == "queued" and failed_once["error_code"] == "internal_error"
    assert done["status"] == "success" and reports_of(runtime, import_id) == 1
    assert [line["message"] for line in done["log"]].count(STARTED) == 2


def test_one_report_however_often_a_job_runs(runtime: Runtime, tmp_path: Path) -> None:
    import_id = queued(runtime, tmp_path)
    with read_transaction(runtime.engine) as connection:
        row = get_import_job(connection, import_id)
    files = [
        UploadedFile(
            name=row["files"][0]["name"],
            path=job_dir(runtime.settings, import_id) / "file-0000",
            size=row["files"][0]["size"],
        )
    ]
    outcomes = []

    def run() -> None:  # two workers that got the same job at once
        request = ImportRequest(profile_id=1, files=files, format="junit", api="calliope")
        outcomes.append(run_import(runtime, request, import_id=import_id))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [o.ok for o in outcomes] == [True, True] and {(o.report or {}).get("id") for o in outcomes} == {import_id}
    assert reports_of(runtime, import_id) == 1
    assert job_dir(runtime.settings, import_id).exists()  # run_import leaves the kept upload to the job
    assert run_queued_import(runtime, import_id) == "success"  # a late third run: nothing to import
    assert reports_of(runtime, import_id) == 1 and not job_dir(runtime.settings, import_id).exists()

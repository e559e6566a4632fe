"""A real `assay serve` process on 127.0.0.1, set up with the CLI as a newcomer would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import free_port
from tests.conftest import create_postgres_database, drop_postgres_database

ASSAY = [sys.executable, "-m", "assay"]


@dataclass
class LiveServer:
    url: str
    key: str
    env: dict[str, str]
    data_dir: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*ASSAY, *args], env=self.env, capture_output=True, text=True, check=check,
                              timeout=120)


@pytest.fixture(params=["sqlite", "postgresql"])
def live_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    env = {**os.environ, "ASSAY_DATA_DIR": str(tmp_path / "data")}
    env.pop("ASSAY_DATABASE_URL", None)
    database = None
    if request.param == "postgresql":
        url, database = create_postgres_database()
        env["ASSAY_DATABASE_URL"] = url
    port = free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([*ASSAY, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "server.log").read_text())
            time.sleep(0.1)
        created = subprocess.run([*ASSAY, "apikey", "create"], env=env, capture_output=True, text=True, check=True)
        key = created.stdout.strip().splitlines()[-1]
        yield LiveServer(url=base, key=key, env=env, data_dir=tmp_path / "data")
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()
        if database:
            drop_postgres_database(database)

"""A real uvicorn server on 127.0.0.1 (in a thread) over a real database, and an API key for it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from assay.app import create_app
from assay.services.api_keys import create_api_key
from assay.services.runtime import Runtime
from assay.store import write_transaction


@dataclass
class Server:
    url: str
    key: str
    runtime: Runtime

    def client(self, with_key: bool = True) -> httpx.Client:
        headers = {"x-api-key": self.key} if with_key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(runtime: Runtime) -> Iterator[Server]:
    with write_transaction(runtime.engine) as connection:
        _, key = create_api_key(connection, None, "tests")
    port = free_port()
    config = uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield Server(url=f"http://127.0.0.1:{port}", key=key, runtime=runtime)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)

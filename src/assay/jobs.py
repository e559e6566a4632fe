"""The job queue (huey): imports that run outside the request that brought them.

Embedded by default: a SqliteHuey file under the data directory, consumed by threads inside
`assay serve` (settings.queue_workers of them), no other process to start. With ASSAY_REDIS_URL:
a RedisHuey named settings.queue_name, consumed by `assay worker` processes on any number of
machines (sharing the database and the data directory with the servers).

A task receives an import id and calls services/queued_imports.py. That a job yields its report(s)
once, however often it runs, is the database's doing (see run_import). What the queue adds is that
no job is lost:

- huey forgets a message once a worker takes it, so a running job is also held by a lease in the
  queue's own storage, renewed every few seconds and naming its holder (host:pid:token);
- every consumer looks, when it starts and then every lease period, for unfinished queued jobs that
  nobody holds (its worker was killed with kill -9, its machine is gone) and enqueues them again;
- every start counts: after MAX_ATTEMPTS starts a job fails for good (code job_abandoned). Errors
  that are not the input's fault are retried RETRIES times, RETRY_DELAY seconds apart.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import threading
import time
from typing import Any

from huey import RedisHuey, SqliteHuey  # type: ignore[import-untyped]
from huey.api import Huey, Task  # type: ignore[import-untyped]
from huey.constants import EmptyData  # type: ignore[import-untyped]
from huey.consumer import BaseProcess, Scheduler, Worker  # type: ignore[import-untyped]

from assay.errors import AssayError
from assay.services.queued_imports import MAX_ATTEMPTS, abandon, requeue, run_queued_import, unfinished_jobs
from assay.services.runtime import Runtime
from assay.store import read_transaction

__all__ = ["MAX_ATTEMPTS", "RETRIES", "RETRY_DELAY", "JobQueue", "run_worker"]

logger = logging.getLogger("assay.jobs")

RETRIES = MAX_ATTEMPTS - 1
RETRY_DELAY = 5


def _make_huey(runtime: Runtime) -> Huey:
    settings = runtime.settings
    if settings.redis_url:
        return RedisHuey(settings.queue_name, url=settings.redis_url, results=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=str(settings.data_dir / "queue.sqlite3"), results=False)


class JobQueue:
    """The queue of one process: enqueue import ids; `start` consumes them on threads of this process."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.huey = _make_huey(runtime)
        self.embedded = not runtime.settings.redis_url
        self.lease_seconds = max(runtime.settings.job_lease_seconds, 2)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._task = self.huey.task(retries=RETRIES, retry_delay=RETRY_DELAY, context=True, name="run_import")(
            self._execute
        )
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def where(self) -> str:
        settings = self.runtime.settings
        return settings.redis_url if not self.embedded else str(settings.data_dir / "queue.sqlite3")

    def enqueue(self, import_id: str) -> None:
        """Queue the job `import_id` (its row must be committed first)."""
        self._task(import_id)

    # -- running a job ------------------------------------------------------------------------------
    def _execute(self, import_id: str, task: Task | None = None) -> None:
        if not self._acquire(import_id):
            logger.info("import %s is held by another worker; not run here", import_id)
            return
        try:
            status = run_queued_import(self.runtime, import_id)
            logger.info("import %s: %s", import_id, status)
        except AssayError as error:  # the job's own problem (its profile is gone...): no retry helps
            abandon(self.runtime, import_id, error)
        except Exception as error:
            if task is not None and task.retries > 0:
                requeue(
                    self.runtime,
                    import_id,
                    f"attempt failed ({type(error).__name__}: {error}); retrying in {RETRY_DELAY} s",
                )
                raise  # huey schedules the retry
            abandon(
                self.runtime,
                import_id,
                AssayError(
                    f"the import failed {MAX_ATTEMPTS} times, last with {type(error).__name__}: {error}",
                    code="internal_error",
                ),
            )
        finally:
            self._release(import_id)

    # -- leases -------------------------------------------------------------------------------------
    @staticmethod
    def _lease_key(import_id: str) -> str:
        return f"assay.lease.{import_id}"

    def _lease(self) -> bytes:
        return json.dumps({"holder": self.holder, "expires": time.time() + self.lease_seconds}).encode()

    def _alive(self, raw: Any) -> bool:
        """Whether the lease `raw` still holds: not expired, and its holder not a dead process of this host."""
        try:
            lease = json.loads(bytes(raw))
            host, pid, _ = str(lease["holder"]).rsplit(":", 2)
            expires = float(lease["expires"])
        except (ValueError, KeyError, TypeError):
            return False
        if expires < time.time():
            return False
        if host == socket.gethostname() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return False  # killed (kill -9, OOM): no need to wait for its lease to lapse
            except PermissionError:
                pass
        return True

    def _acquire(self, import_id: str) -> bool:
        storage, key = self.huey.storage, self._lease_key(import_id)
        for _ in range(2):
            if storage.put_if_empty(key, self._lease()):
                with self._lock:
                    self._held.add(import_id)
                return True
            current = storage.peek_data(key)
            if current is EmptyData:
                continue
            if json.loads(bytes(current)).get("holder") == self.holder or self._alive(current):
                return False
            storage.pop_data(key)  # a dead worker's lease
        return False

    def _release(self, import_id: str) -> None:
        with self._lock:
            self._held.discard(import_id)
        self.huey.storage.pop_data(self._lease_key(import_id))

    def _heartbeat(self) -> None:
        with self._lock:
            held = list(self._held)
        for import_id in held:
            self.huey.storage.put_data(self._lease_key(import_id), self._lease())

    def held_elsewhere(self, import_id: str) -> bool:
        current = self.huey.storage.peek_data(self._lease_key(import_id))
        return current is not EmptyData and self._alive(current)

    # -- recovery -----------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Enqueue again the unfinished queued jobs nobody holds or waits for; returns their ids."""
        with read_transaction(self.runtime.engine) as connection:
            jobs = unfinished_jobs(connection)
        if not jobs:
            return []
        waiting = {str(t.args[0]) for t in [*self.huey.pending(), *self.huey.scheduled()] if t.args}
        resumed = []
        for job in jobs:
            import_id = job["id"]
            with self._lock:
                mine = import_id in self._held
            if mine or import_id in waiting or self.held_elsewhere(import_id):
                continue
            if job["attempts"] >= MAX_ATTEMPTS:
                abandon(
                    self.runtime,
                    import_id,
                    AssayError(
                        f"the import was started {job['attempts']} times and never finished (its worker stopped each "
                        "time); given up",
                        code="job_abandoned",
                    ),
                )
                continue
            if job["status"] == "running":
                requeue(self.runtime, import_id, "its worker stopped mid-import (no heartbeat): resuming")
            self.enqueue(import_id)
            resumed.append(import_id)
        if resumed:
            logger.warning("resumed %d import(s) nobody was running: %s", len(resumed), ", ".join(resumed))
        return resumed

    # -- consuming ----------------------------------------------------------------------------------
    def start(self, workers: int) -> None:
        """Consume on `workers` threads of this process, plus a scheduler (retries) and a keeper (leases)."""
        self._stop.clear()
        processes: list[BaseProcess] = [
            Worker(self.huey, self._stop, default_delay=0.1, max_delay=1.0, backoff=1.15)
            for _ in range(max(workers, 1))
        ]
        processes.append(Scheduler(self.huey, self._stop, interval=1, periodic=False))
        self._threads = [
            threading.Thread(target=self._loop, args=(process,), name=f"assay-queue-{index}", daemon=True)
            for index, process in enumerate(processes)
        ]
        self._threads.append(threading.Thread(target=self._keeper, name="assay-queue-keeper", daemon=True))
        for thread in self._threads:
            thread.start()

    def _loop(self, process: BaseProcess) -> None:
        process.initialize()
        while not self._stop.is_set():
            try:
                process.loop()
            except Exception:  # keep consuming: a broken connection now is not a reason to stop for good
                logger.exception("job queue loop failed; going on")
                self._stop.wait(1.0)
        process.shutdown()

    def _keeper(self) -> None:
        beat = self.lease_seconds / 3
        next_recovery = 0.0
        while True:
            try:
                self._heartbeat()
                if time.monotonic() >= next_recovery:
                    self.recover()
                    next_recovery = time.monotonic() + self.lease_seconds
            except Exception:
                logger.exception("job queue keeper failed; going on")
            if self._stop.wait(beat):
                return

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop taking jobs and wait up to `timeout` s for running ones; True if every thread ended.

        A job still running when the process exits is resumed by the next consumer (see recover).
        """
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0))
        done = not any(thread.is_alive() for thread in self._threads)
        if done:
            self._threads = []
        return done

    def close(self, timeout: float = 5.0) -> None:
        self.stop(timeout)
        if not self._threads:
            self.huey.storage.close()


def open_queue(runtime: Runtime, consume: bool | None = None) -> JobQueue:
    """The process's queue; `assay serve` consumes on threads when the queue is embedded (no Redis)."""
    queue = JobQueue(runtime)
    if consume if consume is not None else queue.embedded:
        queue.start(runtime.settings.queue_workers)
    return queue


def run_worker(runtime: Runtime, workers: int, grace: float = 30.0) -> None:
    """`assay worker`: consume until SIGINT/SIGTERM, then let running imports finish for `grace` s."""
    queue = JobQueue(runtime)
    stopping = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        logger.warning("received %s: finishing running imports (up to %s s)", signal.Signals(signum).name, grace)
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    queue.start(workers)
    print(
        f"Assay worker consuming queue {runtime.settings.queue_name!r} at {queue.where} with {workers} "
        f"thread(s) (pid {os.getpid()})",
        flush=True,
    )
    stopping.wait()
    queue.close(grace)

"""Ids of results, steps, containers and assets: random version 4 UUIDs, never handed out twice."""

from __future__ import annotations

import os
import threading
import uuid

from assay.model import Result, Status, new_id


def test_ids_are_canonical_version_4_uuids() -> None:
    for value in (new_id() for _ in range(10_000)):  # more than one batch of the pool
        parsed = uuid.UUID(value)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == value


def test_no_id_is_given_twice_across_threads() -> None:
    seen: list[list[str]] = [[] for _ in range(4)]

    def take(bucket: list[str]) -> None:
        bucket.extend(new_id() for _ in range(20_000))

    threads = [threading.Thread(target=take, args=(bucket,)) for bucket in seen]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [value for bucket in seen for value in bucket]
    assert len(set(every)) == len(every) == 80_000


def test_a_forked_child_does_not_reuse_the_parents_pending_ids() -> None:
    new_id()  # the pool now holds ids the parent will hand out next
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids and leave at once
        os.close(read_end)
        os.write(write_end, "\n".join(new_id() for _ in range(100)).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        child_ids = set(pipe.read().decode().split("\n"))
    os.waitpid(pid, 0)
    parent_ids = {new_id() for _ in range(100)}
    assert len(child_ids) == 100
    assert not child_ids & parent_ids


def test_every_result_gets_its_own_id() -> None:
    results = [Result(title="t", status=Status.PASSED) for _ in range(5_000)]
    assert len({result.id for result in results}) == 5_000

"""The job queue as a FastAPI dependency: the one `create_app`'s lifespan opened (jobs.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assay.jobs import JobQueue, open_queue


def get_queue(request: Request) -> JobQueue:
    queue: JobQueue | None = getattr(request.app.state, "queue", None)
    if queue is None:  # an app served without its lifespan: open one now
        queue = request.app.state.queue = open_queue(request.app.state.runtime)
    return queue


QueueDep = Annotated[JobQueue, Depends(get_queue)]

"""Normalize a parsed event stream: smart restructuring, history hashes, positions, counts.

Model in, model out, streaming: `normalize(events, ...)` yields the events the store writes.
"""

from __future__ import annotations

from assay.normalize.history import history_hash
from assay.normalize.pipeline import NormalizeOptions, normalize

__all__ = ["NormalizeOptions", "history_hash", "normalize"]

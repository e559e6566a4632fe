"""history_hash: the same test in two reports of a profile gets the same id, whatever the run."""

from __future__ import annotations

import uuid

# Fixed namespace so hashes are stable across installations and versions.
_ROOT = uuid.UUID("6f1c5a8e-2b1d-5c3a-9a43-a55a7c0de001")


def history_hash(title: str, parent_hash: str | None) -> str:
    """uuid5 of `title` chained with the parent's hash (a top-level node chains with a fixed root)."""
    namespace = uuid.UUID(parent_hash) if parent_hash else _ROOT
    return str(uuid.uuid5(namespace, title))

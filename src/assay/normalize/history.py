"""history_hash: the same test in two reports of a profile gets the same id, whatever the run."""

from __future__ import annotations

import hashlib
import uuid

# Fixed namespace so hashes are stable across installations and versions.
_ROOT = uuid.UUID("6f1c5a8e-2b1d-5c3a-9a43-a55a7c0de001")


def history_hash(title: str, parent_hash: str | None) -> str:
    """uuid5 of `title` chained with the parent's hash (a top-level node chains with a fixed root).

    The same value as str(uuid.uuid5(UUID(parent_hash), title)), computed without building UUID
    objects: this runs once per result.
    """
    namespace = bytes.fromhex(parent_hash.replace("-", "")) if parent_hash else _ROOT.bytes
    digest = bytearray(hashlib.sha1(namespace + title.encode("utf-8", "surrogatepass")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

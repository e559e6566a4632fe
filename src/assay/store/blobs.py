"""Asset bytes as files under the data directory, named by their sha256 (stored once, however often sent)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def location(self, sha256: str) -> str:
        """The location recorded on the asset row: relative to the asset folder."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def put_bytes(self, data: bytes) -> tuple[str, int, str]:
        """Store `data`; returns (sha256, size, location)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self._path(sha256)
        if not target.exists():
            self._atomic_write(target, lambda handle: handle.write(data))
        return sha256, len(data), self.location(sha256)

    def put_file(self, source: Path) -> tuple[str, int, str]:
        """Store a copy of the file at `source`; returns (sha256, size, location)."""
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
                size += len(chunk)
        sha256 = digest.hexdigest()
        target = self._path(sha256)
        if not target.exists():

            def copy(handle: IO[bytes]) -> None:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, handle)

            self._atomic_write(target, copy)
        return sha256, size, self.location(sha256)

    def open(self, location: str) -> Path | None:
        """The file behind a location written by this store, or None (external or missing)."""
        parts = location.split("/")
        if len(parts) != 3 or not all(p.isalnum() for p in parts):
            return None
        path = self.root / location
        return path if path.is_file() else None

    def _atomic_write(self, target: Path, write: object) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)  # type: ignore[operator]
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

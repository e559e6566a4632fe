"""The server's signing secret: ASSAY_SECRET_KEY, or one made once and kept in the data directory.

Several servers that share a database must share the secret too (set ASSAY_SECRET_KEY on all of them):
a token signed by one must verify on another.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from assay.settings import Settings

FILENAME = "secret_key"


def secret_key(settings: Settings) -> str:
    """The configured secret, else the one kept in `data_dir/secret_key` (made on first use, mode 0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / FILENAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start at once, one writes and both read what it wrote.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path, wait=True)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return _read(path)


def _read(path: Path, wait: bool = False) -> str:
    # Another process may have created the file and not written it yet: give it a moment.
    for _ in range(200 if wait else 1):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise FileNotFoundError(path)

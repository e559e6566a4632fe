"""One Settings object, read from ASSAY_* environment variables. SQLite under ./assay-data by default."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSAY_", extra="ignore")

    data_dir: Path = Path("assay-data")
    # postgresql+psycopg://user@host/db puts the server on PostgreSQL; empty means SQLite in data_dir.
    database_url: str = ""
    # The public base URL of the server, used in links the API returns (report `url`); empty: from the request.
    base_url: str = ""
    # Upload limits of the Calliope import API (its documents: 50 MB per formatter, 30 MB auto-detect).
    max_upload_bytes: int = 50 * 1024 * 1024
    max_detect_upload_bytes: int = 30 * 1024 * 1024
    # Signs Xray Cloud tokens and web sessions' CSRF; empty: one is made and kept in the data dir
    # (set it explicitly when several servers share a database).
    secret_key: str = ""
    # Anyone may read (never write) the web UI without signing in.
    public_read: bool = False
    # redis://host:6379/0 puts the job queue on Redis (consumed by `assay worker` processes);
    # empty: an embedded SQLite-backed queue consumed by threads inside `assay serve`.
    redis_url: str = ""
    queue_workers: int = 2
    # The queue's name: its Redis keys (huey.redis.<name>...) or its rows in the embedded queue file.
    queue_name: str = "assay"
    # A worker holds a running job for this long between heartbeats; a job whose worker died
    # (kill -9, lost machine) is taken up again once it lapses.
    job_lease_seconds: int = 30
    # How long a QMetry-style upload URL stays usable.
    upload_url_ttl_seconds: int = 3600

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "assay.sqlite3"

    @property
    def asset_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    return Settings()

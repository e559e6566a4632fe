"""What every entry point (server, worker, CLI) opens once: settings, the database, the blob store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from assay.services.projects import ensure_defaults
from assay.settings import Settings, get_settings
from assay.store import BlobStore, make_engine, upgrade, write_transaction


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    blobs: BlobStore

    @classmethod
    def open(cls, settings: Settings | None = None, migrate: bool = True) -> Runtime:
        """Connect, run migrations to head and make sure project DEMO / profile 1 exist."""
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.effective_database_url)
        if migrate:
            upgrade(engine)
            with write_transaction(engine) as connection:
                ensure_defaults(connection)
        return cls(settings=settings, engine=engine, blobs=BlobStore(settings.asset_dir))

    def close(self) -> None:
        self.engine.dispose()

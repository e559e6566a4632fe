"""Storage: SQLAlchemy Core tables, engines, Alembic migrations, bulk writes, the asset blob store."""

from __future__ import annotations

from assay.store.blobs import BlobStore
from assay.store.engine import make_engine, read_transaction, write_transaction
from assay.store.migrate import upgrade

__all__ = ["BlobStore", "make_engine", "read_transaction", "upgrade", "write_transaction"]

"""How an attachment is shown: images inline, text readable in the page, anything else downloaded."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from assay.model import Asset
from assay.store import BlobStore

# Shown inline. SVG is left out on purpose: it can carry scripts.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
# Read as text (served as text/plain, so a browser never runs them as HTML or script).
TEXT_TYPES = frozenset({"application/json", "application/xml", "application/x-yaml", "application/yaml",
                        "application/x-sh", "application/javascript"})
TEXT_SUFFIXES = (".txt", ".log", ".out", ".err", ".json", ".xml", ".yaml", ".yml", ".csv", ".md", ".trace")
PREVIEW_BYTES = 64 * 1024


@dataclass(frozen=True)
class AttachmentView:
    id: str
    name: str
    kind: str  # image | text | file | missing
    media_type: str
    size: int | None
    preview: str | None = None
    truncated: bool = False


def _media_type(mime_type: str | None, name: str) -> str:
    return (mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream").split(";")[0].strip().lower()


def _is_text(media_type: str, name: str) -> bool:
    return media_type.startswith("text/") or media_type in TEXT_TYPES or name.lower().endswith(TEXT_SUFFIXES)


def safe_media_type(mime_type: str | None, name: str) -> tuple[str, bool]:
    """The type to serve a stored file as, and whether a browser may show it inline."""
    media_type = _media_type(mime_type, name)
    if media_type in INLINE_IMAGES:
        return media_type, True
    if _is_text(media_type, name):
        return "text/plain; charset=utf-8", True
    return "application/octet-stream", False


def attachment_view(blobs: BlobStore, asset: Asset) -> AttachmentView:
    media_type = _media_type(asset.mime_type, asset.name)
    path = blobs.open(asset.location or "") if asset.sha256 else None
    if path is None:
        return AttachmentView(asset.id, asset.name, "missing", media_type, asset.size)
    if media_type in INLINE_IMAGES:
        return AttachmentView(asset.id, asset.name, "image", media_type, asset.size)
    if _is_text(media_type, asset.name):
        with path.open("rb") as handle:
            data = handle.read(PREVIEW_BYTES + 1)
        return AttachmentView(asset.id, asset.name, "text", media_type, asset.size,
                              preview=data[:PREVIEW_BYTES].decode("utf-8", "replace"),
                              truncated=len(data) > PREVIEW_BYTES)
    return AttachmentView(asset.id, asset.name, "file", media_type, asset.size)

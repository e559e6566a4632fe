"""Zip uploads: unpack safely into a folder, refusing the tricks archives play.

Refused with a clear UnsafeInputError: paths that escape the archive (zip slip), absolute paths,
encrypted entries, more than MAX_ENTRIES entries, more than MAX_TOTAL_BYTES inflated, an entry
inflating more than MAX_RATIO times its compressed size (zip bombs), zips nested more than one
level deep. Sizes are checked while inflating, never trusted from the headers.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assay.errors import UnsafeInputError

MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200
# Small files compress absurdly well (a 1 MB log of one repeated line); the ratio applies above this.
_RATIO_FLOOR = 1024 * 1024
MAX_DEPTH = 1
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def is_zip(head: bytes) -> bool:
    return head[:4] in _ZIP_MAGIC


@dataclass(frozen=True)
class Entry:
    name: str  # the path inside the archive, with '/' separators
    path: Path  # where it was unpacked


def unpack(archive: Path, destination: Path, label: str, depth: int = 0) -> list[Entry]:
    """Unpack `archive` into `destination`; zips inside it are unpacked in turn (one level).

    Returns the files, in archive order. Raises UnsafeInputError for the tricks listed above.
    """
    try:
        handle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        raise UnsafeInputError(f"{label} is not a readable zip archive: {error}", code="bad_zip") from None
    entries: list[Entry] = []
    total = 0
    with handle:
        infos = [info for info in handle.infolist() if not info.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise UnsafeInputError(
                f"{label} holds {len(infos)} files; the limit is {MAX_ENTRIES}", code="zip_too_many_entries"
            )
        for index, info in enumerate(infos):
            name = _safe_name(info.filename, label)
            if info.flag_bits & 0x1:
                raise UnsafeInputError(f"{label}: entry {name} is encrypted; send it unencrypted",
                                       code="zip_encrypted")
            target = destination / f"{index:05d}" / PurePosixPath(name).name
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with handle.open(info) as source, target.open("wb") as out:
                while chunk := source.read(1024 * 1024):
                    written += len(chunk)
                    total += len(chunk)
                    if total > MAX_TOTAL_BYTES:
                        raise UnsafeInputError(
                            f"{label} inflates to more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB; refused as a "
                            "possible zip bomb", code="zip_bomb")
                    if written > _RATIO_FLOOR and written > MAX_RATIO * max(info.compress_size, 1):
                        raise UnsafeInputError(
                            f"{label}: entry {name} inflates more than {MAX_RATIO} times its packed size; "
                            "refused as a possible zip bomb", code="zip_bomb")
                    out.write(chunk)
            with target.open("rb") as check:
                nested = is_zip(check.read(4))
            if nested:
                if depth >= MAX_DEPTH:
                    raise UnsafeInputError(
                        f"{label}: {name} is a zip inside a zip inside a zip; only one level of nesting is read",
                        code="zip_too_deep")
                inner = unpack(target, target.parent / "unpacked", f"{label}/{name}", depth + 1)
                entries.extend(Entry(name=f"{name}/{e.name}", path=e.path) for e in inner)
                target.unlink()
            else:
                entries.append(Entry(name=name, path=target))
    return entries


def _safe_name(raw: str, label: str) -> str:
    name = raw.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (parts and ":" in parts[0]) or ".." in parts:
        raise UnsafeInputError(f"{label}: entry {raw!r} points outside the archive (zip slip); refused",
                               code="zip_slip")
    return name

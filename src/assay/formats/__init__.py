"""Result-file formats: one module per format, each with `FORMAT` (sniff + streaming parse).

Parsers know nothing of HTTP or SQL: bytes in, `assay.model` events out.
"""

from __future__ import annotations

from assay.formats.registry import HEAD_SIZE, Candidate, Format, all_formats, detect, get_format, rank

__all__ = ["HEAD_SIZE", "Candidate", "Format", "all_formats", "detect", "get_format", "rank"]

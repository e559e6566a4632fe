"""Assay's vocabulary: statuses and the report tree, as plain dataclasses.

The words are Calliope JSON's (seed 002): a report holds containers, a container holds containers and
results, a result holds steps; assets hang off any of them. Parsers produce these objects, the
normalizer restructures them, the store writes them. Nothing here imports anything else of Assay's.
"""

from __future__ import annotations

from assay.model.status import SEVERITY_ORDER, Status, worst
from assay.model.tree import Asset, Container, Counts, Event, Report, ReportMeta, Result, Step, new_id

__all__ = [
    "SEVERITY_ORDER",
    "Asset",
    "Container",
    "Counts",
    "Event",
    "Report",
    "ReportMeta",
    "Result",
    "Status",
    "Step",
    "new_id",
    "worst",
]

"""Assay: a self-hosted test results hub."""

__version__ = "0.1.0"

"""One page of a longer list, as the web pages show it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from assay.errors import InvalidInputError

T = TypeVar("T")
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int | None = None  # None where counting would cost more than the page (searches)
    has_next: bool = False

    @property
    def pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page."""
        return (self.page - 1) * self.per_page + 1


def check_page(page: int, per_page: int) -> int:
    """The offset of `page`. Raises InvalidInputError for a page below 1 or a size out of 1..500."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInputError(f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}", code="bad_page")
    return (page - 1) * per_page


def like_pattern(text: str) -> str:
    """`%text%` for LIKE/ILIKE with the wildcards in `text` escaped (use escape='\\\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


__all__ = ["MAX_PER_PAGE", "Paged", "check_page", "like_pattern"]

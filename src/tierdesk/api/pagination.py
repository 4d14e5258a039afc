"""Limit/offset pages, the same for every list: `{count, limit, offset, items}`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from ninja import Query

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000

Limit = Annotated[int, Query(description=f"Items per page, at most {MAX_LIMIT}.", ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(description="How many items to skip.", ge=0, le=MAX_OFFSET)]

M = TypeVar("M", bound=Model)


def page_of(
    query: QuerySet[M],
    *,
    limit: int,
    offset: int,
    serialise: Callable[[Iterable[M]], list[dict[str, Any]]],
) -> dict[str, Any]:
    """One page: two queries (the count and the rows) plus whatever `query` prefetches."""
    return {
        "count": query.count(),
        "limit": limit,
        "offset": offset,
        "items": serialise(list(query[offset : offset + limit])),
    }

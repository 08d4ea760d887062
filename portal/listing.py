"""A small helper for the scoped, filtered, paginated list pages."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> dict[str, Any]:
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page_obj": page, "object_list": page.object_list, "querystring": query.urlencode()}


class Counted:
    """A sliceable list whose length is known already, for the paginator (which would otherwise count it)."""

    ordered = True  # for the paginator's check: the lists given to it are ordered

    def __init__(self, items: Any, count: int) -> None:
        self.items, self._count = items, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> Any:
        return self.items[key]

"""Scoped API building blocks."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose queryset always goes through ``visible_to(request.user)``."""

    def get_queryset(self) -> Any:
        return self.queryset.visible_to(self.request.user)  # type: ignore[union-attr,arg-type]

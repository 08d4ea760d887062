"""DRF settings hooks: pagination, and the one error shape (``error_body``) with the exception handler that gives
it to every DRF error. Errors raised outside DRF (unknown URLs, oversized bodies, unhandled exceptions) get the same
shape from ``portal.api_errors``; ``portal.api_schema`` declares it in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


ERROR_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}

# How DRF's SessionAuthentication words a CSRF failure (untranslated, with Django's English reason).
CSRF_FAILED = "CSRF Failed:"


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The API's one error shape: ``{"error": {"code", "message", "fields"}}`` (``fields``: field -> messages)."""
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def error_response(
    status: int,
    code: str | None = None,
    message: str = "",
    *,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """A plain Django response carrying ``error_body`` (for errors answered outside a DRF view); ``code`` defaults
    to the status's code in ``ERROR_CODES``."""
    return JsonResponse(
        error_body(code or ERROR_CODES.get(status, "error"), message, fields),
        status=status,
        headers=headers,
        json_dumps_params={"ensure_ascii": False},
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answers ``error_body`` with the matching status. Exceptions DRF does not handle (an oversized
    body, a bug) go on to Django, whose API handlers (``portal.api_errors``) answer in the same shape."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    fields: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        message = gettext("请求数据有误，请按字段提示修改。")
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith(CSRF_FAILED):
        message = gettext("CSRF 校验失败，请刷新页面后重试；系统对接请使用令牌认证（Authorization: Token …）。")
    elif isinstance(exc, exceptions.ParseError):
        # DRF's parse messages ("JSON parse error - ...") are untranslated; keep them as the detail.
        message = gettext("请求数据无法解析，请检查格式（%(detail)s）。") % {"detail": exc.detail}
    else:
        detail = data.get("detail") if isinstance(data, dict) else data
        message = str(detail) if detail else ""
    response.data = error_body(ERROR_CODES.get(response.status_code, "error"), message, fields)
    return response

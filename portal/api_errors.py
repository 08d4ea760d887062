"""Django's error handlers (``handler400/403/404/500`` in ``portal.urls``): under ``/api/`` they answer the API's
JSON error shape (``portal.drf.error_body``), elsewhere Django's own pages.

They cover what DRF's exception handler never sees or leaves to Django: an unknown URL, a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` or with too many fields (``RequestDataTooBig`` and ``TooManyFieldsSent`` pass
through DRF's handler untouched, so Django logs them on ``django.security`` and ends here: 413), a disallowed host,
and an unhandled exception (logged by Django on ``django.request``, answered 500 without any detail)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.views import defaults

from .drf import error_response

API_PREFIX = "/api/"
# Pages under the prefix that are HTML for people, not API answers.
HTML_PREFIXES = ("/api/docs/",)


def is_api_request(request: HttpRequest) -> bool:
    path = request.path_info
    return (path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")) and not path.startswith(HTML_PREFIXES)


def too_large_message(exception: Exception) -> str:
    if isinstance(exception, RequestDataTooBig):
        limit_mb = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / (1024 * 1024)
        return gettext("请求数据超过 %(limit)s MB 的上限，请把批次拆分为较小的几批分别提交。") % {
            "limit": f"{limit_mb:.3g}"
        }
    limit = (
        settings.DATA_UPLOAD_MAX_NUMBER_FILES
        if isinstance(exception, TooManyFilesSent)
        else settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    )
    return gettext("请求包含的字段或文件超过 %(limit)s 个的上限，请把批次拆分为较小的几批分别提交。") % {
        "limit": limit
    }


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return error_response(413, message=too_large_message(exception))
    return error_response(400, message=gettext("请求无效，请检查请求地址、请求头和请求数据。"))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, message=gettext("没有执行此操作的权限。"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, message=gettext("没有这个接口地址，请对照 API 文档（/api/docs/）检查。"))


def server_error(request: HttpRequest) -> HttpResponse:
    if not is_api_request(request):
        return defaults.server_error(request)
    return error_response(500, message=gettext("服务器内部错误，请稍后重试；问题持续时请联系技术支持。"))


class ApiErrorsMiddleware:
    """The same answers when Django does not call the handlers above: with ``DEBUG`` on (the embedded demo) it
    answers an unknown URL, a bad request and an unhandled exception with its technical HTML pages. Under
    ``/api/`` such a page is replaced by the handler's JSON answer; the exception was already logged by Django."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_request(request)
            or not str(response.get("Content-Type", "")).startswith("text/html")
        ):
            return response
        exception = getattr(request, "_api_exception", None)
        if response.status_code == 404:
            return page_not_found(request, exception or Exception())
        if response.status_code == 403:
            return permission_denied(request, exception or Exception())
        if response.status_code == 400:
            return bad_request(request, exception or Exception())
        if response.status_code >= 500:
            return server_error(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Kept for __call__ (an oversized body is a 413 there too); Django goes on to log and answer it.
        request._api_exception = exception  # type: ignore[attr-defined]

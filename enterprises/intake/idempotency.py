"""``Idempotency-Key`` for the batch POSTs: a retried request with the same key answers the first successful
answer again instead of running the batch twice.

Keys are per user and endpoint and kept for ``IDEMPOTENCY_TTL`` (24 hours; older ones are ignored and purged
as new ones are written). Only a 2xx answer is stored, so a request refused with a 400 or 403 may be corrected
and retried with the same key. The same key with another body answers 422 ``idempotency_key_reused``; while the
first request with a key is still running, another with that key answers 409 ``idempotency_in_progress``.

The batch runs in one transaction with the key: on PostgreSQL it first takes a transaction-level advisory lock
on (user, endpoint, key) without waiting (a second request holding the same key gets the 409), and the stored
answer commits with the batch's writes, so the key is never stored for a batch that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from portal.api_schema import ErrorSerializer
from portal.drf import error_body

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
IDEMPOTENCY_TTL = dt.timedelta(hours=24)
PURGE_BATCH = 1000  # expired rows deleted per write (at most)
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "幂等键（可选，1至255个字符，如 UUID）。24小时内同一用户以同一键重试本接口，"
        "返回首次成功（2xx）的响应（状态码和内容相同，响应头 Idempotent-Replayed: true），不再重复执行；"
        "失败的响应（如 400、403）不保存，修改后可用同一键重试。"
        "同一键而请求内容不同返回 422（idempotency_key_reused）；同一键的前一请求仍在处理时返回 409"
        "（idempotency_in_progress），请稍后重试。键按用户区分，其他用户的键互不影响。"
    ),
)

IDEMPOTENCY_RESPONSES = {
    409: OpenApiResponse(
        ErrorSerializer, description="同一 Idempotency-Key 的前一请求仍在处理（idempotency_in_progress）"
    ),
    422: OpenApiResponse(
        ErrorSerializer, description="Idempotency-Key 已用于内容不同的请求（idempotency_key_reused）"
    ),
}


def request_digest(request: Request) -> str:
    """SHA-256 of the parsed body in a canonical form (key order and whitespace do not count)."""
    data = request.data
    if isinstance(data, QueryDict):
        data = dict(data.lists())
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=JSONEncoder)
    return hashlib.sha256(text.encode()).hexdigest()


def lock_key(user_id: int, path: str, key: str) -> int:
    """The advisory lock's 64-bit key for one (user, endpoint, key)."""
    digest = hashlib.sha256(f"idempotency\0{user_id}\0{path}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_lock(user_id: int, path: str, key: str) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite (the embedded runtime) serialises writers itself
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key(user_id, path, key)])
        return bool(cursor.fetchone()[0])


def _purge(cutoff: dt.datetime) -> None:
    """Delete expired keys, skipping rows another request is deleting right now (it would only make us wait)."""
    expired = IdempotentRequest.objects.filter(created_at__lt=cutoff).order_by()
    if connection.features.has_select_for_update_skip_locked:
        expired = expired.select_for_update(skip_locked=True)
    pks = list(expired.values_list("pk", flat=True)[:PURGE_BATCH])
    if pks:
        IdempotentRequest.objects.filter(pk__in=pks).delete()


def _key_of(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [gettext("Idempotency-Key 须为1至%(n)d个字符。") % {"n": MAX_KEY_LENGTH}]}
        )
    return key


def _error(status: int, code: str, message: str) -> Response:
    return Response(error_body(code, message), status=status)


def _in_progress() -> Response:
    return _error(409, "idempotency_in_progress", gettext("使用同一 Idempotency-Key 的请求正在处理中，请稍后重试。"))


ViewMethod = Callable[..., Response]


def idempotent(view: ViewMethod) -> ViewMethod:
    """Decorate a POST view method (inside ``@action``): honour the ``Idempotency-Key`` header when sent."""

    @functools.wraps(view)
    def wrapper(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key_of(request)
        user_id = request.user.pk
        if key is None or user_id is None:  # no key, or no login (which the view's permissions refuse)
            return view(self, request, *args, **kwargs)
        digest = request_digest(request)
        path = request.path
        with transaction.atomic():
            if not _try_lock(user_id, path, key):
                return _in_progress()
            cutoff = timezone.now() - IDEMPOTENCY_TTL
            _purge(cutoff)
            mine = IdempotentRequest.objects.filter(user_id=user_id, key=key, path=path)
            stored = mine.first()
            if stored is not None and stored.created_at >= cutoff:
                if stored.request_sha256 != digest:
                    return _error(
                        422,
                        "idempotency_key_reused",
                        gettext("该 Idempotency-Key 已用于内容不同的请求；新的请求请使用新的键。"),
                    )
                replay = Response(json.loads(stored.response_body), status=stored.status_code)
                replay[REPLAYED_HEADER] = "true"
                return replay
            response = view(self, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                return response  # not stored: the request may be retried with the same key
            mine.delete()  # an expired answer for the same key, not purged yet
            body = json.dumps(response.data, ensure_ascii=False, cls=JSONEncoder)
            try:
                with transaction.atomic():
                    IdempotentRequest.objects.create(
                        user_id=user_id,
                        key=key,
                        path=path,
                        request_sha256=digest,
                        status_code=response.status_code,
                        response_body=body,
                    )
            except IntegrityError:
                # Only without the advisory lock: another request stored the key meanwhile. Undo this batch.
                transaction.set_rollback(True)
                return _in_progress()
            return response

    return wrapper


__all__ = [
    "HEADER",
    "IDEMPOTENCY_PARAMETER",
    "IDEMPOTENCY_RESPONSES",
    "IDEMPOTENCY_TTL",
    "idempotent",
    "lock_key",
    "request_digest",
]

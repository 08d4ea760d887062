"""The OpenAPI schema class (``DEFAULT_SCHEMA_CLASS``): drf-spectacular's, with every operation declaring the
error responses it can answer, each the ``Error`` component (the shape of ``portal.drf.error_body``).

Apart from ``portal.drf`` because DRF imports ``portal.drf.Pagination`` while it is still loading
``rest_framework.generics``, a module drf-spectacular's ``AutoSchema`` needs loaded."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="稳定的错误代码：invalid、not_authenticated、permission_denied、not_found、"
                                           "too_large、unsupported_media_type、throttled、locked、server_error 等")
    message = serializers.CharField(help_text="给人看的说明（按请求语言，默认中文）")
    fields = serializers.DictField(  # type: ignore[assignment]
        help_text="字段 → 错误信息列表；没有字段错误时为空对象"
    )


class ErrorSerializer(serializers.Serializer):
    """所有错误响应的统一格式。"""  # the shape of portal.drf.error_body; the docstring is the schema's description

    error = ErrorDetailSerializer()


ERROR_RESPONSES = {
    400: "请求数据有误（字段错误见 fields）、请求体无法解析或请求无效",
    401: "未认证，或令牌无效",
    403: "无权执行此操作（含 CSRF 校验失败）",
    404: "对象不存在或不在可见范围内，或页码超出范围",
    413: "请求体超过大小上限（DATA_UPLOAD_MAX_MEMORY_SIZE），请拆分批次",
    415: "不支持的请求体类型（Content-Type），请使用 application/json",
    429: "请求过于频繁（限流），或登录失败过多已临时锁定；Retry-After 给出需等待的秒数",
    500: "服务器内部错误",
}
BODY_ERRORS = {413, 415}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "需等待的秒数"}}


class AutoSchema(SpectacularAutoSchema):
    """Every operation also declares the error responses it can answer, each an ``Error``; a response an
    operation declares itself (``@extend_schema(responses=...)``) is kept."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":  # callbacks describe the receiver's responses, not ours
            return responses
        for status, description in ERROR_RESPONSES.items():
            if str(status) in responses or not self._may_answer(status):
                continue
            response = self._get_response_for_code(ErrorSerializer, str(status), direction=direction)
            response["description"] = description
            if status == 429:
                response["headers"] = RETRY_AFTER
            responses[str(status)] = response
        return responses

    def _may_answer(self, status: int) -> bool:
        if status in BODY_ERRORS:
            return self.method in ("POST", "PUT", "PATCH")
        if status == 404:  # a lookup (path or query), a page out of range; the batch writes look nothing up
            return self.method == "GET" or "{" in self.path
        return True

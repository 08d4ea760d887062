"""One answer to "what do we tell the user about this exception": the messages of a ValidationError joined
with "；", the text of a PermissionDenied or another refusal, or a default when it says nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def user_message(exc: BaseException, default: str | None = None) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(str(m) for m in exc.messages)
    messages = getattr(exc, "messages", None)
    if isinstance(messages, list | tuple) and messages:
        return "；".join(str(m) for m in messages)
    return str(exc) or (default if default is not None else _("没有权限进行此操作。"))

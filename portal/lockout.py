"""What a locked-out login is told: that it is locked, and until when (django-axes' lockout callable).

The lock is per username and client address (``AXES_LOCKOUT_PARAMETERS``), so five wrong passwords from one
place never lock the account's owner out elsewhere. The page and the API both give the time the lock ends.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from .api_errors import is_api_request
from .drf import error_response
from .net import client_ip

LOCKOUT_STATUS = 429


def locked_until(request: HttpRequest, credentials: dict[str, Any] | None = None) -> dt.datetime | None:
    """When the lock on this username from this client address ends (None if it cannot be told)."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    if cool_off is None or not username:
        return None
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=client_ip(request) or None)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + cool_off


def lockout_message(until: dt.datetime | None) -> str:
    if until is None:
        return _("登录失败次数过多，账户在此地址的登录已临时锁定，请稍后再试。")
    return _("登录失败次数过多，账户在此地址的登录已锁定，请于 %(time)s 后再试。") % {
        "time": time_format(timezone.localtime(until), "H:i")
    }


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    until = locked_until(request, credentials)
    retry_after = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else None
    message = lockout_message(until)
    response = (
        error_response(LOCKOUT_STATUS, "locked", message)
        if is_api_request(request)
        else render(request, "portal/locked_out.html", {"message": message, "locked_until": until},
                    status=LOCKOUT_STATUS)
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response

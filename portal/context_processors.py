from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role

# (label, url name, roles that see it). Feature apps append their entries from AppConfig.ready(); labels
# are lazy translations.
NAV_ITEMS: list[tuple[Any, str, frozenset[str]]] = [
    (_("工作台"), "dashboard", frozenset(Role.values)),
    (_("组织单位"), "programme:unit_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT})),
    (_("认证机构"), "programme:cb_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB})),
    (_("企业"), "enterprises:enterprise_list", frozenset({Role.HQ, Role.PROVINCE, Role.DISTRICT, Role.CB})),
    (_("后台任务"), "reporting:job_list", frozenset(Role.values)),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = Role.HQ if user.is_superuser and not user.role else user.role
    items: list[dict[str, Any]] = [
        {"label": str(label), "url": reverse(url_name), "active": False}
        for label, url_name, roles in NAV_ITEMS
        if role in roles
    ]
    # Only the entry whose address is the longest prefix of this page is marked (/ledger/uploads/ marks
    # 台账上传, not 帮扶台账 too).
    matching = [item for item in items if request.path == item["url"] or (
        item["url"] != "/" and request.path.startswith(item["url"]))]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    from .models import Notification

    unread = Notification.objects.visible_to(user).unread().count()
    return {"nav_items": items, "show_admin": user.is_staff, "unread_notifications": unread}

"""In-app notifications (with e-mail) and deadline reminders.

Features say who still owes a submission for a deadline by registering a *reminder source*::

    @reminder_source(DeadlineKind.QUESTIONNAIRE)
    def questionnaire_pending(deadline) -> Iterable[User]: ...

``send_deadline_reminders`` (a beat task, hourly) reminds those users 7 days and 1 day before each
deadline, in the portal and by e-mail (console backend by default, SMTP from the environment). Each
(deadline, user, lead time) is sent once, whatever the number of runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Notification, ReminderDispatch, User

logger = logging.getLogger(__name__)

REMINDER_LEAD_DAYS = (7, 1)

ReminderSource = Callable[[Any], Iterable[User]]
_SOURCES: dict[str, list[ReminderSource]] = {}


def reminder_source(kind: str) -> Callable[[ReminderSource], ReminderSource]:
    def register(func: ReminderSource) -> ReminderSource:
        _SOURCES.setdefault(str(kind), []).append(func)
        return func

    return register


def notify(
    *, recipients: Iterable[User], title: str, body: str = "", url: str = "", kind: str = "info", email: bool = True
) -> list[Notification]:
    """Create in-app notifications and e-mail those recipients that have an address (after commit)."""
    people = [u for u in recipients if u.is_active]
    created = Notification.objects.bulk_create(
        [Notification(recipient=u, kind=kind, title=title, body=body, url=url, emailed=bool(email and u.email))
         for u in people]
    )
    if email:
        text = f"{body}\n\n{url}".strip()
        messages = [(title, text, settings.DEFAULT_FROM_EMAIL, [u.email]) for u in people if u.email]
        if messages:
            transaction.on_commit(lambda: _send_mail(messages))
    return created


def _send_mail(messages: list[tuple[str, str, str, list[str]]]) -> None:
    """E-mail after commit. The in-app notification is already stored; a mail server failure is logged and must
    not stop the other reminders of the run."""
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:
        logger.exception("could not e-mail %d notification(s)", len(messages))


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.visible_to(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def send_deadline_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind everybody who has not submitted, 7 days and 1 day before each deadline. Idempotent."""
    now = now or timezone.now()
    # Stored notifications and e-mails are written in the portal's language (zh-Hans), whatever language
    # the calling thread happens to have active.
    with translation.override(settings.LANGUAGE_CODE):
        sent = _send_reminders(now)
    if sent:
        logger.info("sent %d deadline reminders", sent)
    return sent


def _send_reminders(now: dt.datetime) -> int:
    # The deadlines are programme's (ReminderDispatch.deadline points at them): the portal imports no feature app.
    deadline_model: Any = ReminderDispatch._meta.get_field("deadline").related_model

    sent = 0
    for days in REMINDER_LEAD_DAYS:
        window_start = now + dt.timedelta(days=days - 1)
        window_end = now + dt.timedelta(days=days)
        for deadline in deadline_model.objects.filter(due_at__gt=window_start, due_at__lte=window_end):
            for source in _SOURCES.get(deadline.kind, []):
                for user in source(deadline):
                    try:
                        with transaction.atomic():
                            ReminderDispatch.objects.create(deadline=deadline, recipient=user, days_before=days)
                            notify(
                                recipients=[user],
                                kind="reminder",
                                title=_("提醒：%(item)s将于%(due)s截止") % {
                                    "item": deadline.get_kind_display(),
                                    "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
                                },
                                body=_("您尚未完成%(year)s年度的“%(item)s”，距截止还有%(days)d天，请及时报送。") % {
                                    "year": deadline.programme_year_id,
                                    "item": deadline.get_kind_display(),
                                    "days": days,
                                },
                            )
                            sent += 1
                    except IntegrityError:
                        continue  # already reminded at this lead time
    return sent

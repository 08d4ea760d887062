import datetime as dt

import pytest
from django.core import mail

from portal.models import Notification
from portal.notifications import _SOURCES, reminder_source, send_deadline_reminders
from programme.models import Deadline, DeadlineKind
from tests.factories import district_user, province_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_source():
    """A reminder source for self-assessments: the users given in `pending` still owe one."""
    pending: list = []
    func = reminder_source(DeadlineKind.SELF_ASSESSMENT)(lambda deadline: list(pending))
    yield pending
    _SOURCES[DeadlineKind.SELF_ASSESSMENT].remove(func)


def test_reminders_7_and_1_days_before_once_each(pending_source, django_capture_on_commit_callbacks):
    user = district_user(email="beichen@example.cn")
    pending_source.append(user)
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(days=10)) == 0
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(days=6, hours=20)) == 1
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(days=6, hours=10)) == 0  # same window
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(hours=20)) == 1
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(hours=2)) == 0
    notes = Notification.objects.filter(recipient=user, kind="reminder")
    assert notes.count() == 2
    assert "自评材料报送" in notes.first().title
    assert len(mail.outbox) == 2 and mail.outbox[0].to == ["beichen@example.cn"]


def test_reminders_are_written_in_the_portal_language_whatever_is_active(pending_source):
    from django.utils import translation

    user = district_user()
    pending_source.append(user)
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT)
    with translation.override("en"):
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(hours=20)) == 1
        assert translation.get_language() == "en"  # the caller's language is left as it was
    note = Notification.objects.get(recipient=user, kind="reminder")
    assert note.title.startswith("提醒：自评材料报送") and "Reminder" not in note.title


def test_users_who_submitted_are_not_reminded(pending_source):
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT)
    assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(hours=12)) == 0
    assert not Notification.objects.exists()


def test_notifications_are_personal(client, login):
    mine, other = district_user(), province_user()
    Notification.objects.create(recipient=mine, title="给北辰的通知")
    Notification.objects.create(recipient=other, title="给天津的通知")
    login(mine)
    html = client.get("/notifications/").content.decode()
    assert "给北辰的通知" in html and "给天津的通知" not in html
    client.post("/notifications/read/")
    assert Notification.objects.get(title="给天津的通知").read_at is None
    assert Notification.objects.get(title="给北辰的通知").read_at is not None


def test_a_mail_server_failure_does_not_stop_the_reminders(pending_source, django_capture_on_commit_callbacks,
                                                           monkeypatch):
    import portal.notifications as notifications

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "send_mass_mail", broken)
    first, second = district_user(email="a@example.cn"), district_user(email="b@example.cn")
    pending_source.extend([first, second])
    deadline = Deadline.objects.get(programme_year_id=2024, kind=DeadlineKind.SELF_ASSESSMENT)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders(now=deadline.due_at - dt.timedelta(hours=20)) == 2
    assert Notification.objects.filter(kind="reminder").count() == 2  # both in-app notifications stored

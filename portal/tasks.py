from celery import shared_task

from .notifications import send_deadline_reminders as _send


@shared_task(acks_late=True)
def send_deadline_reminders() -> int:
    return _send()

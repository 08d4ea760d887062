from typing import Any

from celery import shared_task
from celery.signals import after_task_publish, beat_init

from .notifications import send_deadline_reminders as _send

HEARTBEAT_TASK = "portal.tasks.heartbeat"


@shared_task(acks_late=True)
def send_deadline_reminders() -> int:
    return _send()


@shared_task(name="portal.tasks.refresh_figures", ignore_result=True, acks_late=False)
def refresh_figures(name: str, args: list[Any], key: str, seconds: int) -> None:
    """Cached figures in the last quarter of their minute, computed afresh off the request (portal/figures.py).
    Not acknowledged late: a refresh lost with its worker is taken up by the next request's claim."""
    from .figures import run_refresh

    run_refresh(name, args, key, seconds)


@shared_task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat() -> None:
    """Sent by beat every HEALTH_HEARTBEAT_SECONDS; the worker that runs it records its heartbeat (the beat
    process records its own when the message is sent, below). See portal/health.py."""
    from .health import record_heartbeat

    record_heartbeat("worker")


# Only the beat process records the beat heartbeat: another process sending the task proves nothing of beat.
_in_beat = False


@beat_init.connect
def _mark_beat_process(**kwargs: Any) -> None:
    global _in_beat
    _in_beat = True


@after_task_publish.connect
def _record_beat_heartbeat(sender: str | None = None, **kwargs: Any) -> None:
    # After, not before, the publish: beat counts as alive only while its messages reach the broker.
    if sender == HEARTBEAT_TASK and _in_beat:
        from .health import record_beat_send

        record_beat_send()

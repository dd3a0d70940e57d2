"""Background tasks of the foundation. Later capabilities add theirs in their own app."""

from django.core.mail import send_mail
from django_tasks import task


@task()
def send_email(subject: str, message: str, recipients: list[str]) -> int:
    """Sent by the worker so that a slow SMTP server never holds up a page."""
    return send_mail(subject=subject, message=message, from_email=None, recipient_list=recipients)

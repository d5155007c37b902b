"""Tell the organisation: email and webhook notices of what needs a person.

An account paused for its credentials, its credits or a takedown, a post left
``unknown``, a campaign run skipped: :func:`sweep` finds them in the post log
and sends each once through the channels configured by ``NOTIFY_*``
(:class:`NotifySettings`, :func:`notifier_from`). docs/notifications.md.
"""

from bot.notify.channels import (
    DeliveryError,
    EmailChannel,
    Notice,
    Notifier,
    WebhookChannel,
    notifier_from,
)
from bot.notify.settings import NotifySettings
from bot.notify.sweep import SweepReport, find_notices, sweep

__all__ = [
    "DeliveryError",
    "EmailChannel",
    "Notice",
    "Notifier",
    "NotifySettings",
    "SweepReport",
    "WebhookChannel",
    "find_notices",
    "notifier_from",
    "sweep",
]

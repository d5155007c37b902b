"""Email over a real SMTP server and JSON over a real HTTP server, both on 127.0.0.1."""

from __future__ import annotations

import logging

import pytest

from bot.notify import DeliveryError, EmailChannel, Notice, NotifySettings, WebhookChannel
from tests.notify.conftest import SMTP_PASSWORD, SMTP_USER, WEBHOOK_TOKEN, free_port, smtp_env

NOTICE = Notice(
    kind="auth",
    subject="x account 'default' paused: credentials rejected",
    body="The bot stopped posting from the x account 'default'.\n\nÜnïcode survives.",
    key="pause:account:x:default:auth",
)


def test_email_arrives_with_subject_body_sender_and_every_recipient(smtp):
    channel = EmailChannel(NotifySettings.from_env(smtp_env(smtp)))
    channel.send(NOTICE)
    (received,) = smtp.messages
    assert received.mail_from == "advocacy-bot@example.org"
    assert received.rcpt_tos == ["organizers@example.org", "ops@example.org"]
    message = received.message
    assert message["Subject"] == "[advocacy-bot] " + NOTICE.subject
    assert message["To"] == "organizers@example.org, ops@example.org"
    assert message["X-Advocacy-Bot-Notice"] == "auth"
    assert message.get_content().replace("\r\n", "\n").strip() == NOTICE.body
    assert smtp.logins == [(SMTP_USER, SMTP_PASSWORD)]


def test_email_without_a_login_for_a_local_relay(smtp):
    env = smtp_env(smtp, NOTIFY_SMTP_USER="", NOTIFY_SMTP_PASSWORD="")
    EmailChannel(NotifySettings.from_env(env)).send(NOTICE)
    assert len(smtp.messages) == 1 and smtp.logins == []


def test_a_wrong_password_is_a_delivery_error_that_does_not_quote_it(smtp):
    env = smtp_env(smtp, NOTIFY_SMTP_PASSWORD="wrong-password-123")
    with pytest.raises(DeliveryError) as caught:
        EmailChannel(NotifySettings.from_env(env)).send(NOTICE)
    assert "refused the login of bot@example.org" in str(caught.value)
    assert "wrong-password-123" not in str(caught.value)
    assert smtp.messages == []


def test_a_mail_server_that_is_down(caplog):
    env = smtp_env_for_port(free_port())
    with pytest.raises(DeliveryError) as caught:
        EmailChannel(NotifySettings.from_env(env)).send(NOTICE)
    assert "cannot reach 127.0.0.1" in str(caught.value)
    assert "connection refused" in str(caught.value)


def test_a_mail_server_that_refuses_the_message(smtp):
    smtp.refuse = True
    with pytest.raises(DeliveryError) as caught:
        EmailChannel(NotifySettings.from_env(smtp_env(smtp))).send(NOTICE)
    assert "451" in str(caught.value)


def test_starttls_asked_of_a_server_that_has_none_says_so(smtp):
    env = smtp_env(smtp, NOTIFY_SMTP_STARTTLS="1")
    with pytest.raises(DeliveryError) as caught:
        EmailChannel(NotifySettings.from_env(env)).send(NOTICE)
    assert "STARTTLS" in str(caught.value)


def test_the_webhook_receives_the_notice_as_json(webhook):
    channel = WebhookChannel(NotifySettings.from_env({"NOTIFY_WEBHOOK_URL": webhook.url}))
    channel.send(NOTICE)
    (request,) = webhook.requests
    assert request["path"] == f"/services/{WEBHOOK_TOKEN}"
    assert request["content_type"].startswith("application/json")
    assert request["json"] == {
        "text": f"{NOTICE.subject}\n\n{NOTICE.body}",
        "subject": NOTICE.subject,
        "body": NOTICE.body,
        "kind": "auth",
        "key": NOTICE.key,
    }


def test_a_webhook_error_names_the_status_never_the_url(webhook, caplog):
    webhook.statuses.append(403)
    caplog.set_level(logging.DEBUG)
    channel = WebhookChannel(NotifySettings.from_env({"NOTIFY_WEBHOOK_URL": webhook.url}))
    with pytest.raises(DeliveryError) as caught:
        channel.send(NOTICE)
    assert str(caught.value) == "webhook: 127.0.0.1 answered HTTP 403 Forbidden: invalid_token ***"
    assert WEBHOOK_TOKEN not in str(caught.value) + caplog.text


def test_a_webhook_that_is_down():
    url = f"http://127.0.0.1:{free_port()}/hook/{WEBHOOK_TOKEN}"
    channel = WebhookChannel(NotifySettings.from_env({"NOTIFY_WEBHOOK_URL": url}))
    with pytest.raises(DeliveryError) as caught:
        channel.send(NOTICE)
    assert "cannot reach 127.0.0.1" in str(caught.value)
    assert WEBHOOK_TOKEN not in str(caught.value)


def smtp_env_for_port(port: int) -> dict[str, str]:
    from tests.notify.conftest import SMTPServer

    return smtp_env(SMTPServer(port=port))


def test_the_local_mail_server_chooses_again_when_its_port_is_taken(monkeypatch) -> None:
    """The tests' SMTP server must choose its port before binding it: under parallel
    tests another connection can take that port first, which failed a run with
    "address already in use". It chooses again."""
    import socket

    from tests.notify import conftest

    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = taken.getsockname()[1]
        choices = iter([busy])
        real = conftest.free_port
        monkeypatch.setattr(conftest, "free_port", lambda: next(choices, None) or real())
        with conftest.smtp_server() as server:
            assert server.port != busy
            EmailChannel(NotifySettings.from_env(smtp_env(server))).send(NOTICE)
            assert len(server.messages) == 1

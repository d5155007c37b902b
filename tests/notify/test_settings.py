"""NOTIFY_* settings: what is configured, and a precise error for every mistake."""

from __future__ import annotations

import pytest

from bot.config import ConfigError
from bot.notify import NotifySettings, notifier_from

TOKEN = "T0AAAAAAA/B0BBBBBBB/abcdefSECRET123456"
HOOK = f"https://hooks.slack.com/services/{TOKEN}"
EMAIL = {
    "NOTIFY_SMTP_HOST": "smtp.example.org",
    "NOTIFY_SMTP_USER": "bot@example.org",
    "NOTIFY_SMTP_PASSWORD": "hunter2-secret",
    "NOTIFY_EMAIL_TO": "a@example.org, Ops <ops@example.org>",
}


def error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as caught:
        NotifySettings.from_env(env)
    return str(caught.value)


def test_nothing_set_means_no_notifier():
    settings = NotifySettings.from_env({"X_API_KEY": "x"})
    assert (settings.email, settings.webhook) == (False, False)
    assert notifier_from(settings) is None
    assert settings.describe() == {}


def test_email_and_webhook_both_configured():
    settings = NotifySettings.from_env({**EMAIL, "NOTIFY_WEBHOOK_URL": HOOK})
    assert settings.smtp_port == 587 and settings.smtp_starttls
    assert settings.email_to == ("a@example.org", "ops@example.org")
    assert settings.email_from == "bot@example.org"  # the login, when it is an address
    notifier = notifier_from(settings)
    assert notifier is not None and notifier.names == ["email", "webhook"]


def test_port_465_is_tls_from_the_start_not_starttls():
    settings = NotifySettings.from_env({**EMAIL, "NOTIFY_SMTP_PORT": "465"})
    assert settings.smtp_tls and not settings.smtp_starttls
    assert "smtp.example.org:465 (TLS" in settings.describe()["email"]


@pytest.mark.parametrize("port", ["abc", "0", "70000", "-1"])
def test_a_bad_port_is_named_with_the_range(port):
    message = error({**EMAIL, "NOTIFY_SMTP_PORT": port})
    assert f"NOTIFY_SMTP_PORT={port!r}" in message and "1 to 65535" in message


def test_a_mail_server_without_addresses_to_tell():
    message = error({"NOTIFY_SMTP_HOST": "smtp.example.org"})
    assert "NOTIFY_EMAIL_TO is not" in message


def test_addresses_without_a_mail_server():
    message = error({"NOTIFY_EMAIL_TO": "a@example.org"})
    assert "NOTIFY_EMAIL_TO set but NOTIFY_SMTP_HOST is not" in message


def test_a_bad_address_is_quoted():
    message = error({**EMAIL, "NOTIFY_EMAIL_TO": "a@example.org, not-an-address"})
    assert "NOTIFY_EMAIL_TO: 'not-an-address' is not an email address" in message


def test_a_sender_is_needed_when_the_login_is_no_address():
    message = error({**EMAIL, "NOTIFY_SMTP_USER": "apikey"})
    assert "NOTIFY_EMAIL_FROM is not set" in message


def test_a_login_needs_both_halves():
    env = dict(EMAIL)
    del env["NOTIFY_SMTP_PASSWORD"]
    assert "NOTIFY_SMTP_USER is set but NOTIFY_SMTP_PASSWORD is not" in error(env)


def test_a_password_is_never_sent_unencrypted_over_the_network():
    message = error({**EMAIL, "NOTIFY_SMTP_STARTTLS": "0", "NOTIFY_SMTP_PORT": "25"})
    assert "unencrypted" in message and "NOTIFY_SMTP_STARTTLS=1" in message
    assert "hunter2-secret" not in message
    # ...but a relay on this machine may take it in the clear.
    local = {**EMAIL, "NOTIFY_SMTP_HOST": "127.0.0.1", "NOTIFY_SMTP_STARTTLS": "0"}
    assert NotifySettings.from_env(local).smtp_starttls is False


def test_a_flag_that_is_neither_on_nor_off():
    assert "NOTIFY_SMTP_STARTTLS='maybe'" in error({**EMAIL, "NOTIFY_SMTP_STARTTLS": "maybe"})


@pytest.mark.parametrize(
    "url", [f"ftp://hooks.example.org/{TOKEN}", TOKEN, f"https:///{TOKEN}", "hooks.slack.com/x"]
)
def test_a_webhook_that_is_not_http_and_its_value_is_not_shown(url):
    message = error({"NOTIFY_WEBHOOK_URL": url})
    assert "NOTIFY_WEBHOOK_URL is not an http:// or https:// address" in message
    assert TOKEN not in message and "SECRET" not in message


def test_a_bad_timeout():
    assert "NOTIFY_TIMEOUT='0'" in error({"NOTIFY_WEBHOOK_URL": HOOK, "NOTIFY_TIMEOUT": "0"})


def test_secrets_are_masked_in_repr_and_describe():
    settings = NotifySettings.from_env({**EMAIL, "NOTIFY_WEBHOOK_URL": HOOK})
    shown = repr(settings) + repr(settings.describe())
    assert "hunter2-secret" not in shown and TOKEN not in shown and "SECRET" not in shown
    assert settings.describe()["webhook"] == "https://hooks.slack.com/***"
    assert "password set" in settings.describe()["email"]
    assert HOOK in settings.secrets and "hunter2-secret" in settings.secrets


def test_every_variable_is_in_env_example_and_the_docs():
    from bot.notify.settings import VARIABLES
    from tests.support import ROOT

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "notifications.md").read_text(encoding="utf-8")
    for name in VARIABLES:
        assert f"# {name}=" in example and name in docs, name

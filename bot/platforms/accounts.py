"""Which accounts are configured, and the environment variables of each.

An account is the organisation's identity on one platform. The account named
``default`` reads unprefixed variables (``X_API_KEY``); any other account reads
variables with its name after the platform (``X_MOCOALITION_API_KEY`` for the
account ``mocoalition``; names are upper-cased, other characters become ``_``).

Credentials are looked up only under the account's own names. Other settings
(timeouts, base URLs, limits, prices) fall back from the account's name to the
platform-wide one (``X_MOCOALITION_TIMEOUT`` → ``X_TIMEOUT``) and then to a
documented default. Error messages name variables, never their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import ConfigError, Settings

PLATFORMS = ("x", "facebook", "bluesky", "mastodon")

PREFIX = {"x": "X", "facebook": "FACEBOOK", "bluesky": "BLUESKY", "mastodon": "MASTODON"}

#: The variable whose presence means "this account is configured".
KEY_VARIABLE = {
    "x": "API_KEY",
    "facebook": "PAGE_ID",
    "bluesky": "HANDLE",
    "mastodon": "ACCESS_TOKEN",
}

#: Credential variables per platform: secrets, masked everywhere.
SECRET_VARIABLES = {
    "x": ("API_KEY", "API_SECRET", "ACCESS_TOKEN", "ACCESS_TOKEN_SECRET"),
    "facebook": ("PAGE_TOKEN",),
    "bluesky": ("APP_PASSWORD",),
    "mastodon": ("ACCESS_TOKEN",),
}

DEFAULT_ACCOUNT = "default"


def account_slug(account: str) -> str:
    """``mo-coalition`` → ``MO_COALITION``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", account).strip("_").upper()
    if not slug:
        raise ConfigError(f"account name {account!r} has no letters or digits")
    return slug


def env_name(platform: str, account: str, name: str) -> str:
    """The variable holding ``name`` for ``account`` on ``platform``."""
    prefix = PREFIX[platform]
    if account == DEFAULT_ACCOUNT:
        return f"{prefix}_{name}"
    return f"{prefix}_{account_slug(account)}_{name}"


@dataclass(frozen=True)
class AccountConfig:
    """The settings of one account, read from :class:`~bot.config.Settings`."""

    settings: Settings
    platform: str
    account: str

    def name(self, name: str) -> str:
        return env_name(self.platform, self.account, name)

    def credential(self, name: str) -> str | None:
        """A credential: only the account's own variable counts."""
        return self.settings.get(self.name(name))

    def require(self, name: str, what: str) -> str:
        """A credential that must be set; the error names the variable and what it is."""
        value = self.credential(name)
        if value is None:
            raise ConfigError(
                f"{self.name(name)} is not set ({what} for the {self.platform} account "
                f"'{self.account}'); see .env.example and docs/platforms.md"
            )
        return value

    def setting(self, name: str, default: str | None = None) -> str | None:
        """A non-secret setting: the account's variable, else the platform's, else ``default``."""
        value = self.settings.get(self.name(name))
        if value is None and self.account != DEFAULT_ACCOUNT:
            value = self.settings.get(env_name(self.platform, DEFAULT_ACCOUNT, name))
        return value if value is not None else default

    def flag(self, name: str, default: bool) -> bool:
        value = self.setting(name)
        if value is None:
            return default
        text = value.strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{self.name(name)} must be 1 or 0 (got {value!r})")

    def number(self, name: str, default: float) -> float:
        value = self.setting(name)
        if value is None:
            return default
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{self.name(name)} must be a number (got {value!r})") from None

    def secrets(self) -> list[str]:
        """The values of this account's credentials (to mask them in logs)."""
        values = [self.credential(n) for n in SECRET_VARIABLES[self.platform]]
        return [v for v in values if v]


def configured_accounts(settings: Settings) -> list[tuple[str, str]]:
    """Every ``(platform, account)`` whose key variable is set, in a stable order."""
    found: list[tuple[str, str]] = []
    for platform in PLATFORMS:
        prefix, key = PREFIX[platform], KEY_VARIABLE[platform]
        pattern = re.compile(rf"^{prefix}_(?:(?P<account>[A-Z0-9_]+?)_)?{key}$")
        accounts: set[str] = set()
        for variable, value in settings.env.items():
            match = pattern.match(variable)
            if not match or not value:
                continue
            account = match.group("account")
            accounts.add(account.lower() if account else DEFAULT_ACCOUNT)
        found.extend((platform, a) for a in sorted(accounts, key=lambda a: (a != "default", a)))
    return found

"""The root of the bot's own exceptions.

Every exception the package raises on purpose derives from
:class:`AdvocacyBotError` (as every httpx error derives from ``HTTPError``), so
a caller that wants "anything the bot said went wrong" catches one class:
the CLI's error handler (:func:`bot.cli.common.explain`) and the worker do.
A class may also derive from the built-in it always was (``ValueError`` for a
bad value), so code catching that keeps working.

A message is shown to people and written to logs: it names the setting,
file or field and what to do, and never holds a secret (a token, a password,
a database URL's password).

No imports: every module can use this one.
"""

from __future__ import annotations


class AdvocacyBotError(Exception):
    """Something the bot recognised as wrong; the message says what and, where it can,
    what to do about it."""

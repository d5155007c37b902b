"""Legislators: who they are, their accounts, and how campaigns select them."""

from bot.directory.people import Person

__all__ = ["Person"]

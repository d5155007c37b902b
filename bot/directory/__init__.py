"""Legislators: who they are, their handles, and how campaigns select them.

- :mod:`~bot.directory.people`     the shared :class:`Person` every part of the bot uses
- :mod:`~bot.directory.models`     the directory's SQL tables
- :mod:`~bot.directory.importers`  congress-legislators and Open States into those tables
- :mod:`~bot.directory.sync`       download from the data's public homes, then import
- :mod:`~bot.directory.selectors`  the selector language of campaign files (pydantic)
- :mod:`~bot.directory.match`      selectors as SQL
- :mod:`~bot.directory.overrides`  organizer handles, added people, do-not-tag
- :mod:`~bot.directory.resolve`    ``resolve_targets`` (the pipeline's seam), ``check_targets``
- :mod:`~bot.directory.report`     what ``advocacy-bot targets`` shows
- :mod:`~bot.directory.search`     ``directory search``

See docs/directory.md. Only :class:`Person` is imported here, so loading a
campaign does not load SQLAlchemy.
"""

from bot.directory.people import Person

__all__ = ["Person"]

"""Every module that defines tables, imported, so ``Base.metadata`` is complete.

Alembic's ``env.py`` and the migrations-agree test import this. It sits above
every package (the tables live beside their code: the post log in
:mod:`bot.store.models`, the directory's in :mod:`bot.directory.models`, bills'
in :mod:`bot.bills.models`, call outcomes in :mod:`bot.web.outcomes`), so the
store need not import the packages built on it.
"""

import bot.bills.models  # noqa: F401
import bot.directory.models  # noqa: F401
import bot.store.counts  # noqa: F401
import bot.store.models  # noqa: F401
import bot.store.subscribers  # noqa: F401
import bot.web.outcomes  # noqa: F401

"""Import every module that defines tables, so ``Base.metadata`` is complete.

Alembic's ``env.py`` and the migrations-agree test import this.
"""

import bot.bills.models  # noqa: F401
import bot.directory.models  # noqa: F401
import bot.store.counts  # noqa: F401
import bot.store.models  # noqa: F401
import bot.store.subscribers  # noqa: F401
import bot.web.outcomes  # noqa: F401

"""Publishers: one module per platform behind :class:`bot.platforms.base.Publisher`.

Platform client libraries are heavy to import (atproto alone takes about a
second), so each platform module is imported only when a live publisher for it
is built, by :func:`bot.platforms.registry.build_publisher`.
"""

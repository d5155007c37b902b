"""Local fake platform servers that speak each platform's real wire format.

One module per platform (``x``, ``facebook``, ``bluesky``, ``mastodon``), each a
:class:`tests.fakes._server.FakeServer` that tests start in a thread and that
also runs as a standalone process (``python -m tests.fakes.x --port N
--state-file F``). See :mod:`tests.fakes._server` for faults and journals.
"""

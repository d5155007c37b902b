"""Imported at start-up by a bot process whose PYTHONPATH holds this folder: its host's
wall clock is ``SKEWED_CLOCK_SECONDS`` off (time-machine moves ``time.time`` and
``datetime.now``; ``time.monotonic``, so waits and timeouts, stays real).

Used by tests/reliability/test_clocks.py, the way libfaketime would be if its
0.9.10 preload did not break Python's ``time.sleep`` and ``Event.wait`` here.
"""

import os
from datetime import UTC, datetime, timedelta

_skew = os.environ.get("SKEWED_CLOCK_SECONDS")
if _skew:
    import time_machine

    _travel = time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(_skew)), tick=True)
    _travel.start()

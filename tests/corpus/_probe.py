"""Run ``advocacy-bot ARGS...`` and write this process's peak memory to $PROBE_PEAK.

The corpus test starts this in a child process. ``VmHWM`` is the peak
resident memory of this process image (it restarts at ``exec``, unlike
``ru_maxrss``). An address-space cap keeps a runaway case from taking the
machine down with it; the test's own limit (200 MB) is much lower.
"""

from __future__ import annotations

import atexit
import os
import resource
import sys

CAP = 2 * 1024**3


def _report() -> None:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                kib = int(line.split()[1])
                with open(os.environ["PROBE_PEAK"], "w") as out:
                    out.write(str(kib * 1024))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))
    atexit.register(_report)
    from bot.cli import main

    sys.argv = ["advocacy-bot", *sys.argv[1:]]
    main()
